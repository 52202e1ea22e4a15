/* The detached monitor's life: set up, create and start the container, report to the starter, then one poll loop
 * over the container's output, the attach socket and its clients, and a signalfd; after the container's init has
 * been reaped: drain the output, write the exit file, delete the container, close the attach socket, exit.
 *
 * Signals: SIGCHLD reaps; SIGTERM and SIGINT are forwarded to the container's init; SIGUSR1 reopens the log file;
 * SIGHUP is ignored (the monitor has no terminal); SIGPIPE is ignored (a departed reader is an error return).
 */
#include "monitor/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* After the init exited, its output is read to the end (EOF; EIO for a pty) — but for no longer than this, in
 * case processes that outlived it (no pid namespace) still hold the pipes or the terminal. */
#define DRAIN_MAX_MS 2000

static void report(int *fd, const char *msg) {
  if (*fd < 0) return;
  write_all(*fd, msg, strlen(msg)); /* the starter may be gone (EPIPE): nothing to do about it */
  close(*fd);
  *fd = -1;
}

static int write_pid(const char *path, pid_t pid, gantry_error_t *err) {
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
  return write_file_atomic(path, buf, (size_t)n, 0644, err);
}

static int setup_process(struct monitor *m, gantry_error_t *err) {
  const struct monitor_options *o = m->opt;
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) return gantry_error_sys(err, "open /dev/null");
  int diag = null;
  if (o->monitor_log) {
    diag = open(o->monitor_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (diag < 0) {
      close(null);
      return gantry_error_sys(err, "open monitor log %s", o->monitor_log);
    }
  }
  if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(diag, 2) < 0) return gantry_error_sys(err, "redirect the monitor's stdio");
  if (diag != null) close(diag);
  close(null);
  if (chdir("/") < 0) return gantry_error_sys(err, "chdir /");

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR1);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return gantry_error_sys(err, "block signals");
  m->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (m->sigfd < 0) return gantry_error_sys(err, "create signalfd");
  signal(SIGPIPE, SIG_IGN);
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) return gantry_error_sys(err, "become a child subreaper");

  if (o->pid_file && write_pid(o->pid_file, getpid(), err) < 0) return gantry_error_wrap(err, "write the monitor's pid file");
  if (log_open(o, err) < 0) return -1;
  if (o->attach_socket && attach_listen(m, err) < 0) return -1;
  strcpy(m->workdir, "/tmp/gantry-monitor-XXXXXX");
  if (mkdtemp(m->workdir) == NULL) {
    m->workdir[0] = '\0';
    return gantry_error_sys(err, "create a temporary directory under /tmp");
  }
  return 0;
}

/* Pipes for the container's stdio, unless it has a terminal (then the pty arrives during `create`). */
static int setup_stdio(struct monitor *m, gantry_error_t *err) {
  if (m->opt->terminal) return 0;
  int out[2], errp[2];
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) return gantry_error_sys(err, "create stdio pipes");
  m->out_fd = out[0];
  m->child_stdio[1] = out[1];
  m->err_fd = errp[0];
  m->child_stdio[2] = errp[1];
  if (mon_set_nonblock(m->out_fd, err) < 0 || mon_set_nonblock(m->err_fd, err) < 0) return -1;
  if (m->opt->stdin_open) {
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0) return gantry_error_sys(err, "create the stdin pipe");
    m->child_stdio[0] = in[0];
    m->in_fd = in[1];
    if (mon_set_nonblock(m->in_fd, err) < 0) return -1;
  }
  return 0;
}

static void close_child_stdio(struct monitor *m) {
  for (int i = 0; i < 3; i++) {
    if (m->child_stdio[i] >= 0) close(m->child_stdio[i]);
    m->child_stdio[i] = -1;
  }
}

static void remove_workdir(struct monitor *m) {
  if (m->workdir[0] == '\0') return;
  char path[128];
  snprintf(path, sizeof(path), "%s/console.sock", m->workdir);
  unlink(path);
  snprintf(path, sizeof(path), "%s/container.pid", m->workdir);
  unlink(path);
  rmdir(m->workdir);
  m->workdir[0] = '\0';
}

static void read_output(struct monitor *m, int *fd, enum monitor_stream s) {
  static char buf[MONITOR_IO_BUF];
  for (int i = 0; i < 8; i++) { /* bounded, so one busy stream cannot starve the rest */
    ssize_t r = read(*fd, buf, sizeof(buf));
    if (r > 0) {
      log_feed(s, buf, (size_t)r, m->opt->terminal);
      attach_broadcast(s, buf, (size_t)r);
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) return;
    /* end of stream; a pty master reads EIO once no one holds the terminal */
    if (r < 0 && errno != EIO) mlog("read container %s: %s", s == STREAM_STDOUT ? "stdout" : "stderr", strerror(errno));
    log_flush(s);
    close(*fd);
    *fd = -1;
    return;
  }
}

