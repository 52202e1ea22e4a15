/* gantry-monitor: the per-container supervisor (Gantry's conmon).
 *
 * One monitor process per container. The agent runs `gantry-monitor ...`; that invocation (the *starter*) forks,
 * the child calls setsid() and forks again, and the grandchild — the *monitor* — lives on detached from the agent.
 * The monitor becomes a child subreaper, starts the container with `RUNTIME create` + `RUNTIME start`, reports the
 * outcome to the starter over a pipe (the starter then exits 0, or 1 with the error on stderr), and afterwards:
 *   - holds the container's stdio (pipes, or the pty master received over the console socket),
 *   - writes every output line to the log file in the CRI format, rotating by size (logfile.c),
 *   - serves attach clients on a unix socket (attach.c, where the framing is documented),
 *   - reaps the container's init, checks its memory cgroup for OOM kills (oom.c), writes the exit file,
 *     runs `RUNTIME delete --force` and exits (loop.c).
 */
#ifndef GANTRY_MONITOR_H
#define GANTRY_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/util.h"

#define MONITOR_MAX_CLIENTS 16
#define MONITOR_LINE_MAX 16384 /* a log record's content; longer lines are split into P records */
#define MONITOR_IO_BUF 8192

struct monitor_options {
  const char *id;
  const char *bundle;
  const char *root; /* runtime --root, or NULL for the runtime's default */
  const char *runtime;
  const char *log_path;
  long long log_max_size; /* bytes; 0: never rotate */
  int log_max_files;      /* rotated files kept: LOG.1 (newest) ... LOG.N */
  const char *exit_file;
  const char *pid_file;           /* may be NULL */
  const char *container_pid_file; /* may be NULL */
  const char *attach_socket;      /* may be NULL */
  const char *monitor_log;        /* the monitor's own diagnostics after detaching; NULL: discarded */
  bool terminal;
  bool stdin_open;
  bool no_delete;
  bool log_json; /* --log-format json: the starter's errors as JSON lines */
};

/* What the container's log records are about. */
enum monitor_stream { STREAM_STDOUT = 1, STREAM_STDERR = 2 };

struct oom_watch {
  int fd;              /* memory.oom_control (v1) or memory.events (v2); -1: unknown cgroup */
  long long baseline;  /* oom_kill counter before the container started */
};

struct monitor {
  const struct monitor_options *opt;
  int sigfd;          /* signalfd: SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1 */
  char workdir[64];   /* private temp dir for the console socket and the runtime's pid file */
  int console_listen; /* listening console socket while the runtime runs (terminal only), else -1 */
  int out_fd;         /* container stdout (pipe read end) or the pty master; -1 when closed */
  int err_fd;         /* container stderr (pipe read end); -1 for a terminal or when closed */
  int in_fd;          /* container stdin (pipe write end, or a dup of the pty master); -1 when closed */
  int child_stdio[3]; /* the ends the runtime (and so the container) gets; -1: /dev/null */
  int attach_fd;      /* listening attach socket, or -1 */
  pid_t runtime_pid;  /* a runtime command being waited for, or 0 */
  int runtime_status;
  bool runtime_done;
  pid_t container_pid;
  int container_status;
  bool container_exited;
  char exited_at[40]; /* RFC 3339 time the container's init was reaped */
  bool created;
  struct oom_watch oom;
};

/* runtime.c: running the OCI runtime */
int monitor_create_container(struct monitor *m, gantry_error_t *err);
int monitor_start_container(struct monitor *m, gantry_error_t *err);
int monitor_delete_container(struct monitor *m, gantry_error_t *err);
/* Reaps every exited child, recording the runtime's and the container's status. */
void monitor_reap(struct monitor *m);

/* logfile.c: the CRI log */
int log_open(const struct monitor_options *opt, gantry_error_t *err);
void log_reopen(void);
/* Feeds bytes read from a stream; complete lines become F records, over-long ones P records. */
void log_feed(enum monitor_stream s, const char *data, size_t n, bool terminal);
/* The stream ended: a pending unterminated line becomes a P record. */
void log_flush(enum monitor_stream s);

/* attach.c: the attach socket */
int attach_listen(struct monitor *m, gantry_error_t *err);
void attach_accept(struct monitor *m);
void attach_broadcast(enum monitor_stream s, const char *data, size_t n);
/* Number of pollfds added for clients; `stdin_busy` suppresses reading client input (back-pressure). */
size_t attach_pollfds(struct pollfd *pfd, bool stdin_busy);
void attach_handle(struct monitor *m, struct pollfd *pfd, size_t n);
/* Sends the exit record to every client, closes them and removes the socket. */
void attach_close_all(struct monitor *m, const char *exit_json);
/* Queued client stdin for the container. */
bool stdin_pending(void);
void stdin_flush(struct monitor *m);
void stdin_close(struct monitor *m);

/* oom.c */
void oom_watch_open(struct oom_watch *w, pid_t pid);
bool oom_watch_fired(struct oom_watch *w);

/* loop.c: everything the detached monitor does; reports the startup outcome on report_fd. Returns the exit code. */
int monitor_main(const struct monitor_options *opt, int report_fd);

/* util.c */
void mlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "2026-01-02T03:04:05.123456789Z" into buf (at least 40 bytes); returns its length. */
size_t format_rfc3339nano(char *buf, size_t size);
int mon_set_nonblock(int fd, gantry_error_t *err);

#endif
