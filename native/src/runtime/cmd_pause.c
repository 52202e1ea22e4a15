/* pause ID / resume ID: freeze or thaw every process of the container (its cgroup's freezer). */
#include "runtime/cli.h"

static int pause_or_resume(const struct runtime_ctx *ctx, struct cli_parser *p, bool pause, gantry_error_t *err) {
  static const struct cli_opt opts[] = {{NULL, 0, false, 0}};
  const char *val;
  if (cli_next(p, opts, &val, err) < 0 || cli_positional(p, 1, "container id", err) < 0) return -1;
  return container_pause(ctx, p->argv[p->i], pause, err);
}

int cmd_pause(const struct runtime_ctx *ctx, struct cli_parser *p, gantry_error_t *err) {
  return pause_or_resume(ctx, p, true, err);
}

int cmd_resume(const struct runtime_ctx *ctx, struct cli_parser *p, gantry_error_t *err) {
  return pause_or_resume(ctx, p, false, err);
}
