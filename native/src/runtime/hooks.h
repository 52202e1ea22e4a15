/* OCI hooks: each is executed with the container state JSON on stdin, its own args and env, and an optional
 * timeout after which it is killed. The first failing hook stops the list. */
#ifndef GANTRY_HOOKS_H
#define GANTRY_HOOKS_H

#include <stddef.h>

#include "common/error.h"
#include "runtime/config.h"

int hooks_run(const struct oci_hook *hooks, size_t n, const char *kind, const char *state_json, gantry_error_t *err);

#endif
