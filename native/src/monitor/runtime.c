/* Running the OCI runtime (gantry-runtime, or anything with runc's command line):
 *   RUNTIME [--root R] create --bundle B --pid-file P [--console-socket S] ID
 *   RUNTIME [--root R] start ID
 *   RUNTIME [--root R] delete --force ID
 * `create` leaves the container's init waiting; the runtime exits and, the monitor being a child subreaper, the
 * init is reparented to the monitor, which can then wait for it. Without a terminal the runtime's own stdio is the
 * container's (the runtime passes it through), so the runtime's error messages during `create` arrive on the
 * container's stderr pipe — nothing of the container has run before `start`, so they are taken as the runtime's.
 */
#include "monitor/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* The runtime's recent stderr: the tail of it, for error messages. */
static char captured[4096];
static size_t captured_len;

static void capture(const char *data, size_t n) {
  if (n >= sizeof(captured)) {
    data += n - (sizeof(captured) - 1);
    n = sizeof(captured) - 1;
  }
  if (captured_len + n >= sizeof(captured)) {
    size_t drop = captured_len + n - (sizeof(captured) - 1);
    memmove(captured, captured + drop, captured_len - drop);
    captured_len -= drop;
  }
  memcpy(captured + captured_len, data, n);
  captured_len += n;
  captured[captured_len] = '\0';
}

/* The captured text, trimmed, with line breaks turned into "; " so the message stays one line. */
static const char *captured_message(void) {
  while (captured_len > 0 && (captured[captured_len - 1] == '\n' || captured[captured_len - 1] == ' ')) captured_len--;
  captured[captured_len] = '\0';
  for (size_t i = 0; i < captured_len; i++)
    if (captured[i] == '\n') captured[i] = ';';
  return captured_len ? captured : "no message from the runtime";
}

static void drain_capture(int fd) {
  char buf[1024];
  ssize_t r;
  while ((r = read(fd, buf, sizeof(buf))) > 0) capture(buf, (size_t)r);
}

/* Children reaped before the container's pid was known (during `create`): if the init is among them, its status
 * must not be lost. */
static struct {
  pid_t pid;
  int status;
} early[8];
static size_t nearly;

static void container_exited(struct monitor *m, int status) {
  m->container_status = status;
  m->container_exited = true;
  format_rfc3339nano(m->exited_at, sizeof(m->exited_at));
}

void monitor_reap(struct monitor *m) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    if (pid == m->runtime_pid) {
      m->runtime_status = status;
      m->runtime_done = true;
    } else if (pid == m->container_pid && !m->container_exited) {
      container_exited(m, status);
    } else if (m->container_pid == 0) {
      early[nearly % 8].pid = pid;
      early[nearly % 8].status = status;
      nearly++;
    }
  }
}

/* The monitor learns the init's exit by waiting for it, so the init must be its child: the runtime leaves it to
 * its caller (as runc and gantry-runtime do; the monitor being a subreaper, it is reparented here at the latest
 * when the runtime exits). */
static int adopt_container(struct monitor *m, gantry_error_t *err) {
  for (size_t i = 0; i < 8 && i < nearly; i++)
    if (early[i].pid == m->container_pid) {
      container_exited(m, early[i].status);
      return 0;
    }
  char path[64], buf[512];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)m->container_pid);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
  if (n <= 0) return gantry_error_sys(err, "read %s: the container's init is gone", path);
  buf[n] = '\0';
  char *close_paren = strrchr(buf, ')');
  int ppid = 0;
  if (close_paren == NULL || sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
    return gantry_error_set(err, 0, "read %s: unexpected contents", path);
  if (ppid != getpid())
    return gantry_error_set(err, 0, "the container's init (pid %d) has parent %d, not the monitor: the runtime keeps it",
                            (int)m->container_pid, ppid);
  return 0;
}

