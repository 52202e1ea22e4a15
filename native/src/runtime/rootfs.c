#include "runtime/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/util.h"
#include "runtime/log.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* ---- paths inside the rootfs ---- */

static int open_in_root(int rootfd, const char *path, int flags) {
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .mode = 0, .resolve = RESOLVE_IN_ROOT};
  if (flags & O_CREAT) how.mode = 0644;
  int fd;
  do fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
  while (fd < 0 && errno == EAGAIN);
  return fd;
}

/* mkdir -p of path inside the root; returns an O_PATH fd of the directory. */
static int mkdir_in_root(int rootfd, const char *path, gantry_error_t *err) {
  int fd = open_in_root(rootfd, path, O_PATH | O_DIRECTORY);
  if (fd >= 0 || errno != ENOENT) {
    if (fd < 0) return gantry_error_sys(err, "open %s in the rootfs", path);
    return fd;
  }
  cleanup_free char *p = xstrdup(path);
  char *slash = strrchr(p, '/');
  int parent;
  const char *name;
  if (slash == NULL || slash == p) {
    parent = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
    name = slash ? slash + 1 : p;
  } else {
    *slash = '\0';
    parent = mkdir_in_root(rootfd, p, err);
    if (parent < 0) return -1;
    name = slash + 1;
  }
  if (*name && mkdirat(parent, name, 0755) < 0 && errno != EEXIST) {
    int e = errno;
    close(parent);
    return gantry_error_set(err, e, "mkdir %s in the rootfs", path);
  }
  close(parent);
  fd = open_in_root(rootfd, path, O_PATH | O_DIRECTORY);
  if (fd < 0) return gantry_error_sys(err, "open %s in the rootfs", path);
  return fd;
}

/* Opens (creating as needed) a mount target: a directory, or an empty file when dir is false. */
static int make_target(int rootfd, const char *path, bool dir, gantry_error_t *err) {
  if (dir) return mkdir_in_root(rootfd, path, err);
  int fd = open_in_root(rootfd, path, O_PATH);
  if (fd >= 0) return fd;
  if (errno != ENOENT) return gantry_error_sys(err, "open %s in the rootfs", path);
  cleanup_free char *parent = xstrdup(path);
  char *slash = strrchr(parent, '/');
  if (slash && slash != parent) {
    *slash = '\0';
    int pfd = mkdir_in_root(rootfd, parent, err);
    if (pfd < 0) return -1;
    close(pfd);
  }
  fd = open_in_root(rootfd, path, O_WRONLY | O_CREAT);
  if (fd < 0) return gantry_error_sys(err, "create %s in the rootfs", path);
  close(fd);
  fd = open_in_root(rootfd, path, O_PATH);
  if (fd < 0) return gantry_error_sys(err, "open %s in the rootfs", path);
  return fd;
}

static const char *fdpath(int fd, char buf[32]) {
  snprintf(buf, 32, "/proc/self/fd/%d", fd);
  return buf;
}

/* Flags a bind remount must keep (the kernel refuses to drop locked ones). */
static unsigned long existing_flags(const char *path) {
  struct statvfs sv;
  if (statvfs(path, &sv) < 0) return 0;
  unsigned long f = 0;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

static int bind_remount(const char *target, unsigned long flags, unsigned long clear, const char *what,
                        gantry_error_t *err) {
  unsigned long f = (existing_flags(target) & ~clear) | flags;
  if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | f, NULL) < 0)
    return gantry_error_sys(err, "remount %s with its options", what);
  return 0;
}

/* ---- cgroup mounts ---- */

/* cg_path: the container's cgroup below each hierarchy (the process may not be in it yet), or NULL in a new cgroup
 * namespace (the process is in it, and the namespace's root is it). */
