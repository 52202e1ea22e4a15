/* list [--format table|json] [--quiet] */
#include "runtime/cli.h"

int cmd_list(const struct runtime_ctx *ctx, struct cli_parser *p, gantry_error_t *err) {
  static const struct cli_opt opts[] = {{"format", 'f', true, 1}, {"quiet", 'q', false, 2}, {NULL, 0, false, 0}};
  const char *format = "table", *val;
  bool quiet = false;
  int id;
  while ((id = cli_next(p, opts, &val, err)) > 0) {
    if (id == 1) format = val;
    else quiet = cli_bool(val);
  }
  if (id < 0 || cli_positional(p, 0, "none", err) < 0) return -1;
  return container_list(ctx, format, quiet, err);
}
