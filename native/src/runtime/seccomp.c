/* Seccomp: linux.seccomp compiled to classic BPF with libseccomp, cached on disk, loaded with seccomp(2).
 *
 * The cache: compiling a Docker-sized profile takes milliseconds that every container start would pay again, so
 * the program is stored under cache_dir as <fnv1a64 of a canonical serialization>.bpf. The file also holds the
 * serialization itself, and a read only counts when that matches byte for byte: a hash collision or a torn file
 * costs a recompile, never a wrong filter. The serialization includes libseccomp's version and the native
 * architecture, the two inputs besides the config that shape the program. */
#include <seccomp.h> /* before runtime/seccomp.h: see gantry_seccomp_load there */

#include "runtime/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CACHE_MAGIC "gantry-seccomp-bpf 1\n"

/* ---- names ---- */

static int parse_action(const char *name, bool has_errno, uint32_t errno_ret, uint32_t *out, gantry_error_t *err) {
  uint32_t ret = has_errno ? errno_ret : EPERM; /* runc's default for ERRNO and TRACE */
  if (name == NULL) return gantry_error_set(err, 0, "seccomp: an action is missing");
  if (strcmp(name, "SCMP_ACT_ALLOW") == 0) *out = SCMP_ACT_ALLOW;
  else if (strcmp(name, "SCMP_ACT_ERRNO") == 0) *out = SCMP_ACT_ERRNO(ret);
  else if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0) *out = SCMP_ACT_KILL_THREAD;
  else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0) *out = SCMP_ACT_KILL_PROCESS;
  else if (strcmp(name, "SCMP_ACT_TRAP") == 0) *out = SCMP_ACT_TRAP;
  else if (strcmp(name, "SCMP_ACT_TRACE") == 0) *out = SCMP_ACT_TRACE(ret);
  else if (strcmp(name, "SCMP_ACT_LOG") == 0) *out = SCMP_ACT_LOG;
  else if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
    return gantry_error_set(err, 0, "seccomp action SCMP_ACT_NOTIFY: not supported (no listenerPath support)");
  else return gantry_error_set(err, 0, "seccomp action \"%s\": unknown", name);
  if (has_errno && errno_ret > 0xffff)
    return gantry_error_set(err, 0, "seccomp errnoRet %u for %s: above 65535", errno_ret, name);
  return 0;
}

