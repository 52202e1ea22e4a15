/* spec [--bundle DIR]: writes a default config.json. */
#include "runtime/cli.h"
#include "runtime/meta.h"

int cmd_spec(const struct runtime_ctx *ctx, struct cli_parser *p, gantry_error_t *err) {
  static const struct cli_opt opts[] = {{"bundle", 'b', true, 1}, {"rootless", 0, false, 2}, {NULL, 0, false, 0}};
  const char *bundle = NULL, *val;
  int id;
  while ((id = cli_next(p, opts, &val, err)) > 0) {
    if (id == 1) bundle = val;
    else if (cli_bool(val)) return gantry_error_set(err, 0, "spec: --rootless is not supported");
  }
  if (id < 0 || cli_positional(p, 0, "none", err) < 0) return -1;
  (void)ctx;
  return runtime_spec(bundle, err);
}
