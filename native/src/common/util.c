#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int read_file(const char *path, size_t max, char **out, size_t *len, gantry_error_t *err) {
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return gantry_error_sys(err, "open %s", path);
  size_t cap = 4096, n = 0;
  char *buf = xmalloc(cap);
  for (;;) {
    if (n + 1 >= cap) {
      cap *= 2;
      buf = xrealloc(buf, cap);
    }
    ssize_t r = read(fd, buf + n, cap - n - 1);
    if (r < 0) {
      if (errno == EINTR) continue;
      free(buf);
      return gantry_error_sys(err, "read %s", path);
    }
    if (r == 0) break;
    n += (size_t)r;
    if (max && n > max) {
      free(buf);
      return gantry_error_set(err, EFBIG, "read %s", path);
    }
  }
  buf[n] = '\0';
  *out = buf;
  if (len) *len = n;
  return 0;
}

int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode, gantry_error_t *err) {
  cleanup_free char *tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return gantry_error_sys(err, "create %s", tmp);
  if (write_all(fd, data, len) < 0) {
    int e = errno;
    close(fd);
    unlink(tmp);
    return gantry_error_set(err, e, "write %s", tmp);
  }
  if (close(fd) < 0) {
    int e = errno;
    unlink(tmp);
    return gantry_error_set(err, e, "close %s", tmp);
  }
  if (rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    return gantry_error_set(err, e, "rename %s to %s", tmp, path);
  }
  return 0;
}

int write_file(const char *path, const char *data, gantry_error_t *err) {
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return gantry_error_sys(err, "open %s", path);
  if (write_all(fd, data, strlen(data)) < 0) return gantry_error_sys(err, "write %s", path);
  return 0;
}

int mkdir_p(const char *path, mode_t mode, gantry_error_t *err) {
  cleanup_free char *p = xstrdup(path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = '\0';
    if (mkdir(p, mode) < 0 && errno != EEXIST) return gantry_error_sys(err, "mkdir %s", p);
    *s = '/';
  }
  if (mkdir(p, mode) < 0 && errno != EEXIST) return gantry_error_sys(err, "mkdir %s", p);
  return 0;
}

size_t strv_len(char *const *v) {
  size_t n = 0;
  while (v && v[n]) n++;
  return n;
}

void strv_free(char **v) {
  for (size_t i = 0; v && v[i]; i++) free(v[i]);
  free(v);
}

char **strv_dup(char *const *v) {
  size_t n = strv_len(v);
  char **out = xcalloc(n + 1, sizeof(*out));
  for (size_t i = 0; i < n; i++) out[i] = xstrdup(v[i]);
  return out;
}

void cleanup_strvp(char ***v) {
  strv_free(*v);
}

int proc_stat(pid_t pid, unsigned long long *start_time, char *state) {
  char path[64], buf[1024];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
  if (p == NULL || p[1] != ' ') return -1;
  if (state) *state = p[2];
  /* p is the end of field 2; each space starts the next field; the start time is field 22. */
  int field = 2;
  for (p++; *p && field < 22; p++)
    if (*p == ' ') field++;
  if (start_time) *start_time = strtoull(p, NULL, 10);
  return 0;
}

int send_fd(int sock, const void *data, size_t len, int fd) {
  struct iovec iov = {(void *)data, len};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof(u));
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  ssize_t r;
  do r = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}
