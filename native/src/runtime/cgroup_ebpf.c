/* Cgroup v2 device access: v2 has no devices.allow; the kernel asks a BPF_PROG_TYPE_CGROUP_DEVICE program
 * attached to the cgroup instead. The program reproduces v1 semantics: rules are matched in order with the last
 * match winning (so we test them newest first and return at the first match), and a device no rule mentions is
 * allowed, as under a v1 parent that allows everything. */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct program {
  struct bpf_insn *insns;
  size_t n, cap;
};

static void emit(struct program *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  if (p->n == p->cap) p->insns = xrealloc(p->insns, (p->cap = p->cap ? p->cap * 2 : 64) * sizeof(*p->insns));
  p->insns[p->n++] = (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

enum { R0, R1, R2, R3, R4, R5, R6, R7 };

static unsigned access_bits(const char *a) {
  unsigned bits = 0;
  if (a[0] == '\0') return BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  for (size_t i = 0; i < 4 && a[i]; i++) {
    if (a[i] == 'r') bits |= BPF_DEVCG_ACC_READ;
    if (a[i] == 'w') bits |= BPF_DEVCG_ACC_WRITE;
    if (a[i] == 'm') bits |= BPF_DEVCG_ACC_MKNOD;
  }
  return bits;
}

/* One rule: a run of conditional jumps to the next rule, then "return allow". Jump offsets are patched once the
 * block's length is known. */
static void emit_rule(struct program *p, const struct cgroup_device_rule *r) {
  size_t start = p->n;
  if (r->type != 'a') {
    emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R5, 0, 0, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
    if (r->major >= 0) emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R3, 0, 0, (int32_t)(uint32_t)r->major);
    if (r->minor >= 0) emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R4, 0, 0, (int32_t)(uint32_t)r->minor);
  }
  /* "a" means every device and every access, whatever access says (as v1's devices.allow/deny read it) */
  unsigned acc = r->type == 'a' ? 7u : access_bits(r->access);
  emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R7, R6, 0, 0);
  if (r->allow) {
    /* an allow rule matches only when it covers every access requested */
    emit(p, BPF_ALU | BPF_AND | BPF_K, R7, 0, 0, (int32_t)(~acc & 7u));
    emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R7, 0, 0, 0);
  } else {
    /* a deny rule matches when it covers any access requested */
    emit(p, BPF_ALU | BPF_AND | BPF_K, R7, 0, 0, (int32_t)acc);
    emit(p, BPF_JMP32 | BPF_JEQ | BPF_K, R7, 0, 0, 0);
  }
  emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, r->allow ? 1 : 0);
  emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  for (size_t i = start; i < p->n; i++)
    if (BPF_CLASS(p->insns[i].code) == BPF_JMP32) p->insns[i].off = (int16_t)(p->n - i - 1);
}

static int bpf(int cmd, union bpf_attr *attr) {
  return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int cgroup_ebpf_apply_devices(const char *dir, const struct cgroup_device_rule *rules, size_t n,
                              gantry_error_t *err) {
  for (size_t i = 0; i < n; i++)
    if (cgroup_check_device_rule(&rules[i], err) < 0) return -1;
  struct program p = {0};
  /* r2 = access_type, r3 = major, r4 = minor, r5 = type (low 16 bits), r6 = access (high 16 bits) */
  emit(&p, BPF_LDX | BPF_MEM | BPF_W, R2, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
  emit(&p, BPF_LDX | BPF_MEM | BPF_W, R3, R1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
  emit(&p, BPF_LDX | BPF_MEM | BPF_W, R4, R1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
  emit(&p, BPF_ALU64 | BPF_MOV | BPF_X, R5, R2, 0, 0);
  emit(&p, BPF_ALU | BPF_AND | BPF_K, R5, 0, 0, 0xffff);
  emit(&p, BPF_ALU64 | BPF_MOV | BPF_X, R6, R2, 0, 0);
  emit(&p, BPF_ALU | BPF_RSH | BPF_K, R6, 0, 0, 16);
  /* newest first: the defaults (appended after the config's rules), then the config's rules backwards */
  for (size_t i = cgroup_n_default_devices; i-- > 0;) emit_rule(&p, &cgroup_default_devices[i]);
  for (size_t i = n; i-- > 0;) emit_rule(&p, &rules[i]);
  emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1);
  emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

  static char log[8192];
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)p.insns;
  attr.insn_cnt = (uint32_t)p.n;
  attr.license = (uint64_t)(uintptr_t)"Apache";
  int prog = bpf(BPF_PROG_LOAD, &attr);
  if (prog < 0) {
    int e = errno;
    /* load again with the verifier log, to say why */
    log[0] = '\0';
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = sizeof(log);
    attr.log_level = 1;
    int again = bpf(BPF_PROG_LOAD, &attr);
    if (again >= 0) close(again);
    free(p.insns);
    size_t len = strlen(log);
    while (len && log[len - 1] == '\n') log[--len] = '\0';
    return gantry_error_set(err, e, "load the device filter for %s (%zu rules)%s%.200s", dir, n, *log ? ": " : "",
                            log);
  }
  free(p.insns);
  cleanup_close int prog_fd = prog;
  cleanup_close int cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) return gantry_error_sys(err, "open cgroup %s", dir);
  memset(&attr, 0, sizeof(attr));
  attr.target_fd = (uint32_t)cg;
  attr.attach_bpf_fd = (uint32_t)prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, &attr) < 0) return gantry_error_sys(err, "attach the device filter to %s", dir);
  return 0;
}
