/* Test driver for the cgroup module (runtime/cgroups.h), run by test/native/cgroups.test.ts.
 *
 *   cgroup_driver host|unified SCENARIO NAME
 *
 * "host" uses the backend cgroup_manager_detect() picks; "unified" points the v2 backend at the cgroup2 mount
 * of a hybrid host (/sys/fs/cgroup/unified), where no resource controller lives but procs, freeze, kill,
 * eBPF device filters and removal work as on a pure v2 host. Every cgroup goes to /gantry-test/NAME and is
 * destroyed before the driver exits. The driver prints one JSON object with what it observed; the test asserts.
 */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const struct cgroup_manager *mgr;
static const char *mode_name, *name;
static char cgpath[512];
static bool first = true;

/* ---- JSON output ---- */

static void key(const char *k) {
  printf("%s\"%s\":", first ? "{" : ",", k);
  first = false;
}

static void quoted(const char *v) {
  if (v == NULL) {
    printf("null");
    return;
  }
  putchar('"');
  for (const char *p = v; *p; p++) {
    if (*p == '"' || *p == '\\') printf("\\%c", *p);
    else if (*p == '\n') printf("\\n");
    else if ((unsigned char)*p < 0x20) printf("\\u%04x", *p);
    else putchar(*p);
  }
  putchar('"');
}

static void jstr(const char *k, const char *v) {
  key(k);
  quoted(v);
}

static void jnum(const char *k, long long v) {
  key(k);
  printf("%lld", v);
}

static void jbool(const char *k, bool v) {
  key(k);
  printf("%s", v ? "true" : "false");
}

static void finish(void) {
  if (first) printf("{");
  printf("}\n");
  fflush(stdout);
}

static void die(const char *step, gantry_error_t *err) {
  jstr("fatal", step);
  jstr("error", err && *err ? (*err)->msg : strerror(errno));
  finish();
  exit(1);
}

/* ---- files, as a user would read them ---- */

/* The file as the kernel shows it: v1 under the controller's mount, v2 under the unified root. */
static char *cg_file(const char *ctrl, const char *file) {
  static char path[1024];
  if (mgr->mode == CGROUP_MODE_V2)
    snprintf(path, sizeof(path), "%s%s/%s", cgroup_v2_root(), cgpath, file);
  else
    snprintf(path, sizeof(path), "/sys/fs/cgroup/%s%s/%s", ctrl, cgpath, file);
  return path;
}

static void report_file(const char *label, const char *ctrl, const char *file) {
  char buf[256] = "";
  int fd = open(cg_file(ctrl, file), O_RDONLY);
  if (fd < 0) {
    jstr(label, NULL);
    return;
  }
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  buf[n > 0 ? n : 0] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  jstr(label, buf);
}

/* Is any directory for the cgroup left, in any hierarchy? */
static bool cgroup_left(void) {
  if (mgr->mode == CGROUP_MODE_V2) {
    char p[1024];
    snprintf(p, sizeof(p), "%s%s", cgroup_v2_root(), cgpath);
    return access(p, F_OK) == 0;
  }
  static const char *ctrls[] = {"cpu",  "cpuacct", "cpuset", "memory",  "devices",  "freezer",
                                "blkio", "pids",   "systemd", "hugetlb", "net_cls", "net_prio"};
  for (size_t i = 0; i < sizeof(ctrls) / sizeof(ctrls[0]); i++) {
    char p[1024];
    snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s", ctrls[i], cgpath);
    if (access(p, F_OK) == 0) return true;
  }
  return false;
}

/* ---- a child that waits until it is in its cgroup ---- */

struct child {
  pid_t pid;
  int go;     /* parent writes a byte: the child may start */
  int report; /* the child writes its findings here */
};

