/* Helpers the cgroup backends share (cgroup_v1.c, cgroup_v2.c, cgroup_ebpf.c): path resolution, file access,
 * directory levels, pid collection, runc's conversions and the default device rules. Nothing here knows which
 * backend is in use; the dispatcher (cgroup.c) does. */
#include "runtime/cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- paths ---- */

/* Appends "/"-separated components of `in` to out (which ends without a slash), refusing "." and "..". */
static int append_clean(char **out, const char *in, const char *what, gantry_error_t *err) {
  cleanup_free char *copy = xstrdup(in);
  char *save = NULL;
  for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0)
      return gantry_error_set(err, 0, "%s \"%s\": \".\" and \"..\" components are not allowed", what, in);
    char *next = xasprintf("%s/%s", *out, c);
    free(*out);
    *out = next;
  }
  return 0;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t ls = strlen(s), lx = strlen(suffix);
  return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" (the root slice) -> "". */
static int expand_slice(const char *slice, char **out, gantry_error_t *err) {
  if (!ends_with(slice, ".slice") || strchr(slice, '/'))
    return gantry_error_set(err, 0, "cgroupsPath slice \"%s\": expected NAME.slice", slice);
  *out = xstrdup("");
  if (strcmp(slice, "-.slice") == 0) return 0;
  size_t base_len = strlen(slice) - strlen(".slice");
  cleanup_free char *base = strndup(slice, base_len);
  if (base == NULL) abort();
  if (base[0] == '-' || base[base_len - 1] == '-' || strstr(base, "--"))
    return gantry_error_set(err, 0, "cgroupsPath slice \"%s\": invalid slice name", slice);
  for (size_t i = 0; i <= base_len; i++) {
    if (base[i] != '-' && base[i] != '\0') continue;
    char *next = xasprintf("%s/%.*s.slice", *out, (int)i, base);
    free(*out);
    *out = next;
  }
  return 0;
}

static int check_component(const char *s, const char *what, gantry_error_t *err) {
  if (*s == '\0' || strchr(s, '/') || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
    return gantry_error_set(err, 0, "%s \"%s\": not a valid cgroup name", what, s);
  return 0;
}

int cgroup_resolve_path(const struct cgroup_config *cfg, char **out, gantry_error_t *err) {
  const char *p = cfg->cgroups_path;
  *out = NULL;
  char *path = NULL;
  if (p == NULL || *p == '\0') {
    if (cfg->id == NULL || check_component(cfg->id, "container id", err) < 0)
      return cfg->id ? -1 : gantry_error_set(err, 0, "cgroup for a container without an id");
    path = xasprintf("%s/%s", CGROUP_DEFAULT_PARENT, cfg->id);
  } else if (p[0] != '/' && strchr(p, ':') != NULL) {
    /* systemd cgroup driver syntax "slice:prefix:name", placed as systemd would place the scope. */
    const char *c1 = strchr(p, ':'), *c2 = strchr(c1 + 1, ':');
    if (c2 == NULL || strchr(c2 + 1, ':'))
      return gantry_error_set(err, 0, "cgroupsPath \"%s\": expected \"slice:prefix:name\"", p);
    cleanup_free char *slice = strndup(p, (size_t)(c1 - p));
    cleanup_free char *prefix = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
    const char *name = c2 + 1;
    if (slice == NULL || prefix == NULL) abort();
    if (check_component(name, "cgroupsPath name", err) < 0) return -1;
    if (*prefix && check_component(prefix, "cgroupsPath prefix", err) < 0) return -1;
    if (expand_slice(*slice ? slice : "system.slice", &path, err) < 0) return -1;
    char *unit = ends_with(name, ".slice") ? xstrdup(name)
                 : *prefix               ? xasprintf("%s-%s.scope", prefix, name)
                                         : xasprintf("%s.scope", name);
    char *full = xasprintf("%s/%s", path, unit);
    free(unit);
    free(path);
    path = full;
  } else {
    path = xstrdup(p[0] == '/' ? "" : CGROUP_DEFAULT_PARENT);
    if (append_clean(&path, p, "cgroupsPath", err) < 0) {
      free(path);
      return -1;
    }
    if (path[0] == '\0') {
      free(path);
      return gantry_error_set(err, 0, "cgroupsPath \"%s\": the root cgroup cannot hold a container", p);
    }
  }
  *out = path;
  return 0;
}

int cgroup_check_state_path(const char *path, gantry_error_t *err) {
  if (path == NULL || path[0] != '/' || path[1] == '\0')
    return gantry_error_set(err, 0, "cgroup path \"%s\": not an absolute cgroup path", path ? path : "(null)");
  cleanup_free char *clean = xstrdup("");
  return append_clean(&clean, path, "cgroup path", err);
}

/* ---- files ---- */

int cgroup_write(const char *dir, const char *file, const char *value, gantry_error_t *err) {
  cleanup_free char *path = xasprintf("%s/%s", dir, file);
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return gantry_error_sys(err, "write %s to %s", value, path);
  size_t len = strlen(value);
  ssize_t w = write(fd, value, len);
  if (w < 0) return gantry_error_sys(err, "write %s to %s", value, path);
  if ((size_t)w != len) return gantry_error_set(err, EIO, "write %s to %s (short write)", value, path);
  return 0;
}

int cgroup_write_lines(const char *dir, const char *file, const char *const *values, size_t n, gantry_error_t *err) {
  if (n == 0) return 0;
  cleanup_free char *path = xasprintf("%s/%s", dir, file);
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return gantry_error_sys(err, "write %s to %s", values[0], path);
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(values[i]);
    ssize_t w = write(fd, values[i], len);
    if (w < 0) return gantry_error_sys(err, "write %s to %s", values[i], path);
    if ((size_t)w != len) return gantry_error_set(err, EIO, "write %s to %s (short write)", values[i], path);
  }
  return 0;
}

