/* The runtime's log: errors always reach stderr; with --log they are also appended to that file, in text or JSON
 * lines ({"level":"error","msg":"...","time":"..."}, as runc writes for containerd). --debug adds debug lines. */
#ifndef GANTRY_LOG_H
#define GANTRY_LOG_H

#include <stdbool.h>

void log_init(const char *path, bool json, bool debug);
void log_error(const char *msg);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool log_debug_enabled(void);

#endif