static void handle_signals(struct monitor *m) {
  struct signalfd_siginfo si;
  while (read(m->sigfd, &si, sizeof(si)) == sizeof(si)) {
    switch (si.ssi_signo) {
      case SIGCHLD: monitor_reap(m); break;
      case SIGTERM:
      case SIGINT:
        if (!m->container_exited && kill(m->container_pid, (int)si.ssi_signo) < 0)
          mlog("forward signal %u to pid %d: %s", si.ssi_signo, (int)m->container_pid, strerror(errno));
        break;
      case SIGUSR1: log_reopen(); break;
      default: break;
    }
  }
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void event_loop(struct monitor *m) {
  struct pollfd pfd[5 + MONITOR_MAX_CLIENTS];
  long long drain_deadline = -1;
  for (;;) {
    bool draining = m->container_exited;
    if (draining && m->out_fd < 0 && m->err_fd < 0) return;
    int timeout = -1;
    if (draining) {
      if (drain_deadline < 0) drain_deadline = now_ms() + DRAIN_MAX_MS;
      long long left = drain_deadline - now_ms();
      if (left <= 0) {
        mlog("the init exited but its stdio is still held open; not waiting for the rest of the output");
        return;
      }
      timeout = (int)left;
    }
    pfd[0] = (struct pollfd){.fd = m->sigfd, .events = POLLIN};
    pfd[1] = (struct pollfd){.fd = m->out_fd, .events = POLLIN};
    pfd[2] = (struct pollfd){.fd = m->err_fd, .events = POLLIN};
    pfd[3] = (struct pollfd){.fd = stdin_pending() ? m->in_fd : -1, .events = POLLOUT};
    pfd[4] = (struct pollfd){.fd = m->attach_fd, .events = POLLIN};
    size_t nc = attach_pollfds(pfd + 5, stdin_pending());
    int n = poll(pfd, 5 + nc, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      mlog("poll: %s", strerror(errno));
      return;
    }
    if (pfd[0].revents) handle_signals(m);
    if (pfd[3].revents) {
      if (pfd[3].revents & POLLERR) stdin_close(m);
      else stdin_flush(m);
    }
    attach_handle(m, pfd + 5, nc);
    // A client waiting to attach is let in before the output that arrived with it, so it sees that output too
    // (`docker run -it` attaches before start and expects the first prompt).
    if (pfd[4].revents) attach_accept(m);
    if (pfd[1].revents && m->out_fd >= 0) read_output(m, &m->out_fd, STREAM_STDOUT);
    if (pfd[2].revents && m->err_fd >= 0) read_output(m, &m->err_fd, STREAM_STDERR);
  }
}

static void finish(struct monitor *m) {
  if (m->out_fd >= 0) log_flush(STREAM_STDOUT);
  if (m->err_fd >= 0) log_flush(STREAM_STDERR);
  int status = m->container_status;
  int code = 0, sig = 0;
  if (WIFEXITED(status)) {
    code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    sig = WTERMSIG(status);
    code = 128 + sig;
  }
  bool oom = oom_watch_fired(&m->oom);
  char json[256], sigtext[16];
  snprintf(sigtext, sizeof(sigtext), "%d", sig);
  snprintf(json, sizeof(json), "{\"exitCode\":%d,\"signal\":%s,\"exitedAt\":\"%s\",\"oomKilled\":%s}", code,
           sig ? sigtext : "null", m->exited_at, oom ? "true" : "false");
  mlog("container %s exited: %s", m->opt->id, json);

  cleanup_error gantry_error_t err = NULL;
  if (write_file_atomic(m->opt->exit_file, json, strlen(json), 0644, &err) < 0) mlog("write the exit file: %s", err->msg);
  stdin_close(m);
  if (!m->opt->no_delete && monitor_delete_container(m, &err) < 0) mlog("%s", err->msg);
  attach_close_all(m, json);
}

/* Undoes what a failed startup left: the container, the attach socket, the pid files. */
static void abandon(struct monitor *m) {
  cleanup_error gantry_error_t err = NULL;
  if (m->created && monitor_delete_container(m, &err) < 0) mlog("%s", err->msg);
  attach_close_all(m, NULL);
  remove_workdir(m);
  if (m->opt->pid_file) unlink(m->opt->pid_file);
  if (m->opt->container_pid_file && m->container_pid) unlink(m->opt->container_pid_file);
}

int monitor_main(const struct monitor_options *opt, int report_fd) {
  struct monitor m = {
      .opt = opt,
      .sigfd = -1,
      .console_listen = -1,
      .out_fd = -1,
      .err_fd = -1,
      .in_fd = -1,
      .child_stdio = {-1, -1, -1},
      .attach_fd = -1,
      .oom = {.fd = -1},
  };
  cleanup_error gantry_error_t err = NULL;
  if (setup_process(&m, &err) < 0 || setup_stdio(&m, &err) < 0 || monitor_create_container(&m, &err) < 0) goto failed;
  close_child_stdio(&m);
  oom_watch_open(&m.oom, m.container_pid);
  if (opt->container_pid_file && write_pid(opt->container_pid_file, m.container_pid, &err) < 0) {
    gantry_error_wrap(&err, "write the container's pid file");
    goto failed;
  }
  if (monitor_start_container(&m, &err) < 0) goto failed;
  remove_workdir(&m);

  char ok[64];
  snprintf(ok, sizeof(ok), "OK %d %d\n", (int)getpid(), (int)m.container_pid);
  report(&report_fd, ok);
  mlog("container %s started, pid %d", opt->id, (int)m.container_pid);
  malloc_trim(0); /* what the starter and the startup freed goes back: the monitor lives on static buffers */

  do event_loop(&m); /* runs once more after the exit, to drain the output: the init may be gone already */
  while (!m.container_exited);
  finish(&m);
  return 0;

failed:
  mlog("%s", err->msg);
  close_child_stdio(&m);
  abandon(&m);
  char msg[4200];
  snprintf(msg, sizeof(msg), "ERR %s\n", err->msg);
  report(&report_fd, msg);
  return 1;
}
