/* Cgroup v1 (legacy and hybrid hosts): one directory per hierarchy, each hierarchy mounted with one or more
 * controllers (cpu,cpuacct often share one). The container's cgroup has the same path under every hierarchy. */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
  C_CPU = 1 << 0, C_CPUACCT = 1 << 1, C_CPUSET = 1 << 2, C_MEMORY = 1 << 3, C_DEVICES = 1 << 4,
  C_FREEZER = 1 << 5, C_BLKIO = 1 << 6, C_PIDS = 1 << 7, C_HUGETLB = 1 << 8, C_NET_CLS = 1 << 9, C_NET_PRIO = 1 << 10,
  C_OTHER = 1 << 11, /* perf_event, rdma, misc, name=systemd, ... */
};

static const struct { const char *name; unsigned bit; } known[] = {
    {"cpu", C_CPU},       {"cpuacct", C_CPUACCT}, {"cpuset", C_CPUSET}, {"memory", C_MEMORY},
    {"devices", C_DEVICES}, {"freezer", C_FREEZER}, {"blkio", C_BLKIO},  {"pids", C_PIDS},
    {"hugetlb", C_HUGETLB}, {"net_cls", C_NET_CLS}, {"net_prio", C_NET_PRIO},
};

struct hierarchy {
  char *mount;
  char *options; /* the controller list, e.g. "cpu,cpuacct" or "name=systemd": identifies the hierarchy */
  unsigned controllers;
};

static struct hierarchy *hier;
static size_t n_hier;
static bool loaded;

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s) {
  char *o = s;
  for (char *i = s; *i; i++) {
    if (i[0] == '\\' && i[1] >= '0' && i[1] <= '7' && i[2] >= '0' && i[2] <= '7' && i[3] >= '0' && i[3] <= '7') {
      *o++ = (char)((i[1] - '0') * 64 + (i[2] - '0') * 8 + (i[3] - '0'));
      i += 3;
    } else {
      *o++ = *i;
    }
  }
  *o = '\0';
}

static int load_mounts(gantry_error_t *err) {
  if (loaded) return 0;
  cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
  if (f == NULL) return gantry_error_sys(err, "open /proc/self/mountinfo");
  cleanup_free char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    /* id parent maj:min root mountpoint options [optional...] - fstype source superoptions */
    char *sep = strstr(line, " - ");
    if (sep == NULL) continue;
    char fstype[32], source[256], super[1024];
    if (sscanf(sep + 3, "%31s %255s %1023s", fstype, source, super) != 3 || strcmp(fstype, "cgroup") != 0) continue;
    char mount[4096];
    if (sscanf(line, "%*s %*s %*s %*s %4095s", mount) != 1) continue;
    unescape(mount);
    unsigned bits = 0;
    cleanup_free char *ctrls = xstrdup("");
    char *save = NULL;
    for (char *o = strtok_r(super, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
      bool controller = strncmp(o, "name=", 5) == 0;
      for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
        if (strcmp(o, known[k].name) == 0) bits |= known[k].bit, controller = true;
      if (!controller && (strcmp(o, "perf_event") == 0 || strcmp(o, "rdma") == 0 || strcmp(o, "misc") == 0))
        controller = true;
      if (!controller) continue;
      char *next = xasprintf("%s%s%s", ctrls, *ctrls ? "," : "", o);
      free(ctrls);
      ctrls = next;
    }
    if (*ctrls == '\0') continue;
    if (bits == 0) bits = C_OTHER;
    bool dup = false;
    for (size_t i = 0; i < n_hier; i++)
      if (strcmp(hier[i].options, ctrls) == 0) dup = true; /* the same hierarchy mounted twice */
    if (dup) continue;
    hier = xrealloc(hier, (n_hier + 1) * sizeof(*hier));
    hier[n_hier].mount = xstrdup(mount);
    hier[n_hier].options = xstrdup(ctrls);
    hier[n_hier].controllers = bits;
    n_hier++;
  }
  if (n_hier == 0) return gantry_error_set(err, 0, "no cgroup v1 hierarchy mounted (read /proc/self/mountinfo)");
  loaded = true;
  return 0;
}

