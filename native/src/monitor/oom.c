/* OOM detection: the container's memory cgroup counts the OOM kills inside it.
 *
 * While the container's init is alive (after `create`), its memory cgroup is found through /proc/PID/cgroup and the
 * host's mount table: on cgroup v1 the `memory` hierarchy's memory.oom_control, on cgroup v2 the unified
 * hierarchy's memory.events; both carry an `oom_kill N` line. The counter is read then (the baseline) and again after
 * the container has exited, before `delete` removes the cgroup: an increase means the kernel's OOM killer killed a
 * process of this container. On a host where neither file can be found the watch is off and oomKilled is false.
 */
#include "monitor/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Paths here are cgroup paths and their mount points: 1 KiB is ample, and keeps the monitor's stack small (a longer
 * one makes the watch fail to open its file, which is logged, not fatal). */
#define CG_PATH 1024

struct mount_point {
  char root[CG_PATH];  /* the hierarchy path mounted there (field 4 of mountinfo) */
  char point[CG_PATH]; /* where */
  bool found;
};

static bool has_option(const char *opts, const char *name) {
  size_t n = strlen(name);
  for (const char *p = opts; p && *p;) {
    if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0' || p[n] == '\n')) return true;
    p = strchr(p, ',');
    if (p) p++;
  }
  return false;
}

/* Finds the v1 memory hierarchy's and the v2 hierarchy's mounts in /proc/self/mountinfo. */
static void find_mounts(struct mount_point *v1, struct mount_point *v2) {
  cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
  if (f == NULL) return;
  cleanup_free char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    /* id parent major:minor root mountpoint opts [optional fields] - fstype source superopts */
    char *sep = strstr(line, " - ");
    if (sep == NULL) continue;
    char root[CG_PATH], point[CG_PATH], fstype[64], super[512];
    if (sscanf(line, "%*s %*s %*s %1023s %1023s", root, point) != 2) continue;
    if (sscanf(sep + 3, "%63s %*s %511s", fstype, super) != 2) continue;
    struct mount_point *target = NULL;
    if (strcmp(fstype, "cgroup") == 0 && has_option(super, "memory") && !v1->found) target = v1;
    if (strcmp(fstype, "cgroup2") == 0 && !v2->found) target = v2;
    if (target == NULL) continue;
    /* mountinfo escapes spaces as \040; cgroup mounts do not have them in practice, so take the text as is */
    strcpy(target->root, root);
    strcpy(target->point, point);
    target->found = true;
  }
}

/* The on-disk directory of cgroup `path` in the hierarchy mounted at m. */
static bool cgroup_dir(const struct mount_point *m, const char *path, char *out, size_t size) {
  size_t rl = strcmp(m->root, "/") == 0 ? 0 : strlen(m->root);
  if (rl > 0 && (strncmp(path, m->root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))) return false;
  return snprintf(out, size, "%s%s", m->point, path + rl) < (int)size;
}

static long long read_oom_kill(int fd) {
  char buf[1024];
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return -1;
  buf[n] = '\0';
  for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
    if (strncmp(p, "oom_kill ", 9) == 0) return strtoll(p + 9, NULL, 10);
  }
  return -1;
}

void oom_watch_open(struct oom_watch *w, pid_t pid) {
  w->fd = -1;
  w->baseline = 0;
  struct mount_point v1 = {0}, v2 = {0};
  find_mounts(&v1, &v2);

  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
  cleanup_file FILE *f = fopen(path, "re");
  if (f == NULL) {
    mlog("oom watch: open %s: %s", path, strerror(errno));
    return;
  }
  char v1path[CG_PATH] = "", v2path[CG_PATH] = "";
  cleanup_free char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, f)) > 0) {
    if (line[len - 1] == '\n') line[len - 1] = '\0';
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL) continue;
    *c2 = '\0';
    if (strcmp(line, "0") == 0 && c1[1] == '\0') snprintf(v2path, sizeof(v2path), "%s", c2 + 1);
    else if (has_option(c1 + 1, "memory")) snprintf(v1path, sizeof(v1path), "%s", c2 + 1);
  }

  char dir[2 * CG_PATH], file[2 * CG_PATH + 32];
  if (v1.found && v1path[0] && cgroup_dir(&v1, v1path, dir, sizeof(dir))) {
    snprintf(file, sizeof(file), "%s/memory.oom_control", dir);
    w->fd = open(file, O_RDONLY | O_CLOEXEC);
  }
  if (w->fd < 0 && v2.found && v2path[0] && cgroup_dir(&v2, v2path, dir, sizeof(dir))) {
    snprintf(file, sizeof(file), "%s/memory.events", dir);
    w->fd = open(file, O_RDONLY | O_CLOEXEC);
  }
  if (w->fd < 0) {
    mlog("oom watch: no memory cgroup found for pid %d; OOM kills will not be detected", (int)pid);
    return;
  }
  w->baseline = read_oom_kill(w->fd);
  if (w->baseline < 0) {
    mlog("oom watch: %s has no oom_kill counter; OOM kills will not be detected", file);
    close(w->fd);
    w->fd = -1;
  }
}

bool oom_watch_fired(struct oom_watch *w) {
  if (w->fd < 0) return false;
  long long now = read_oom_kill(w->fd);
  if (now < 0) mlog("oom watch: the oom_kill counter could not be read after exit: %s", strerror(errno));
  return now > w->baseline;
}
