/* The container lifecycle, as the CLI verbs call it. Every function follows common/error.h. */
#ifndef GANTRY_CONTAINER_H
#define GANTRY_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "runtime/cgroups.h"

struct runtime_ctx {
  const char *root; /* --root */
};

struct create_opts {
  const char *id, *bundle, *pid_file, *console_socket;
  bool no_pivot;
  int preserve_fds;
  bool run;    /* run: create and start */
  bool detach; /* run -d */
};

/* create, or run (then *exit_code is the container's status for a foreground run: 128+n after signal n). */
int container_create(const struct runtime_ctx *ctx, const struct create_opts *o, int *exit_code, gantry_error_t *err);
int container_start(const struct runtime_ctx *ctx, const char *id, gantry_error_t *err);
int container_kill(const struct runtime_ctx *ctx, const char *id, int sig, bool all, gantry_error_t *err);
int container_delete(const struct runtime_ctx *ctx, const char *id, bool force, gantry_error_t *err);
/* Prints the OCI state JSON. */
int container_state(const struct runtime_ctx *ctx, const char *id, gantry_error_t *err);
int container_pause(const struct runtime_ctx *ctx, const char *id, bool pause, gantry_error_t *err);
int container_update(const struct runtime_ctx *ctx, const char *id, const struct cgroup_resources *res,
                     gantry_error_t *err);
/* "table", "json" or quiet (ids only). */
int container_list(const struct runtime_ctx *ctx, const char *format, bool quiet, gantry_error_t *err);
/* ps: format "table" runs ps(1) with ps_args and keeps the container's lines; "json" prints the pids. */
int container_ps(const struct runtime_ctx *ctx, const char *id, const char *format, char **ps_args,
                 gantry_error_t *err);

struct exec_opts {
  const char *id;
  const char *process_file; /* --process */
  char **args;              /* the command, when no --process */
  bool tty, detach;
  const char *console_socket, *pid_file, *cwd, *user;
  char **env;  /* --env, appended */
  char **caps; /* --cap, added */
  gid_t *additional_gids;
  size_t n_additional_gids;
  bool no_new_privs;
  int preserve_fds;
};

int container_exec(const struct runtime_ctx *ctx, const struct exec_opts *o, int *exit_code, gantry_error_t *err);

/* Signal by name ("KILL", "SIGKILL") or number; -1 if unknown. */
int signal_from_name(const char *s);

#endif
