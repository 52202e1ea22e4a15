/* The attach socket (--attach-socket PATH): a unix stream socket, mode 0600, serving up to MONITOR_MAX_CLIENTS
 * clients at once. A client receives the container's output from the moment it connects (history is in the log
 * file) and may send input.
 *
 * Framing, both directions: 1 byte frame type, 4 bytes big-endian payload length, then the payload.
 *
 *   monitor -> client
 *     1  STDOUT   output bytes (a terminal's output is all STDOUT)
 *     2  STDERR   output bytes
 *     5  EXIT     the exit file's JSON, sent once when the container has exited; the monitor then closes the socket
 *   client -> monitor
 *     0  STDIN    bytes for the container's stdin (dropped unless the monitor runs with --stdin)
 *     3  RESIZE   4 bytes: rows (u16 BE), columns (u16 BE) — sets the terminal's window size (terminal only)
 *     4  CLOSE_STDIN  empty: closes the container's stdin, so it reads EOF (no-op for a terminal) — after every
 *                     byte of input that came before it has been written (input after it is dropped)
 *
 * Any other frame type, or a RESIZE/CLOSE_STDIN with the wrong length, is a protocol error: that client is
 * disconnected. A client that disconnects, or stops reading until its socket buffer is full, never affects the
 * container or the other clients: one that falls behind is sent no more output (not even EXIT: its last frame may
 * be cut short) rather than allowed to stall the container, and is closed when the container has exited.
 * A client's input is read to its end whatever happens to its output, and even after it hung up: the input a
 * client sent, and its CLOSE_STDIN, reach the container though the client was too slow to read the echo, or left.
 * Client input goes to the container through one small queue; while it is not empty no more client input is read,
 * so a container that does not read its stdin slows its writers down instead of growing the monitor.
 */
#include "monitor/monitor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

enum { FRAME_STDIN = 0, FRAME_STDOUT = 1, FRAME_STDERR = 2, FRAME_RESIZE = 3, FRAME_CLOSE_STDIN = 4, FRAME_EXIT = 5 };

struct client {
  int fd;
  unsigned char head[5];
  size_t head_len;
  uint32_t remaining; /* payload bytes still to come for the current frame */
  unsigned char small[4];
  size_t small_len;
  bool behind; /* an output frame could not be sent whole: it gets no more output */
  bool hung_up; /* POLLHUP/POLLERR seen while the queue was full: not polled until the queue has room, then read to EOF */
};

static struct client clients[MONITOR_MAX_CLIENTS];
static size_t nclients;
static char stdin_buf[MONITOR_IO_BUF];
static size_t stdin_len, stdin_off;
static bool stdin_closing; /* a CLOSE_STDIN came while input was queued: close once the queue is written */

int attach_listen(struct monitor *m, gantry_error_t *err) {
  const char *path = m->opt->attach_socket;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path))
    return gantry_error_set(err, ENAMETOOLONG, "attach socket %s: path longer than %zu bytes", path, sizeof(addr.sun_path) - 1);
  strcpy(addr.sun_path, path);
  struct stat st;
  if (lstat(path, &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return gantry_error_set(err, EEXIST, "attach socket %s: exists and is not a socket", path);
    if (unlink(path) < 0) return gantry_error_sys(err, "remove stale attach socket %s", path);
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return gantry_error_sys(err, "create attach socket");
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    int saved = errno;
    close(fd);
    return gantry_error_set(err, saved, "bind attach socket %s", path);
  }
  if (chmod(path, 0600) < 0 || listen(fd, 8) < 0) {
    int saved = errno;
    close(fd);
    unlink(path);
    return gantry_error_set(err, saved, "listen on attach socket %s", path);
  }
  m->attach_fd = fd;
  return 0;
}

void attach_accept(struct monitor *m) {
  for (;;) {
    int fd = accept4(m->attach_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) mlog("accept attach client: %s", strerror(errno));
      return;
    }
    if (nclients == MONITOR_MAX_CLIENTS) {
      mlog("attach: refusing a client, %d already attached", MONITOR_MAX_CLIENTS);
      close(fd);
      continue;
    }
    clients[nclients++] = (struct client){.fd = fd};
  }
}

static void drop_client(size_t i) {
  close(clients[i].fd);
  clients[i] = clients[--nclients];
}

static bool send_frame(int fd, int type, const void *data, size_t n) {
  unsigned char head[5] = {(unsigned char)type};
  uint32_t be = htonl((uint32_t)n);
  memcpy(head + 1, &be, 4);
  struct iovec iov[2] = {{.iov_base = head, .iov_len = 5}, {.iov_base = (void *)data, .iov_len = n}};
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
  ssize_t w;
  do w = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (w < 0 && errno == EINTR);
  return w == (ssize_t)(n + 5);
}

/* A client that falls behind is not dropped here: input it sent (a CLOSE_STDIN too) may still wait in its socket. */
void attach_broadcast(enum monitor_stream s, const char *data, size_t n) {
  for (size_t i = 0; i < nclients; i++) {
    if (clients[i].behind) continue;
    if (!send_frame(clients[i].fd, s == STREAM_STDOUT ? FRAME_STDOUT : FRAME_STDERR, data, n)) {
      mlog("attach: a client does not keep up with the output (or left): it gets no more, its input is still read");
      clients[i].behind = true;
    }
  }
}

