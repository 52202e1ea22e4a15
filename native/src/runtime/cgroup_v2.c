/* Cgroup v2 (unified hierarchy): one directory per container; controllers are enabled for it through each
 * ancestor's cgroup.subtree_control; devices are governed by an eBPF program (cgroup_ebpf.c). */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *root = "/sys/fs/cgroup";

void cgroup_v2_set_root(const char *r) {
  root = r;
}

const char *cgroup_v2_root(void) {
  return root;
}

static char *dir_of(const char *path) {
  return xasprintf("%s%s", root, path);
}

/* ---- resources ---- */

static int write_num_or_max(const char *dir, const char *file, int64_t v, gantry_error_t *err) {
  char buf[32];
  if (v < 0) snprintf(buf, sizeof(buf), "max"); else snprintf(buf, sizeof(buf), "%lld", (long long)v);
  return cgroup_write(dir, file, buf, err);
}

static int set_memory(const char *dir, const struct cgroup_resources *r, gantry_error_t *err) {
  int64_t limit = r->has_memory_limit ? r->memory_limit : 0;
  int64_t swap = 0;
  bool set_swap = false;
  if (cgroup_swap_to_v2(r->has_memory_swap ? r->memory_swap : 0, limit, &swap, &set_swap, err) < 0) return -1;
  if (set_swap) {
    char buf[32];
    if (swap < 0) snprintf(buf, sizeof(buf), "max"); else snprintf(buf, sizeof(buf), "%lld", (long long)swap);
    /* Without swap accounting there is no memory.swap.max; "no swap" and "unlimited" then hold already. */
    int w = cgroup_write_if_exists(dir, "memory.swap.max", buf, err);
    if (w < 0) return -1;
    if (w == 0 && swap > 0)
      return gantry_error_set(err, ENOENT, "write %s to %s/memory.swap.max (swap accounting is off)", buf, dir);
  }
  if (limit != 0 && write_num_or_max(dir, "memory.max", limit, err) < 0) return -1;
  if (r->has_memory_reservation && r->memory_reservation != 0 &&
      write_num_or_max(dir, "memory.low", r->memory_reservation, err) < 0)
    return -1;
  /* memory.swappiness and oom_control have no v2 equivalent; runc ignores them there too. */
  return 0;
}

static int set_cpu(const char *dir, const struct cgroup_resources *r, gantry_error_t *err) {
  if ((r->has_cpu_rt_runtime && r->cpu_rt_runtime != 0) || (r->has_cpu_rt_period && r->cpu_rt_period != 0))
    return gantry_error_set(err, 0, "cpu realtimeRuntime/realtimePeriod: not supported on cgroup v2");
  if (r->has_cpu_shares && r->cpu_shares != 0) {
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cgroup_shares_to_weight(r->cpu_shares));
    if (cgroup_write(dir, "cpu.weight", buf, err) < 0) return -1;
  }
  int64_t quota = r->has_cpu_quota ? r->cpu_quota : 0;
  uint64_t period = r->has_cpu_period ? r->cpu_period : 0;
  if (quota != 0 || period != 0) {
    char buf[64];
    int n = quota > 0 ? snprintf(buf, sizeof(buf), "%lld", (long long)quota) : snprintf(buf, sizeof(buf), "max");
    if (period != 0) snprintf(buf + n, sizeof(buf) - (size_t)n, " %llu", (unsigned long long)period);
    if (cgroup_write(dir, "cpu.max", buf, err) < 0) return -1;
  }
  if (r->cpu_cpus && *r->cpu_cpus && cgroup_write(dir, "cpuset.cpus", r->cpu_cpus, err) < 0) return -1;
  if (r->cpu_mems && *r->cpu_mems && cgroup_write(dir, "cpuset.mems", r->cpu_mems, err) < 0) return -1;
  return 0;
}

#define NO_BFQ "the kernel has no BFQ I/O scheduler loaded (io.bfq.weight) and no io.weight (iocost)"

/* Block I/O: BFQ takes the v1 weight range as is; io.weight (iocost) has its own range; runc writes whichever exists
 * (BFQ first) and fails when neither does, and so does this. Throttles go to io.max with any scheduler. */