int cgroup_write_if_exists(const char *dir, const char *file, const char *value, gantry_error_t *err) {
  cleanup_free char *path = xasprintf("%s/%s", dir, file);
  if (access(path, F_OK) < 0 && errno == ENOENT) return 0;
  return cgroup_write(dir, file, value, err) < 0 ? -1 : 1;
}

bool cgroup_file_exists(const char *dir, const char *file) {
  cleanup_free char *path = xasprintf("%s/%s", dir, file);
  return access(path, F_OK) == 0;
}

int cgroup_read(const char *dir, const char *file, char **out, gantry_error_t *err) {
  cleanup_free char *path = xasprintf("%s/%s", dir, file);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return gantry_error_sys(err, "read %s", path);
  size_t cap = 4096, len = 0;
  char *buf = xmalloc(cap);
  for (;;) {
    if (len + 1 >= cap) buf = xrealloc(buf, cap *= 2);
    ssize_t r = read(fd, buf + len, cap - len - 1);
    if (r < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      free(buf);
      return gantry_error_set(err, e, "read %s", path);
    }
    if (r == 0) break;
    len += (size_t)r;
  }
  buf[len] = '\0';
  *out = buf;
  return 0;
}

int cgroup_read_keyed(const char *dir, const char *file, const char *key, uint64_t *value, bool *found,
                      gantry_error_t *err) {
  cleanup_free char *text = NULL;
  if (cgroup_read(dir, file, &text, err) < 0) return -1;
  size_t klen = strlen(key);
  *found = false;
  *value = 0;
  for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
      *value = strtoull(line + klen + 1, NULL, 10);
      *found = true;
      break;
    }
  }
  return 0;
}

/* ---- directories ---- */

static int mkdir_levels_once(const char *root, const char *path, int (*prepare)(const char *dir, bool leaf,
                             gantry_error_t *err), int *created, gantry_error_t *err) {
  *created = 0;
  cleanup_free char *dir = xstrdup(root);
  cleanup_free char *copy = xstrdup(path);
  if (prepare && prepare(dir, false, err) < 0) return -1;
  char *save = NULL;
  char *c = strtok_r(copy, "/", &save);
  while (c) {
    char *next_c = strtok_r(NULL, "/", &save);
    char *next = xasprintf("%s/%s", dir, c);
    free(dir);
    dir = next;
    if (mkdir(dir, 0755) == 0)
      (*created)++;
    else if (errno != EEXIST)
      return gantry_error_sys(err, "mkdir %s", dir);
    else
      *created = 0; /* only a contiguous run of new levels at the bottom can be removed again */
    if (prepare && prepare(dir, next_c == NULL, err) < 0) return -1;
    c = next_c;
  }
  return 0;
}

int cgroup_mkdir_levels(const char *root, const char *path, int (*prepare)(const char *dir, bool leaf,
                        gantry_error_t *err), bool leaf_first, int *created, gantry_error_t *err) {
  /* The usual case first: the parents exist (another container lives there) and only the leaf is new. */
  if (leaf_first) {
    cleanup_free char *leaf = xasprintf("%s%s", root, path);
    if (mkdir(leaf, 0755) == 0) {
      *created = 1;
      if (prepare == NULL || prepare(leaf, true, err) == 0) return 0;
      rmdir(leaf);
      *created = 0;
      return -1;
    }
    if (errno != ENOENT && errno != EEXIST) return gantry_error_sys(err, "mkdir %s", leaf);
  }
  /* A concurrent destroy may remove an empty shared parent (/gantry) between our mkdirs or while we read its
   * files (ENOENT, or ENODEV from a directory being removed): start again. */
  for (int attempt = 0;; attempt++) {
    gantry_error_t e = NULL;
    if (mkdir_levels_once(root, path, prepare, created, &e) == 0) return 0;
    if (attempt < 4 && (e->status == ENOENT || e->status == ENODEV)) {
      gantry_error_free(&e);
      continue;
    }
    if (err == NULL) {
      gantry_error_free(&e);
    } else {
      gantry_error_free(err);
      *err = e;
    }
    return -1;
  }
}

