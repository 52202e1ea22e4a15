/* Starting a process inside namespaces, and the message protocol between the runtime and that process.
 *
 * Two shapes, chosen per call:
 *  - fast: nothing to join and no new user namespace — one clone() with every new namespace; the child is the
 *    container's process.
 *  - helper: a fork()ed helper setns()es into the namespaces to join (user first when joined, otherwise before a
 *    new user namespace), creates a new user namespace (the runtime writes its maps) and becomes its root, unshares
 *    the other new namespaces, then clone(CLONE_PARENT)s the final process so it is still the
 *    runtime's child (so `run`/`exec` can wait for it) and lands in a joined or new pid namespace.
 * The exec process waits for SYNC_GO before doing anything, so the runtime can put it in its cgroup first. A
 * container's init builds its filesystem meanwhile and waits for SYNC_GO before it runs hooks, mounts a new cgroup
 * namespace's hierarchy or takes the process's identity; a new cgroup namespace is unshared by the process itself
 * after SYNC_GO (rooted at its new cgroup). */
#ifndef GANTRY_SPAWN_H
#define GANTRY_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <sys/types.h>

#include "common/error.h"

enum sync_type {
  SYNC_ERROR = 1, /* child -> runtime: text is the error, value its errno */
  SYNC_PID,       /* helper -> runtime: value is the final process's pid */
  SYNC_USERMAP,   /* helper -> runtime: write my uid/gid maps; runtime -> helper: done */
  SYNC_CGROUP,    /* runtime -> child: the cgroup's directories exist (text: its path below each hierarchy);
                   * SYNC_GO follows once the child is in it */
  SYNC_GO,        /* runtime -> child: in its cgroup; text is the state JSON for in-container hooks */
  SYNC_HOOKS,     /* child -> runtime: namespaces ready, run prestart/createRuntime; runtime -> child: done */
  SYNC_PTY,       /* child -> runtime: the pty master (SCM_RIGHTS) for a foreground terminal */
  SYNC_READY,     /* child -> runtime: set up; waiting to be started (create), or starting (run) */
};

#define SYNC_TEXT_MAX 65536

struct sync_msg {
  int type;
  int value;
  char text[SYNC_TEXT_MAX];
};

int sync_send(int fd, int type, int value, const char *text);
/* Sends an error from a child; keeps errno of err. */
void sync_send_error(int fd, gantry_error_t *err);
/* Receives one message; returns 0, or 1 on EOF (the peer closed), or -1. If fd_out is non-NULL a passed fd is
 * stored there (else closed). */
int sync_recv(int fd, struct sync_msg *m, int *fd_out, gantry_error_t *err);
/* Turns a received SYNC_ERROR into *err. Always -1. */
int sync_error(gantry_error_t *err, const struct sync_msg *m);
int sync_send_fd(int sock, int type, int fd, gantry_error_t *err);
/* Waits for a message of type `want` (an SYNC_ERROR becomes the error). */
int sync_expect(int fd, int want, struct sync_msg *m, gantry_error_t *err);

struct spawn_join {
  int type; /* CLONE_NEW* */
  int fd;   /* an open namespace file */
};

struct spawn_config {
  int new_flags; /* CLONE_NEW* to create; CLONE_NEWCGROUP is left to the child */
  struct spawn_join joins[8];
  size_t n_joins;
  const char *uid_map, *gid_map; /* for a new user namespace: "inside outside size\n..." */
  int child_sync_fd;             /* the child's end of the socketpair */
  int parent_sync_fd;            /* closed in the child */
  /* Runs in the final process, which gets the sync fd; must not return on success (execve). Its return value
   * becomes the exit status. */
  int (*child_fn)(void *arg, int sync_fd);
  void *arg;
};

/* Starts the process; returns its pid (a child of the caller) or -1. */
pid_t spawn_process(const struct spawn_config *sc, gantry_error_t *err);

/* Writes an id map file (/proc/PID/uid_map). */
int write_id_map(pid_t pid, const char *file, const char *map, gantry_error_t *err);

/* The signals a foreground runtime forwards to its container process (plus SIGCHLD), to block before spawning. */
void spawn_forwarded_signals(sigset_t *set);
/* Waits for a foreground child, forwarding signals (and proxying its terminal when master >= 0); returns its exit
 * status, or 128+n when signal n ended it. The forwarded signals must be blocked by the caller. */
int spawn_wait_foreground(pid_t pid, int master);

#endif
