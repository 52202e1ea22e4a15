/* kill [--all] ID [SIGNAL]: SIGNAL by name (KILL, SIGKILL) or number; SIGTERM by default. */
#include "runtime/cli.h"

int cmd_kill(const struct runtime_ctx *ctx, struct cli_parser *p, gantry_error_t *err) {
  static const struct cli_opt opts[] = {{"all", 'a', false, 1}, {NULL, 0, false, 0}};
  bool all = false;
  const char *val;
  int id;
  while ((id = cli_next(p, opts, &val, err)) > 0) all = cli_bool(val);
  if (id < 0) return -1;
  int left = p->argc - p->i;
  if (left < 1 || left > 2)
    return gantry_error_set(err, 0, "kill: expected a container id and an optional signal, got %d arguments", left);
  const char *name = left == 2 ? p->argv[p->i + 1] : "SIGTERM";
  int sig = signal_from_name(name);
  if (sig < 0) return gantry_error_set(err, 0, "kill: unknown signal \"%s\"", name);
  return container_kill(ctx, p->argv[p->i], sig, all, err);
}