/* The container's directory in the hierarchy holding `controller`, or NULL when that controller is not mounted. */
static char *dir_for(unsigned controller, const char *path) {
  for (size_t i = 0; i < n_hier; i++)
    if (hier[i].controllers & controller) return xasprintf("%s%s", hier[i].mount, path);
  return NULL;
}

static int prepare_state(const char *path, gantry_error_t *err) {
  if (load_mounts(err) < 0) return -1;
  return cgroup_check_state_path(path, err);
}

/* ---- resources ---- */

static int write_i64(const char *dir, const char *file, int64_t v, gantry_error_t *err) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%lld", (long long)v);
  return cgroup_write(dir, file, buf, err);
}

static int write_u64(const char *dir, const char *file, uint64_t v, gantry_error_t *err) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
  return cgroup_write(dir, file, buf, err);
}

static int set_memory(const char *dir, const struct cgroup_resources *r, gantry_error_t *err) {
  int64_t limit = r->has_memory_limit ? r->memory_limit : 0;
  int64_t swap = r->has_memory_swap ? r->memory_swap : 0;
  if (limit == -1 && swap == 0) swap = -1; /* unlimited memory and no swap given: unlimited memory+swap */
  bool memsw = cgroup_file_exists(dir, "memory.memsw.limit_in_bytes");
  if (!memsw) swap = 0; /* swap accounting off in this kernel: nothing to set (as runc) */
  if (limit != 0 && swap != 0) {
    /* The kernel keeps limit <= memsw at every step, so the order depends on whether the limits grow. */
    cleanup_free char *cur = NULL;
    if (cgroup_read(dir, "memory.limit_in_bytes", &cur, err) < 0) return -1;
    long long current = strtoll(cur, NULL, 10);
    if (swap == -1 || current < swap) {
      if (write_i64(dir, "memory.memsw.limit_in_bytes", swap, err) < 0) return -1;
      if (write_i64(dir, "memory.limit_in_bytes", limit, err) < 0) return -1;
    } else {
      if (write_i64(dir, "memory.limit_in_bytes", limit, err) < 0) return -1;
      if (write_i64(dir, "memory.memsw.limit_in_bytes", swap, err) < 0) return -1;
    }
  } else {
    if (limit != 0 && write_i64(dir, "memory.limit_in_bytes", limit, err) < 0) return -1;
    if (swap != 0 && write_i64(dir, "memory.memsw.limit_in_bytes", swap, err) < 0) return -1;
  }
  if (r->has_memory_reservation && r->memory_reservation != 0 &&
      write_i64(dir, "memory.soft_limit_in_bytes", r->memory_reservation, err) < 0)
    return -1;
  if (r->has_memory_swappiness) {
    if (r->memory_swappiness > 100)
      return gantry_error_set(err, 0, "memory swappiness %llu: expected 0-100",
                              (unsigned long long)r->memory_swappiness);
    if (write_u64(dir, "memory.swappiness", r->memory_swappiness, err) < 0) return -1;
  }
  if (r->has_disable_oom_killer && r->disable_oom_killer && cgroup_write(dir, "memory.oom_control", "1", err) < 0)
    return -1;
  return 0;
}

static int set_cpu(const char *dir, const struct cgroup_resources *r, gantry_error_t *err) {
  if (r->has_cpu_shares && r->cpu_shares != 0 && write_u64(dir, "cpu.shares", r->cpu_shares, err) < 0) return -1;
  uint64_t period = r->has_cpu_period ? r->cpu_period : 0;
  int64_t quota = r->has_cpu_quota ? r->cpu_quota : 0;
  if (period != 0) {
    /* A shorter period can be refused while the old quota exceeds it: then set the quota first and retry. */
    if (write_u64(dir, "cpu.cfs_period_us", period, err) < 0) {
      if (quota == 0 || write_i64(dir, "cpu.cfs_quota_us", quota, NULL) < 0) return -1;
      gantry_error_free(err);
      if (write_u64(dir, "cpu.cfs_period_us", period, err) < 0) return -1;
    }
  }
  if (quota != 0 && write_i64(dir, "cpu.cfs_quota_us", quota, err) < 0) return -1;
  if (r->has_cpu_rt_period && r->cpu_rt_period != 0 &&
      write_u64(dir, "cpu.rt_period_us", r->cpu_rt_period, err) < 0)
    return -1;
  if (r->has_cpu_rt_runtime && r->cpu_rt_runtime != 0 &&
      write_i64(dir, "cpu.rt_runtime_us", r->cpu_rt_runtime, err) < 0)
    return -1;
  return 0;
}

