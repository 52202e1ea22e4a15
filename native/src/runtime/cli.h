/* The command line: global flags, then a verb whose thin handler (cmd_*.c) parses its own flags and calls one
 * library function. Flags follow runc's (Go flag package) style: -x, -name, --name, --name=value, -n value.
 * Options stop at the first positional argument. */
#ifndef GANTRY_CLI_H
#define GANTRY_CLI_H

#include <stdbool.h>

#include "common/error.h"
#include "runtime/container.h"

struct cli_opt {
  const char *name;
  char short_name;
  bool has_arg;
  int id;
};

struct cli_parser {
  int argc;
  char **argv;
  int i;
  const char *verb;
};

/* Returns the id of the next option (with *val for its argument, "true"/"false" for booleans), 0 when options end
 * (p->i then indexes the first positional), -1 on an unknown option or a missing argument. */
int cli_next(struct cli_parser *p, const struct cli_opt *opts, const char **val, gantry_error_t *err);
/* Requires exactly n positional arguments left; names them in the error. */
int cli_positional(struct cli_parser *p, int n, const char *usage, gantry_error_t *err);
bool cli_bool(const char *val);
int cli_int(const char *val, const char *flag, int *out, gantry_error_t *err);

typedef int (*cmd_fn)(const struct runtime_ctx *ctx, struct cli_parser *p, gantry_error_t *err);
int cmd_create(const struct runtime_ctx *, struct cli_parser *, gantry_error_t *);
int cmd_run(const struct runtime_ctx *, struct cli_parser *, gantry_error_t *);
int cmd_start(const struct runtime_ctx *, struct cli_parser *, gantry_error_t *);
int cmd_state(const struct runtime_ctx *, struct cli_parser *, gantry_error_t *);
int cmd_kill(const struct runtime_ctx *, struct cli_parser *, gantry_error_t *);
int cmd_delete(const struct runtime_ctx *, struct cli_parser *, gantry_error_t *);
int cmd_list(const struct runtime_ctx *, struct cli_parser *, gantry_error_t *);
int cmd_pause(const struct runtime_ctx *, struct cli_parser *, gantry_error_t *);
int cmd_resume(const struct runtime_ctx *, struct cli_parser *, gantry_error_t *);
int cmd_exec(const struct runtime_ctx *, struct cli_parser *, gantry_error_t *);
int cmd_ps(const struct runtime_ctx *, struct cli_parser *, gantry_error_t *);
int cmd_spec(const struct runtime_ctx *, struct cli_parser *, gantry_error_t *);
int cmd_features(const struct runtime_ctx *, struct cli_parser *, gantry_error_t *);
int cmd_update(const struct runtime_ctx *, struct cli_parser *, gantry_error_t *);

#endif
