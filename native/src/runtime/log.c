#include "runtime/log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/json.h"
#include "common/util.h"
#include "runtime/state.h"

static int log_fd = -1;
static bool log_json, log_debug_on;
static struct timespec started;

void log_init(const char *path, bool json, bool debug) {
  log_json = json;
  log_debug_on = debug;
  clock_gettime(CLOCK_MONOTONIC, &started);
  if (path && *path) {
    log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      fprintf(stderr, "gantry-runtime: open log %s: %m\n", path);
    }
  }
}

bool log_debug_enabled(void) {
  return log_debug_on;
}

static void emit(const char *level, const char *msg) {
  cleanup_free char *line = NULL;
  if (log_json) {
    cleanup_free char *time = now_rfc3339();
    struct json_writer w;
    jw_init(&w, false);
    jw_begin_object(&w);
    jw_key(&w, "level");
    jw_string(&w, level);
    jw_key(&w, "msg");
    jw_string(&w, msg);
    jw_key(&w, "time");
    jw_string(&w, time);
    jw_end_object(&w);
    char *j = jw_finish(&w, NULL);
    line = xasprintf("%s\n", j);
    free(j);
  } else {
    line = xasprintf("gantry-runtime: %s%s%s\n", strcmp(level, "error") == 0 ? "" : level,
                     strcmp(level, "error") == 0 ? "" : ": ", msg);
  }
  if (log_fd >= 0) {
    write_all(log_fd, line, strlen(line));
    /* With a log file, errors and warnings still reach the caller's stderr as plain text. */
    if (strcmp(level, "debug") != 0) fprintf(stderr, "gantry-runtime: %s\n", msg);
  } else {
    fputs(line, stderr);
  }
}

void log_error(const char *msg) {
  emit("error", msg);
}

void log_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0) abort();
  va_end(ap);
  emit("warning", msg);
  free(msg);
}

void log_debug(const char *fmt, ...) {
  if (!log_debug_on) return;
  va_list ap;
  va_start(ap, fmt);
  char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0) abort();
  va_end(ap);
  /* Milliseconds since the runtime started: where the time of a command goes. */
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  double ms = (double)(now.tv_sec - started.tv_sec) * 1e3 + (double)(now.tv_nsec - started.tv_nsec) / 1e6;
  char *line = xasprintf("[%.3f ms] %s", ms, msg);
  emit("debug", line);
  free(line);
  free(msg);
}
