/* gantry-monitor's command line and the starter: parse and validate options, fork the detached monitor (fork,
 * setsid, fork), and wait on a pipe for its report, so whoever ran us learns synchronously whether the container
 * started. The monitor itself lives in loop.c. */
#include "monitor/monitor.h"
#include "common/json.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_USAGE 2

static const char usage[] =
    "Usage: gantry-monitor --id ID --bundle DIR --exit-file FILE [--log-path FILE] [options]\n"
    "\n"
    "Starts an OCI container through the runtime and supervises it from a detached process: holds its stdio, logs\n"
    "it, serves attach, records how it exited, deletes it. This command returns once the container has started\n"
    "(exit 0, printing {\"monitorPid\":N,\"containerPid\":N}) or failed to (exit 1, the reason on stderr);\n"
    "exit 2 for a bad command line. The monitor keeps running after this command and its caller are gone.\n"
    "\n"
    "Container:\n"
    "  --id ID                    container id (letters, digits, _ + - .; at most 128)\n"
    "  --bundle DIR               OCI bundle (DIR/config.json)\n"
    "  --runtime PATH             OCI runtime with runc's command line (default: gantry-runtime next to this binary)\n"
    "  --root DIR                 the runtime's state root (its --root)\n"
    "  -t, --terminal             assert that the container has a terminal (config.json's process.terminal\n"
    "                             decides: its pty is received over a console socket)\n"
    "  -i, --stdin                keep the container's stdin open for attach clients (otherwise /dev/null)\n"
    "  --no-delete                leave the stopped container for someone else to `delete`\n"
    "Log (CRI format: \"<RFC3339Nano UTC> <stdout|stderr> <F|P> <content>\" per line; P = partial line):\n"
    "  --log-path FILE            the container log (appended to); SIGUSR1 to the monitor reopens it. Without it\n"
    "                             no log is kept: the output reaches attach clients only\n"
    "  --log-max-size BYTES       rotate before the log would exceed BYTES: FILE -> FILE.1 -> FILE.2 ... (0: never)\n"
    "  --log-max-files N          rotated files kept, FILE.1 (newest) to FILE.N (default 1; 0: FILE only, started\n"
    "                             afresh when full)\n"
    "Files and sockets:\n"
    "  --exit-file FILE           written when the container exits:\n"
    "                             {\"exitCode\":N,\"signal\":N|null,\"exitedAt\":\"RFC3339Nano\",\"oomKilled\":bool}\n"
    "  --pid-file FILE            the monitor's pid\n"
    "  --container-pid-file FILE  the container init's pid (host pid namespace)\n"
    "  --attach-socket PATH       unix socket serving attach; framing: 1 byte type, 4 bytes big-endian length,\n"
    "                             payload. To clients: 1 stdout, 2 stderr, 5 exit (the exit file's JSON).\n"
    "                             From clients: 0 stdin, 3 resize (rows u16, cols u16), 4 close stdin.\n"
    "  --monitor-log FILE         the monitor's own diagnostics once detached (default: discarded)\n"
    "  --log-format text|json     how this command reports errors on stderr (default text)\n"
    "  -h, --help                 this help\n"
    "\n"
    "Signals to the monitor: SIGTERM/SIGINT are forwarded to the container, SIGUSR1 reopens the log.\n";

enum {
  OPT_ID = 256,
  OPT_BUNDLE,
  OPT_RUNTIME,
  OPT_ROOT,
  OPT_NO_DELETE,
  OPT_LOG_PATH,
  OPT_LOG_MAX_SIZE,
  OPT_LOG_MAX_FILES,
  OPT_EXIT_FILE,
  OPT_PID_FILE,
  OPT_CONTAINER_PID_FILE,
  OPT_ATTACH_SOCKET,
  OPT_MONITOR_LOG,
  OPT_LOG_FORMAT,
};

