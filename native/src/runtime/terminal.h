/* Terminals: a pty opened inside the container, its master handed over a unix socket with SCM_RIGHTS (the
 * --console-socket protocol runc uses), and a proxy for foreground `run`/`exec` without a console socket. */
#ifndef GANTRY_TERMINAL_H
#define GANTRY_TERMINAL_H

#include <sys/types.h>

#include "common/error.h"

/* Connects to the console socket at path (a unix stream socket). */
int console_socket_connect(const char *path, int *fd, gantry_error_t *err);
/* Sends fd with the name as the message (runc sends the pty's name), SCM_RIGHTS. */
int console_send_master(int sock, int master, const char *name, gantry_error_t *err);
/* Opens a new pty from /dev/ptmx (the container's devpts when called after pivot_root); returns master and slave. */
int pty_open(int *master, int *slave, char **slave_name, unsigned rows, unsigned cols, gantry_error_t *err);
/* Makes slave the controlling terminal and stdio of the calling process (after setsid()). */
int pty_become_stdio(int slave, gantry_error_t *err);
/* Copies stdin -> master and master -> stdout (raw mode when stdin is a tty) until the master hangs up. Signals
 * in sigfd (a signalfd) are handled by on_signal; returns when on_signal returns non-zero or the pty closes. */
int pty_proxy(int master, int sigfd, int (*on_signal)(void *arg, int signo), void *arg);
/* Copies what is left on a pty whose process is gone to stdout: until the pty hangs up (EIO: no slave left) or stays
 * quiet for 200 ms (a leftover process holds the slave). */
void pty_drain(int master);

#endif
