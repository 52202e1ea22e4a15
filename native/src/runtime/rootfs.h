/* The container's filesystem, built inside its new mount namespace: propagation, the rootfs bind, config mounts,
 * /dev, pivot_root, masked and read-only paths, sysctls, and finally the read-only root. Mount targets are resolved
 * inside the rootfs (openat2 RESOLVE_IN_ROOT), so a symlink in the image cannot point a mount outside it. */
#ifndef GANTRY_ROOTFS_H
#define GANTRY_ROOTFS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "runtime/config.h"

/* A config without a mount namespace inherits the runtime's: the rootfs is bound on itself there, the config's
 * mounts and /dev are made below that bind, and the container is chrooted into it (pivot_root would move every
 * process of the namespace). The runtime detaches the bind, and all below it, when the container is removed — runc
 * leaves them mounted. A mount namespace joined by path is treated as the container's own. */

/* The id of the mount path is on (statx STATX_MNT_ID), or 0. */
uint64_t rootfs_mount_id(const char *path);
/* Detaches the container's bind at root: the mount whose id is bind_id when known (saved after create), else
 * (undoing a failed create) whatever is mounted there unless it is still before_id, the mount found before. */
void rootfs_detach_bind(const char *root, uint64_t bind_id, uint64_t before_id);

/* The container's cgroup is set up by the runtime while the container builds its filesystem. A cgroup mount waits
 * for it: wait(arg, false) until its directories exist (their path, below each hierarchy, in *path), or
 * wait(arg, true) until the process is in it (a new cgroup namespace is rooted there, and mounted as such). */
struct rootfs_cgroup_gate {
  int (*wait)(void *arg, bool entered, const char **path, gantry_error_t *err);
  void *arg;
};

/* Before pivot_root: everything mounted under cfg->root_path. in_userns: mknod is not allowed, devices are bound. */
int rootfs_prepare(const struct oci_config *cfg, bool in_userns, struct rootfs_cgroup_gate *gate, gantry_error_t *err);
/* pivot_root into the rootfs (or MS_MOVE + chroot with no_pivot). */
int rootfs_pivot(const struct oci_config *cfg, bool no_pivot, gantry_error_t *err);
/* After pivot_root: sysctls, masked and read-only paths. */
int rootfs_finish(const struct oci_config *cfg, gantry_error_t *err);
/* Binds the pty slave (by its path) over /dev/console. */
int rootfs_bind_console(const char *slave_path, gantry_error_t *err);
/* Last: the root read-only, if asked, and rootfsPropagation applied to "/". */
int rootfs_seal(const struct oci_config *cfg, gantry_error_t *err);

#endif