static int mount_cgroup(int rootfd, const struct oci_mount *m, bool new_cgroupns, const char *cg_path,
                        gantry_error_t *err) {
  char buf[32];
  struct statfs sfs;
  unsigned long flags = (m->flags | MS_NOSUID | MS_NODEV | MS_NOEXEC) & ~(MS_BIND | MS_REC | MS_REMOUNT);
  cleanup_close int fd = mkdir_in_root(rootfd, m->destination, err);
  if (fd < 0) return -1;
  if (statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
    /* Pure v2: the container's own hierarchy when it has a cgroup namespace, else its cgroup bound in. */
    if (mount("cgroup2", fdpath(fd, buf), "cgroup2", flags, NULL) == 0) return 0;
    if (errno != EPERM && errno != EBUSY) return gantry_error_sys(err, "mount cgroup2 on %s", m->destination);
    cleanup_free char *cg = NULL;
    const char *path = cg_path;
    if (path == NULL) {
      if (read_file("/proc/self/cgroup", 0, &cg, NULL, err) < 0) return -1;
      char *p = strstr(cg, "0::");
      if (p == NULL) return gantry_error_set(err, 0, "no cgroup2 entry in /proc/self/cgroup");
      p += 3;
      p[strcspn(p, "\n")] = '\0';
      path = p;
    }
    cleanup_free char *src = xasprintf("/sys/fs/cgroup%s", path);
    if (mount(src, fdpath(fd, buf), NULL, MS_BIND | MS_REC, NULL) < 0)
      return gantry_error_sys(err, "bind %s on %s", src, m->destination);
    cleanup_close int top = open_in_root(rootfd, m->destination, O_PATH | O_DIRECTORY);
    if (top < 0) return gantry_error_sys(err, "open %s", m->destination);
    return bind_remount(fdpath(top, buf), flags, 0, m->destination, err);
  }

  /* v1 or hybrid: a tmpfs with one directory per hierarchy the container is in (the hierarchies are the host's;
   * before the process is moved in, its own lines name them with the runtime's paths). */
  if (mount("tmpfs", fdpath(fd, buf), "tmpfs", (flags & ~MS_RDONLY), "mode=755") < 0)
    return gantry_error_sys(err, "mount tmpfs on %s", m->destination);
  cleanup_close int top = open_in_root(rootfd, m->destination, O_PATH | O_DIRECTORY);
  if (top < 0) return gantry_error_sys(err, "open %s", m->destination);
  cleanup_free char *cg = NULL;
  if (read_file("/proc/self/cgroup", 0, &cg, NULL, err) < 0) return -1;
  char *save = NULL;
  for (char *line = strtok_r(cg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL) continue;
    *c1 = *c2 = '\0';
    const char *ctrl = c1 + 1, *path = c2 + 1;
    /* A hybrid host's cgroup2 tree ("0::", mounted at /sys/fs/cgroup/unified) is the host's, not the container's:
     * runc shows only the v1 hierarchies here, and so does this. */
    if (*ctrl == '\0') continue;
    const char *dir = strncmp(ctrl, "name=", 5) == 0 ? ctrl + 5 : ctrl;
    cleanup_free char *host = xasprintf("/sys/fs/cgroup/%s", dir);
    if (access(host, F_OK) < 0) continue;
    if (mkdirat(top, dir, 0755) < 0 && errno != EEXIST) return gantry_error_sys(err, "mkdir %s/%s", m->destination, dir);
    cleanup_free char *rel = xasprintf("%s/%s", m->destination, dir);
    cleanup_close int sub = open_in_root(rootfd, rel, O_PATH | O_DIRECTORY);
    if (sub < 0) return gantry_error_sys(err, "open %s", rel);
    int r;
    if (new_cgroupns) {
      if (*ctrl == '\0') {
        r = mount("cgroup2", fdpath(sub, buf), "cgroup2", flags, NULL);
      } else {
        cleanup_free char *opts = strncmp(ctrl, "name=", 5) == 0 ? xasprintf("none,%s", ctrl) : xstrdup(ctrl);
        r = mount("cgroup", fdpath(sub, buf), "cgroup", flags, opts);
      }
      if (r < 0) return gantry_error_sys(err, "mount cgroup %s on %s", *ctrl ? ctrl : "cgroup2", rel);
    } else {
      cleanup_free char *src = xasprintf("%s%s", host, cg_path ? cg_path : path);
      if (mount(src, fdpath(sub, buf), NULL, MS_BIND | MS_REC, NULL) < 0)
        return gantry_error_sys(err, "bind %s on %s", src, rel);
      /* Reopen: the fd pointed below the new mount. */
      cleanup_close int top_sub = open_in_root(rootfd, rel, O_PATH | O_DIRECTORY);
      if (top_sub < 0) return gantry_error_sys(err, "open %s", rel);
      if (bind_remount(fdpath(top_sub, buf), flags, 0, rel, err) < 0) return -1;
    }
  }
  if (flags & MS_RDONLY) {
    if (mount(NULL, fdpath(top, buf), NULL, MS_REMOUNT | flags, "mode=755") < 0)
      return gantry_error_sys(err, "remount %s read-only", m->destination);
  }
  return 0;
}

/* ---- one config mount ---- */