void cgroup_remove_default_parents(const char *root, const char *path) {
  size_t plen = strlen(CGROUP_DEFAULT_PARENT);
  if (strncmp(path, CGROUP_DEFAULT_PARENT "/", plen + 1) != 0) return;
  cleanup_free char *dir = xasprintf("%s%s", root, path);
  size_t stop = strlen(root) + plen; /* down to and including root/gantry */
  for (char *slash = strrchr(dir, '/'); slash && (size_t)(slash - dir) >= stop; slash = strrchr(dir, '/')) {
    *slash = '\0';
    if (rmdir(dir) < 0) return; /* not empty: another container still lives below */
  }
}

void cgroup_rmdir_levels(const char *root, const char *path, int levels) {
  cleanup_free char *dir = xasprintf("%s%s", root, path);
  size_t root_len = strlen(root);
  for (int i = 0; i < levels; i++) {
    if (rmdir(dir) < 0 && errno != ENOENT) return;
    char *slash = strrchr(dir, '/');
    if (slash == NULL || (size_t)(slash - dir) <= root_len) return;
    *slash = '\0';
  }
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

int cgroup_rmdir_tree(const char *dir, gantry_error_t *err) {
  /* The usual case: no process and no child cgroup left, one rmdir does it. */
  if (rmdir(dir) == 0 || errno == ENOENT) return 0;
  /* Children first: a container may have made its own cgroups below its own. */
  DIR *d = opendir(dir);
  if (d == NULL) {
    if (errno == ENOENT) return 0;
    return gantry_error_sys(err, "open cgroup %s", dir);
  }
  struct dirent *e;
  int rc = 0;
  while ((e = readdir(d)) != NULL) {
    if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    cleanup_free char *child = xasprintf("%s/%s", dir, e->d_name);
    if (cgroup_rmdir_tree(child, err) < 0) {
      rc = -1;
      break;
    }
  }
  closedir(d);
  if (rc < 0) return -1;
  /* Processes that were just killed leave their cgroup a moment after they die: back off, ~4 s in all. */
  long delay = 1;
  for (int attempt = 0;; attempt++) {
    if (rmdir(dir) == 0 || errno == ENOENT) return 0;
    if (errno != EBUSY || attempt >= 12) return gantry_error_sys(err, "remove cgroup %s", dir);
    sleep_ms(delay);
    delay *= 2;
  }
}

static void push_pid(pid_t **pids, size_t *n, size_t *cap, pid_t pid) {
  for (size_t i = 0; i < *n; i++)
    if ((*pids)[i] == pid) return;
  if (*n == *cap) *pids = xrealloc(*pids, (*cap = *cap ? *cap * 2 : 16) * sizeof(pid_t));
  (*pids)[(*n)++] = pid;
}

static int collect(const char *dir, pid_t **pids, size_t *n, size_t *cap, gantry_error_t *err) {
  cleanup_free char *text = NULL;
  if (cgroup_read(dir, "cgroup.procs", &text, err) < 0) return -1;
  for (char *p = text; *p;) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p) break;
    if (v > 0) push_pid(pids, n, cap, (pid_t)v);
    p = end;
    while (*p == '\n') p++;
  }
  cleanup_dir DIR *d = opendir(dir);
  if (d == NULL) return gantry_error_sys(err, "open cgroup %s", dir);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    cleanup_free char *child = xasprintf("%s/%s", dir, e->d_name);
    if (collect(child, pids, n, cap, err) < 0) return -1;
  }
  return 0;
}

int cgroup_collect_pids(const char *dir, pid_t **pids, size_t *n, gantry_error_t *err) {
  size_t cap = 0;
  *pids = NULL;
  *n = 0;
  if (collect(dir, pids, n, &cap, err) < 0) {
    free(*pids);
    *pids = NULL;
    *n = 0;
    return -1;
  }
  return 0;
}

int cgroup_enter_dir(const char *dir, pid_t pid, gantry_error_t *err) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%d", (int)pid);
  return cgroup_write(dir, "cgroup.procs", buf, err);
}

/* ---- conversions (the same arithmetic runc uses, so both runtimes give a container the same limits) ---- */

bool cgroup_wants_memory(const struct cgroup_resources *r) {
  return (r->has_memory_limit && r->memory_limit != 0) || (r->has_memory_swap && r->memory_swap != 0) ||
         (r->has_memory_reservation && r->memory_reservation != 0) || r->has_memory_swappiness ||
         (r->has_disable_oom_killer && r->disable_oom_killer);
}

