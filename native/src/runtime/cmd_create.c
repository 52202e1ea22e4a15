/* create ID / run ID: --bundle, --pid-file, --console-socket, --no-pivot, --preserve-fds (run: --detach). */
#include <stdio.h>
#include <string.h>

#include "runtime/cli.h"

enum { O_BUNDLE = 1, O_PID_FILE, O_CONSOLE, O_NO_PIVOT, O_PRESERVE, O_DETACH, O_NO_NEW_KEYRING, O_KEEP };

static int create_or_run(const struct runtime_ctx *ctx, struct cli_parser *p, bool run, gantry_error_t *err) {
  static const struct cli_opt opts[] = {
      {"bundle", 'b', true, O_BUNDLE},      {"pid-file", 0, true, O_PID_FILE},
      {"console-socket", 0, true, O_CONSOLE}, {"no-pivot", 0, false, O_NO_PIVOT},
      {"preserve-fds", 0, true, O_PRESERVE}, {"detach", 'd', false, O_DETACH},
      {"no-new-keyring", 0, false, O_NO_NEW_KEYRING}, {"keep", 0, false, O_KEEP},
      {NULL, 0, false, 0},
  };
  struct create_opts o = {.run = run};
  const char *val;
  int id;
  while ((id = cli_next(p, opts, &val, err)) > 0) {
    switch (id) {
      case O_BUNDLE: o.bundle = val; break;
      case O_PID_FILE: o.pid_file = val; break;
      case O_CONSOLE: o.console_socket = val; break;
      case O_NO_PIVOT: o.no_pivot = cli_bool(val); break;
      case O_PRESERVE:
        if (cli_int(val, "--preserve-fds", &o.preserve_fds, err) < 0) return -1;
        break;
      case O_DETACH:
        if (!run) return gantry_error_set(err, 0, "create: unknown option --detach");
        o.detach = cli_bool(val);
        break;
      default: break;
    }
  }
  if (id < 0 || cli_positional(p, 1, "container id", err) < 0) return -1;
  o.id = p->argv[p->i];
  int exit_code = 0;
  if (container_create(ctx, &o, &exit_code, err) < 0) return -1;
  return exit_code;
}

int cmd_create(const struct runtime_ctx *ctx, struct cli_parser *p, gantry_error_t *err) {
  return create_or_run(ctx, p, false, err);
}

int cmd_run(const struct runtime_ctx *ctx, struct cli_parser *p, gantry_error_t *err) {
  return create_or_run(ctx, p, true, err);
}