static int do_mount(int rootfd, const struct oci_mount *m, bool new_cgroupns, struct rootfs_cgroup_gate *gate,
                    gantry_error_t *err) {
  char buf[32];
  if (m->type && strcmp(m->type, "cgroup") == 0 && !m->bind) {
    const char *cg_path = NULL;
    if (gate->wait(gate->arg, new_cgroupns, &cg_path, err) < 0) return -1;
    return mount_cgroup(rootfd, m, new_cgroupns, new_cgroupns ? NULL : cg_path, err);
  }
  bool dir = true;
  if (m->bind) {
    struct stat st;
    if (stat(m->source, &st) < 0) return gantry_error_sys(err, "mount %s: source %s", m->destination, m->source);
    dir = S_ISDIR(st.st_mode);
  }
  int fd = make_target(rootfd, m->destination, dir, err);
  if (fd < 0) return -1;
  unsigned long flags = m->flags & ~MS_REMOUNT;
  if (m->bind) {
    if (mount(m->source, fdpath(fd, buf), NULL, MS_BIND | (m->recursive ? MS_REC : 0), NULL) < 0) {
      int e = errno;
      close(fd);
      return gantry_error_set(err, e, "bind %s on %s", m->source, m->destination);
    }
  } else if (mount(m->source, fdpath(fd, buf), m->type, flags, m->data) < 0) {
    int e = errno;
    if (!(e == EPERM && strcmp(m->type, "sysfs") == 0)) {
      close(fd);
      return gantry_error_set(err, e, "mount %s on %s", m->type, m->destination);
    }
    /* sysfs of a network namespace we do not own: bind the host's, as runc does. */
    if (mount("/sys", fdpath(fd, buf), NULL, MS_BIND | MS_REC, NULL) < 0) {
      e = errno;
      close(fd);
      return gantry_error_set(err, e, "bind /sys on %s", m->destination);
    }
    flags |= MS_BIND;
  }
  close(fd);
  /* Reopen: the fd pointed below the new mount. */
  fd = open_in_root(rootfd, m->destination, O_PATH);
  if (fd < 0) return gantry_error_sys(err, "open %s after mounting", m->destination);
  int r = 0;
  unsigned long remount = flags & ~(MS_BIND | MS_REC);
  if ((m->bind || (flags & MS_BIND)) && (remount || m->clear_flags))
    r = bind_remount(fdpath(fd, buf), remount, m->clear_flags, m->destination, err);
  if (r == 0 && m->propagation && mount(NULL, fdpath(fd, buf), NULL, m->propagation, NULL) < 0)
    r = gantry_error_sys(err, "set propagation of %s", m->destination);
  close(fd);
  return r;
}

/* ---- /dev ---- */

static const struct oci_device default_devices[] = {
    {.path = "/dev/null", .type = 'c', .major = 1, .minor = 3, .mode = 0666},
    {.path = "/dev/zero", .type = 'c', .major = 1, .minor = 5, .mode = 0666},
    {.path = "/dev/full", .type = 'c', .major = 1, .minor = 7, .mode = 0666},
    {.path = "/dev/random", .type = 'c', .major = 1, .minor = 8, .mode = 0666},
    {.path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9, .mode = 0666},
    {.path = "/dev/tty", .type = 'c', .major = 5, .minor = 0, .mode = 0666},
};

