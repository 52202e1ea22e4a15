/* state ID: the OCI state JSON on stdout. */
#include "runtime/cli.h"

int cmd_state(const struct runtime_ctx *ctx, struct cli_parser *p, gantry_error_t *err) {
  static const struct cli_opt opts[] = {{NULL, 0, false, 0}};
  const char *val;
  if (cli_next(p, opts, &val, err) < 0 || cli_positional(p, 1, "container id", err) < 0) return -1;
  return container_state(ctx, p->argv[p->i], err);
}