/* Receives the pty master the runtime sends on the console socket (SCM_RIGHTS). */
static int receive_console(struct monitor *m, gantry_error_t *err) {
  cleanup_close int conn = accept4(m->console_listen, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0) return gantry_error_sys(err, "accept on the console socket");
  struct timeval timeout = {.tv_sec = 10}; /* a runtime that connects and sends nothing must not hang us */
  if (setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0)
    return gantry_error_sys(err, "set a receive timeout on the console socket");
  char name[PATH_MAX];
  struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
  ssize_t r;
  do r = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0) return gantry_error_sys(err, "receive the terminal from the console socket");
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
    return gantry_error_set(err, 0, "receive the terminal from the console socket: the message carries no file descriptor");
  int master;
  memcpy(&master, CMSG_DATA(c), sizeof(int));
  if (mon_set_nonblock(master, err) < 0) {
    close(master);
    return -1;
  }
  m->out_fd = master;
  m->in_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
  if (m->in_fd < 0) return gantry_error_sys(err, "duplicate the terminal");
  return 0;
}

/* Runs the runtime with argv (argv[0] is ignored) and waits for it; its stderr is captured from capture_fd.
 * stdio[i] < 0 leaves the monitor's /dev/null. Returns the wait status, or -1 if it could not be run. */
static int run_runtime(struct monitor *m, const char *const *args, const int stdio[3], int capture_fd, gantry_error_t *err) {
  const char *argv[32];
  size_t n = 0;
  argv[n++] = m->opt->runtime;
  if (m->opt->root) {
    argv[n++] = "--root";
    argv[n++] = m->opt->root;
  }
  for (size_t i = 0; args[i] && n < 31; i++) argv[n++] = args[i];
  argv[n] = NULL;

  captured_len = 0;
  captured[0] = '\0';
  sigset_t none;
  sigemptyset(&none);
  pid_t pid = fork();
  if (pid < 0) return gantry_error_sys(err, "fork for %s %s", m->opt->runtime, args[0]);
  if (pid == 0) {
    for (int i = 0; i < 3; i++)
      if (stdio[i] >= 0 && dup2(stdio[i], i) < 0) _exit(127);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(argv[0], (char *const *)argv);
    dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  m->runtime_pid = pid;
  m->runtime_done = false;

  int console_failed = 0; /* a console error is reported once the runtime has exited, not left running */
  while (!m->runtime_done) {
    struct pollfd pfd[3] = {{.fd = m->sigfd, .events = POLLIN}, {.fd = capture_fd, .events = POLLIN}, {.fd = -1}};
    if (m->console_listen >= 0 && m->out_fd < 0 && !console_failed) pfd[2] = (struct pollfd){.fd = m->console_listen, .events = POLLIN};
    if (poll(pfd, 3, -1) < 0) {
      if (errno == EINTR) continue;
      return gantry_error_sys(err, "poll while waiting for %s %s", m->opt->runtime, args[0]);
    }
    if (pfd[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(m->sigfd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGCHLD) monitor_reap(m);
        else mlog("ignoring signal %u while the runtime runs", si.ssi_signo);
      }
    }
    if (pfd[1].revents & POLLIN) drain_capture(capture_fd);
    else if (pfd[1].revents & (POLLHUP | POLLERR)) capture_fd = -1;
    if (pfd[2].revents & POLLIN && !console_failed && receive_console(m, err) < 0) console_failed = 1;
  }
  m->runtime_pid = 0;
  if (capture_fd >= 0) drain_capture(capture_fd);
  return console_failed ? -1 : m->runtime_status;
}

static const char *describe_status(int status, char *buf, size_t size) {
  if (WIFEXITED(status)) snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
  else if (WIFSIGNALED(status)) snprintf(buf, size, "killed by signal %d", WTERMSIG(status));
  else snprintf(buf, size, "wait status %#x", status);
  return buf;
}

static int read_pid_file(const char *path, pid_t *out, gantry_error_t *err) {
  char buf[32];
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return gantry_error_sys(err, "read the container's pid from %s", path);
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  if (n <= 0) return gantry_error_set(err, n < 0 ? errno : 0, "read the container's pid from %s: empty", path);
  buf[n] = '\0';
  char *end;
  long pid = strtol(buf, &end, 10);
  if (pid <= 0 || (*end != '\0' && *end != '\n'))
    return gantry_error_set(err, 0, "read the container's pid from %s: not a pid: %s", path, buf);
  *out = (pid_t)pid;
  return 0;
}

int monitor_create_container(struct monitor *m, gantry_error_t *err) {
  const struct monitor_options *o = m->opt;
  char pidfile[128], console[108];
  snprintf(pidfile, sizeof(pidfile), "%s/container.pid", m->workdir);
  snprintf(console, sizeof(console), "%s/console.sock", m->workdir);

  int capture_fd;
  int msg_pipe[2] = {-1, -1};
  const char *args[12] = {"create", "--bundle", o->bundle, "--pid-file", pidfile};
  size_t n = 5;
  if (o->terminal) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", console);
    m->console_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m->console_listen < 0) return gantry_error_sys(err, "create the console socket");
    if (bind(m->console_listen, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(m->console_listen, 1) < 0)
      return gantry_error_sys(err, "listen on the console socket %s", console);
    args[n++] = "--console-socket";
    args[n++] = console;
    if (pipe2(msg_pipe, O_CLOEXEC | O_NONBLOCK) < 0) return gantry_error_sys(err, "create a pipe for the runtime's messages");
    m->child_stdio[2] = msg_pipe[1];
    capture_fd = msg_pipe[0];
  } else {
    capture_fd = m->err_fd; /* the container's stderr pipe: only the runtime writes there before `start` */
  }
  args[n++] = o->id;
  args[n] = NULL;

  int status = run_runtime(m, args, m->child_stdio, capture_fd, err);
  if (msg_pipe[0] >= 0) {
    close(msg_pipe[0]);
    close(msg_pipe[1]);
    m->child_stdio[2] = -1;
  }
  if (status < 0) {
    /* the runtime may have created the container even so (a bad console message): have it deleted */
    m->created = m->runtime_done && m->runtime_status == 0;
    return gantry_error_wrap(err, "create container %s", o->id);
  }
  if (status != 0) {
    char how[64];
    return gantry_error_set(err, 0, "create container %s: %s %s: %s", o->id, o->runtime, describe_status(status, how, sizeof(how)),
                            captured_message());
  }
  m->created = true;
  if (captured_len) mlog("runtime create said: %s", captured_message());
  if (read_pid_file(pidfile, &m->container_pid, err) < 0 || adopt_container(m, err) < 0)
    return gantry_error_wrap(err, "create container %s", o->id);
  unlink(pidfile);

  if (o->terminal) {
    if (m->out_fd < 0) {
      /* the runtime connected and exited before we polled: the connection waits in the backlog */
      if (mon_set_nonblock(m->console_listen, err) < 0 || receive_console(m, err) < 0)
        return gantry_error_wrap(err, "create container %s: the runtime did not send a terminal", o->id);
    }
    close(m->console_listen);
    m->console_listen = -1;
    unlink(console);
  }
  return 0;
}

