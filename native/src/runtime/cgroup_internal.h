/* Private to the cgroup module: helpers shared by the v1 and v2 backends (cgroup_common.c), the backends themselves
 * (cgroup_v1.c, cgroup_v2.c) and the v2 device filter (cgroup_ebpf.c). Nothing outside cgroup*.c includes this,
 * except the test drivers in native/test-c. */
#ifndef GANTRY_CGROUP_INTERNAL_H
#define GANTRY_CGROUP_INTERNAL_H

#include "runtime/cgroups.h"

/* Parent of containers whose cgroupsPath is NULL or relative. */
#define CGROUP_DEFAULT_PARENT "/gantry"

/* The backends. cgroup_manager_detect() picks one; tests may use them directly. */
const struct cgroup_manager *cgroup_v1_manager(void);
const struct cgroup_manager *cgroup_v2_manager(void);
/* Where the v2 backend finds the unified hierarchy (default /sys/fs/cgroup). Tests on hybrid hosts point it at
 * the cgroup2 mount /sys/fs/cgroup/unified to exercise the controller-independent parts (procs, freeze, kill,
 * devices, destroy). */
void cgroup_v2_set_root(const char *root);
const char *cgroup_v2_root(void);

/* The cgroup path (relative to each hierarchy's mount, always starting with "/") for cfg: cgroupsPath as given
 * when absolute, CGROUP_DEFAULT_PARENT/<path> when relative, CGROUP_DEFAULT_PARENT/<id> when NULL, and the
 * systemd form "slice:prefix:name" mapped to "/<expanded slice>/prefix-name.scope". Refuses ".." components. */
int cgroup_resolve_path(const struct cgroup_config *cfg, char **out, gantry_error_t *err);
/* Checks a state path handed back by the runtime core ("/a/b", no "..", no "."). */
int cgroup_check_state_path(const char *path, gantry_error_t *err);

/* File access in a cgroup directory; errors read "write VALUE to DIR/FILE: ...". */
int cgroup_write(const char *dir, const char *file, const char *value, gantry_error_t *err);
/* Writes each value with its own write(2) to one open file (a kernel file that takes one rule per write). */
int cgroup_write_lines(const char *dir, const char *file, const char *const *values, size_t n, gantry_error_t *err);
/* As cgroup_write, but a missing file is not an error (returns 0 without writing: 1 when written). */
int cgroup_write_if_exists(const char *dir, const char *file, const char *value, gantry_error_t *err);
int cgroup_read(const char *dir, const char *file, char **out, gantry_error_t *err);
bool cgroup_file_exists(const char *dir, const char *file);
/* Reads "key N" from a flat-keyed file (memory.events, memory.oom_control); *found says whether it was there. */
int cgroup_read_keyed(const char *dir, const char *file, const char *key, uint64_t *value, bool *found,
                      gantry_error_t *err);

/* Creates root+path one level at a time; for every level created or found, calls prepare(dir) when not NULL
 * (v1 cpuset copies cpus/mems there; v2 enables controllers for the next level). With leaf_first, a leaf whose
 * parents exist is made at once and only it is prepared (the parents were when they were made). The number of
 * levels this call created (the deepest ones) is stored in *created so a failed create can remove exactly those. */
int cgroup_mkdir_levels(const char *root, const char *path, int (*prepare)(const char *dir, bool leaf,
                        gantry_error_t *err), bool leaf_first, int *created, gantry_error_t *err);
/* After destroying root+path: removes the now empty directories between it and root/gantry (included) when the
 * path lies below the default parent, so no cgroup made for a container outlives it. Best effort. */
void cgroup_remove_default_parents(const char *root, const char *path);
/* Removes the `levels` deepest directories of root+path (after a failed create). Best effort. */
void cgroup_rmdir_levels(const char *root, const char *path, int levels);
/* Removes dir and any child cgroups (depth first), retrying with back-off while tasks are exiting.
 * A directory that is already gone is not an error. */
int cgroup_rmdir_tree(const char *dir, gantry_error_t *err);
/* Appends every pid in dir's cgroup.procs and those of its descendants. */
int cgroup_collect_pids(const char *dir, pid_t **pids, size_t *n, gantry_error_t *err);
/* Writes pid to dir/cgroup.procs. */
int cgroup_enter_dir(const char *dir, pid_t pid, gantry_error_t *err);

/* Which resource groups a config sets (a zero value means "unset", as in runc). */
bool cgroup_wants_memory(const struct cgroup_resources *r);
bool cgroup_wants_cpu(const struct cgroup_resources *r); /* shares, quota, period, realtime */
bool cgroup_wants_cpuset(const struct cgroup_resources *r);
bool cgroup_wants_blkio(const struct cgroup_resources *r);
/* The error for a limit the host has no file for: "FIELD: this host cannot apply it (no FILES in DIR: WHY)".
 * Returns -1. */
int cgroup_cannot_apply(gantry_error_t *err, const char *field, const char *dir, const char *files, const char *why);

/* runc's conversions for v2. */
uint64_t cgroup_shares_to_weight(uint64_t shares);
uint64_t cgroup_blkio_to_io_weight(uint64_t weight);
/* memory.swap.max from OCI's memory+swap and memory limits: *out is -1 for "max", 0 for "unset" ... see
 * cgroup.c. Returns -1 with err for inconsistent values. */
int cgroup_swap_to_v2(int64_t swap, int64_t limit, int64_t *out, bool *set, gantry_error_t *err);

/* The device rules every container gets after its own (as runc's AllowedDevices): mknod of anything, and
 * null, zero, full, random, urandom, tty, ptmx, the pty slaves and tun. */
extern const struct cgroup_device_rule cgroup_default_devices[];
extern const size_t cgroup_n_default_devices;
/* Checks a device rule's fields. */
int cgroup_check_device_rule(const struct cgroup_device_rule *r, gantry_error_t *err);

/* v2 devices: compiles rules (config rules, then the defaults) into a BPF_PROG_TYPE_CGROUP_DEVICE program and
 * attaches it to the cgroup directory dir. */
int cgroup_ebpf_apply_devices(const char *dir, const struct cgroup_device_rule *rules, size_t n,
                              gantry_error_t *err);

#endif