static int parse_op(const char *name, enum scmp_compare *out, gantry_error_t *err) {
  static const struct { const char *name; enum scmp_compare op; } ops[] = {
      {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
  };
  for (size_t i = 0; name && i < sizeof(ops) / sizeof(ops[0]); i++)
    if (strcmp(name, ops[i].name) == 0) return *out = ops[i].op, 0;
  return gantry_error_set(err, 0, "seccomp operator \"%s\": unknown", name ? name : "(missing)");
}

static int parse_arch(const char *name, uint32_t *out, gantry_error_t *err) {
  /* "SCMP_ARCH_X86_64" -> libseccomp's "x86_64" */
  const char *p = name && strncmp(name, "SCMP_ARCH_", 10) == 0 ? name + 10 : NULL;
  if (p == NULL || *p == '\0' || strlen(p) > 31)
    return gantry_error_set(err, 0, "seccomp architecture \"%s\": unknown", name ? name : "(missing)");
  char lower[32];
  size_t i = 0;
  for (; p[i]; i++) lower[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
  lower[i] = '\0';
  *out = seccomp_arch_resolve_name(lower);
  if (*out == 0) return gantry_error_set(err, 0, "seccomp architecture \"%s\": unknown", name);
  return 0;
}

static int parse_flags(const struct seccomp_config *cfg, unsigned *out, gantry_error_t *err) {
  *out = 0;
  for (size_t i = 0; i < cfg->n_flags; i++) {
    const char *f = cfg->flags[i];
    if (strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC") == 0) *out |= SECCOMP_FILTER_FLAG_TSYNC;
    else if (strcmp(f, "SECCOMP_FILTER_FLAG_LOG") == 0) *out |= SECCOMP_FILTER_FLAG_LOG;
    else if (strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0) *out |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    else return gantry_error_set(err, 0, "seccomp flag \"%s\": unknown or unsupported", f);
  }
  return 0;
}

/* ---- canonical form and cache ---- */

struct buf {
  char *data;
  size_t len, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n) {
  if (b->len + n > b->cap) {
    while (b->len + n > b->cap) b->cap = b->cap ? b->cap * 2 : 1024;
    b->data = xrealloc(b->data, b->cap);
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

/* strings are length-prefixed so no name can forge a field boundary */
static void buf_str(struct buf *b, const char *s) {
  char head[32];
  if (s == NULL) {
    buf_add(b, "-;", 2);
    return;
  }
  int n = snprintf(head, sizeof(head), "%zu:", strlen(s));
  buf_add(b, head, (size_t)n);
  buf_add(b, s, strlen(s));
  buf_add(b, ";", 1);
}

static void buf_num(struct buf *b, unsigned long long v) {
  char s[32];
  int n = snprintf(s, sizeof(s), "%llu;", v);
  buf_add(b, s, (size_t)n);
}

static void serialize(const struct seccomp_config *cfg, struct buf *b) {
  const struct scmp_version *v = seccomp_version();
  buf_add(b, CACHE_MAGIC, strlen(CACHE_MAGIC));
  buf_num(b, v->major), buf_num(b, v->minor), buf_num(b, v->micro);
  buf_num(b, seccomp_arch_native());
  buf_str(b, cfg->default_action);
  buf_num(b, cfg->has_default_errno_ret), buf_num(b, cfg->default_errno_ret);
  buf_num(b, cfg->n_architectures);
  for (size_t i = 0; i < cfg->n_architectures; i++) buf_str(b, cfg->architectures[i]);
  /* flags are applied at load time and are not part of the program */
  buf_num(b, cfg->n_rules);
  for (size_t i = 0; i < cfg->n_rules; i++) {
    const struct seccomp_rule *r = &cfg->rules[i];
    buf_num(b, r->n_names);
    for (size_t j = 0; j < r->n_names; j++) buf_str(b, r->names[j]);
    buf_str(b, r->action);
    buf_num(b, r->has_errno_ret), buf_num(b, r->errno_ret);
    buf_num(b, r->n_args);
    for (size_t j = 0; j < r->n_args; j++) {
      buf_num(b, r->args[j].index), buf_num(b, r->args[j].value), buf_num(b, r->args[j].value_two);
      buf_str(b, r->args[j].op);
    }
  }
}

static uint64_t fnv1a64(const void *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= ((const unsigned char *)p)[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static int read_all(int fd, struct buf *b) {
  char chunk[8192];
  for (;;) {
    ssize_t r = read(fd, chunk, sizeof(chunk));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) return 0;
    buf_add(b, chunk, (size_t)r);
  }
}

/* The cached program for `key`, or false when there is none that matches. */
static bool cache_read(const char *path, const struct buf *key, void **bpf, size_t *len) {
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  struct buf b = {0};
  bool ok = read_all(fd, &b) == 0 && b.len > key->len && memcmp(b.data, key->data, key->len) == 0 &&
            (b.len - key->len) % sizeof(struct sock_filter) == 0;
  if (ok) {
    *len = b.len - key->len;
    *bpf = xmalloc(*len);
    memcpy(*bpf, b.data + key->len, *len);
  }
  free(b.data);
  return ok;
}

/* Best effort: a cache that cannot be written costs the next start a compile, not this one its container. */
static void cache_write(const char *dir, const char *path, const struct buf *key, const void *bpf, size_t len) {
  cleanup_free char *parents = xstrdup(dir);
  for (char *s = parents + 1; *s; s++) {
    if (*s != '/') continue;
    *s = '\0';
    if (mkdir(parents, 0700) < 0 && errno != EEXIST) return;
    *s = '/';
  }
  if (mkdir(dir, 0700) < 0 && errno != EEXIST) return;
  cleanup_free char *tmp = xasprintf("%s.%d.tmp", path, (int)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  bool ok = write(fd, key->data, key->len) == (ssize_t)key->len && write(fd, bpf, len) == (ssize_t)len;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, path) < 0) unlink(tmp);
}

/* ---- compile ---- */

static int add_rule(scmp_filter_ctx ctx, const struct seccomp_rule *r, uint32_t act, const char *name,
                    gantry_error_t *err) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return 0; /* unknown to libseccomp (too new, or a typo): skipped, as runc does */
  struct scmp_arg_cmp cmps[6];
  if (r->n_args > 6) return gantry_error_set(err, 0, "seccomp rule for %s: %zu arguments, at most 6", name, r->n_args);
  bool repeated = false;
  for (size_t i = 0; i < r->n_args; i++) {
    const struct seccomp_arg *a = &r->args[i];
    if (a->index > 5)
      return gantry_error_set(err, 0, "seccomp rule for %s: argument index %u, at most 5", name, a->index);
    enum scmp_compare op = SCMP_CMP_EQ;
    if (parse_op(a->op, &op, err) < 0) return gantry_error_wrap(err, "seccomp rule for %s", name);
    cmps[i] = (struct scmp_arg_cmp){.arg = a->index, .op = op, .datum_a = a->value, .datum_b = a->value_two};
    for (size_t j = 0; j < i; j++)
      if (r->args[j].index == a->index) repeated = true;
  }
  /* libseccomp cannot AND two conditions on one argument: then each condition becomes its own rule (an OR), which
   * is what runc does with such profiles. */
  int rc;
  if (!repeated) {
    rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)r->n_args, cmps);
  } else {
    rc = 0;
    for (size_t i = 0; rc == 0 && i < r->n_args; i++) rc = seccomp_rule_add_array(ctx, act, nr, 1, &cmps[i]);
  }
  if (rc < 0) return gantry_error_set(err, -rc, "seccomp: add rule %s for %s", r->action, name);
  return 0;
}

static int build(const struct seccomp_config *cfg, void **bpf, size_t *bpf_len, gantry_error_t *err) {
  uint32_t def;
  if (parse_action(cfg->default_action, cfg->has_default_errno_ret, cfg->default_errno_ret, &def, err) < 0)
    return gantry_error_wrap(err, "seccomp defaultAction");
  scmp_filter_ctx ctx = seccomp_init(def);
  if (ctx == NULL)
    return gantry_error_set(err, EINVAL, "seccomp: initialise a filter with default %s", cfg->default_action);
  int rc = -1;
  for (size_t i = 0; i < cfg->n_architectures; i++) {
    uint32_t arch;
    if (parse_arch(cfg->architectures[i], &arch, err) < 0) goto out;
    int r = seccomp_arch_add(ctx, arch);
    if (r < 0 && r != -EEXIST) {
      gantry_error_set(err, -r, "seccomp: add architecture %s", cfg->architectures[i]);
      goto out;
    }
  }
  for (size_t i = 0; i < cfg->n_rules; i++) {
    const struct seccomp_rule *r = &cfg->rules[i];
    uint32_t act;
    if (parse_action(r->action, r->has_errno_ret, r->errno_ret, &act, err) < 0) goto out;
    /* libseccomp refuses rules that repeat the default action; they change nothing, so drop them (after
     * checking their operators, so a bad profile is refused whatever its default) */
    if (act == def) {
      enum scmp_compare op;
      for (size_t j = 0; j < r->n_args; j++)
        if (parse_op(r->args[j].op, &op, err) < 0) goto out;
      continue;
    }
    for (size_t j = 0; j < r->n_names; j++)
      if (add_rule(ctx, r, act, r->names[j], err) < 0) goto out;
  }
  int fd = memfd_create("gantry-seccomp", MFD_CLOEXEC);
  if (fd < 0) {
    gantry_error_sys(err, "seccomp: memfd_create");
    goto out;
  }
  int e = seccomp_export_bpf(ctx, fd);
  struct buf b = {0};
  if (e < 0 || lseek(fd, 0, SEEK_SET) < 0 || read_all(fd, &b) < 0 || b.len == 0 || b.len % sizeof(struct sock_filter)) {
    gantry_error_set(err, e < 0 ? -e : errno ? errno : EIO, "seccomp: export the BPF program");
    free(b.data);
    close(fd);
    goto out;
  }
  close(fd);
  *bpf = b.data;
  *bpf_len = b.len;
  rc = 0;
out:
  seccomp_release(ctx);
  return rc;
}

int seccomp_compile(const struct seccomp_config *cfg, const char *cache_dir, void **bpf, size_t *bpf_len,
                    gantry_error_t *err) {
  unsigned flags;
  if (parse_flags(cfg, &flags, err) < 0) return -1;
  struct buf key = {0};
  serialize(cfg, &key);
  cleanup_free char *path = NULL;
  if (cache_dir) {
    path = xasprintf("%s/%016llx.bpf", cache_dir, (unsigned long long)fnv1a64(key.data, key.len));
    if (cache_read(path, &key, bpf, bpf_len)) {
      free(key.data);
      return 0;
    }
  }
  if (build(cfg, bpf, bpf_len, err) < 0) {
    free(key.data);
    return -1;
  }
  if (cache_dir) cache_write(cache_dir, path, &key, *bpf, *bpf_len);
  free(key.data);
  return 0;
}

/* ---- load ---- */

int gantry_seccomp_load(const void *bpf, size_t bpf_len, const struct seccomp_config *cfg, gantry_error_t *err) {
  unsigned flags = 0;
  if (cfg && parse_flags(cfg, &flags, err) < 0) return -1;
  if (bpf == NULL || bpf_len == 0 || bpf_len % sizeof(struct sock_filter) ||
      bpf_len / sizeof(struct sock_filter) > BPF_MAXINSNS)
    return gantry_error_set(err, EINVAL, "seccomp: load a program of %zu bytes (not a BPF program)", bpf_len);
  struct sock_fprog prog = {.len = (unsigned short)(bpf_len / sizeof(struct sock_filter)),
                            .filter = (struct sock_filter *)bpf};
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (rc == 0) return 0;
  if (rc > 0) /* TSYNC: the id of a thread that could not be synchronised */
    return gantry_error_set(err, 0, "seccomp: load filter with TSYNC: thread %ld could not be synchronised", rc);
  if (errno == ENOSYS && flags == 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0) return 0;
  return gantry_error_sys(err, "seccomp: load filter (%u instructions, flags 0x%x)", prog.len, flags);
}

/* ---- memory ---- */

static void free_strv(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

void seccomp_config_free(struct seccomp_config *cfg) {
  if (cfg == NULL) return;
  free(cfg->default_action);
  free_strv(cfg->architectures, cfg->n_architectures);
  free_strv(cfg->flags, cfg->n_flags);
  for (size_t i = 0; i < cfg->n_rules; i++) {
    struct seccomp_rule *r = &cfg->rules[i];
    free_strv(r->names, r->n_names);
    free(r->action);
    for (size_t j = 0; j < r->n_args; j++) free(r->args[j].op);
    free(r->args);
  }
  free(cfg->rules);
  memset(cfg, 0, sizeof(*cfg));
}
