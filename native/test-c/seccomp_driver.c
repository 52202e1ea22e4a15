/* Test driver for the seccomp module (runtime/seccomp.h), run by test/native/seccomp.test.ts.
 *
 *   seccomp_driver SCENARIO CACHE_DIR
 *
 * Filters are loaded only into forked children, which report what their syscalls returned. The driver prints one
 * JSON object with what it observed; the test asserts.
 */
#include <seccomp.h> /* only for the syscall names of the big profile; before runtime/seccomp.h */

#include "runtime/seccomp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *cache;
static bool first = true;

static void key(const char *k) {
  printf("%s\"%s\":", first ? "{" : ",", k);
  first = false;
}

static void jstr(const char *k, const char *v) {
  key(k);
  if (v == NULL) {
    printf("null");
    return;
  }
  putchar('"');
  for (const char *p = v; *p; p++) {
    if (*p == '"' || *p == '\\') printf("\\%c", *p);
    else if ((unsigned char)*p < 0x20) printf("\\u%04x", *p);
    else putchar(*p);
  }
  putchar('"');
}

static void jnum(const char *k, long long v) {
  key(k);
  printf("%lld", v);
}

static void jbool(const char *k, bool v) {
  key(k);
  printf("%s", v ? "true" : "false");
}

static void jerrno(const char *k, int e) {
  jstr(k, e == 0 ? "ok" : strerrorname_np(e));
}

static void die(const char *step, gantry_error_t *err) {
  jstr("fatal", step);
  jstr("error", err && *err ? (*err)->msg : strerror(errno));
  printf("}\n");
  exit(1);
}

/* ---- building configs (the runtime core fills the same struct from config.json) ---- */

static struct seccomp_config config(const char *def) {
  struct seccomp_config c = {0};
  c.default_action = xstrdup(def);
  return c;
}

static struct seccomp_rule *rule(struct seccomp_config *c, const char *action, const char *names) {
  c->rules = xrealloc(c->rules, (c->n_rules + 1) * sizeof(*c->rules));
  struct seccomp_rule *r = &c->rules[c->n_rules++];
  memset(r, 0, sizeof(*r));
  r->action = xstrdup(action);
  cleanup_free char *copy = xstrdup(names);
  char *save = NULL;
  for (char *n = strtok_r(copy, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
    r->names = xrealloc(r->names, (r->n_names + 1) * sizeof(char *));
    r->names[r->n_names++] = xstrdup(n);
  }
  return r;
}

static void arg(struct seccomp_rule *r, unsigned index, uint64_t value, uint64_t two, const char *op) {
  r->args = xrealloc(r->args, (r->n_args + 1) * sizeof(*r->args));
  r->args[r->n_args++] = (struct seccomp_arg){index, value, two, xstrdup(op)};
}

static void add_str(char ***v, size_t *n, const char *s) {
  *v = xrealloc(*v, (*n + 1) * sizeof(char *));
  (*v)[(*n)++] = xstrdup(s);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int count_cache_files(void) {
  DIR *d = opendir(cache);
  if (d == NULL) return 0;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (strstr(e->d_name, ".bpf") && !strstr(e->d_name, ".tmp")) n++;
  closedir(d);
  return n;
}

/* ---- running a filter in a child ---- */

/* Forks; the child sets no_new_privs, loads the program, runs probe(results) and sends results back.
 * Returns the child's wait status. */
static int run_filtered(const void *bpf, size_t len, const struct seccomp_config *cfg, void (*probe)(int *results),
                        int *results, size_t n) {
  int fds[2];
  if (pipe(fds) < 0) die("pipe", NULL);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    gantry_error_t err = NULL;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) _exit(120);
    if (seccomp_load(bpf, len, cfg, &err) < 0) {
      fprintf(stderr, "%s\n", err->msg);
      _exit(121);
    }
    int out[8] = {0};
    probe(out);
    if (write(fds[1], out, n * sizeof(int)) < 0) _exit(122);
    _exit(0);
  }
  close(fds[1]);
  memset(results, 0xff, n * sizeof(int));
  ssize_t r = read(fds[0], results, n * sizeof(int));
  (void)r;
  close(fds[0]);
  int status;
  waitpid(pid, &status, 0);
  return status;
}

