/* The container's first process, from clone() to execve(): it waits for its cgroup, builds the filesystem, asks
 * the runtime to run the runtime-side hooks, pivots, takes its identity, reports ready, and then waits to be
 * started (a connection on ROOT/ID/exec.sock for `create`); for `run` it goes on at once (one round trip less). */
#ifndef GANTRY_INIT_H
#define GANTRY_INIT_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/config.h"

struct init_args {
  const struct oci_config *cfg;
  int listen_fd;      /* create: the listening exec.sock; -1 for run, which goes on to execve without waiting */
  int console_fd;     /* a connected --console-socket, or -1 */
  bool pty_to_parent; /* run in the foreground with a terminal: the master goes back over the sync socket */
  bool no_pivot;
  int preserve_fds;
  const void *bpf;
  size_t bpf_len;
};

/* The spawn child function (see spawn.h). */
int container_init(void *arg, int sync_fd);

#endif
