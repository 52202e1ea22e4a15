/* gantry-runtime: an OCI runtime with runc's command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cli.h"
#include "runtime/log.h"
#include "runtime/state.h"

static const struct {
  const char *name;
  cmd_fn fn;
  const char *help;
} verbs[] = {
    {"create", cmd_create, "create a container (its process waits for start)"},
    {"start", cmd_start, "start the process of a created container"},
    {"run", cmd_run, "create and start a container"},
    {"state", cmd_state, "print the state of a container"},
    {"kill", cmd_kill, "send a signal to a container's init (or all its processes with --all)"},
    {"delete", cmd_delete, "delete a container"},
    {"list", cmd_list, "list containers"},
    {"exec", cmd_exec, "run a process in a container"},
    {"ps", cmd_ps, "list the processes of a container"},
    {"pause", cmd_pause, "freeze all processes of a container"},
    {"resume", cmd_resume, "thaw a paused container"},
    {"update", cmd_update, "update a container's resource limits"},
    {"spec", cmd_spec, "write a default config.json"},
    {"features", cmd_features, "print the runtime's features"},
};

static void usage(FILE *out) {
  fprintf(out,
          "usage: gantry-runtime [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND [ARGS]\n\n"
          "commands:\n");
  for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) fprintf(out, "  %-9s %s\n", verbs[i].name, verbs[i].help);
}

enum { G_ROOT = 1, G_LOG, G_LOG_FORMAT, G_DEBUG, G_SYSTEMD, G_ROOTLESS, G_CRIU, G_HELP, G_VERSION };

int main(int argc, char **argv) {
  static const struct cli_opt global[] = {
      {"root", 0, true, G_ROOT},         {"log", 0, true, G_LOG},         {"log-format", 0, true, G_LOG_FORMAT},
      {"debug", 0, false, G_DEBUG},      {"systemd-cgroup", 0, false, G_SYSTEMD},
      {"rootless", 0, true, G_ROOTLESS}, {"criu", 0, true, G_CRIU},       {"help", 'h', false, G_HELP},
      {"version", 'v', false, G_VERSION}, {NULL, 0, false, 0},
  };
  struct runtime_ctx ctx = {.root = DEFAULT_ROOT};
  struct cli_parser p = {.argc = argc, .argv = argv, .i = 1, .verb = "gantry-runtime"};
  const char *log_path = NULL, *log_format = "text";
  bool debug = false, systemd = false;
  gantry_error_t err = NULL;
  int id;
  const char *val;
  while ((id = cli_next(&p, global, &val, &err)) > 0) {
    switch (id) {
      case G_ROOT: ctx.root = val; break;
      case G_LOG: log_path = val; break;
      case G_LOG_FORMAT: log_format = val; break;
      case G_DEBUG: debug = cli_bool(val); break;
      case G_SYSTEMD: systemd = cli_bool(val); break;
      case G_HELP: usage(stdout); return 0;
      case G_VERSION:
        printf("gantry-runtime version 0.1.0\nspec: %s\n", OCI_VERSION);
        return 0;
      default: break;
    }
  }
  bool json = strcmp(log_format, "json") == 0;
  log_init(log_path, json, debug);
  if (id < 0) goto fail;
  if (!json && strcmp(log_format, "text") != 0) {
    gantry_error_set(&err, 0, "--log-format: \"%s\" is neither text nor json", log_format);
    goto fail;
  }
  if (systemd) {
    gantry_error_set(&err, 0, "--systemd-cgroup: the systemd cgroup driver is not supported");
    goto fail;
  }
  if (ctx.root[0] != '/') {
    gantry_error_set(&err, 0, "--root: \"%s\" must be an absolute path", ctx.root);
    goto fail;
  }
  if (p.i >= argc) {
    usage(stderr);
    return 1;
  }
  const char *verb = argv[p.i++];
  for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
    if (strcmp(verbs[i].name, verb) != 0) continue;
    p.verb = verb;
    int rc = verbs[i].fn(&ctx, &p, &err);
    if (rc < 0) goto fail;
    fflush(stdout);
    return rc;
  }
  gantry_error_set(&err, 0, "unknown command \"%s\"", verb);
fail:
  log_error(err ? err->msg : "unknown error");
  gantry_error_free(&err);
  return 1;
}