static int set_cpuset(const char *dir, const struct cgroup_resources *r, gantry_error_t *err) {
  if (r->cpu_cpus && *r->cpu_cpus && cgroup_write(dir, "cpuset.cpus", r->cpu_cpus, err) < 0) return -1;
  if (r->cpu_mems && *r->cpu_mems && cgroup_write(dir, "cpuset.mems", r->cpu_mems, err) < 0) return -1;
  return 0;
}

static int set_pids(const char *dir, const struct cgroup_resources *r, gantry_error_t *err) {
  char buf[32] = "max";
  if (r->pids_limit > 0) snprintf(buf, sizeof(buf), "%lld", (long long)r->pids_limit);
  return cgroup_write(dir, "pids.max", buf, err);
}

static int set_net_cls(const char *dir, const struct cgroup_resources *r, gantry_error_t *err) {
  return write_u64(dir, "net_cls.classid", r->net_classid, err);
}

static int set_devices(const char *dir, const struct cgroup_resources *r, gantry_error_t *err) {
  if (r->n_devices == 0) return 0;
  /* In order; consecutive rules of one kind go through one open file (the kernel takes a rule per write). */
  size_t total = r->n_devices + cgroup_n_default_devices;
  cleanup_free char *lines = xcalloc(total, 64);
  cleanup_free const char **run = xcalloc(total, sizeof(char *));
  size_t n_run = 0;
  bool run_allow = false;
  for (size_t k = 0; k < total; k++) {
    const struct cgroup_device_rule *d = k < r->n_devices ? &r->devices[k] : &cgroup_default_devices[k - r->n_devices];
    if (cgroup_check_device_rule(d, err) < 0) return -1;
    char *line = lines + 64 * k, major[24] = "*", minor[24] = "*";
    if (d->major >= 0) snprintf(major, sizeof(major), "%lld", (long long)d->major);
    if (d->minor >= 0) snprintf(minor, sizeof(minor), "%lld", (long long)d->minor);
    const char *access = d->access[0] ? d->access : "rwm";
    if (d->type == 'a')
      snprintf(line, 64, "a");
    else
      snprintf(line, 64, "%c %s:%s %.4s", d->type, major, minor, access);
    if (n_run && run_allow != d->allow) {
      if (cgroup_write_lines(dir, run_allow ? "devices.allow" : "devices.deny", run, n_run, err) < 0) return -1;
      n_run = 0;
    }
    run_allow = d->allow;
    run[n_run++] = line;
  }
  return cgroup_write_lines(dir, run_allow ? "devices.allow" : "devices.deny", run, n_run, err);
}

#define NO_PROPORTIONAL_SCHEDULER "the kernel has neither the BFQ nor the CFQ I/O scheduler loaded"

/* Block I/O: weights need a proportional-weight scheduler (CFQ's blkio.weight, or BFQ's blkio.bfq.weight); runc
 * prefers blkio.weight and fails when neither exists, and so does this. Throttling works with any scheduler. */
