/* The container log, in the CRI (Kubernetes) log format: one record per line,
 *
 *   <timestamp> <stream> <tag> <content>\n
 *
 *   timestamp  RFC 3339 UTC with nanoseconds, always 9 digits: 2026-01-02T03:04:05.123456789Z
 *   stream     stdout | stderr (a terminal's output is all stdout)
 *   tag        F: the content is a whole line (its newline dropped);
 *              P: a partial line — the line was longer than MONITOR_LINE_MAX bytes, or the stream ended without a
 *              newline. Concatenating P records up to the next F record on the same stream gives the line back.
 *   content    the bytes as the container wrote them (a terminal's trailing \r before \n is dropped).
 *
 * The records from one read of the container's output are written with one write(2) on an O_APPEND file; a reader
 * tailing the file takes a line once its newline is there. Rotation by size: before a record that would take the file past --log-max-size, LOG.(N-1) is
 * renamed to LOG.N, ..., LOG.1 to LOG.2, LOG to LOG.1, and a fresh LOG is started (N = --log-max-files; the oldest
 * falls off); with N = 0 the full LOG is removed and a fresh one started. A record is never split across files.
 * SIGUSR1 reopens LOG (for rotation done by someone else). Without --log-path no log is kept at all: the output only
 * goes to attach clients (Docker's `none` logging driver).
 */
#include "monitor/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct stream_buf {
  const char *name;
  size_t len;
  char data[MONITOR_LINE_MAX];
};

static struct stream_buf streams[2] = {{.name = "stdout"}, {.name = "stderr"}};
static const struct monitor_options *opts;
static int log_fd = -1;
static long long log_size;
static char ts[40];
static size_t ts_len;

static int open_log(gantry_error_t *err) {
  int fd = open(opts->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return gantry_error_sys(err, "open log file %s", opts->log_path);
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int saved = errno;
    close(fd);
    return gantry_error_set(err, saved, "stat log file %s", opts->log_path);
  }
  if (log_fd >= 0) close(log_fd);
  log_fd = fd;
  log_size = st.st_size;
  return 0;
}

int log_open(const struct monitor_options *opt, gantry_error_t *err) {
  opts = opt;
  return opt->log_path ? open_log(err) : 0;
}

void log_reopen(void) {
  if (opts->log_path == NULL) return;
  cleanup_error gantry_error_t err = NULL;
  if (open_log(&err) < 0) mlog("%s", err->msg);
}

static void rotate(void) {
  char from[PATH_MAX], to[PATH_MAX];
  if (opts->log_max_files == 0) {
    /* a reader holding the old file open reads it to its end, then finds the new one under the path */
    if (unlink(opts->log_path) < 0) mlog("rotate log: remove %s: %s", opts->log_path, strerror(errno));
    log_reopen();
    return;
  }
  for (int i = opts->log_max_files - 1; i >= 1; i--) {
    snprintf(from, sizeof(from), "%s.%d", opts->log_path, i);
    snprintf(to, sizeof(to), "%s.%d", opts->log_path, i + 1);
    if (rename(from, to) < 0 && errno != ENOENT) mlog("rotate log: rename %s to %s: %s", from, to, strerror(errno));
  }
  snprintf(to, sizeof(to), "%s.1", opts->log_path);
  if (rename(opts->log_path, to) < 0) mlog("rotate log: rename %s to %s: %s", opts->log_path, to, strerror(errno));
  log_reopen();
}

/* Records of one read are gathered here and written together: one write(2) per read of the container's output. */
static char out[MONITOR_LINE_MAX + 128];
static size_t out_len;

static void flush_out(void) {
  if (out_len == 0 || log_fd < 0) {
    out_len = 0;
    return;
  }
  size_t done = 0;
  while (done < out_len) {
    ssize_t w = write(log_fd, out + done, out_len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      mlog("write log file %s: %s", opts->log_path, w < 0 ? strerror(errno) : "no progress");
      break;
    }
    done += (size_t)w;
    log_size += w;
  }
  out_len = 0;
}

static void emit(struct stream_buf *b, char tag, bool terminal) {
  size_t len = b->len;
  if (tag == 'F' && terminal && len > 0 && b->data[len - 1] == '\r') len--;
  if (ts_len == 0) ts_len = format_rfc3339nano(ts, sizeof(ts));
  char head[64];
  int hn = snprintf(head, sizeof(head), "%s %s %c ", ts, b->name, tag);
  size_t total = (size_t)hn + len + 1;
  b->len = 0;
  if (out_len + total > sizeof(out)) flush_out();
  if (opts->log_max_size > 0 && log_size + (long long)out_len > 0 &&
      log_size + (long long)(out_len + total) > opts->log_max_size) {
    flush_out();
    rotate();
  }
  memcpy(out + out_len, head, (size_t)hn);
  memcpy(out + out_len + hn, b->data, len);
  out[out_len + total - 1] = '\n';
  out_len += total;
}

void log_feed(enum monitor_stream s, const char *data, size_t n, bool terminal) {
  if (opts->log_path == NULL) return;
  struct stream_buf *b = &streams[s - 1];
  ts_len = 0; /* one timestamp per read: taken when the first record of this chunk is written */
  while (n > 0) {
    const char *nl = memchr(data, '\n', n);
    size_t take = nl ? (size_t)(nl - data) : n;
    size_t space = sizeof(b->data) - b->len;
    if (take > space) {
      memcpy(b->data + b->len, data, space);
      b->len += space;
      data += space;
      n -= space;
      emit(b, 'P', terminal);
      continue;
    }
    memcpy(b->data + b->len, data, take);
    b->len += take;
    data += take;
    n -= take;
    if (nl) {
      emit(b, 'F', terminal);
      data++;
      n--;
    }
  }
  flush_out();
}

void log_flush(enum monitor_stream s) {
  if (opts->log_path == NULL) return;
  struct stream_buf *b = &streams[s - 1];
  if (b->len == 0) return;
  ts_len = 0;
  emit(b, 'P', false);
  flush_out();
}
