/* features: what this runtime implements, as JSON. */
#include "runtime/cli.h"
#include "runtime/meta.h"

int cmd_features(const struct runtime_ctx *ctx, struct cli_parser *p, gantry_error_t *err) {
  static const struct cli_opt opts[] = {{NULL, 0, false, 0}};
  const char *val;
  if (cli_next(p, opts, &val, err) < 0 || cli_positional(p, 0, "none", err) < 0) return -1;
  (void)ctx;
  return runtime_features(err);
}