static int create_device(int rootfd, const struct oci_device *d, bool bind, gantry_error_t *err) {
  char buf[32];
  cleanup_free char *parent = xstrdup(d->path);
  char *slash = strrchr(parent, '/');
  const char *name = slash + 1;
  *slash = '\0';
  cleanup_close int pfd = mkdir_in_root(rootfd, *parent ? parent : "/", err);
  if (pfd < 0) return -1;
  cleanup_close int dirfd_ = -1;
  /* mknodat needs a real directory fd, not O_PATH. */
  dirfd_ = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd_ < 0) return gantry_error_sys(err, "open the directory of %s", d->path);
  if (bind) {
    int fd = openat(dirfd_, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return gantry_error_sys(err, "create %s", d->path);
    close(fd);
    fd = openat(dirfd_, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return gantry_error_sys(err, "open %s", d->path);
    int r = mount(d->path, fdpath(fd, buf), NULL, MS_BIND, NULL);
    int e = errno;
    close(fd);
    if (r < 0) return gantry_error_set(err, e, "bind device %s", d->path);
    return 0;
  }
  mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
  unlinkat(dirfd_, name, 0);
  if (mknodat(dirfd_, name, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0)
    return gantry_error_sys(err, "mknod %s", d->path);
  if (fchownat(dirfd_, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return gantry_error_sys(err, "chown %s", d->path);
  return 0;
}

static bool has_mount(const struct oci_config *cfg, const char *dest, bool *bind) {
  for (size_t i = 0; i < cfg->n_mounts; i++)
    if (strcmp(cfg->mounts[i].destination, dest) == 0) {
      if (bind) *bind = cfg->mounts[i].bind;
      return true;
    }
  return false;
}

static int setup_dev(int rootfd, const struct oci_config *cfg, bool in_userns, gantry_error_t *err) {
  for (size_t i = 0; i < cfg->n_devices; i++)
    if (create_device(rootfd, &cfg->devices[i], in_userns, err) < 0) return -1;
  for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
    bool listed = false;
    for (size_t j = 0; j < cfg->n_devices; j++) listed |= strcmp(cfg->devices[j].path, default_devices[i].path) == 0;
    if (!listed && create_device(rootfd, &default_devices[i], in_userns, err) < 0) return -1;
  }
  cleanup_close int devfd = mkdir_in_root(rootfd, "/dev", err);
  if (devfd < 0) return -1;
  cleanup_close int dev = openat(devfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dev < 0) return gantry_error_sys(err, "open /dev");
  static const char *const links[][2] = {
      {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
      {"/proc/self/fd/2", "stderr"}, {"/proc/kcore", "core"},
  };
  for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
    if (strcmp(links[i][1], "core") == 0 && access("/proc/kcore", F_OK) < 0) continue;
    if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
      return gantry_error_sys(err, "symlink /dev/%s", links[i][1]);
  }
  if (has_mount(cfg, "/dev/pts", NULL)) {
    unlinkat(dev, "ptmx", 0);
    if (symlinkat("pts/ptmx", dev, "ptmx") < 0) return gantry_error_sys(err, "symlink /dev/ptmx");
  }
  return 0;
}

/* ---- the whole sequence ---- */

/* pivot_root refuses a new root whose parent mount is shared; make that parent private. */
static int make_parent_private(const char *root, gantry_error_t *err) {
  cleanup_free char *info = NULL;
  if (read_file("/proc/self/mountinfo", 0, &info, NULL, err) < 0) return -1;
  cleanup_free char *best = NULL;
  size_t best_len = 0;
  cleanup_free char *parent = xstrdup(root);
  char *slash = strrchr(parent, '/');
  if (slash && slash != parent) *slash = '\0';
  char *save = NULL;
  for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char mp[4096];
    if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1) continue;
    size_t n = strlen(mp);
    bool prefix = strcmp(mp, "/") == 0 || (strncmp(parent, mp, n) == 0 && (parent[n] == '/' || parent[n] == '\0'));
    if (prefix && n >= best_len) {
      free(best);
      best = xstrdup(mp);
      best_len = n;
    }
  }
  if (best && mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0) return gantry_error_sys(err, "make %s private", best);
  return 0;
}

uint64_t rootfs_mount_id(const char *path) {
  struct statx sx;
  if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID)) return 0;
  return sx.stx_mnt_id;
}

