/* config.json: the OCI runtime configuration, parsed and validated in one pass into plain structs. Everything the
 * container needs is checked here, before anything is created; an error names the field ("process.args[0]: ...").
 * The cgroup and seccomp parts are filled into the structs those modules define (cgroups.h, seccomp.h). */
#ifndef GANTRY_CONFIG_H
#define GANTRY_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/json.h"
#include "runtime/cgroups.h"
#include "runtime/seccomp.h"

struct oci_mount {
  char *destination, *type, *source;
  unsigned long flags;       /* MS_* set by options */
  unsigned long clear_flags; /* MS_* explicitly cleared ("rw", "suid", ...) */
  unsigned long propagation; /* MS_PRIVATE|MS_REC, ... or 0 */
  bool bind, recursive;
  char *data; /* the options the kernel takes as data ("mode=755,size=65536k") or NULL */
};

struct oci_namespace {
  int type;   /* CLONE_NEW* */
  char *path; /* join this one, or NULL for a new namespace */
};

struct oci_idmap {
  uint32_t container_id, host_id, size;
};

struct oci_device {
  char *path;
  char type; /* 'c', 'b', 'u' or 'p' */
  int64_t major, minor;
  mode_t mode; /* permission bits; defaults to 0666 */
  uid_t uid;
  gid_t gid;
  bool has_uid, has_gid;
};

struct oci_rlimit {
  int resource;
  uint64_t soft, hard;
};

struct oci_hook {
  char *path;
  char **args, **env; /* NULL-terminated; may be NULL */
  int timeout;        /* seconds; 0: none */
};

struct oci_hooks {
  struct oci_hook *prestart, *create_runtime, *create_container, *start_container, *poststart, *poststop;
  size_t n_prestart, n_create_runtime, n_create_container, n_start_container, n_poststart, n_poststop;
};

struct oci_caps {
  uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct oci_process {
  bool terminal;
  unsigned console_width, console_height;
  uid_t uid;
  gid_t gid;
  gid_t *additional_gids;
  size_t n_additional_gids;
  bool has_umask;
  mode_t umask;
  char **args, **env; /* NULL-terminated */
  char *cwd;
  bool has_caps;
  struct oci_caps caps;
  bool no_new_privileges;
  bool has_oom_score_adj;
  int oom_score_adj;
  struct oci_rlimit *rlimits;
  size_t n_rlimits;
};

struct oci_config {
  char *oci_version;
  char *bundle;      /* absolute bundle directory */
  char *root_path;   /* absolute rootfs path */
  bool root_readonly;
  char *hostname, *domainname;
  struct oci_mount *mounts;
  size_t n_mounts;
  struct oci_process *process; /* NULL when absent */
  struct oci_hooks hooks;
  char **annotation_keys, **annotation_values;
  size_t n_annotations;

  struct oci_namespace *namespaces;
  size_t n_namespaces;
  struct oci_idmap *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  struct oci_device *devices;
  size_t n_devices;
  char *cgroups_path;
  struct cgroup_resources resources;
  struct seccomp_config *seccomp; /* NULL when absent */
  unsigned long rootfs_propagation; /* 0: the default (rslave) */
  char **masked_paths, **readonly_paths;
  char **sysctl_keys, **sysctl_values;
  size_t n_sysctl;

  struct json_value *json; /* the parsed document (hooks are re-serialised into the state from it) */
};

/* Reads BUNDLE/config.json and validates it. bundle may be relative; it is made absolute. */
int config_load(const char *bundle, struct oci_config **out, gantry_error_t *err);
/* Parses a process object alone (exec --process FILE). field names the document in errors. */
int config_parse_process(const struct json_value *v, const char *field, struct oci_process **out, gantry_error_t *err);
/* Parses a hooks object (also used to read the hooks saved in the state). */
int config_parse_hooks(const struct json_value *v, struct oci_hooks *out, gantry_error_t *err);
/* Parses linux.resources (also `update --r FILE`). */
int config_parse_resources(const struct json_value *v, const char *field, struct cgroup_resources *out,
                           gantry_error_t *err);
/* Parses linux.seccomp (also the copy saved in the state, for exec). *out is allocated. */
int config_parse_seccomp(const struct json_value *v, struct seccomp_config **out, gantry_error_t *err);
void config_free(struct oci_config *c);
void process_free(struct oci_process *p);
void hooks_free(struct oci_hooks *h);
void cleanup_configp(struct oci_config **c);
#define cleanup_config __attribute__((cleanup(cleanup_configp)))

/* Capability and rlimit names; -1 when unknown. */
int capability_from_name(const char *name);
const char *capability_name(int cap);
int capability_last(void); /* the highest capability this table knows */
int rlimit_from_name(const char *name);
/* Namespace types ("pid", ...) */
int namespace_from_name(const char *name);
const char *namespace_name(int type);
/* The namespace of that type in the config, or NULL. */
const struct oci_namespace *config_namespace(const struct oci_config *c, int type);

#endif