int monitor_start_container(struct monitor *m, gantry_error_t *err) {
  int msg_pipe[2];
  if (pipe2(msg_pipe, O_CLOEXEC | O_NONBLOCK) < 0) return gantry_error_sys(err, "start container %s: create a pipe", m->opt->id);
  const char *args[] = {"start", m->opt->id, NULL};
  int stdio[3] = {-1, -1, msg_pipe[1]};
  int status = run_runtime(m, args, stdio, msg_pipe[0], err);
  close(msg_pipe[0]);
  close(msg_pipe[1]);
  if (status < 0) return gantry_error_wrap(err, "start container %s", m->opt->id);
  if (status != 0) {
    char how[64];
    return gantry_error_set(err, 0, "start container %s: %s %s: %s", m->opt->id, m->opt->runtime,
                            describe_status(status, how, sizeof(how)), captured_message());
  }
  return 0;
}

int monitor_delete_container(struct monitor *m, gantry_error_t *err) {
  int msg_pipe[2];
  if (pipe2(msg_pipe, O_CLOEXEC | O_NONBLOCK) < 0) return gantry_error_sys(err, "delete container %s: create a pipe", m->opt->id);
  const char *args[] = {"delete", "--force", m->opt->id, NULL};
  int stdio[3] = {-1, -1, msg_pipe[1]};
  int status = run_runtime(m, args, stdio, msg_pipe[0], err);
  close(msg_pipe[0]);
  close(msg_pipe[1]);
  if (status < 0) return gantry_error_wrap(err, "delete container %s", m->opt->id);
  if (status != 0) {
    char how[64];
    return gantry_error_set(err, 0, "delete container %s: %s %s: %s", m->opt->id, m->opt->runtime,
                            describe_status(status, how, sizeof(how)), captured_message());
  }
  m->created = false;
  return 0;
}