static struct child spawn(void (*body)(int report)) {
  int go[2], rep[2];
  if (pipe2(go, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) die("pipe", NULL);
  pid_t pid = fork();
  if (pid < 0) die("fork", NULL);
  if (pid == 0) {
    close(go[1]);
    close(rep[0]);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(100);
    body(rep[1]);
    _exit(0);
  }
  close(go[0]);
  close(rep[1]);
  return (struct child){pid, go[1], rep[0]};
}

static void release(struct child *c) {
  if (write(c->go, "x", 1) != 1) die("release child", NULL);
  close(c->go);
}

static ssize_t read_report(struct child *c, void *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t r = read(c->report, (char *)buf + got, len - got);
    if (r <= 0) break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

static int wait_child(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return status;
}

static char *state;

/* Kills what is left and removes the cgroup; reports whether anything remained. */
static void teardown(void) {
  gantry_error_t err = NULL;
  if (state) {
    if (mgr->kill_all(state, SIGKILL, &err) < 0) jstr("kill_all_error", err->msg), gantry_error_free(&err);
    if (mgr->destroy(state, &err) < 0) jstr("destroy_error", err->msg), gantry_error_free(&err);
  }
  jbool("left_behind", cgroup_left());
}

static void create(struct cgroup_config *cfg, pid_t pid) {
  gantry_error_t err = NULL;
  cfg->id = name;
  cfg->cgroups_path = cgpath;
  if (mgr->create(cfg, pid, &state, &err) < 0) {
    kill(pid, SIGKILL);
    wait_child(pid);
    jbool("left_behind", cgroup_left());
    die("create", &err);
  }
  jstr("state_path", state);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* ---- scenarios ---- */

static void body_wait(int report) {
  pause();
}

static bool in_list(pid_t *pids, size_t n, pid_t p) {
  for (size_t i = 0; i < n; i++)
    if (pids[i] == p) return true;
  return false;
}

static void scenario_limits(void) {
  struct cgroup_config cfg = {0};
  struct cgroup_resources *r = &cfg.resources;
  r->has_memory_limit = true, r->memory_limit = 32 << 20;
  r->has_memory_swap = true, r->memory_swap = 64 << 20;
  r->has_memory_reservation = true, r->memory_reservation = 16 << 20;
  r->has_pids_limit = true, r->pids_limit = 20;
  r->has_cpu_shares = true, r->cpu_shares = 512;
  r->has_cpu_quota = true, r->cpu_quota = 50000;
  r->has_cpu_period = true, r->cpu_period = 100000;
  r->cpu_cpus = "0";
  r->cpu_mems = "0";
  struct child c = spawn(body_wait);
  create(&cfg, c.pid);
  release(&c);
  if (mgr->mode == CGROUP_MODE_V1) {
    report_file("memory.limit_in_bytes", "memory", "memory.limit_in_bytes");
    report_file("memory.memsw.limit_in_bytes", "memory", "memory.memsw.limit_in_bytes");
    report_file("memory.soft_limit_in_bytes", "memory", "memory.soft_limit_in_bytes");
    report_file("pids.max", "pids", "pids.max");
    report_file("cpu.shares", "cpu", "cpu.shares");
    report_file("cpu.cfs_quota_us", "cpu", "cpu.cfs_quota_us");
    report_file("cpu.cfs_period_us", "cpu", "cpu.cfs_period_us");
    report_file("cpuset.cpus", "cpuset", "cpuset.cpus");
    report_file("cpuset.mems", "cpuset", "cpuset.mems");
  } else {
    report_file("memory.max", NULL, "memory.max");
    report_file("memory.swap.max", NULL, "memory.swap.max");
    report_file("memory.low", NULL, "memory.low");
    report_file("pids.max", NULL, "pids.max");
    report_file("cpu.weight", NULL, "cpu.weight");
    report_file("cpu.max", NULL, "cpu.max");
    report_file("cpuset.cpus", NULL, "cpuset.cpus");
  }
  /* the child's own view */
  char path[64], buf[4096] = "";
  snprintf(path, sizeof(path), "/proc/%d/cgroup", c.pid);
  int fd = open(path, O_RDONLY);
  if (fd >= 0) {
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
  }
  jstr("proc_cgroup", buf);
  pid_t *pids;
  size_t n;
  gantry_error_t err = NULL;
  if (mgr->pids(state, &pids, &n, &err) < 0) die("pids", &err);
  jnum("pids_count", (long long)n);
  jbool("pids_has_child", in_list(pids, n, c.pid));
  free(pids);
  /* update: raise both limits */
  struct cgroup_resources up = {0};
  up.has_memory_limit = true, up.memory_limit = 48 << 20;
  up.has_memory_swap = true, up.memory_swap = 96 << 20;
  up.has_pids_limit = true, up.pids_limit = 30;
  if (mgr->update(state, &up, &err) < 0) die("update", &err);
  if (mgr->mode == CGROUP_MODE_V1) {
    report_file("updated.memory.limit_in_bytes", "memory", "memory.limit_in_bytes");
    report_file("updated.memory.memsw.limit_in_bytes", "memory", "memory.memsw.limit_in_bytes");
  } else {
    report_file("updated.memory.max", NULL, "memory.max");
  }
  report_file("updated.pids.max", "pids", "pids.max");
  /* exec joins: a second process enters the same cgroup */
  struct child c2 = spawn(body_wait);
  if (mgr->enter(state, c2.pid, &err) < 0) die("enter", &err);
  release(&c2);
  if (mgr->pids(state, &pids, &n, &err) < 0) die("pids", &err);
  jbool("pids_has_joined", in_list(pids, n, c2.pid));
  free(pids);
  teardown();
  jbool("child_killed", WIFSIGNALED(wait_child(c.pid)));
  wait_child(c2.pid);
}

static void body_forkloop(int report) {
  int forks = 0, e = 0;
  for (int i = 0; i < 1000; i++) {
    pid_t p = fork();
    if (p < 0) {
      e = errno;
      break;
    }
    if (p == 0) {
      pause();
      _exit(0);
    }
    forks++;
  }
  int out[2] = {forks, e};
  if (write(report, out, sizeof(out)) != sizeof(out)) _exit(1);
  pause();
}

static void scenario_forkloop(void) {
  struct cgroup_config cfg = {0};
  cfg.resources.has_pids_limit = true, cfg.resources.pids_limit = 20;
  struct child c = spawn(body_forkloop);
  create(&cfg, c.pid);
  release(&c);
  int out[2] = {-1, 0};
  read_report(&c, out, sizeof(out));
  jnum("forks", out[0]);
  jstr("fork_error", out[1] ? strerrorname_np(out[1]) : NULL);
  report_file("pids.current", "pids", "pids.current");
  pid_t *pids;
  size_t n;
  gantry_error_t err = NULL;
  if (mgr->pids(state, &pids, &n, &err) < 0) die("pids", &err);
  jnum("pids_count", (long long)n);
  free(pids);
  teardown();
  wait_child(c.pid);
}

static void body_hog(int report) {
  /* touch 256 MiB, page by page */
  size_t size = 256u << 20;
  char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) _exit(2);
  for (size_t i = 0; i < size; i += 4096) p[i] = 1;
  _exit(0);
}

static void scenario_oom(void) {
  struct cgroup_config cfg = {0};
  cfg.resources.has_memory_limit = true, cfg.resources.memory_limit = 32 << 20;
  cfg.resources.has_memory_swap = true, cfg.resources.memory_swap = 32 << 20; /* no swap to escape to */
  struct child c = spawn(body_hog);
  create(&cfg, c.pid);
  gantry_error_t err = NULL;
  uint64_t before = 0, after = 0;
  if (mgr->oom_kills(state, &before, &err) < 0) die("oom_kills", &err);
  release(&c);
  int status = wait_child(c.pid);
  jbool("killed", WIFSIGNALED(status));
  jstr("signal", WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : NULL);
  jnum("exit_code", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  if (mgr->oom_kills(state, &after, &err) < 0) die("oom_kills", &err);
  jnum("oom_kills_before", (long long)before);
  jnum("oom_kills_after", (long long)after);
  teardown();
}

static volatile unsigned long *counter;

static void body_spin(int report) {
  for (;;) (*counter)++;
}

static const char *freeze_state(char *buf, size_t len) {
  int fd = open(mgr->mode == CGROUP_MODE_V2 ? cg_file(NULL, "cgroup.events") : cg_file("freezer", "freezer.state"),
                O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;
  if (fd >= 0) close(fd);
  buf[n > 0 ? n : 0] = '\0';
  if (mgr->mode == CGROUP_MODE_V2) {
    char *f = strstr(buf, "frozen ");
    return f && f[7] == '1' ? "frozen" : "thawed";
  }
  buf[strcspn(buf, "\n")] = '\0';
  return buf;
}

static void scenario_freeze(void) {
  counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  struct cgroup_config cfg = {0};
  struct child c = spawn(body_spin);
  create(&cfg, c.pid);
  release(&c);
  sleep_ms(20);
  gantry_error_t err = NULL;
  char buf[256];
  if (mgr->freeze(state, true, &err) < 0) die("freeze", &err);
  jstr("state_after_freeze", freeze_state(buf, sizeof(buf)));
  unsigned long a = *counter;
  sleep_ms(100);
  unsigned long b = *counter;
  jbool("stopped_while_frozen", a == b);
  if (mgr->freeze(state, false, &err) < 0) die("thaw", &err);
  jstr("state_after_thaw", freeze_state(buf, sizeof(buf)));
  sleep_ms(100);
  jbool("runs_after_thaw", *counter != b);
  /* kill_all on a paused cgroup: the signal waits for resume, and the cgroup stays paused */
  if (mgr->freeze(state, true, &err) < 0) die("freeze", &err);
  if (mgr->kill_all(state, SIGTERM, &err) < 0) die("kill_all", &err);
  /* v2: a task dying of the signal leaves the freezer for a moment and cgroup.events flickers; what stays is the
   * requested state, cgroup.freeze */
  if (mgr->mode == CGROUP_MODE_V2) {
    int fd = open(cg_file(NULL, "cgroup.freeze"), O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    if (fd >= 0) close(fd);
    jstr("state_after_kill_all_paused", n > 0 && buf[0] == '1' ? "frozen" : "thawed");
  } else {
    jstr("state_after_kill_all_paused", freeze_state(buf, sizeof(buf)));
  }
  sleep_ms(50);
  int status;
  /* v1 holds every signal until thaw; v2's freezer lets fatal signals (SIGTERM unhandled is one) through */
  bool alive = waitpid(c.pid, &status, WNOHANG) == 0;
  jbool("alive_while_paused", alive);
  if (mgr->freeze(state, false, &err) < 0) die("thaw", &err);
  if (alive) status = wait_child(c.pid);
  jstr("paused_kill_all_signal", WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : NULL);
  /* kill_all on a running cgroup: freeze, signal, thaw */
  struct child c2 = spawn(body_wait);
  if (mgr->enter(state, c2.pid, &err) < 0) die("enter", &err);
  release(&c2);
  if (mgr->kill_all(state, SIGTERM, &err) < 0) die("kill_all", &err);
  status = wait_child(c2.pid);
  jstr("kill_all_signal", WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : NULL);
  jstr("state_after_kill_all", freeze_state(buf, sizeof(buf)));
  teardown();
}

static void body_devices(int report) {
  static const struct { const char *path; int flags; } tries[] = {
      {"/dev/null", O_RDWR}, {"/dev/kmsg", O_RDONLY}, {"/dev/kmsg", O_WRONLY}, {"/dev/loop-control", O_RDONLY},
  };
  int results[4];
  for (int i = 0; i < 4; i++) {
    int fd = open(tries[i].path, tries[i].flags | O_CLOEXEC);
    results[i] = fd >= 0 ? 0 : errno;
    if (fd >= 0) close(fd);
  }
  if (write(report, results, sizeof(results)) != sizeof(results)) _exit(1);
}

static void scenario_devices(void) {
  struct cgroup_device_rule rules[] = {
      {false, 'a', -1, -1, "rwm"}, /* deny everything, then ... */
      {true, 'c', 1, 11, "r"},     /* ... let /dev/kmsg be read */
  };
  struct cgroup_config cfg = {0};
  cfg.resources.devices = rules;
  cfg.resources.n_devices = 2;
  struct child c = spawn(body_devices);
  create(&cfg, c.pid);
  release(&c);
  int results[4] = {-1, -1, -1, -1};
  read_report(&c, results, sizeof(results));
  wait_child(c.pid);
  jstr("open_null_rw", results[0] ? strerrorname_np(results[0]) : "ok");
  jstr("open_kmsg_r", results[1] ? strerrorname_np(results[1]) : "ok");
  jstr("open_kmsg_w", results[2] ? strerrorname_np(results[2]) : "ok");
  jstr("open_loop_control", results[3] ? strerrorname_np(results[3]) : "ok");
  teardown();
}

/* v2's raw map (linux.resources.unified) and the one-write kill (cgroup.kill). */
static void scenario_unified(void) {
  char *keys[] = {"hugetlb.2MB.max"}, *values[] = {"4194304"};
  struct cgroup_config cfg = {0};
  cfg.resources.unified_keys = keys, cfg.resources.unified_values = values, cfg.resources.n_unified = 1;
  struct child c = spawn(body_wait);
  create(&cfg, c.pid);
  release(&c);
  report_file("hugetlb.2MB.max", NULL, "hugetlb.2MB.max");
  gantry_error_t err = NULL;
  if (mgr->kill_all(state, SIGKILL, &err) < 0) die("kill_all", &err);
  int status = wait_child(c.pid);
  jstr("kill_all_signal", WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : NULL);
  teardown();
}

/* Figures, not assertions: what create + destroy of a cgroup with memory and pids limits costs. */
static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void scenario_bench(void) {
  enum { RUNS = 51 };
  double create_us[RUNS], destroy_us[RUNS];
  for (int i = 0; i < RUNS; i++) {
    struct cgroup_config cfg = {.id = name, .cgroups_path = cgpath};
    if (mgr->mode == CGROUP_MODE_V1 || strcmp(mode_name, "host") == 0) {
      cfg.resources.has_memory_limit = true, cfg.resources.memory_limit = 64 << 20;
      cfg.resources.has_pids_limit = true, cfg.resources.pids_limit = 100;
    }
    struct child c = spawn(body_wait);
    gantry_error_t err = NULL;
    double t0 = now_us();
    if (mgr->create(&cfg, c.pid, &state, &err) < 0) die("create", &err);
    double t1 = now_us();
    kill(c.pid, SIGKILL);
    wait_child(c.pid);
    close(c.go);
    close(c.report);
    double t2 = now_us();
    if (mgr->destroy(state, &err) < 0) die("destroy", &err);
    double t3 = now_us();
    free(state);
    state = NULL;
    create_us[i] = t1 - t0;
    destroy_us[i] = t3 - t2;
  }
  qsort(create_us, RUNS, sizeof(double), cmp_double);
  qsort(destroy_us, RUNS, sizeof(double), cmp_double);
  jnum("runs", RUNS);
  jnum("create_median_us", (long long)create_us[RUNS / 2]);
  jnum("destroy_median_us", (long long)destroy_us[RUNS / 2]);
  jbool("left_behind", cgroup_left());
}

/* No cgroupsPath, and a relative one: both land under /gantry, and destroy leaves no empty parent behind. */
static bool dir_exists_any(const char *path) {
  char p[1024];
  if (mgr->mode == CGROUP_MODE_V2) {
    snprintf(p, sizeof(p), "%s%s", cgroup_v2_root(), path);
    return access(p, F_OK) == 0;
  }
  static const char *ctrls[] = {"cpu", "memory", "pids", "freezer", "devices", "systemd"};
  for (size_t i = 0; i < sizeof(ctrls) / sizeof(ctrls[0]); i++) {
    snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s", ctrls[i], path);
    if (access(p, F_OK) == 0) return true;
  }
  return false;
}

static void scenario_default_parent(void) {
  char rel[256], relparent[300];
  snprintf(rel, sizeof(rel), "rel-%s/inner", name);
  snprintf(relparent, sizeof(relparent), "/gantry/rel-%s", name);
  const char *paths[] = {NULL, rel};
  const char *labels[] = {"default", "relative"};
  for (int i = 0; i < 2; i++) {
    struct cgroup_config cfg = {.id = name, .cgroups_path = paths[i]};
    struct child c = spawn(body_wait);
    gantry_error_t err = NULL;
    char *st = NULL;
    if (mgr->create(&cfg, c.pid, &st, &err) < 0) {
      kill(c.pid, SIGKILL);
      wait_child(c.pid);
      die("create", &err);
    }
    char k[64];
    snprintf(k, sizeof(k), "%s_state_path", labels[i]);
    jstr(k, st);
    snprintf(k, sizeof(k), "%s_exists", labels[i]);
    jbool(k, dir_exists_any(st));
    kill(c.pid, SIGKILL);
    wait_child(c.pid);
    if (mgr->destroy(st, &err) < 0) die("destroy", &err);
    snprintf(k, sizeof(k), "%s_left", labels[i]);
    jbool(k, dir_exists_any(st));
    free(st);
  }
  jbool("relative_parent_left", dir_exists_any(relparent));
}

/* Processes creating and destroying containers under one shared parent at once (relative cgroupsPath
 * race-NAME/wN, so /gantry/race-NAME): one's destroy removing the emptied parent must not fail another's create. */
static void scenario_race(void) {
  enum { WORKERS = 4, ROUNDS = 100 };
  int fds[2];
  if (pipe(fds) < 0) die("pipe", NULL);
  for (int w = 0; w < WORKERS; w++) {
    if (fork() != 0) continue;
    close(fds[0]);
    int failures = 0;
    char id[128], rel[256], first[512] = "";
    snprintf(id, sizeof(id), "%s-w%d", name, w);
    snprintf(rel, sizeof(rel), "race-%s/w%d", name, w);
    for (int i = 0; i < ROUNDS; i++) {
      struct cgroup_config cfg = {.id = id, .cgroups_path = rel};
      struct child c = spawn(body_wait);
      gantry_error_t err = NULL;
      char *st = NULL;
      int rc = mgr->create(&cfg, c.pid, &st, &err);
      kill(c.pid, SIGKILL);
      wait_child(c.pid);
      close(c.go);
      close(c.report);
      if (rc == 0) rc = mgr->destroy(st, &err);
      if (rc < 0) {
        if (!failures) snprintf(first, sizeof(first), "%s", err->msg);
        failures++;
        gantry_error_free(&err);
        if (st) mgr->destroy(st, NULL);
      }
      free(st);
    }
    char line[600];
    int n = snprintf(line, sizeof(line), "%d %s\n", failures, first);
    if (write(fds[1], line, (size_t)n) < 0) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  char buf[4096] = "";
  size_t got = 0;
  ssize_t r;
  while ((r = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0) got += (size_t)r;
  buf[got] = '\0';
  while (wait(NULL) > 0) {
  }
  int failures = 0;
  for (char *line = buf; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line))
    failures += atoi(line);
  jnum("workers", WORKERS);
  jnum("rounds", ROUNDS);
  jnum("failures", failures);
  jstr("reports", buf);
}

/* Bad resources are refused before anything is left behind. */
static void scenario_refused(void) {
  struct cgroup_config cfg = {0};
  char *keys[] = {"memory.high"}, *values[] = {"1000000"};
  struct cgroup_device_rule bad = {true, 'x', 1, 1, "r"};
  if (mgr->mode == CGROUP_MODE_V1) {
    cfg.resources.unified_keys = keys, cfg.resources.unified_values = values, cfg.resources.n_unified = 1;
  } else {
    cfg.resources.devices = &bad, cfg.resources.n_devices = 1;
  }
  struct child c = spawn(body_wait);
  gantry_error_t err = NULL;
  cfg.id = name;
  cfg.cgroups_path = cgpath;
  int rc = mgr->create(&cfg, c.pid, &state, &err);
  jnum("rc", rc);
  jstr("error", err ? err->msg : NULL);
  gantry_error_free(&err);
  kill(c.pid, SIGKILL);
  wait_child(c.pid);
  if (rc == 0) teardown();
  jbool("left_behind", cgroup_left());
  /* a process that is gone by the time it would join: its cgroup is removed again */
  struct cgroup_config ok = {.id = name, .cgroups_path = cgpath};
  rc = mgr->create(&ok, c.pid, &state, &err);
  jnum("gone_rc", rc);
  jstr("gone_error", err ? err->msg : NULL);
  gantry_error_free(&err);
  if (rc == 0) teardown();
  jbool("gone_left_behind", cgroup_left());
}

/* Limits that need a kernel feature not every host has (a proportional I/O scheduler, hugetlb, net_cls/net_prio):
 * each is tried alone; where the host has the feature it is applied and read back, where it does not, the create
 * is refused with an error naming the field and leaves no cgroup. */
static void try_optional(const char *label, struct cgroup_config *cfg, const char *ctrl, const char *file,
                         const char *alt) {
  struct child c = spawn(body_wait);
  gantry_error_t err = NULL;
  cfg->id = name;
  cfg->cgroups_path = cgpath;
  char k[128];
  int rc = mgr->create(cfg, c.pid, &state, &err);
  snprintf(k, sizeof(k), "%s.rc", label);
  jnum(k, rc);
  snprintf(k, sizeof(k), "%s.error", label);
  jstr(k, err ? err->msg : NULL);
  gantry_error_free(&err);
  snprintf(k, sizeof(k), "%s.value", label);
  if (rc == 0) {
    char buf[256] = "";
    int fd = open(cg_file(ctrl, file), O_RDONLY);
    if (fd < 0 && alt) fd = open(cg_file(ctrl, alt), O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    if (fd >= 0) close(fd);
    buf[n > 0 ? n : 0] = '\0';
    /* keyed files (io.max, ifpriomap) list every device or interface: keep the line the test set */
    jstr(k, fd >= 0 ? buf : NULL);
    release(&c);
  } else {
    jstr(k, NULL);
    kill(c.pid, SIGKILL);
  }
  if (rc == 0) {
    if (mgr->kill_all(state, SIGKILL, &err) < 0) die("kill_all", &err);
    if (mgr->destroy(state, &err) < 0) die("destroy", &err);
    free(state);
    state = NULL;
  }
  wait_child(c.pid);
  snprintf(k, sizeof(k), "%s.left_behind", label);
  jbool(k, cgroup_left());
}

static void scenario_optional(void) {
  bool v2 = mgr->mode == CGROUP_MODE_V2;
  struct cgroup_config weight = {0};
  weight.resources.has_blkio_weight = true, weight.resources.blkio_weight = 500;
  /* v1 prefers blkio.weight (CFQ) as runc does, BFQ's file otherwise; v2 io.bfq.weight, else io.weight */
  try_optional("blkio_weight", &weight, "blkio", v2 ? "io.bfq.weight" : "blkio.weight",
               v2 ? "io.weight" : "blkio.bfq.weight");

  /* a block device this machine has ("MAJ:MIN" from /sys/block/X/dev, chosen by the test); loop0 by default */
  struct cgroup_blkio_device dev = {.major = 7, .minor = 0, .rate = 1048576};
  const char *bd = getenv("TEST_BLOCK_DEVICE");
  long long maj, min;
  if (bd && sscanf(bd, "%lld:%lld", &maj, &min) == 2) dev.major = maj, dev.minor = min;
  struct cgroup_config throttle = {0};
  throttle.resources.blkio_throttle[CGROUP_THROTTLE_READ_BPS] = &dev;
  throttle.resources.n_blkio_throttle[CGROUP_THROTTLE_READ_BPS] = 1;
  try_optional("blkio_throttle", &throttle, "blkio", v2 ? "io.max" : "blkio.throttle.read_bps_device", NULL);

  struct cgroup_hugepage_limit hp = {.page_size = "2MB", .limit = 4 << 20};
  struct cgroup_config huge = {0};
  huge.resources.hugepages = &hp, huge.resources.n_hugepages = 1;
  try_optional("hugepages", &huge, "hugetlb", v2 ? "hugetlb.2MB.max" : "hugetlb.2MB.limit_in_bytes", NULL);

  struct cgroup_config cls = {0};
  cls.resources.has_net_classid = true, cls.resources.net_classid = 0x100001;
  try_optional("net_classid", &cls, "net_cls", "net_cls.classid", NULL);

  struct cgroup_net_priority prio = {.name = "lo", .priority = 5};
  struct cgroup_config pr = {0};
  pr.resources.net_priorities = &prio, pr.resources.n_net_priorities = 1;
  try_optional("net_priorities", &pr, "net_prio", "net_prio.ifpriomap", NULL);
}

/* cgroupsPath forms, resolved without touching the filesystem. */
static void scenario_paths(void) {
  static const char *inputs[] = {
      NULL,      "",          "rel/x",       "/abs/x//y/",       "system.slice:gantry:abc", "user-1000.slice:docker:x",
      ":libpod:y", "-.slice:p:n", "machine.slice::n", "/a/../b", "bad:slice", "x.slice:p:n:z",
  };
  key("paths");
  printf("[");
  for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
    struct cgroup_config cfg = {.id = "ctr1", .cgroups_path = inputs[i]};
    char *out = NULL;
    gantry_error_t err = NULL;
    int rc = cgroup_resolve_path(&cfg, &out, &err);
    printf("%s{\"in\":", i ? "," : "");
    quoted(inputs[i]);
    printf(rc == 0 ? ",\"out\":" : ",\"error\":");
    quoted(rc == 0 ? out : err->msg);
    printf("}");
    free(out);
    gantry_error_free(&err);
  }
  printf("]");
  jnum("weight_2", (long long)cgroup_shares_to_weight(2));
  jnum("weight_1024", (long long)cgroup_shares_to_weight(1024));
  jnum("weight_262144", (long long)cgroup_shares_to_weight(262144));
  jnum("io_weight_500", (long long)cgroup_blkio_to_io_weight(500));
  int64_t swap;
  bool set;
  gantry_error_t err = NULL;
  cgroup_swap_to_v2(64 << 20, 32 << 20, &swap, &set, &err);
  jnum("swap_64m_32m", swap);
  cgroup_swap_to_v2(-1, 32 << 20, &swap, &set, &err);
  jnum("swap_unlimited", swap);
  jbool("swap_refused", cgroup_swap_to_v2(16 << 20, 32 << 20, &swap, &set, &err) < 0);
  gantry_error_free(&err);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s host|unified SCENARIO NAME\n", argv[0]);
    return 2;
  }
  mode_name = argv[1];
  name = argv[3];
  snprintf(cgpath, sizeof(cgpath), "/gantry-test/%s", name);
  gantry_error_t err = NULL;
  if (strcmp(mode_name, "unified") == 0) {
    cgroup_v2_set_root("/sys/fs/cgroup/unified");
    mgr = cgroup_v2_manager();
  } else if (cgroup_manager_detect(&mgr, &err) < 0) {
    die("detect", &err);
  }
  jstr("mode", mgr->mode == CGROUP_MODE_V2 ? "v2" : "v1");
  const char *s = argv[2];
  if (strcmp(s, "limits") == 0) scenario_limits();
  else if (strcmp(s, "forkloop") == 0) scenario_forkloop();
  else if (strcmp(s, "oom") == 0) scenario_oom();
  else if (strcmp(s, "freeze") == 0) scenario_freeze();
  else if (strcmp(s, "devices") == 0) scenario_devices();
  else if (strcmp(s, "refused") == 0) scenario_refused();
  else if (strcmp(s, "unified") == 0) scenario_unified();
  else if (strcmp(s, "bench") == 0) scenario_bench();
  else if (strcmp(s, "default-parent") == 0) scenario_default_parent();
  else if (strcmp(s, "race") == 0) scenario_race();
  else if (strcmp(s, "paths") == 0) scenario_paths();
  else if (strcmp(s, "optional") == 0) scenario_optional();
  else {
    fprintf(stderr, "unknown scenario %s\n", s);
    return 2;
  }
  finish();
  return 0;
}