static const struct option long_options[] = {
    {"id", required_argument, NULL, OPT_ID},
    {"bundle", required_argument, NULL, OPT_BUNDLE},
    {"runtime", required_argument, NULL, OPT_RUNTIME},
    {"root", required_argument, NULL, OPT_ROOT},
    {"terminal", no_argument, NULL, 't'},
    {"stdin", no_argument, NULL, 'i'},
    {"no-delete", no_argument, NULL, OPT_NO_DELETE},
    {"log-path", required_argument, NULL, OPT_LOG_PATH},
    {"log-max-size", required_argument, NULL, OPT_LOG_MAX_SIZE},
    {"log-max-files", required_argument, NULL, OPT_LOG_MAX_FILES},
    {"exit-file", required_argument, NULL, OPT_EXIT_FILE},
    {"pid-file", required_argument, NULL, OPT_PID_FILE},
    {"container-pid-file", required_argument, NULL, OPT_CONTAINER_PID_FILE},
    {"attach-socket", required_argument, NULL, OPT_ATTACH_SOCKET},
    {"monitor-log", required_argument, NULL, OPT_MONITOR_LOG},
    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static bool json_errors;

/* Prints "gantry-monitor: MSG" (or a JSON line) on stderr. */
static void print_error(const char *msg) {
  if (!json_errors) {
    fprintf(stderr, "gantry-monitor: %s\n", msg);
    return;
  }
  fputs("{\"level\":\"error\",\"msg\":\"gantry-monitor: ", stderr);
  for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(stderr, "\\%c", *p);
    else if (*p < 0x20) fprintf(stderr, "\\u%04x", *p);
    else fputc(*p, stderr);
  }
  fputs("\"}\n", stderr);
}

static int usage_error(const char *fmt, const char *arg) {
  char msg[1024];
  snprintf(msg, sizeof(msg), fmt, arg);
  print_error(msg);
  if (!json_errors) fputs("Run 'gantry-monitor --help' for usage.\n", stderr);
  return EXIT_USAGE;
}

static bool valid_id(const char *id) {
  size_t n = strlen(id);
  if (n == 0 || n > 128 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0) return false;
  for (const char *p = id; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("_+-.", *p))) return false;
  return true;
}

static bool parse_count(const char *s, long long max, long long *out) {
  if (*s < '0' || *s > '9') return false;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end || v > max) return false;
  *out = v;
  return true;
}

/* Paths are made absolute: the monitor chdirs to / once detached. */
static const char *absolute(const char *path) {
  if (path == NULL || path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd)) == NULL) return path;
  return xasprintf("%s/%s", cwd, path);
}

static const char *default_runtime(void) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "gantry-runtime";
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  *slash = '\0';
  return xasprintf("%s/gantry-runtime", self);
}

/* Whether the container has a terminal is config.json's process.terminal; reading it also refuses a bundle
 * without a readable, well-formed config.json before anything starts. Returns the exit code for a failure, or 0. */
static int read_terminal(struct monitor_options *o, bool terminal_flag) {
  cleanup_error gantry_error_t err = NULL;
  cleanup_free char *path = xasprintf("%s/config.json", o->bundle);
  cleanup_free char *text = NULL;
  size_t len;
  cleanup_json struct json_value *config = NULL;
  if (read_file(path, 16 << 20, &text, &len, &err) < 0) {
    gantry_error_wrap(&err, "read the bundle's config");
    print_error(err->msg);
    return 1;
  }
  if (json_parse(text, len, &config, &err) < 0) {
    gantry_error_wrap(&err, "read the bundle's config %s", path);
    print_error(err->msg);
    return 1;
  }
  const struct json_value *terminal = json_get(json_get(config, "process"), "terminal");
  if (terminal && terminal->type != JSON_BOOL) {
    gantry_error_set(&err, 0, "read the bundle's config %s: process.terminal is a %s, not a boolean", path, json_type_name(terminal->type));
    print_error(err->msg);
    return 1;
  }
  o->terminal = terminal && terminal->boolean;
  if (terminal_flag && !o->terminal) return usage_error("--terminal: %s does not set process.terminal", path);
  return 0;
}

