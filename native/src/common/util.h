/* Small helpers shared by the runtime and the monitor: whole-file I/O, atomic replacement, string vectors.
 * Every fallible function follows common/error.h. */
#ifndef GANTRY_UTIL_H
#define GANTRY_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* Reads a whole file (at most max bytes; 0: no limit) into a NUL-terminated buffer. */
int read_file(const char *path, size_t max, char **out, size_t *len, gantry_error_t *err);
/* Writes data to path through "path.tmp-PID" and rename(), so readers see the old or the new file, never half. */
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode, gantry_error_t *err);
/* Writes a short string to an existing file (a /proc or /sys knob). */
int write_file(const char *path, const char *data, gantry_error_t *err);
/* mkdir -p; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode, gantry_error_t *err);

/* NULL-terminated string vectors. */
size_t strv_len(char *const *v);
void strv_free(char **v);
char **strv_dup(char *const *v);
void cleanup_strvp(char ***v);
#define cleanup_strv __attribute__((cleanup(cleanup_strvp)))

/* Writes all of buf, retrying on EINTR and short writes. */
int write_all(int fd, const void *buf, size_t len);
/* Sends `fd` over unix socket `sock` (SCM_RIGHTS) with `len` bytes of data; -1 with errno on failure. */
int send_fd(int sock, const void *data, size_t len, int fd);
/* State letter and start time (field 22) of /proc/PID/stat; -1 if there is no such process. The start time pairs a
 * pid with its process so a recycled pid is not mistaken for the container. */
int proc_stat(pid_t pid, unsigned long long *start_time, char *state);

#endif