static int try_errno(long rc) {
  return rc < 0 ? errno : 0;
}

/* ---- scenarios ---- */

static void probe_mkdir(int *out) {
  char dir[64];
  snprintf(dir, sizeof(dir), "/tmp/gantry-seccomp-%d", (int)getpid());
  out[0] = try_errno(mkdir(dir, 0700));
  if (out[0] == 0) rmdir(dir);
  out[1] = try_errno(syscall(SYS_getpid));
  out[2] = try_errno(syscall(SYS_mkdirat, AT_FDCWD, dir, 0700));
  if (out[2] == 0) rmdir(dir);
}

static struct seccomp_config deny_mkdir_config(void) {
  struct seccomp_config c = config("SCMP_ACT_ALLOW");
  add_str(&c.architectures, &c.n_architectures, "SCMP_ARCH_X86_64");
  add_str(&c.architectures, &c.n_architectures, "SCMP_ARCH_X86");
  add_str(&c.architectures, &c.n_architectures, "SCMP_ARCH_X32");
  struct seccomp_rule *r = rule(&c, "SCMP_ACT_ERRNO", "mkdir,mkdirat,no_such_syscall_in_any_kernel");
  r->has_errno_ret = true;
  r->errno_ret = EPERM;
  return c;
}

static void scenario_deny_mkdir(void) {
  struct seccomp_config c = deny_mkdir_config();
  void *bpf = NULL;
  size_t len = 0;
  gantry_error_t err = NULL;
  jnum("cache_files_before", count_cache_files());
  if (seccomp_compile(&c, cache, &bpf, &len, &err) < 0) die("compile", &err);
  jnum("cache_files_after", count_cache_files());
  jnum("instructions", (long long)(len / 8));
  int res[3];
  int status = run_filtered(bpf, len, &c, probe_mkdir, res, 3);
  jbool("child_exited", WIFEXITED(status) && WEXITSTATUS(status) == 0);
  jerrno("mkdir", res[0]);
  jerrno("getpid", res[1]);
  jerrno("mkdirat", res[2]);
  free(bpf);
  seccomp_config_free(&c);
}

static void scenario_cache(void) {
  struct seccomp_config a = deny_mkdir_config();
  struct seccomp_config b = config("SCMP_ACT_ALLOW");
  rule(&b, "SCMP_ACT_ERRNO", "rmdir");
  void *pa, *pb, *again;
  size_t la, lb, lagain;
  gantry_error_t err = NULL;
  double t0 = now_ms();
  if (seccomp_compile(&a, cache, &pa, &la, &err) < 0) die("compile a", &err);
  double t1 = now_ms();
  if (seccomp_compile(&a, cache, &again, &lagain, &err) < 0) die("compile a again", &err);
  double t2 = now_ms();
  jbool("same_program_twice", la == lagain && memcmp(pa, again, la) == 0);
  free(again);
  key("compile_ms");
  printf("%.3f", t1 - t0);
  key("cached_ms");
  printf("%.3f", t2 - t1);
  if (seccomp_compile(&b, NULL, &pb, &lb, &err) < 0) die("compile b", &err);
  jbool("programs_differ", la != lb || memcmp(pa, pb, la) != 0);
  /* Put b's program behind a's key: a compile of a that returns b's program read the file. */
  DIR *d = opendir(cache);
  struct dirent *e;
  char path[4096] = "";
  while (d && (e = readdir(d)) != NULL)
    if (strstr(e->d_name, ".bpf")) snprintf(path, sizeof(path), "%s/%s", cache, e->d_name);
  if (d) closedir(d);
  jnum("cache_files", count_cache_files());
  struct stat st;
  if (stat(path, &st) < 0) die("stat cache file", NULL);
  size_t key_len = (size_t)st.st_size - la;
  char *file = xmalloc((size_t)st.st_size);
  int fd = open(path, O_RDONLY);
  if (read(fd, file, (size_t)st.st_size) != st.st_size) die("read cache file", NULL);
  close(fd);
  fd = open(path, O_WRONLY | O_TRUNC);
  if (write(fd, file, key_len) != (ssize_t)key_len || write(fd, pb, lb) != (ssize_t)lb) die("rewrite cache file", NULL);
  close(fd);
  if (seccomp_compile(&a, cache, &again, &lagain, &err) < 0) die("compile a from cache", &err);
  jbool("reads_cache", lagain == lb && memcmp(again, pb, lb) == 0);
  free(again);
  /* A file whose key does not match (a collision, or a torn write) is not trusted: recompiled and rewritten. */
  file[key_len - 2] ^= 1;
  fd = open(path, O_WRONLY | O_TRUNC);
  if (write(fd, file, (size_t)st.st_size) != st.st_size) die("rewrite cache file", NULL);
  close(fd);
  if (seccomp_compile(&a, cache, &again, &lagain, &err) < 0) die("compile a after mismatch", &err);
  jbool("recompiles_on_mismatch", lagain == la && memcmp(again, pa, la) == 0);
  free(again);
  free(file);
  free(pa);
  free(pb);
  seccomp_config_free(&a);
  seccomp_config_free(&b);
}