static int parse(int argc, char **argv, struct monitor_options *o) {
  o->log_max_files = 1;
  bool terminal_flag = false;
  const char *size_arg = "";
  int c;
  long long v;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":tih", long_options, NULL)) != -1) {
    switch (c) {
      case OPT_ID: o->id = optarg; break;
      case OPT_BUNDLE: o->bundle = optarg; break;
      case OPT_RUNTIME: o->runtime = optarg; break;
      case OPT_ROOT: o->root = optarg; break;
      case 't': terminal_flag = true; break;
      case 'i': o->stdin_open = true; break;
      case OPT_NO_DELETE: o->no_delete = true; break;
      case OPT_LOG_PATH: o->log_path = optarg; break;
      case OPT_LOG_MAX_SIZE:
        if (!parse_count(optarg, (long long)1 << 50, &v)) return usage_error("--log-max-size: not a byte count: %s", optarg);
        o->log_max_size = v;
        size_arg = optarg;
        break;
      case OPT_LOG_MAX_FILES:
        if (!parse_count(optarg, 1000, &v)) return usage_error("--log-max-files: not a number from 0 to 1000: %s", optarg);
        o->log_max_files = (int)v;
        break;
      case OPT_EXIT_FILE: o->exit_file = optarg; break;
      case OPT_PID_FILE: o->pid_file = optarg; break;
      case OPT_CONTAINER_PID_FILE: o->container_pid_file = optarg; break;
      case OPT_ATTACH_SOCKET: o->attach_socket = optarg; break;
      case OPT_MONITOR_LOG: o->monitor_log = optarg; break;
      case OPT_LOG_FORMAT:
        if (strcmp(optarg, "json") == 0) json_errors = o->log_json = true;
        else if (strcmp(optarg, "text") != 0) return usage_error("--log-format: expected text or json, got %s", optarg);
        break;
      case 'h': fputs(usage, stdout); exit(0);
      case ':': return usage_error("%s: missing its value", argv[optind - 1]);
      default: return usage_error("unknown option %s", argv[optind - 1]);
    }
  }
  if (optind < argc) return usage_error("unexpected argument %s", argv[optind]);
  if (o->id == NULL) return usage_error("%s is required", "--id");
  if (!valid_id(o->id)) return usage_error("--id: invalid container id %s", o->id);
  if (o->bundle == NULL) return usage_error("%s is required", "--bundle");
  if (o->exit_file == NULL) return usage_error("%s is required", "--exit-file");

  o->bundle = absolute(o->bundle);
  o->root = absolute(o->root);
  o->runtime = o->runtime ? absolute(o->runtime) : default_runtime();
  o->log_path = absolute(o->log_path);
  o->exit_file = absolute(o->exit_file);
  o->pid_file = absolute(o->pid_file);
  o->container_pid_file = absolute(o->container_pid_file);
  o->attach_socket = absolute(o->attach_socket);
  o->monitor_log = absolute(o->monitor_log);

  int rc = read_terminal(o, terminal_flag);
  if (rc != 0) return rc;
  if (access(o->runtime, X_OK) < 0) return usage_error("--runtime: %s is not an executable", o->runtime);
  /* the exit file is written last, when nobody waits for us any more: find out now whether it can be */
  char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s", o->exit_file);
  *strrchr(dir, '/') = '\0';
  if (access(dir[0] ? dir : "/", W_OK) < 0) return usage_error("--exit-file: cannot write in the directory %s", dir);
  if (o->log_max_size > 0 && o->log_max_size < 64) return usage_error("--log-max-size: %s is below 64 bytes", size_arg);
  return 0;
}

/* Reads the monitor's report: "OK <monitor pid> <container pid>" or "ERR <message>". */
static int await_report(int fd, pid_t intermediate) {
  int status;
  while (waitpid(intermediate, &status, 0) < 0 && errno == EINTR) {}
  char buf[8192];
  size_t len = 0;
  for (;;) {
    ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
    if (len == sizeof(buf) - 1) break;
  }
  buf[len] = '\0';
  if (len > 0 && buf[len - 1] == '\n') buf[--len] = '\0';
  int monitor_pid, container_pid;
  if (sscanf(buf, "OK %d %d", &monitor_pid, &container_pid) == 2) {
    printf("{\"monitorPid\":%d,\"containerPid\":%d}\n", monitor_pid, container_pid);
    return 0;
  }
  if (strncmp(buf, "ERR ", 4) == 0) print_error(buf + 4);
  else print_error("the monitor exited before reporting whether the container started");
  return 1;
}

static void sanitize_fds(void) {
  /* Whatever our caller leaked to us must not be held open for the container's lifetime. */
  if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++) close((int)fd);
  }
  /* and 0-2 are open (on /dev/null if the caller closed them), so nothing we open later lands there */
  int fd;
  while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2) {}
  if (fd > 2) close(fd);
}

int main(int argc, char **argv) {
  sanitize_fds();
  struct monitor_options opt = {0};
  int rc = parse(argc, argv, &opt);
  if (rc != 0) return rc;

  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0) {
    char msg[128];
    snprintf(msg, sizeof(msg), "create the report pipe: %s", strerror(errno));
    print_error(msg);
    return 1;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    char msg[128];
    snprintf(msg, sizeof(msg), "fork the monitor: %s", strerror(errno));
    print_error(msg);
    return 1;
  }
  if (pid > 0) {
    close(report[1]);
    return await_report(report[0], pid);
  }
  close(report[0]);
  pid = setsid() < 0 ? -1 : fork();
  if (pid < 0) {
    char msg[128];
    snprintf(msg, sizeof(msg), "ERR detach the monitor (setsid, fork): %s\n", strerror(errno));
    write_all(report[1], msg, strlen(msg));
    _exit(1);
  }
  if (pid > 0) _exit(0);
  _exit(monitor_main(&opt, report[1]));
}
