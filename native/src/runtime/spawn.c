#include "runtime/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "runtime/terminal.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

struct wire_header {
  int32_t type;
  int32_t value;
};

int sync_send(int fd, int type, int value, const char *text) {
  size_t tlen = text ? strlen(text) : 0;
  if (tlen >= SYNC_TEXT_MAX) tlen = SYNC_TEXT_MAX - 1;
  struct wire_header h = {type, value};
  struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)(text ? text : ""), tlen}};
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
  ssize_t r;
  do r = sendmsg(fd, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}

void sync_send_error(int fd, gantry_error_t *err) {
  sync_send(fd, SYNC_ERROR, err && *err ? (*err)->status : 0, err && *err ? (*err)->msg : "unknown error");
}

int sync_send_fd(int sock, int type, int fd, gantry_error_t *err) {
  struct wire_header h = {type, 0};
  if (send_fd(sock, &h, sizeof(h), fd) < 0) return gantry_error_sys(err, "send file descriptor");
  return 0;
}

int sync_recv(int fd, struct sync_msg *m, int *fd_out, gantry_error_t *err) {
  static char buf[sizeof(struct wire_header) + SYNC_TEXT_MAX];
  struct iovec iov = {buf, sizeof(buf)};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  ssize_t r;
  do r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno == ECONNRESET) return 1;
    return gantry_error_sys(err, "receive from the container process");
  }
  if (r == 0) return 1;
  if ((size_t)r < sizeof(struct wire_header)) return gantry_error_set(err, 0, "short message from the container process");
  struct wire_header h;
  memcpy(&h, buf, sizeof(h));
  m->type = h.type;
  m->value = h.value;
  size_t tlen = (size_t)r - sizeof(h);
  memcpy(m->text, buf + sizeof(h), tlen);
  m->text[tlen] = '\0';
  if (fd_out) *fd_out = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int passed;
      memcpy(&passed, CMSG_DATA(c), sizeof(int));
      if (fd_out) *fd_out = passed;
      else close(passed);
    }
  }
  return 0;
}

int sync_error(gantry_error_t *err, const struct sync_msg *m) {
  /* The text already carries the errno's message. */
  gantry_error_set(err, 0, "%s", m->text);
  (*err)->status = m->value;
  return -1;
}

int sync_expect(int fd, int want, struct sync_msg *m, gantry_error_t *err) {
  int r = sync_recv(fd, m, NULL, err);
  if (r < 0) return -1;
  if (r == 1) return gantry_error_set(err, 0, "the other side of the container setup exited");
  if (m->type == SYNC_ERROR) return sync_error(err, m);
  if (m->type != want) return gantry_error_set(err, 0, "unexpected setup message %d (wanted %d)", m->type, want);
  return 0;
}

int write_id_map(pid_t pid, const char *file, const char *map, gantry_error_t *err) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return gantry_error_sys(err, "open %s", path);
  /* The kernel takes the whole map in one write. */
  if (write(fd, map, strlen(map)) != (ssize_t)strlen(map)) return gantry_error_sys(err, "write %s", path);
  return 0;
}

static pid_t raw_clone(unsigned long flags) {
  /* Like fork() (no new stack), but with namespace flags; the child returns 0. */
  return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

static int write_maps(const struct spawn_config *sc, pid_t pid, gantry_error_t *err) {
  if (write_id_map(pid, "uid_map", sc->uid_map, err) < 0) return -1;
  if (write_id_map(pid, "gid_map", sc->gid_map, err) < 0) return -1;
  return 0;
}

static const char *ns_file(int type) {
  switch (type) {
    case CLONE_NEWUSER: return "user";
    case CLONE_NEWPID: return "pid";
    case CLONE_NEWNET: return "net";
    case CLONE_NEWNS: return "mnt";
    case CLONE_NEWIPC: return "ipc";
    case CLONE_NEWUTS: return "uts";
    case CLONE_NEWCGROUP: return "cgroup";
  }
  return "?";
}

static int join(const struct spawn_join *j, gantry_error_t *err) {
  if (setns(j->fd, j->type) < 0) return gantry_error_sys(err, "join the %s namespace", ns_file(j->type));
  return 0;
}

/* The helper of the joining shape. Never returns. */
static void helper(const struct spawn_config *sc) {
  cleanup_error gantry_error_t err = NULL;
  int sync = sc->child_sync_fd;
  bool join_user = false;
  for (size_t i = 0; i < sc->n_joins; i++)
    if (sc->joins[i].type == CLONE_NEWUSER) {
      join_user = true;
      if (join(&sc->joins[i], &err) < 0) goto fail;
    }
  for (size_t i = 0; i < sc->n_joins; i++)
    if (sc->joins[i].type != CLONE_NEWUSER && join(&sc->joins[i], &err) < 0) goto fail;
  if (join_user) {
    /* Become root of the joined user namespace (as nsenter does) so the namespaces below are ours to use. */
    if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
      gantry_error_sys(&err, "become root in the joined user namespace");
      goto fail;
    }
  }
  if (sc->new_flags & CLONE_NEWUSER) {
    if (unshare(CLONE_NEWUSER) < 0) {
      gantry_error_sys(&err, "create the user namespace");
      goto fail;
    }
    struct sync_msg m;
    if (sync_send(sync, SYNC_USERMAP, getpid(), NULL) < 0) _exit(1);
    if (sync_expect(sync, SYNC_USERMAP, &m, &err) < 0) goto fail;
    /* uid 0 of the new user namespace before creating the others, so they (an ipc namespace's mqueue, say) are
     * owned by the container's root user, exactly as runc's nsexec does (the gid follows later). */
    if (setresuid(0, 0, 0) < 0 && errno != EINVAL) {
      gantry_error_sys(&err, "become root in the user namespace");
      goto fail;
    }
  }
  int rest = sc->new_flags & ~(CLONE_NEWUSER | CLONE_NEWCGROUP);
  if (rest && unshare(rest) < 0) {
    gantry_error_sys(&err, "create namespaces (flags 0x%x)", rest);
    goto fail;
  }
  pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0) {
    gantry_error_sys(&err, "clone the container process");
    goto fail;
  }
  if (pid == 0) _exit(sc->child_fn(sc->arg, sync));
  sync_send(sync, SYNC_PID, pid, NULL);
  _exit(0);