static void probe_args(int *out) {
  int fd = open("/proc/self/exe", O_RDONLY); /* fchmod on an fd we never use for writing: probe only */
  int tmp = open("/tmp", O_RDONLY | O_DIRECTORY);
  int f = openat(tmp, ".", O_TMPFILE | O_RDWR, 0600);
  out[0] = try_errno(fchmod(f, 0777));
  out[1] = try_errno(fchmod(f, 0700));
  out[2] = try_errno(fchmod(f, 0644));
  out[3] = try_errno(syscall(SYS_personality, 0xffffffffUL));
  out[4] = try_errno(syscall(SYS_personality, 0x0400000UL)); /* masked: low byte 0 matches */
  close(f);
  close(tmp);
  close(fd);
}

static void scenario_args(void) {
  struct seccomp_config c = config("SCMP_ACT_ALLOW");
  /* two conditions on one argument: either value is refused */
  struct seccomp_rule *r = rule(&c, "SCMP_ACT_ERRNO", "fchmod");
  r->has_errno_ret = true, r->errno_ret = EOPNOTSUPP;
  arg(r, 1, 0777, 0, "SCMP_CMP_EQ");
  arg(r, 1, 0700, 0, "SCMP_CMP_EQ");
  /* masked: personality(x) with (x & 0xff) == 0 and x != 0xffffffff (query) */
  r = rule(&c, "SCMP_ACT_ERRNO", "personality");
  r->has_errno_ret = true, r->errno_ret = EACCES;
  arg(r, 0, 0xff, 0, "SCMP_CMP_MASKED_EQ");
  void *bpf;
  size_t len;
  gantry_error_t err = NULL;
  if (seccomp_compile(&c, cache, &bpf, &len, &err) < 0) die("compile", &err);
  int res[5];
  run_filtered(bpf, len, &c, probe_args, res, 5);
  jerrno("fchmod_0777", res[0]);
  jerrno("fchmod_0700", res[1]);
  jerrno("fchmod_0644", res[2]);
  jerrno("personality_query", res[3]);
  jerrno("personality_masked", res[4]);
  free(bpf);
  seccomp_config_free(&c);
}

static volatile sig_atomic_t trapped;
static void on_sigsys(int sig) {
  trapped = 1;
}

static void probe_getppid(int *out) {
  signal(SIGSYS, on_sigsys);
  out[0] = try_errno(syscall(SYS_getppid));
  out[1] = trapped;
}

static void probe_getppid_plain(int *out) {
  out[0] = try_errno(syscall(SYS_getppid));
}