static int set_blkio(const char *dir, const struct cgroup_resources *r, gantry_error_t *err) {
  if (r->has_blkio_weight && r->blkio_weight != 0) {
    const char *file = cgroup_file_exists(dir, "blkio.weight")       ? "blkio.weight"
                       : cgroup_file_exists(dir, "blkio.bfq.weight") ? "blkio.bfq.weight"
                                                                     : NULL;
    if (file == NULL)
      return cgroup_cannot_apply(err, "linux.resources.blockIO.weight", dir, "blkio.weight or blkio.bfq.weight",
                                 NO_PROPORTIONAL_SCHEDULER);
    char buf[16];
    snprintf(buf, sizeof(buf), "%u", r->blkio_weight);
    if (cgroup_write(dir, file, buf, err) < 0) return -1;
  }
  if (r->has_blkio_leaf_weight && r->blkio_leaf_weight != 0) {
    if (!cgroup_file_exists(dir, "blkio.leaf_weight"))
      return cgroup_cannot_apply(err, "linux.resources.blockIO.leafWeight", dir, "blkio.leaf_weight",
                                 "leaf weights exist only with the CFQ I/O scheduler");
    if (write_u64(dir, "blkio.leaf_weight", r->blkio_leaf_weight, err) < 0) return -1;
  }
  if (r->n_blkio_weight_device > 0) {
    const char *file = cgroup_file_exists(dir, "blkio.weight_device")       ? "blkio.weight_device"
                       : cgroup_file_exists(dir, "blkio.bfq.weight_device") ? "blkio.bfq.weight_device"
                                                                            : NULL;
    if (file == NULL)
      return cgroup_cannot_apply(err, "linux.resources.blockIO.weightDevice", dir,
                                 "blkio.weight_device or blkio.bfq.weight_device", NO_PROPORTIONAL_SCHEDULER);
    for (size_t i = 0; i < r->n_blkio_weight_device; i++) {
      const struct cgroup_blkio_device *d = &r->blkio_weight_device[i];
      if (!d->has_weight) continue;
      char line[64];
      snprintf(line, sizeof(line), "%lld:%lld %u", (long long)d->major, (long long)d->minor, d->weight);
      if (cgroup_write(dir, file, line, err) < 0) return -1;
    }
  }
  static const char *throttle_files[CGROUP_THROTTLE_KINDS] = {
      "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device", "blkio.throttle.read_iops_device",
      "blkio.throttle.write_iops_device"};
  for (size_t k = 0; k < CGROUP_THROTTLE_KINDS; k++)
    for (size_t i = 0; i < r->n_blkio_throttle[k]; i++) {
      const struct cgroup_blkio_device *d = &r->blkio_throttle[k][i];
      char line[64];
      snprintf(line, sizeof(line), "%lld:%lld %llu", (long long)d->major, (long long)d->minor,
               (unsigned long long)d->rate);
      if (cgroup_write(dir, throttle_files[k], line, err) < 0) return -1;
    }
  return 0;
}

static int set_hugetlb(const char *dir, const struct cgroup_resources *r, gantry_error_t *err) {
  for (size_t i = 0; i < r->n_hugepages; i++) {
    cleanup_free char *file = xasprintf("hugetlb.%s.limit_in_bytes", r->hugepages[i].page_size);
    if (!cgroup_file_exists(dir, file)) {
      cleanup_free char *field = xasprintf("linux.resources.hugepageLimits[%zu] (pageSize %s)", i,
                                           r->hugepages[i].page_size);
      return cgroup_cannot_apply(err, field, dir, file, "this page size is not supported by the kernel");
    }
    if (write_u64(dir, file, r->hugepages[i].limit, err) < 0) return -1;
  }
  return 0;
}

static int set_net_prio(const char *dir, const struct cgroup_resources *r, gantry_error_t *err) {
  for (size_t i = 0; i < r->n_net_priorities; i++) {
    char line[64];
    snprintf(line, sizeof(line), "%s %u", r->net_priorities[i].name, r->net_priorities[i].priority);
    if (cgroup_write(dir, "net_prio.ifpriomap", line, err) < 0) return -1;
  }
  return 0;
}

/* Applies every resource group the config sets. A group set for a controller this host has not mounted is an
 * error naming the field, as in runc ("cannot set X limit"): a limit is applied or refused, never dropped.
 * `with_devices` is false for `update`, which (as in runc) does not change device rules. */
