/* delete [--force] ID */
#include "runtime/cli.h"

int cmd_delete(const struct runtime_ctx *ctx, struct cli_parser *p, gantry_error_t *err) {
  static const struct cli_opt opts[] = {{"force", 'f', false, 1}, {NULL, 0, false, 0}};
  bool force = false;
  const char *val;
  int id;
  while ((id = cli_next(p, opts, &val, err)) > 0) force = cli_bool(val);
  if (id < 0 || cli_positional(p, 1, "container id", err) < 0) return -1;
  return container_delete(ctx, p->argv[p->i], force, err);
}