static void one_action(const char *label, const char *action, bool has_errno, uint32_t e, void (*probe)(int *)) {
  struct seccomp_config c = config("SCMP_ACT_ALLOW");
  struct seccomp_rule *r = rule(&c, action, "getppid");
  r->has_errno_ret = has_errno, r->errno_ret = e;
  void *bpf;
  size_t len;
  gantry_error_t err = NULL;
  if (seccomp_compile(&c, cache, &bpf, &len, &err) < 0) die(label, &err);
  int res[2];
  int status = run_filtered(bpf, len, &c, probe, res, 2);
  char buf[128];
  if (WIFSIGNALED(status)) snprintf(buf, sizeof(buf), "signal %s", sigabbrev_np(WTERMSIG(status)));
  else if (res[0] < 0) snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(status));
  else snprintf(buf, sizeof(buf), "%s%s", res[0] ? strerrorname_np(res[0]) : "ok", res[1] == 1 ? " trapped" : "");
  jstr(label, buf);
  free(bpf);
  seccomp_config_free(&c);
}

static void scenario_actions(void) {
  one_action("kill_process", "SCMP_ACT_KILL_PROCESS", false, 0, probe_getppid_plain);
  one_action("kill_thread", "SCMP_ACT_KILL_THREAD", false, 0, probe_getppid_plain);
  one_action("kill", "SCMP_ACT_KILL", false, 0, probe_getppid_plain);
  one_action("trap", "SCMP_ACT_TRAP", false, 0, probe_getppid);
  one_action("errno_default", "SCMP_ACT_ERRNO", false, 0, probe_getppid_plain);
  one_action("errno_ret", "SCMP_ACT_ERRNO", true, ENOTTY, probe_getppid_plain);
  one_action("trace_untraced", "SCMP_ACT_TRACE", true, 1, probe_getppid_plain);
  one_action("log", "SCMP_ACT_LOG", false, 0, probe_getppid_plain);
}

static void probe_allowlist(int *out) {
  out[0] = try_errno(syscall(SYS_getpid));
  out[1] = try_errno(syscall(SYS_getuid));
}

