/* Gantry native: the one error convention.
 *
 * A fallible function takes `gantry_error_t *err` as its last parameter and returns a negative value on failure,
 * having filled *err with the errno and a message that names the step ("mount proc on /proc"). Callers propagate
 * mechanically; when they add context they wrap: gantry_error_wrap(err, "create container %s", id) turns
 * "mount proc on /proc: Operation not permitted" into "create container x: mount proc on /proc: ...".
 * Allocation failure aborts in one place (xmalloc and friends).
 */
#ifndef GANTRY_ERROR_H
#define GANTRY_ERROR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <dirent.h>

struct gantry_error_s {
  int status; /* errno, or 0 when the failure is not a system call's */
  char *msg;  /* "step: strerror(status)" */
};
typedef struct gantry_error_s *gantry_error_t;

/* Sets *err from `errno_` (0: none) and a printf-style step description. Always returns -1. */
int gantry_error_set(gantry_error_t *err, int errno_, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sets *err from the current errno. Always returns -1. */
#define gantry_error_sys(err, ...) gantry_error_set((err), errno, __VA_ARGS__)
/* Prefixes the message already in *err with more context. Always returns -1. */
int gantry_error_wrap(gantry_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gantry_error_free(gantry_error_t *err);

/* Allocation: abort on failure, in one place. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Scope-bound cleanup. */
void cleanup_freep(void *p);
void cleanup_closep(int *fd);
void cleanup_fclosep(FILE **f);
void cleanup_closedirp(DIR **d);
void cleanup_errorp(gantry_error_t *err);
#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_file __attribute__((cleanup(cleanup_fclosep)))
#define cleanup_dir __attribute__((cleanup(cleanup_closedirp)))
#define cleanup_error __attribute__((cleanup(cleanup_errorp)))

#endif
