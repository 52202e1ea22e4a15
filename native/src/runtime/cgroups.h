/* Cgroup management for containers: one interface, two backends (v1 hybrid/legacy and unified v2), chosen once
 * by cgroup_manager_detect(). The runtime core fills `struct cgroup_config` from config.json; this module never
 * sees JSON.  Every function follows common/error.h. */
#ifndef GANTRY_CGROUPS_H
#define GANTRY_CGROUPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

struct cgroup_device_rule { /* linux.resources.devices[] */
  bool allow;
  char type;          /* 'a', 'c' or 'b' */
  int64_t major, minor; /* -1: wildcard */
  char access[4];     /* subset of "rwm" */
};

/* blockIO.weightDevice[] (weight) and blockIO.throttle{Read,Write}{Bps,IOPS}Device[] (rate). */
struct cgroup_blkio_device {
  int64_t major, minor;
  bool has_weight;
  uint16_t weight;
  uint64_t rate;
};

enum { CGROUP_THROTTLE_READ_BPS, CGROUP_THROTTLE_WRITE_BPS, CGROUP_THROTTLE_READ_IOPS, CGROUP_THROTTLE_WRITE_IOPS,
       CGROUP_THROTTLE_KINDS };

/* The OCI field name of each throttle kind, for errors ("throttleReadBpsDevice", ...). */
extern const char *const cgroup_throttle_fields[CGROUP_THROTTLE_KINDS];

struct cgroup_hugepage_limit { /* hugepageLimits[]: pageSize such as "2MB" (checked: digits then KB/MB/GB) */
  char *page_size;
  uint64_t limit;
};

struct cgroup_net_priority { /* network.priorities[] */
  char *name; /* an interface name (checked: 1-15 characters, no '/', space or newline) */
  uint32_t priority;
};

struct cgroup_resources { /* linux.resources; has_* says the field was present. Every limit that is present is either
                           * applied or refused with an error naming it: none is dropped because the host lacks a
                           * controller or a file (as runc). */
  bool has_memory_limit, has_memory_reservation, has_memory_swap, has_memory_swappiness, has_disable_oom_killer;
  int64_t memory_limit, memory_reservation, memory_swap;
  uint64_t memory_swappiness;
  bool disable_oom_killer;

  bool has_cpu_shares, has_cpu_quota, has_cpu_period, has_cpu_rt_runtime, has_cpu_rt_period;
  uint64_t cpu_shares; /* v1 shares; converted to cpu.weight on v2 as runc does */
  int64_t cpu_quota;
  uint64_t cpu_period;
  int64_t cpu_rt_runtime;
  uint64_t cpu_rt_period;
  char *cpu_cpus, *cpu_mems; /* NULL: not set */

  bool has_pids_limit;
  int64_t pids_limit; /* -1 or 0 with has_pids_limit: unlimited ("max") */

  bool has_blkio_weight, has_blkio_leaf_weight;
  uint16_t blkio_weight;      /* v1 blkio.weight or blkio.bfq.weight (10-1000) / v2 io.bfq.weight or io.weight */
  uint16_t blkio_leaf_weight; /* v1 blkio.leaf_weight (CFQ only) */
  struct cgroup_blkio_device *blkio_weight_device; /* blockIO.weightDevice[] */
  size_t n_blkio_weight_device;
  struct cgroup_blkio_device *blkio_throttle[CGROUP_THROTTLE_KINDS]; /* blockIO.throttle*Device[] */
  size_t n_blkio_throttle[CGROUP_THROTTLE_KINDS];

  struct cgroup_hugepage_limit *hugepages; /* hugepageLimits[] */
  size_t n_hugepages;

  bool has_net_classid; /* network.classID (v1 net_cls) */
  uint32_t net_classid;
  struct cgroup_net_priority *net_priorities; /* network.priorities[] (v1 net_prio) */
  size_t n_net_priorities;

  struct cgroup_device_rule *devices;
  size_t n_devices;

  /* linux.resources.unified (v2 only): raw "file" -> "value" pairs */
  char **unified_keys, **unified_values;
  size_t n_unified;
};

struct cgroup_config {
  const char *id;           /* container id */
  /* linux.cgroupsPath or NULL. Absolute: used as is under every hierarchy; relative: under /gantry; NULL:
   * /gantry/<id>; systemd's "slice:prefix:name": /<expanded slice>/prefix-name.scope. ".." is refused. */
  const char *cgroups_path;
  struct cgroup_resources resources;
  /* create() calls made(made_arg, state_path) once the directories exist and the limits are set, just before it
   * moves the process in (may be NULL): the process can bind them meanwhile, since on v1 the first write to a
   * cgroup.procs waits for an RCU grace period. */
  void (*made)(void *arg, const char *state_path);
  void *made_arg;
};

enum cgroup_mode { CGROUP_MODE_V1 = 1, CGROUP_MODE_V2 = 2 };

struct cgroup_manager;

/* Detects the host's layout (pure v2, or v1/hybrid as on the build machines) and returns the backend. */
int cgroup_manager_detect(const struct cgroup_manager **out, gantry_error_t *err);

struct cgroup_manager {
  enum cgroup_mode mode;
  /* Creates the cgroup(s) for cfg, applies resources, and moves pid into them. On success *state_path is an
   * allocated string to save in the container state (the cgroup's path below the hierarchy root, the same under
   * every v1 controller's mount and in the v2 tree, e.g. "/gantry/<id>") so later calls can find the cgroup
   * without the config. On failure nothing it created is left. */
  int (*create)(const struct cgroup_config *cfg, pid_t pid, char **state_path, gantry_error_t *err);
  /* Moves another process (exec) into the container's cgroup(s). */
  int (*enter)(const char *state_path, pid_t pid, gantry_error_t *err);
  /* `update`: applies new resources to an existing cgroup. */
  int (*update)(const char *state_path, const struct cgroup_resources *res, gantry_error_t *err);
  /* freezer: pause/resume, waiting until the state has settled. */
  int (*freeze)(const char *state_path, bool frozen, gantry_error_t *err);
  /* Fills *pids (allocated) with every pid in the container's cgroup(s). */
  int (*pids)(const char *state_path, pid_t **pids, size_t *n, gantry_error_t *err);
  /* Sends sig to every process in the cgroup (kill --all); freezes first so no new fork escapes. A paused
   * cgroup stays paused. */
  int (*kill_all)(const char *state_path, int sig, gantry_error_t *err);
  /* Removes the cgroup(s); retries while processes are exiting. */
  int (*destroy)(const char *state_path, gantry_error_t *err);
  /* Reads memory stats for OOM detection: number of OOM kills recorded in the cgroup. */
  int (*oom_kills)(const char *state_path, uint64_t *count, gantry_error_t *err);
};

void cgroup_resources_free(struct cgroup_resources *res);

#endif