static int set_io(const char *dir, const struct cgroup_resources *r, gantry_error_t *err) {
  if (r->has_blkio_leaf_weight && r->blkio_leaf_weight != 0)
    return gantry_error_set(err, 0, "linux.resources.blockIO.leafWeight: cgroup v2 has no leaf weights");
  if (r->has_blkio_weight && r->blkio_weight != 0) {
    char buf[32];
    if (cgroup_file_exists(dir, "io.bfq.weight")) {
      snprintf(buf, sizeof(buf), "%u", r->blkio_weight);
      if (cgroup_write(dir, "io.bfq.weight", buf, err) < 0) return -1;
    } else if (cgroup_file_exists(dir, "io.weight")) {
      snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cgroup_blkio_to_io_weight(r->blkio_weight));
      if (cgroup_write(dir, "io.weight", buf, err) < 0) return -1;
    } else {
      return cgroup_cannot_apply(err, "linux.resources.blockIO.weight", dir, "io.bfq.weight or io.weight", NO_BFQ);
    }
  }
  if (r->n_blkio_weight_device > 0 && !cgroup_file_exists(dir, "io.bfq.weight"))
    return cgroup_cannot_apply(err, "linux.resources.blockIO.weightDevice", dir, "io.bfq.weight", NO_BFQ);
  for (size_t i = 0; i < r->n_blkio_weight_device; i++) {
    const struct cgroup_blkio_device *d = &r->blkio_weight_device[i];
    if (!d->has_weight) continue;
    char line[64];
    snprintf(line, sizeof(line), "%lld:%lld %u", (long long)d->major, (long long)d->minor, d->weight);
    if (cgroup_write(dir, "io.bfq.weight", line, err) < 0) return -1;
  }
  static const char *keys[CGROUP_THROTTLE_KINDS] = {"rbps", "wbps", "riops", "wiops"};
  bool throttled = false;
  for (size_t k = 0; k < CGROUP_THROTTLE_KINDS; k++) throttled = throttled || r->n_blkio_throttle[k] > 0;
  if (throttled && !cgroup_file_exists(dir, "io.max"))
    return cgroup_cannot_apply(err, "linux.resources.blockIO.throttle*Device", dir, "io.max",
                               "the io controller is not enabled");
  for (size_t k = 0; k < CGROUP_THROTTLE_KINDS; k++)
    for (size_t i = 0; i < r->n_blkio_throttle[k]; i++) {
      const struct cgroup_blkio_device *d = &r->blkio_throttle[k][i];
      char line[96];
      /* io.max takes "max" for no limit; OCI's 0 means the same. */
      if (d->rate == 0)
        snprintf(line, sizeof(line), "%lld:%lld %s=max", (long long)d->major, (long long)d->minor, keys[k]);
      else
        snprintf(line, sizeof(line), "%lld:%lld %s=%llu", (long long)d->major, (long long)d->minor, keys[k],
                 (unsigned long long)d->rate);
      if (cgroup_write(dir, "io.max", line, err) < 0) return -1;
    }
  return 0;
}

static int set_hugetlb(const char *dir, const struct cgroup_resources *r, gantry_error_t *err) {
  for (size_t i = 0; i < r->n_hugepages; i++) {
    cleanup_free char *file = xasprintf("hugetlb.%s.max", r->hugepages[i].page_size);
    if (!cgroup_file_exists(dir, file)) {
      cleanup_free char *field = xasprintf("linux.resources.hugepageLimits[%zu] (pageSize %s)", i,
                                           r->hugepages[i].page_size);
      return cgroup_cannot_apply(err, field, dir, file,
                                 "the hugetlb controller is not enabled or the kernel has no such page size");
    }
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)r->hugepages[i].limit);
    if (cgroup_write(dir, file, buf, err) < 0) return -1;
  }
  return 0;
}

/* A resource group whose controller is not enabled here has no interface files: refuse with the field's name
 * rather than a bare ENOENT from the first write. */
static int need_file(const char *dir, bool wanted, const char *file, const char *field, const char *controller,
                     gantry_error_t *err) {
  if (!wanted || cgroup_file_exists(dir, file)) return 0;
  cleanup_free char *why = xasprintf("the %s controller is not enabled for this cgroup", controller);
  return cgroup_cannot_apply(err, field, dir, file, why);
}

