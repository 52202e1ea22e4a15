/* Small helpers for the monitor: its own diagnostics, timestamps. (Files: common/util.h.) */
#include "monitor/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* After detaching, fd 2 is the --monitor-log file or /dev/null. */
void mlog(const char *fmt, ...) {
  char ts[40];
  format_rfc3339nano(ts, sizeof(ts));
  char line[1024];
  int n = snprintf(line, sizeof(line), "%s gantry-monitor[%d]: ", ts, (int)getpid());
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
  va_end(ap);
  size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
  if (len > sizeof(line) - 2) len = sizeof(line) - 2;
  line[len++] = '\n';
  write_all(2, line, len);
}

size_t format_rfc3339nano(char *buf, size_t size) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm tm;
  gmtime_r(&now.tv_sec, &tm);
  size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  int m = snprintf(buf + n, size - n, ".%09ldZ", now.tv_nsec);
  return n + (m < 0 ? 0 : (size_t)m);
}

int mon_set_nonblock(int fd, gantry_error_t *err) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return gantry_error_sys(err, "set O_NONBLOCK on fd %d", fd);
  return 0;
}