void rootfs_detach_bind(const char *root, uint64_t bind_id, uint64_t before_id) {
  uint64_t now = rootfs_mount_id(root);
  if (now == 0 || (bind_id == 0 && before_id == 0) || (bind_id ? now != bind_id : now == before_id)) return;
  /* The bind and everything the container mounted below it go at once. */
  if (umount2(root, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
    log_warn("unmount the container's filesystem at %s: %m", root);
}

/* No mount namespace listed: the container builds its filesystem in the runtime's (see rootfs.h). */
static bool in_runtime_mount_ns(const struct oci_config *cfg) {
  return config_namespace(cfg, CLONE_NEWNS) == NULL;
}

int rootfs_prepare(const struct oci_config *cfg, bool in_userns, struct rootfs_cgroup_gate *gate, gantry_error_t *err) {
  if (!in_runtime_mount_ns(cfg)) {
    /* The namespace is the container's (new, or joined by path): its "/" follows the host's at most. In the
     * runtime's own namespace the propagation of "/" is left as it is (runc turns the host's "/" into a slave
     * there, cutting the host off from its peers). */
    unsigned long prop = cfg->rootfs_propagation ? cfg->rootfs_propagation : MS_SLAVE | MS_REC;
    if (mount(NULL, "/", NULL, prop, NULL) < 0) return gantry_error_sys(err, "set propagation of /");
    /* Before the bind, so the rootfs mount is not shared either (pivot_root refuses shared mounts). */
    if ((prop & MS_SHARED) && make_parent_private(cfg->root_path, err) < 0) return -1;
  }
  if (mount(cfg->root_path, cfg->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
    return gantry_error_sys(err, "bind the rootfs %s", cfg->root_path);
  cleanup_close int rootfd = open(cfg->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return gantry_error_sys(err, "open the rootfs %s", cfg->root_path);
  const struct oci_namespace *cgns = config_namespace(cfg, CLONE_NEWCGROUP);
  bool new_cgroupns = cgns && cgns->path == NULL;
  for (size_t i = 0; i < cfg->n_mounts; i++) {
    if (do_mount(rootfd, &cfg->mounts[i], new_cgroupns, gate, err) < 0) return -1;
  }
  bool dev_bound = false;
  if (!(has_mount(cfg, "/dev", &dev_bound) && dev_bound) && setup_dev(rootfd, cfg, in_userns, err) < 0) return -1;
  return 0;
}

int rootfs_pivot(const struct oci_config *cfg, bool no_pivot, gantry_error_t *err) {
  if (chdir(cfg->root_path) < 0) return gantry_error_sys(err, "chdir %s", cfg->root_path);
  if (in_runtime_mount_ns(cfg)) {
    /* pivot_root would move the root of every process in the runtime's namespace, and MS_MOVE its "/". */
    if (chroot(".") < 0) return gantry_error_sys(err, "chroot %s", cfg->root_path);
    if (chdir("/") < 0) return gantry_error_sys(err, "chdir /");
    return 0;
  }
  if (no_pivot) {
    if (mount(cfg->root_path, "/", NULL, MS_MOVE, NULL) < 0) return gantry_error_sys(err, "move the rootfs to /");
    if (chroot(".") < 0) return gantry_error_sys(err, "chroot");
    if (chdir("/") < 0) return gantry_error_sys(err, "chdir /");
    return 0;
  }
  cleanup_close int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0) return gantry_error_sys(err, "open /");
  if (syscall(SYS_pivot_root, ".", ".") < 0) return gantry_error_sys(err, "pivot_root %s", cfg->root_path);
  /* The old root now sits under the new one at "."; detach it without propagating to the host. */
  if (fchdir(oldroot) < 0) return gantry_error_sys(err, "fchdir to the old root");
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) return gantry_error_sys(err, "make the old root a slave");
  if (umount2(".", MNT_DETACH) < 0) return gantry_error_sys(err, "unmount the old root");
  if (chdir("/") < 0) return gantry_error_sys(err, "chdir /");
  return 0;
}

static int mask_path(const char *path, gantry_error_t *err) {
  struct stat st;
  if (lstat(path, &st) < 0) {
    if (errno == ENOENT) return 0;
    return gantry_error_sys(err, "masked path %s", path);
  }
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0) return gantry_error_sys(err, "mask %s", path);
  } else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
    return gantry_error_sys(err, "mask %s", path);
  }
  return 0;
}

static int readonly_path(const char *path, gantry_error_t *err) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
    if (errno == ENOENT) return 0;
    return gantry_error_sys(err, "bind read-only path %s", path);
  }
  return bind_remount(path, MS_RDONLY, 0, path, err);
}

int rootfs_finish(const struct oci_config *cfg, gantry_error_t *err) {
  for (size_t i = 0; i < cfg->n_sysctl; i++) {
    cleanup_free char *path = xasprintf("/proc/sys/%s", cfg->sysctl_keys[i]);
    for (char *c = path + 10; *c; c++)
      if (*c == '.') *c = '/';
    if (write_file(path, cfg->sysctl_values[i], err) < 0)
      return gantry_error_wrap(err, "sysctl %s=%s", cfg->sysctl_keys[i], cfg->sysctl_values[i]);
  }
  for (size_t i = 0; cfg->readonly_paths && cfg->readonly_paths[i]; i++)
    if (readonly_path(cfg->readonly_paths[i], err) < 0) return -1;
  for (size_t i = 0; cfg->masked_paths && cfg->masked_paths[i]; i++)
    if (mask_path(cfg->masked_paths[i], err) < 0) return -1;
  return 0;
}

int rootfs_bind_console(const char *slave_path, gantry_error_t *err) {
  int fd = open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
  if (mount(slave_path, "/dev/console", NULL, MS_BIND, NULL) < 0)
    return gantry_error_sys(err, "bind %s on /dev/console", slave_path);
  return 0;
}

int rootfs_seal(const struct oci_config *cfg, gantry_error_t *err) {
  if (cfg->root_readonly && bind_remount("/", MS_RDONLY, 0, "/", err) < 0) return -1;
  if (cfg->rootfs_propagation && mount(NULL, "/", NULL, cfg->rootfs_propagation, NULL) < 0)
    return gantry_error_sys(err, "set propagation of the container's /");
  return 0;
}