static int set_unified(const char *dir, const struct cgroup_resources *r, gantry_error_t *err) {
  for (size_t i = 0; i < r->n_unified; i++) {
    const char *k = r->unified_keys[i];
    if (*k == '\0' || strchr(k, '/') || k[0] == '.' || strncmp(k, "cgroup.procs", 12) == 0 ||
        strcmp(k, "cgroup.threads") == 0 || strcmp(k, "cgroup.subtree_control") == 0)
      return gantry_error_set(err, 0, "linux.resources.unified key \"%s\": not a resource file", k);
    if (!cgroup_file_exists(dir, k))
      return gantry_error_set(err, ENOENT, "linux.resources.unified \"%s\": no such file in %s (controller not "
                              "enabled?)", k, dir);
    if (cgroup_write(dir, k, r->unified_values[i], err) < 0) return -1;
  }
  return 0;
}

static int apply(const char *dir, const struct cgroup_resources *r, bool with_devices, gantry_error_t *err) {
  if (r->has_net_classid || r->n_net_priorities > 0)
    return gantry_error_set(err, 0, "linux.resources.network: cgroup v2 has no net_cls or net_prio controller "
                            "(this host cannot apply classID or priorities)");
  bool limits_memory = (r->has_memory_limit && r->memory_limit != 0) ||
                       (r->has_memory_reservation && r->memory_reservation != 0);
  bool shares_or_quota = (r->has_cpu_shares && r->cpu_shares != 0) || (r->has_cpu_quota && r->cpu_quota != 0) ||
                         (r->has_cpu_period && r->cpu_period != 0);
  if (need_file(dir, limits_memory, "memory.max", "linux.resources.memory", "memory", err) < 0 ||
      need_file(dir, shares_or_quota, "cpu.max", "linux.resources.cpu", "cpu", err) < 0 ||
      need_file(dir, cgroup_wants_cpuset(r), "cpuset.cpus", "linux.resources.cpu.cpus/mems", "cpuset", err) < 0 ||
      need_file(dir, r->has_pids_limit, "pids.max", "linux.resources.pids", "pids", err) < 0)
    return -1;
  if (set_memory(dir, r, err) < 0 || set_cpu(dir, r, err) < 0 || set_io(dir, r, err) < 0 ||
      set_hugetlb(dir, r, err) < 0)
    return -1;
  if (r->has_pids_limit && write_num_or_max(dir, "pids.max", r->pids_limit > 0 ? r->pids_limit : -1, err) < 0)
    return -1;
  if (with_devices && r->n_devices > 0 && cgroup_ebpf_apply_devices(dir, r->devices, r->n_devices, err) < 0)
    return -1;
  /* Last, so raw values given there win over the mapped ones, as in runc. */
  return set_unified(dir, r, err);
}

/* ---- operations ---- */

/* On every level above the leaf, enables for the children each controller this level has. A level that holds
 * processes (other than the root) cannot delegate: the kernel says EBUSY, and that is reported. */
static int enable_controllers(const char *dir, bool leaf, gantry_error_t *err) {
  if (leaf) return 0;
  cleanup_free char *avail = NULL, *enabled = NULL;
  if (cgroup_read(dir, "cgroup.controllers", &avail, err) < 0 ||
      cgroup_read(dir, "cgroup.subtree_control", &enabled, err) < 0)
    return -1;
  char *save = NULL;
  for (char *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
    bool on = false;
    cleanup_free char *copy = xstrdup(enabled);
    char *s2 = NULL;
    for (char *e = strtok_r(copy, " \n", &s2); e; e = strtok_r(NULL, " \n", &s2))
      if (strcmp(e, c) == 0) on = true;
    if (on) continue;
    cleanup_free char *plus = xasprintf("+%s", c);
    gantry_error_t e = NULL;
    if (cgroup_write(dir, "cgroup.subtree_control", plus, &e) < 0) {
      /* Some controllers cannot be enabled in every mode (e.g. threaded subtrees); only EBUSY is the
       * user's to fix, the rest show up as a missing file if the container needs them. */
      if (e->status == EBUSY) {
        *err = e;
        return gantry_error_wrap(err, "enable controllers below %s (it holds processes)", dir);
      }
      gantry_error_free(&e);
    }
  }
  return 0;
}

static int v2_create(const struct cgroup_config *cfg, pid_t pid, char **state_path, gantry_error_t *err) {
  cleanup_free char *path = NULL;
  if (cgroup_resolve_path(cfg, &path, err) < 0) return -1;
  int created = 0;
  cleanup_free char *dir = dir_of(path);
  if (cgroup_mkdir_levels(root, path, enable_controllers, false, &created, err) == 0 &&
      apply(dir, &cfg->resources, true, err) == 0) {
    if (cfg->made) cfg->made(cfg->made_arg, path);
    if (cgroup_enter_dir(dir, pid, err) == 0) {
      *state_path = xstrdup(path);
      return 0;
    }
  }
  cgroup_rmdir_levels(root, path, created);
  return gantry_error_wrap(err, "create cgroup %s", path);
}