fail:
  sync_send_error(sync, &err);
  _exit(1);
}

pid_t spawn_process(const struct spawn_config *sc, gantry_error_t *err) {
  if (sc->n_joins == 0 && !(sc->new_flags & CLONE_NEWUSER)) {
    pid_t pid = raw_clone((unsigned long)(sc->new_flags & ~CLONE_NEWCGROUP));
    if (pid < 0) return gantry_error_sys(err, "clone the container process");
    if (pid == 0) {
      close(sc->parent_sync_fd);
      _exit(sc->child_fn(sc->arg, sc->child_sync_fd));
    }
    return pid;
  }

  pid_t helper_pid = fork();
  if (helper_pid < 0) return gantry_error_sys(err, "fork");
  if (helper_pid == 0) {
    close(sc->parent_sync_fd);
    helper(sc);
  }
  pid_t pid = -1;
  for (;;) {
    struct sync_msg m;
    int r = sync_recv(sc->parent_sync_fd, &m, NULL, err);
    if (r != 0) {
      if (r == 1) gantry_error_set(err, 0, "the namespace helper exited unexpectedly");
      break;
    }
    if (m.type == SYNC_ERROR) {
      sync_error(err, &m);
      break;
    }
    if (m.type == SYNC_USERMAP) {
      if (write_maps(sc, (pid_t)m.value, err) < 0) break;
      sync_send(sc->parent_sync_fd, SYNC_USERMAP, 0, NULL);
      continue;
    }
    if (m.type == SYNC_PID) {
      pid = (pid_t)m.value;
      break;
    }
  }
  if (pid < 0) kill(helper_pid, SIGKILL);
  int status;
  while (waitpid(helper_pid, &status, 0) < 0 && errno == EINTR) {
  }
  return pid;
}

/* ---- foreground supervision ---- */

static const int forwarded_signals[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
                                        SIGALRM, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGCHLD};

void spawn_forwarded_signals(sigset_t *set) {
  sigemptyset(set);
  for (size_t i = 0; i < sizeof(forwarded_signals) / sizeof(forwarded_signals[0]); i++)
    sigaddset(set, forwarded_signals[i]);
}

struct fg_wait {
  pid_t pid;
  int status;
  bool done;
};

static int fg_on_signal(void *arg, int sig) {
  struct fg_wait *w = arg;
  if (sig == SIGCHLD) {
    int status;
    pid_t r;
    while ((r = waitpid(-1, &status, WNOHANG)) > 0)
      if (r == w->pid) {
        w->status = status;
        w->done = true;
      }
    return w->done;
  }
  kill(w->pid, sig);
  return 0;
}

/* Waits for a foreground process, forwarding signals (and proxying its terminal when master >= 0). */
int spawn_wait_foreground(pid_t pid, int master) {
  sigset_t set;
  spawn_forwarded_signals(&set);
  int sigfd = signalfd(-1, &set, SFD_CLOEXEC);
  struct fg_wait w = {.pid = pid};
  fg_on_signal(&w, SIGCHLD); /* it may be gone already */
  if (master >= 0) {
    /* A quick process (`exec -t c tty`) may be gone already: its output still waits on the pty. */
    if (!w.done) pty_proxy(master, sigfd, fg_on_signal, &w);
    else pty_drain(master);
  }
  while (!w.done) {
    struct signalfd_siginfo si;
    ssize_t n = read(sigfd, &si, sizeof(si));
    if (n == sizeof(si)) fg_on_signal(&w, (int)si.ssi_signo);
    else if (n < 0 && errno != EINTR) break;
  }
  if (!w.done && waitpid(pid, &w.status, 0) < 0) w.status = 0;
  close(sigfd);
  if (WIFSIGNALED(w.status)) return 128 + WTERMSIG(w.status);
  return WEXITSTATUS(w.status);
}