static int apply(const char *path, const struct cgroup_resources *r, bool with_devices, gantry_error_t *err) {
  if (r->n_unified > 0)
    return gantry_error_set(err, 0, "linux.resources.unified (%s): needs cgroup v2, this host has cgroup v1",
                            r->unified_keys[0]);
  const struct { unsigned bit; const char *controller, *field; bool wanted; int (*set)(const char *,
      const struct cgroup_resources *, gantry_error_t *); } groups[] = {
      {C_MEMORY, "memory", "linux.resources.memory", cgroup_wants_memory(r), set_memory},
      {C_CPU, "cpu", "linux.resources.cpu", cgroup_wants_cpu(r), set_cpu},
      {C_CPUSET, "cpuset", "linux.resources.cpu.cpus/mems", cgroup_wants_cpuset(r), set_cpuset},
      {C_PIDS, "pids", "linux.resources.pids", r->has_pids_limit, set_pids},
      {C_BLKIO, "blkio", "linux.resources.blockIO", cgroup_wants_blkio(r), set_blkio},
      {C_HUGETLB, "hugetlb", "linux.resources.hugepageLimits", r->n_hugepages > 0, set_hugetlb},
      {C_NET_CLS, "net_cls", "linux.resources.network.classID", r->has_net_classid, set_net_cls},
      {C_NET_PRIO, "net_prio", "linux.resources.network.priorities", r->n_net_priorities > 0, set_net_prio},
  };
  for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
    if (!groups[i].wanted) continue;
    cleanup_free char *dir = dir_for(groups[i].bit, path);
    if (dir == NULL)
      return gantry_error_set(err, 0, "%s: this host cannot apply it (the %s cgroup controller is not mounted)",
                              groups[i].field, groups[i].controller);
    if (groups[i].set(dir, r, err) < 0) return -1;
  }
  cleanup_free char *devices = dir_for(C_DEVICES, path);
  if (with_devices && devices && set_devices(devices, r, err) < 0) return -1;
  return 0;
}

/* ---- operations ---- */

/* cpuset refuses tasks while cpus or mems is empty: new levels inherit nothing, so copy the parent's. The default
 * parent (/gantry, ours) gets cgroup.clone_children, so the kernel copies them into each container's cgroup as it
 * is made and the usual create reads two files instead of copying four. */
static int cpuset_prepare(const char *dir, bool leaf, gantry_error_t *err) {
  static const char *files[] = {"cpuset.cpus", "cpuset.mems"};
  size_t dlen = strlen(dir), plen = strlen(CGROUP_DEFAULT_PARENT);
  if (!leaf && dlen >= plen && strcmp(dir + dlen - plen, CGROUP_DEFAULT_PARENT) == 0) {
    cleanup_free char *clone = NULL;
    if (cgroup_read(dir, "cgroup.clone_children", &clone, err) < 0) return -1;
    if (clone[0] != '1' && cgroup_write(dir, "cgroup.clone_children", "1", err) < 0) return -1;
  }
  for (size_t i = 0; i < 2; i++) {
    cleanup_free char *cur = NULL;
    if (cgroup_read(dir, files[i], &cur, err) < 0) return -1;
    if (cur[0] != '\n' && cur[0] != '\0') continue;
    cleanup_free char *parent = xstrdup(dir);
    *strrchr(parent, '/') = '\0';
    cleanup_free char *val = NULL;
    if (cgroup_read(parent, files[i], &val, err) < 0) return -1;
    val[strcspn(val, "\n")] = '\0';
    if (cgroup_write(dir, files[i], val, err) < 0) return -1;
    if (leaf && i == 0) cpuset_prepare(parent, false, NULL); /* a /gantry made before it had clone_children */
  }
  return 0;
}

/* The calling process's own cgroup directory in hierarchy i (from /proc/self/cgroup), or NULL. */
static char *own_dir(size_t i) {
  cleanup_file FILE *f = fopen("/proc/self/cgroup", "re");
  if (f == NULL) return NULL;
  cleanup_free char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    /* "N:ctrl,ctrl:/path" */
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL) continue;
    *c2 = '\0';
    c2[1 + strcspn(c2 + 1, "\n")] = '\0';
    const char *own = strcmp(c2 + 1, "/") == 0 ? "" : c2 + 1;
    if (strcmp(c1 + 1, hier[i].options) == 0) return xasprintf("%s%s", hier[i].mount, own);
  }
  return NULL;
}

