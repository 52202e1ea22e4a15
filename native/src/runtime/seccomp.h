/* Seccomp filters from config.json's linux.seccomp. The runtime core fills `struct seccomp_config`; this module
 * compiles it to BPF (libseccomp), caches the compiled program on disk keyed by a hash of the config, and loads it
 * as the last step before execve. Every function follows common/error.h. */
#ifndef GANTRY_SECCOMP_H
#define GANTRY_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct seccomp_arg { /* linux.seccomp.syscalls[].args[] */
  unsigned index;
  uint64_t value, value_two;
  char *op; /* "SCMP_CMP_EQ", ... */
};

struct seccomp_rule { /* linux.seccomp.syscalls[] */
  char **names;
  size_t n_names;
  char *action; /* "SCMP_ACT_ERRNO", ... */
  bool has_errno_ret;
  uint32_t errno_ret;
  struct seccomp_arg *args;
  size_t n_args;
};

struct seccomp_config {
  char *default_action;
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  char **architectures; /* "SCMP_ARCH_X86_64", ... */
  size_t n_architectures;
  char **flags; /* "SECCOMP_FILTER_FLAG_TSYNC", ... */
  size_t n_flags;
  struct seccomp_rule *rules;
  size_t n_rules;
};

/* Compiles cfg into a BPF program (struct sock_filter array, as bytes), using cache_dir (may be NULL) to reuse a
 * program compiled earlier for the same config. An unknown action, operator, architecture or flag is an error
 * naming it; a syscall name libseccomp does not know is skipped, as runc does (profiles list newer syscalls). */
int seccomp_compile(const struct seccomp_config *cfg, const char *cache_dir, void **bpf, size_t *bpf_len,
                    gantry_error_t *err);
/* Loads a compiled program into the calling process (after no_new_privs or with CAP_SYS_ADMIN), with cfg's flags.
 * libseccomp exports a `seccomp_load` of its own, so the function is gantry_seccomp_load and the macro keeps the
 * name callers use; a file that also includes <seccomp.h> must include it before this header. */
int gantry_seccomp_load(const void *bpf, size_t bpf_len, const struct seccomp_config *cfg, gantry_error_t *err);
#define seccomp_load(bpf, bpf_len, cfg, err) gantry_seccomp_load((bpf), (bpf_len), (cfg), (err))
void seccomp_config_free(struct seccomp_config *cfg);

#endif