/* A default-deny profile (as Docker's): default ERRNO with errnoRet, a short allow list, and the flags. */
static void scenario_allowlist(void) {
  struct seccomp_config c = config("SCMP_ACT_ERRNO");
  c.has_default_errno_ret = true, c.default_errno_ret = ENOSYS;
  add_str(&c.flags, &c.n_flags, "SECCOMP_FILTER_FLAG_TSYNC");
  add_str(&c.flags, &c.n_flags, "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
  rule(&c, "SCMP_ACT_ALLOW", "write,exit,exit_group,getuid");
  rule(&c, "SCMP_ACT_ERRNO", "getppid")->has_errno_ret = false; /* ERRNO(EPERM): differs from default */
  void *bpf;
  size_t len;
  gantry_error_t err = NULL;
  if (seccomp_compile(&c, cache, &bpf, &len, &err) < 0) die("compile", &err);
  int res[2];
  int status = run_filtered(bpf, len, &c, probe_allowlist, res, 2);
  jbool("child_exited", WIFEXITED(status) && WEXITSTATUS(status) == 0);
  jerrno("getpid", res[0]);
  jerrno("getuid", res[1]);
  free(bpf);
  seccomp_config_free(&c);
}

/* A Docker-sized profile: default ERRNO, every syscall this libseccomp knows allowed by name (hundreds), three
 * architectures. Prints how long compiling takes without and with the cache (figures, not assertions), and
 * that the cache directory's missing parents are created. */
static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void scenario_big(void) {
  struct seccomp_config c = config("SCMP_ACT_ERRNO");
  add_str(&c.architectures, &c.n_architectures, "SCMP_ARCH_X86_64");
  add_str(&c.architectures, &c.n_architectures, "SCMP_ARCH_X86");
  add_str(&c.architectures, &c.n_architectures, "SCMP_ARCH_X32");
  struct seccomp_rule *r = rule(&c, "SCMP_ACT_ALLOW", "read");
  for (int nr = 1; nr < 1000; nr++) {
    char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (n == NULL) continue;
    add_str(&r->names, &r->n_names, n);
    free(n);
  }
  jnum("syscalls", (long long)r->n_names);
  char dir[4096];
  snprintf(dir, sizeof(dir), "%s/nested/cache", cache);
  enum { RUNS = 21 };
  double plain[RUNS], cached[RUNS];
  size_t len = 0;
  for (int i = 0; i < RUNS; i++) {
    void *bpf;
    gantry_error_t err = NULL;
    double t0 = now_ms();
    if (seccomp_compile(&c, NULL, &bpf, &len, &err) < 0) die("compile", &err);
    double t1 = now_ms();
    free(bpf);
    if (seccomp_compile(&c, dir, &bpf, &len, &err) < 0) die("compile cached", &err);
    double t2 = now_ms();
    free(bpf);
    plain[i] = t1 - t0;
    cached[i] = t2 - t1;
  }
  qsort(plain, RUNS, sizeof(double), cmp_double);
  qsort(cached, RUNS, sizeof(double), cmp_double);
  jnum("instructions", (long long)(len / 8));
  key("compile_median_ms");
  printf("%.3f", plain[RUNS / 2]);
  key("cached_median_ms");
  printf("%.3f", cached[RUNS / 2]);
  struct stat st;
  jbool("nested_cache_dir", stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
  seccomp_config_free(&c);
}

static void refused(const char *label, struct seccomp_config *c) {
  void *bpf = NULL;
  size_t len = 0;
  gantry_error_t err = NULL;
  int rc = seccomp_compile(c, cache, &bpf, &len, &err);
  jstr(label, rc < 0 ? err->msg : "compiled");
  gantry_error_free(&err);
  free(bpf);
  seccomp_config_free(c);
}

static void scenario_errors(void) {
  struct seccomp_config c = config("SCMP_ACT_ALLOW");
  rule(&c, "SCMP_ACT_FOO", "getpid");
  refused("unknown_action", &c);
  c = config("SCMP_ACT_NOPE");
  refused("unknown_default", &c);
  c = config("SCMP_ACT_ALLOW");
  arg(rule(&c, "SCMP_ACT_ERRNO", "getpid"), 0, 1, 0, "SCMP_CMP_ALMOST");
  refused("unknown_operator", &c);
  c = config("SCMP_ACT_ALLOW");
  add_str(&c.architectures, &c.n_architectures, "SCMP_ARCH_Z80");
  refused("unknown_arch", &c);
  c = config("SCMP_ACT_ALLOW");
  add_str(&c.flags, &c.n_flags, "SECCOMP_FILTER_FLAG_MAGIC");
  refused("unknown_flag", &c);
  c = config("SCMP_ACT_ALLOW");
  rule(&c, "SCMP_ACT_NOTIFY", "getpid");
  refused("notify", &c);
  c = config("SCMP_ACT_ALLOW");
  arg(rule(&c, "SCMP_ACT_ERRNO", "getpid"), 6, 1, 0, "SCMP_CMP_EQ");
  refused("arg_index", &c);
  c = config("SCMP_ACT_ALLOW");
  rule(&c, "SCMP_ACT_ERRNO", "no_such_syscall_at_all");
  refused("unknown_syscall", &c);
  gantry_error_t err = NULL;
  char junk[12] = {0};
  jstr("load_garbage", seccomp_load(junk, sizeof(junk), NULL, &err) < 0 ? err->msg : "loaded");
  gantry_error_free(&err);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s SCENARIO CACHE_DIR\n", argv[0]);
    return 2;
  }
  cache = argv[2];
  const char *s = argv[1];
  if (strcmp(s, "deny-mkdir") == 0) scenario_deny_mkdir();
  else if (strcmp(s, "cache") == 0) scenario_cache();
  else if (strcmp(s, "args") == 0) scenario_args();
  else if (strcmp(s, "actions") == 0) scenario_actions();
  else if (strcmp(s, "allowlist") == 0) scenario_allowlist();
  else if (strcmp(s, "errors") == 0) scenario_errors();
  else if (strcmp(s, "big") == 0) scenario_big();
  else {
    fprintf(stderr, "unknown scenario %s\n", s);
    return 2;
  }
  printf("%s}\n", first ? "{" : "");
  return 0;
}