static int v1_create(const struct cgroup_config *cfg, pid_t pid, char **state_path, gantry_error_t *err) {
  if (load_mounts(err) < 0) return -1;
  cleanup_free char *path = NULL;
  if (cgroup_resolve_path(cfg, &path, err) < 0) return -1;
  cleanup_free int *created = xcalloc(n_hier, sizeof(int));
  size_t i;
  for (i = 0; i < n_hier; i++) {
    int (*prep)(const char *, bool, gantry_error_t *) = (hier[i].controllers & C_CPUSET) ? cpuset_prepare : NULL;
    if (cgroup_mkdir_levels(hier[i].mount, path, prep, true, &created[i], err) < 0) break;
  }
  size_t joined = 0;
  if (i == n_hier && apply(path, &cfg->resources, true, err) == 0) {
    if (cfg->made) cfg->made(cfg->made_arg, path);
    for (; joined < n_hier; joined++) {
      cleanup_free char *dir = xasprintf("%s%s", hier[joined].mount, path);
      if (cgroup_enter_dir(dir, pid, err) < 0) break;
    }
    if (joined == n_hier) {
      *state_path = xstrdup(path);
      return 0;
    }
  }
  /* Undo: hand the process back to our own cgroups in the hierarchies it already joined, then remove exactly
   * the directories this call created. */
  for (size_t j = 0; j < joined; j++) {
    cleanup_free char *own = own_dir(j);
    if (own) cgroup_enter_dir(own, pid, NULL);
  }
  for (size_t j = 0; j < n_hier; j++) cgroup_rmdir_levels(hier[j].mount, path, created[j]);
  return gantry_error_wrap(err, "create cgroup %s", path);
}

static int v1_enter(const char *path, pid_t pid, gantry_error_t *err) {
  if (prepare_state(path, err) < 0) return -1;
  for (size_t i = 0; i < n_hier; i++) {
    cleanup_free char *dir = xasprintf("%s%s", hier[i].mount, path);
    if (cgroup_enter_dir(dir, pid, err) < 0) return gantry_error_wrap(err, "join cgroup %s", path);
  }
  return 0;
}

static int v1_update(const char *path, const struct cgroup_resources *res, gantry_error_t *err) {
  if (prepare_state(path, err) < 0) return -1;
  if (apply(path, res, false, err) < 0) return gantry_error_wrap(err, "update cgroup %s", path);
  return 0;
}

static void sleep_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

static int v1_freeze(const char *path, bool frozen, gantry_error_t *err) {
  if (prepare_state(path, err) < 0) return -1;
  cleanup_free char *dir = dir_for(C_FREEZER, path);
  if (dir == NULL) return gantry_error_set(err, 0, "%s cgroup %s: the freezer controller is not mounted",
                                           frozen ? "freeze" : "thaw", path);
  const char *want = frozen ? "FROZEN" : "THAWED";
  /* A task in an uninterruptible sleep can keep the cgroup FREEZING; writing FROZEN again retries it. */
  long delay = 100;
  for (int attempt = 0; attempt < 1000; attempt++) {
    if (attempt % 10 == 0 && cgroup_write(dir, "freezer.state", want, err) < 0) return -1;
    cleanup_free char *state = NULL;
    if (cgroup_read(dir, "freezer.state", &state, err) < 0) return -1;
    if (strncmp(state, want, strlen(want)) == 0) return 0;
    sleep_us(delay);
    if (delay < 10000) delay *= 2;
  }
  /* Leave it usable rather than half frozen. */
  if (frozen) cgroup_write(dir, "freezer.state", "THAWED", NULL);
  return gantry_error_set(err, ETIMEDOUT, "freeze cgroup %s (stuck in FREEZING)", dir);
}