bool cgroup_wants_cpu(const struct cgroup_resources *r) {
  return (r->has_cpu_shares && r->cpu_shares != 0) || (r->has_cpu_quota && r->cpu_quota != 0) ||
         (r->has_cpu_period && r->cpu_period != 0) || (r->has_cpu_rt_runtime && r->cpu_rt_runtime != 0) ||
         (r->has_cpu_rt_period && r->cpu_rt_period != 0);
}

bool cgroup_wants_cpuset(const struct cgroup_resources *r) {
  return (r->cpu_cpus && *r->cpu_cpus) || (r->cpu_mems && *r->cpu_mems);
}

bool cgroup_wants_blkio(const struct cgroup_resources *r) {
  bool any = (r->has_blkio_weight && r->blkio_weight != 0) || (r->has_blkio_leaf_weight && r->blkio_leaf_weight != 0) ||
             r->n_blkio_weight_device > 0;
  for (size_t k = 0; k < CGROUP_THROTTLE_KINDS; k++) any = any || r->n_blkio_throttle[k] > 0;
  return any;
}

int cgroup_cannot_apply(gantry_error_t *err, const char *field, const char *dir, const char *files, const char *why) {
  return gantry_error_set(err, 0, "%s: this host cannot apply it (no %s in %s%s%s)", field, files, dir,
                          why ? ": " : "", why ? why : "");
}

uint64_t cgroup_shares_to_weight(uint64_t shares) {
  /* shares [2, 262144] -> weight [1, 10000]; 0 stays "unset" */
  if (shares == 0) return 0;
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cgroup_blkio_to_io_weight(uint64_t weight) {
  /* blkio.weight [10, 1000] -> io.weight [1, 10000] */
  if (weight == 0) return 0;
  if (weight < 10) weight = 10;
  return 1 + (weight - 10) * 9999 / 990;
}

int cgroup_swap_to_v2(int64_t swap, int64_t limit, int64_t *out, bool *set, gantry_error_t *err) {
  /* OCI's swap is memory+swap (v1's memsw); v2's memory.swap.max is swap alone. */
  *set = true;
  if (limit == -1 && swap == 0) {
    *out = -1; /* memory unlimited and swap unset: both unlimited, as on v1 */
    return 0;
  }
  if (swap == 0) {
    *set = false;
    return 0;
  }
  if (swap == -1) {
    *out = -1;
    return 0;
  }
  if (limit == 0 || limit == -1)
    return gantry_error_set(err, 0, "memory swap %lld: a swap limit needs a memory limit", (long long)swap);
  if (swap < limit)
    return gantry_error_set(err, 0, "memory swap %lld is below the memory limit %lld (swap counts memory+swap)",
                            (long long)swap, (long long)limit);
  *out = swap - limit;
  return 0;
}

/* ---- devices ---- */

/* The same list as the runc this project is checked against (1.1): /dev/console needs no rule, since the
 * container's console is a pty slave bind-mounted there. */
const struct cgroup_device_rule cgroup_default_devices[] = {
    {true, 'c', -1, -1, "m"}, {true, 'b', -1, -1, "m"},   /* mknod of anything; access stays per rule */
    {true, 'c', 1, 3, "rwm"}, {true, 'c', 1, 5, "rwm"},   /* null, zero */
    {true, 'c', 1, 7, "rwm"}, {true, 'c', 1, 8, "rwm"},   /* full, random */
    {true, 'c', 1, 9, "rwm"}, {true, 'c', 5, 0, "rwm"},   /* urandom, tty */
    {true, 'c', 5, 2, "rwm"}, {true, 'c', 136, -1, "rwm"}, /* ptmx, pty slaves */
    {true, 'c', 10, 200, "rwm"},                          /* tun */
};
const size_t cgroup_n_default_devices = sizeof(cgroup_default_devices) / sizeof(cgroup_default_devices[0]);

int cgroup_check_device_rule(const struct cgroup_device_rule *r, gantry_error_t *err) {
  if (r->type != 'a' && r->type != 'c' && r->type != 'b')
    return gantry_error_set(err, 0, "device rule type '%c': expected a, c or b", r->type ? r->type : '?');
  if (r->major < -1 || r->major > UINT32_MAX || r->minor < -1 || r->minor > UINT32_MAX)
    return gantry_error_set(err, 0, "device rule %c %lld:%lld: major/minor out of range", r->type,
                            (long long)r->major, (long long)r->minor);
  for (const char *a = r->access; *a && a < r->access + sizeof(r->access); a++)
    if (*a != 'r' && *a != 'w' && *a != 'm')
      return gantry_error_set(err, 0, "device rule access \"%.4s\": expected letters of \"rwm\"", r->access);
  return 0;
}
