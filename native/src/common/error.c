#include "common/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *vformat(const char *fmt, va_list ap) {
  char *out = NULL;
  if (vasprintf(&out, fmt, ap) < 0) {
    fputs("gantry: out of memory\n", stderr);
    abort();
  }
  return out;
}

int gantry_error_set(gantry_error_t *err, int errno_, const char *fmt, ...) {
  if (err == NULL) return -1;
  va_list ap;
  va_start(ap, fmt);
  char *step = vformat(fmt, ap);
  va_end(ap);
  gantry_error_free(err);
  *err = xcalloc(1, sizeof(**err));
  (*err)->status = errno_;
  if (errno_ != 0) {
    (*err)->msg = xasprintf("%s: %s", step, strerror(errno_));
    free(step);
  } else {
    (*err)->msg = step;
  }
  return -1;
}

int gantry_error_wrap(gantry_error_t *err, const char *fmt, ...) {
  if (err == NULL || *err == NULL) return -1;
  va_list ap;
  va_start(ap, fmt);
  char *ctx = vformat(fmt, ap);
  va_end(ap);
  char *msg = xasprintf("%s: %s", ctx, (*err)->msg);
  free(ctx);
  free((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

void gantry_error_free(gantry_error_t *err) {
  if (err == NULL || *err == NULL) return;
  free((*err)->msg);
  free(*err);
  *err = NULL;
}

static void oom(void) {
  static const char msg[] = "gantry: out of memory\n";
  ssize_t r = write(2, msg, sizeof(msg) - 1);
  (void)r;
  abort();
}

void *xmalloc(size_t size) {
  void *p = malloc(size ? size : 1);
  if (p == NULL) oom();
  return p;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (p == NULL) oom();
  return p;
}

void *xrealloc(void *p, size_t size) {
  void *q = realloc(p, size ? size : 1);
  if (q == NULL) oom();
  return q;
}

char *xstrdup(const char *s) {
  char *p = strdup(s);
  if (p == NULL) oom();
  return p;
}

char *xasprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *out = vformat(fmt, ap);
  va_end(ap);
  return out;
}

void cleanup_freep(void *p) {
  free(*(void **)p);
}

void cleanup_closep(int *fd) {
  if (*fd >= 0) close(*fd);
}

void cleanup_fclosep(FILE **f) {
  if (*f) fclose(*f);
}

void cleanup_closedirp(DIR **d) {
  if (*d) closedir(*d);
}

void cleanup_errorp(gantry_error_t *err) {
  gantry_error_free(err);
}
