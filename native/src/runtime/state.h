/* On-disk container state: ROOT/ID/state.json, written through a temp file and rename(). The OCI state (what
 * `state` prints and hooks read on stdin) is derived from it; the status is computed from the live process. */
#ifndef GANTRY_STATE_H
#define GANTRY_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/json.h"

#define OCI_VERSION "1.0.2"
#define DEFAULT_ROOT "/run/gantry-runtime"

struct container_state {
  char *dir; /* ROOT/ID */
  char *id, *bundle, *rootfs, *created, *owner;
  pid_t pid;
  unsigned long long start_time; /* of pid, from /proc/PID/stat */
  bool paused;
  bool own_pidns;            /* the container has its own pid namespace (killing pid 1 ends it all) */
  char *cgroup_path;         /* the cgroup manager's state path, or NULL */
  uint64_t rootfs_mount;     /* without a mount namespace of its own: the id of the rootfs bind made in the
                              * runtime's namespace (detached at delete), else 0 */
  struct json_value *annotations; /* object or NULL */
  struct json_value *hooks;       /* the config's hooks object or NULL (poststop runs at delete) */
  struct json_value *process;     /* the config's process object (exec starts from it) */
  struct json_value *seccomp;     /* linux.seccomp or NULL (exec processes get the same filter) */
  int64_t oom_score_adj;
  bool has_oom_score_adj;
};

/* A container id is 1-1024 of [A-Za-z0-9_+.-], and not "." or "..": checked before any path is built from it. */
int validate_id(const char *id, gantry_error_t *err);
/* ROOT/ID, after validating id. */
int state_dir(const char *root, const char *id, char **out, gantry_error_t *err);
int state_load(const char *root, const char *id, struct container_state **out, gantry_error_t *err);
int state_save(const struct container_state *s, gantry_error_t *err);
void state_free(struct container_state *s);
void cleanup_statep(struct container_state **s);
#define cleanup_state __attribute__((cleanup(cleanup_statep)))

/* "creating" is only used for hooks during create. */
const char *state_status(const struct container_state *s);
/* The OCI state document: ociVersion, id, status, pid, bundle, annotations. */
char *state_oci_json(const struct container_state *s, const char *status, bool pretty);
/* Removes ROOT/ID and what it holds. */
int state_remove(const struct container_state *s, gantry_error_t *err);
/* The current time as RFC 3339 with nanoseconds (UTC). */
char *now_rfc3339(void);

#endif