size_t attach_pollfds(struct pollfd *pfd, bool stdin_busy) {
  for (size_t i = 0; i < nclients; i++) {
    /* with the queue full only a hang-up is watched for, once (it stays reported: polling it again would spin) */
    int fd = stdin_busy && clients[i].hung_up ? -1 : clients[i].fd;
    pfd[i] = (struct pollfd){.fd = fd, .events = stdin_busy ? 0 : POLLIN};
  }
  return nclients;
}

bool stdin_pending(void) {
  return stdin_off < stdin_len;
}

void stdin_close(struct monitor *m) {
  if (m->in_fd >= 0) close(m->in_fd);
  m->in_fd = -1;
  stdin_len = stdin_off = 0;
  stdin_closing = false;
}

void stdin_flush(struct monitor *m) {
  while (stdin_pending()) {
    if (m->in_fd < 0) {
      stdin_len = stdin_off = 0;
      return;
    }
    ssize_t w = write(m->in_fd, stdin_buf + stdin_off, stdin_len - stdin_off);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      mlog("write container stdin: %s", strerror(errno)); /* EPIPE: the container closed its stdin */
      stdin_close(m);
      return;
    }
    stdin_off += (size_t)w;
  }
  stdin_len = stdin_off = 0;
  if (stdin_closing) stdin_close(m);
}

static void resize(struct monitor *m, const unsigned char *p) {
  if (!m->opt->terminal || m->in_fd < 0) return;
  struct winsize ws = {.ws_row = (unsigned short)(p[0] << 8 | p[1]), .ws_col = (unsigned short)(p[2] << 8 | p[3])};
  if (ioctl(m->in_fd, TIOCSWINSZ, &ws) < 0) mlog("resize terminal to %ux%u: %s", ws.ws_row, ws.ws_col, strerror(errno));
}

/* Consumes n bytes a client sent; false on a protocol error. */
static bool client_input(struct monitor *m, struct client *c, const unsigned char *p, size_t n) {
  while (n > 0) {
    if (c->head_len < 5) {
      size_t take = 5 - c->head_len < n ? 5 - c->head_len : n;
      memcpy(c->head + c->head_len, p, take);
      c->head_len += take;
      p += take;
      n -= take;
      if (c->head_len < 5) return true;
      uint32_t be;
      memcpy(&be, c->head + 1, 4);
      c->remaining = ntohl(be);
      c->small_len = 0;
      switch (c->head[0]) {
        case FRAME_STDIN: break;
        case FRAME_RESIZE:
          if (c->remaining != 4) return false;
          break;
        case FRAME_CLOSE_STDIN:
          if (c->remaining != 0) return false;
          /* input queued from this read (or an earlier one) goes first: stdin_flush closes after it */
          if (!m->opt->terminal) {
            if (stdin_pending()) stdin_closing = true;
            else stdin_close(m);
          }
          break;
        default: return false;
      }
      if (c->remaining == 0) c->head_len = 0;
      continue;
    }
    size_t take = c->remaining < n ? c->remaining : n;
    if (c->head[0] == FRAME_STDIN) {
      if (m->opt->stdin_open && m->in_fd >= 0 && !stdin_closing) {
        /* fits: a client is read only into an empty queue, at most its size */
        memcpy(stdin_buf + stdin_len, p, take);
        stdin_len += take;
      }
    } else { /* FRAME_RESIZE */
      memcpy(c->small + c->small_len, p, take);
      c->small_len += take;
      if (c->small_len == 4) resize(m, c->small);
    }
    p += take;
    n -= take;
    c->remaining -= (uint32_t)take;
    if (c->remaining == 0) c->head_len = 0;
  }
  return true;
}

void attach_handle(struct monitor *m, struct pollfd *pfd, size_t n) {
  /* pfd[i] was built from clients[i]; walk backwards so dropping (which moves the last client) stays consistent */
  for (size_t i = n; i-- > 0;) {
    if (pfd[i].revents == 0) continue;
    if (i >= nclients || clients[i].fd != pfd[i].fd) continue;
    if (stdin_pending()) {
      /* no room for its input: a client that hung up is read (to EOF, then dropped) once the queue has been written */
      if (pfd[i].revents & (POLLHUP | POLLERR)) clients[i].hung_up = true;
      continue;
    }
    unsigned char buf[sizeof(stdin_buf)];
    ssize_t r = read(clients[i].fd, buf, sizeof(buf));
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (r <= 0) {
      drop_client(i);
      continue;
    }
    if (!client_input(m, &clients[i], buf, (size_t)r)) {
      mlog("attach: protocol error from a client (frame type %u), disconnecting it", clients[i].head[0]);
      drop_client(i);
      continue;
    }
    stdin_flush(m);
  }
}

void attach_close_all(struct monitor *m, const char *exit_json) {
  while (nclients > 0) {
    if (exit_json && !clients[nclients - 1].behind) send_frame(clients[nclients - 1].fd, FRAME_EXIT, exit_json, strlen(exit_json));
    drop_client(nclients - 1);
  }
  if (m->attach_fd >= 0) {
    close(m->attach_fd);
    m->attach_fd = -1;
    unlink(m->opt->attach_socket);
  }
}