static int v2_enter(const char *path, pid_t pid, gantry_error_t *err) {
  if (cgroup_check_state_path(path, err) < 0) return -1;
  cleanup_free char *dir = dir_of(path);
  if (cgroup_enter_dir(dir, pid, err) < 0) return gantry_error_wrap(err, "join cgroup %s", path);
  return 0;
}

static int v2_update(const char *path, const struct cgroup_resources *res, gantry_error_t *err) {
  if (cgroup_check_state_path(path, err) < 0) return -1;
  cleanup_free char *dir = dir_of(path);
  if (apply(dir, res, false, err) < 0) return gantry_error_wrap(err, "update cgroup %s", path);
  return 0;
}

static void sleep_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

static int v2_freeze(const char *path, bool frozen, gantry_error_t *err) {
  if (cgroup_check_state_path(path, err) < 0) return -1;
  cleanup_free char *dir = dir_of(path);
  if (cgroup_write(dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0) return -1;
  /* cgroup.events says "frozen 1" once every task has stopped. */
  long delay = 100;
  for (int attempt = 0; attempt < 1000; attempt++) {
    uint64_t v;
    bool found;
    if (cgroup_read_keyed(dir, "cgroup.events", "frozen", &v, &found, err) < 0) return -1;
    if (!found || (v != 0) == frozen) return 0;
    sleep_us(delay);
    if (delay < 10000) delay *= 2;
  }
  if (frozen) cgroup_write(dir, "cgroup.freeze", "0", NULL);
  return gantry_error_set(err, ETIMEDOUT, "%s cgroup %s (cgroup.events never settled)", frozen ? "freeze" : "thaw",
                          dir);
}

static int v2_pids(const char *path, pid_t **pids, size_t *n, gantry_error_t *err) {
  if (cgroup_check_state_path(path, err) < 0) return -1;
  cleanup_free char *dir = dir_of(path);
  return cgroup_collect_pids(dir, pids, n, err);
}

static int v2_kill_all(const char *path, int sig, gantry_error_t *err) {
  if (cgroup_check_state_path(path, err) < 0) return -1;
  cleanup_free char *dir = dir_of(path);
  /* Linux 5.14+: one write kills the whole subtree, forks included. */
  if (sig == SIGKILL && cgroup_file_exists(dir, "cgroup.kill")) return cgroup_write(dir, "cgroup.kill", "1", err);
  cleanup_free char *before = NULL;
  if (cgroup_read(dir, "cgroup.freeze", &before, err) < 0) return -1;
  bool paused = before[0] == '1';
  if (!paused && v2_freeze(path, true, err) < 0) return -1;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  int rc = v2_pids(path, &pids, &n, err);
  for (size_t i = 0; rc == 0 && i < n; i++)
    if (kill(pids[i], sig) < 0 && errno != ESRCH) rc = gantry_error_sys(err, "kill %d in cgroup %s", pids[i], path);
  /* A paused container stays paused: its signals wait for resume (SIGKILL goes through the v2 freezer). */
  if (!paused && v2_freeze(path, false, rc < 0 ? NULL : err) < 0 && rc == 0) rc = -1;
  return rc;
}

static int v2_destroy(const char *path, gantry_error_t *err) {
  if (cgroup_check_state_path(path, err) < 0) return -1;
  cleanup_free char *dir = dir_of(path);
  if (cgroup_rmdir_tree(dir, err) < 0) return -1;
  cgroup_remove_default_parents(root, path);
  return 0;
}

static int v2_oom_kills(const char *path, uint64_t *count, gantry_error_t *err) {
  if (cgroup_check_state_path(path, err) < 0) return -1;
  cleanup_free char *dir = dir_of(path);
  bool found;
  return cgroup_read_keyed(dir, "memory.events", "oom_kill", count, &found, err);
}

static const struct cgroup_manager v2 = {
    .mode = CGROUP_MODE_V2,
    .create = v2_create,
    .enter = v2_enter,
    .update = v2_update,
    .freeze = v2_freeze,
    .pids = v2_pids,
    .kill_all = v2_kill_all,
    .destroy = v2_destroy,
    .oom_kills = v2_oom_kills,
};

const struct cgroup_manager *cgroup_v2_manager(void) {
  return &v2;
}
