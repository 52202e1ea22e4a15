/* exec [--process FILE] [-t] [--console-socket S] [-d] [--pid-file F] [-e K=V]... [--cwd D] [-u UID[:GID]]
 *      [-g GID]... [-c CAP]... [--no-new-privs] [--preserve-fds N] ID [COMMAND ARGS...] */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "runtime/cli.h"

enum { X_PROCESS = 1, X_TTY, X_CONSOLE, X_DETACH, X_PID_FILE, X_ENV, X_CWD, X_USER, X_GIDS, X_CAP, X_NNP, X_PRESERVE,
       X_LSM };

static void push(char ***v, const char *s) {
  size_t n = strv_len(*v);
  *v = xrealloc(*v, (n + 2) * sizeof(char *));
  (*v)[n] = xstrdup(s);
  (*v)[n + 1] = NULL;
}

int cmd_exec(const struct runtime_ctx *ctx, struct cli_parser *p, gantry_error_t *err) {
  static const struct cli_opt opts[] = {
      {"process", 'p', true, X_PROCESS},   {"tty", 't', false, X_TTY},         {"console-socket", 0, true, X_CONSOLE},
      {"detach", 'd', false, X_DETACH},    {"pid-file", 0, true, X_PID_FILE},  {"env", 'e', true, X_ENV},
      {"cwd", 0, true, X_CWD},             {"user", 'u', true, X_USER},        {"additional-gids", 'g', true, X_GIDS},
      {"cap", 'c', true, X_CAP},           {"no-new-privs", 0, false, X_NNP},  {"preserve-fds", 0, true, X_PRESERVE},
      {"process-label", 0, true, X_LSM}, {"apparmor", 0, true, X_LSM}, {NULL, 0, false, 0},
  };
  struct exec_opts o = {0};
  cleanup_strv char **env = NULL, **caps = NULL;
  cleanup_free gid_t *gids = NULL;
  const char *val;
  int id;
  while ((id = cli_next(p, opts, &val, err)) > 0) {
    switch (id) {
      case X_PROCESS: o.process_file = val; break;
      case X_TTY: o.tty = cli_bool(val); break;
      case X_CONSOLE: o.console_socket = val; break;
      case X_DETACH: o.detach = cli_bool(val); break;
      case X_PID_FILE: o.pid_file = val; break;
      case X_ENV: push(&env, val); break;
      case X_CWD: o.cwd = val; break;
      case X_USER: o.user = val; break;
      case X_GIDS: {
        int g;
        if (cli_int(val, "--additional-gids", &g, err) < 0) return -1;
        gids = xrealloc(gids, (o.n_additional_gids + 1) * sizeof(gid_t));
        gids[o.n_additional_gids++] = (gid_t)g;
        break;
      }
      case X_CAP: push(&caps, val); break;
      case X_NNP: o.no_new_privs = cli_bool(val); break;
      case X_PRESERVE:
        if (cli_int(val, "--preserve-fds", &o.preserve_fds, err) < 0) return -1;
        break;
      case X_LSM:
        if (*val) return gantry_error_set(err, 0, "exec: AppArmor and SELinux labels are not supported");
        break;
      default: break;
    }
  }
  if (id < 0) return -1;
  if (p->argc - p->i < 1) return gantry_error_set(err, 0, "exec: expected a container id");
  o.id = p->argv[p->i];
  o.args = p->argc - p->i > 1 ? p->argv + p->i + 1 : NULL;
  if (o.process_file && o.args) return gantry_error_set(err, 0, "exec: give either --process or a command, not both");
  o.env = env;
  o.caps = caps;
  o.additional_gids = gids;
  int exit_code = 0;
  if (container_exec(ctx, &o, &exit_code, err) < 0) return -1;
  return exit_code;
}
