/* The last steps of any container process (init or exec): rlimits, identity, capabilities, no_new_privs,
 * seccomp, environment, and execve. Runs inside the container, after pivot_root or setns. */
#ifndef GANTRY_PROCESS_H
#define GANTRY_PROCESS_H

#include <stddef.h>

#include "common/error.h"
#include "runtime/config.h"
#include "runtime/seccomp.h"

struct process_exec {
  const struct oci_process *process;
  const struct seccomp_config *seccomp; /* NULL: none */
  const void *bpf;
  size_t bpf_len;
  int preserve_fds; /* fds 3 .. 3+N-1 stay open across execve */
};

int process_set_rlimits(const struct oci_process *p, gantry_error_t *err);
/* Resolves args[0] against PATH from the process env (inside the container); *path is allocated. */
int process_find_executable(const struct oci_process *p, char **path, gantry_error_t *err);
/* setgroups/setresgid/setresuid keeping capabilities, then the five capability sets; seccomp is loaded first when
 * no_new_privs is off (loading it needs CAP_SYS_ADMIN then). */
int process_finalize_identity(const struct process_exec *x, gantry_error_t *err);
/* no_new_privs, seccomp (when no_new_privs is on), fds, signal mask, umask, then execve. Returns only on failure. */
int process_exec(const struct process_exec *x, const char *path, gantry_error_t *err);

#endif
