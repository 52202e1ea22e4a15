#include "runtime/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/util.h"

int console_socket_connect(const char *path, int *fd_out, gantry_error_t *err) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path))
    return gantry_error_set(err, ENAMETOOLONG, "console socket %s", path);
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return gantry_error_sys(err, "socket");
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    int e = errno;
    close(fd);
    return gantry_error_set(err, e, "connect to console socket %s", path);
  }
  *fd_out = fd;
  return 0;
}

int console_send_master(int sock, int master, const char *name, gantry_error_t *err) {
  if (send_fd(sock, name, strlen(name), master) < 0) return gantry_error_sys(err, "send the pty master over the console socket");
  return 0;
}

int pty_open(int *master, int *slave, char **slave_name, unsigned rows, unsigned cols, gantry_error_t *err) {
  int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0) return gantry_error_sys(err, "open /dev/ptmx");
  if (unlockpt(m) < 0) {
    close(m);
    return gantry_error_sys(err, "unlockpt");
  }
  char name[128];
  if (ptsname_r(m, name, sizeof(name)) != 0) {
    close(m);
    return gantry_error_sys(err, "ptsname");
  }
  /* TIOCGPTPEER opens the peer through the master, immune to a racing /dev/pts. */
  int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0) s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0) {
    int e = errno;
    close(m);
    return gantry_error_set(err, e, "open %s", name);
  }
  if (rows && cols) {
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    ioctl(s, TIOCSWINSZ, &ws);
  }
  *master = m;
  *slave = s;
  *slave_name = xstrdup(name);
  return 0;
}

int pty_become_stdio(int slave, gantry_error_t *err) {
  if (setsid() < 0 && errno != EPERM) return gantry_error_sys(err, "setsid");
  if (ioctl(slave, TIOCSCTTY, 0) < 0) return gantry_error_sys(err, "make the pty the controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) return gantry_error_sys(err, "dup2 the pty to fd %d", fd);
  return 0;
}

void pty_drain(int master) {
  char buf[8192];
  struct pollfd q = {master, POLLIN, 0};
  ssize_t n;
  while (poll(&q, 1, 200) > 0 && (n = read(master, buf, sizeof(buf))) > 0)
    if (write_all(1, buf, (size_t)n) < 0) break;
}

int pty_proxy(int master, int sigfd, int (*on_signal)(void *arg, int signo), void *arg) {
  struct termios saved;
  bool raw = isatty(0) && tcgetattr(0, &saved) == 0;
  if (raw) {
    struct termios t = saved;
    cfmakeraw(&t);
    tcsetattr(0, TCSANOW, &t);
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
  }
  bool stdin_open = true;
  int result = 0;
  char buf[8192];
  for (;;) {
    struct pollfd p[3] = {{master, POLLIN, 0}, {sigfd, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    if (poll(p, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGWINCH && raw) {
          struct winsize ws;
          if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
        }
        if ((result = on_signal(arg, (int)si.ssi_signo)) != 0) {
          /* The process is gone; what it wrote may still be on its way through the pty. */
          pty_drain(master);
          break;
        }
      }
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(master, buf, sizeof(buf));
      if (n <= 0) break; /* EIO: every slave fd closed */
      if (write_all(1, buf, (size_t)n) < 0) break;
    }
    if (stdin_open && (p[2].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(0, buf, sizeof(buf));
      if (n <= 0) {
        stdin_open = false;
        /* Pass EOF on as the terminal's EOF character. */
        char eof = 4;
        write_all(master, &eof, 1);
      } else if (write_all(master, buf, (size_t)n) < 0) {
        stdin_open = false;
      }
    }
  }
  if (raw) tcsetattr(0, TCSANOW, &saved);
  return result;
}
