/* ps [--format table|json] ID [PS_ARGS...] */
#include "runtime/cli.h"

int cmd_ps(const struct runtime_ctx *ctx, struct cli_parser *p, gantry_error_t *err) {
  static const struct cli_opt opts[] = {{"format", 'f', true, 1}, {NULL, 0, false, 0}};
  const char *format = "table", *val;
  int id;
  while ((id = cli_next(p, opts, &val, err)) > 0) format = val;
  if (id < 0) return -1;
  if (p->argc - p->i < 1) return gantry_error_set(err, 0, "ps: expected a container id");
  return container_ps(ctx, p->argv[p->i], format, p->argv + p->i + 1, err);
}