/* The hierarchy to list processes from: pids and freezer are the usual, any will do. */
static char *procs_dir(const char *path) {
  static const unsigned order[] = {C_PIDS, C_FREEZER, C_MEMORY, C_CPU, C_DEVICES, C_OTHER};
  for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
    char *d = dir_for(order[i], path);
    if (d) return d;
  }
  return n_hier ? xasprintf("%s%s", hier[0].mount, path) : NULL;
}

static int v1_pids(const char *path, pid_t **pids, size_t *n, gantry_error_t *err) {
  if (prepare_state(path, err) < 0) return -1;
  cleanup_free char *dir = procs_dir(path);
  return cgroup_collect_pids(dir, pids, n, err);
}

static int v1_kill_all(const char *path, int sig, gantry_error_t *err) {
  if (prepare_state(path, err) < 0) return -1;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  /* Nothing inside (the usual case at delete): no freeze round-trip needed, and no one to fork. */
  if (v1_pids(path, &pids, &n, err) < 0) return -1;
  if (n == 0) return 0;
  cleanup_free char *freezer = dir_for(C_FREEZER, path);
  cleanup_free char *before = NULL;
  if (freezer && cgroup_read(freezer, "freezer.state", &before, err) < 0) return -1;
  bool paused = before && strncmp(before, "FROZEN", 6) == 0;
  if (freezer && !paused && v1_freeze(path, true, err) < 0) return -1;
  free(pids);
  pids = NULL;
  int rc = v1_pids(path, &pids, &n, err);
  for (size_t i = 0; rc == 0 && i < n; i++)
    if (kill(pids[i], sig) < 0 && errno != ESRCH) rc = gantry_error_sys(err, "kill %d in cgroup %s", pids[i], path);
  /* A paused container stays paused (its signals wait for resume), except that SIGKILL needs the tasks
   * thawed to die on v1. */
  if (freezer && (!paused || sig == SIGKILL) && v1_freeze(path, false, rc < 0 ? NULL : err) < 0 && rc == 0) rc = -1;
  return rc;
}

static int v1_destroy(const char *path, gantry_error_t *err) {
  if (prepare_state(path, err) < 0) return -1;
  int rc = 0;
  for (size_t i = 0; i < n_hier; i++) {
    cleanup_free char *dir = xasprintf("%s%s", hier[i].mount, path);
    /* Every hierarchy gets its attempt; the first failure is the one reported. */
    if (cgroup_rmdir_tree(dir, rc < 0 ? NULL : err) < 0)
      rc = -1;
    else
      cgroup_remove_default_parents(hier[i].mount, path);
  }
  return rc;
}

/* v1 counts a kill only in the cgroup where it happened: add up the container's own sub-cgroups too, as v2's
 * memory.events does by itself. */
static int sum_oom_kills(const char *dir, uint64_t *count, gantry_error_t *err) {
  uint64_t here;
  bool found;
  if (cgroup_read_keyed(dir, "memory.oom_control", "oom_kill", &here, &found, err) < 0) return -1;
  *count += here;
  cleanup_dir DIR *d = opendir(dir);
  if (d == NULL) return gantry_error_sys(err, "open cgroup %s", dir);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    cleanup_free char *child = xasprintf("%s/%s", dir, e->d_name);
    if (sum_oom_kills(child, count, err) < 0) return -1;
  }
  return 0;
}

static int v1_oom_kills(const char *path, uint64_t *count, gantry_error_t *err) {
  if (prepare_state(path, err) < 0) return -1;
  cleanup_free char *dir = dir_for(C_MEMORY, path);
  if (dir == NULL)
    return gantry_error_set(err, 0, "OOM kills of cgroup %s: the memory controller is not mounted", path);
  *count = 0;
  return sum_oom_kills(dir, count, err);
}

static const struct cgroup_manager v1 = {
    .mode = CGROUP_MODE_V1,
    .create = v1_create,
    .enter = v1_enter,
    .update = v1_update,
    .freeze = v1_freeze,
    .pids = v1_pids,
    .kill_all = v1_kill_all,
    .destroy = v1_destroy,
    .oom_kills = v1_oom_kills,
};

const struct cgroup_manager *cgroup_v1_manager(void) {
  return &v1;
}
