#include "runtime/container.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/json.h"
#include "common/util.h"
#include "runtime/config.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/log.h"
#include "runtime/rootfs.h"
#include "runtime/seccomp.h"
#include "runtime/spawn.h"
#include "runtime/state.h"
#include "runtime/terminal.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/* ---- small shared pieces ---- */

static const struct {
  const char *name;
  int sig;
} signal_names[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT},   {"ILL", SIGILL},   {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"IOT", SIGIOT},     {"BUS", SIGBUS},     {"FPE", SIGFPE},   {"KILL", SIGKILL},
    {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},   {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},   {"TTOU", SIGTTOU},   {"URG", SIGURG},   {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL}, {"PWR", SIGPWR},     {"SYS", SIGSYS},
};

int signal_from_name(const char *s) {
  if (*s >= '0' && *s <= '9') {
    char *end;
    long n = strtol(s, &end, 10);
    return *end || n <= 0 || n >= NSIG ? -1 : (int)n;
  }
  const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
  for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
    if (strcasecmp(signal_names[i].name, name) == 0) return signal_names[i].sig;
  if (strncasecmp(name, "RTMIN", 5) == 0) {
    int off = name[5] == '+' ? atoi(name + 6) : 0;
    return SIGRTMIN + off <= SIGRTMAX ? SIGRTMIN + off : -1;
  }
  return -1;
}

static const struct cgroup_manager *cgroups(gantry_error_t *err) {
  static const struct cgroup_manager *m;
  if (m == NULL && cgroup_manager_detect(&m, err) < 0) return NULL;
  return m;
}

static int pidfd_open_(pid_t pid) {
  return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* A pidfd for the container's init, or -1 (with err) when it is gone or the pid was reused. */
static int open_init(const struct container_state *st, gantry_error_t *err) {
  int fd = pidfd_open_(st->pid);
  unsigned long long start;
  char s;
  if (fd < 0 || proc_stat(st->pid, &start, &s) < 0 || start != st->start_time || s == 'Z') {
    if (fd >= 0) close(fd);
    return gantry_error_set(err, 0, "container \"%s\" is not running", st->id);
  }
  return fd;
}

/* Waits until the process behind pidfd has exited; -1 after timeout_ms. */
static int wait_pidfd(int pidfd, int timeout_ms) {
  struct pollfd p = {pidfd, POLLIN, 0};
  int r;
  do r = poll(&p, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  return r > 0 ? 0 : -1;
}

static char *idmap_text(const struct oci_idmap *m, size_t n) {
  char *out = xstrdup("");
  for (size_t i = 0; i < n; i++) {
    char *next = xasprintf("%s%u %u %u\n", out, m[i].container_id, m[i].host_id, m[i].size);
    free(out);
    out = next;
  }
  return out;
}

static int write_pid_file(const char *path, pid_t pid, gantry_error_t *err) {
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
  return write_file_atomic(path, buf, (size_t)n, 0644, err);
}

/* A unix socket address for dir/name; long paths go through /proc/self/fd/DIRFD. */
static int sock_addr(const char *dir, const char *name, struct sockaddr_un *addr, int *dirfd, gantry_error_t *err) {
  memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  *dirfd = -1;
  if (strlen(dir) + strlen(name) + 2 <= sizeof(addr->sun_path)) {
    snprintf(addr->sun_path, sizeof(addr->sun_path), "%s/%s", dir, name);
    return 0;
  }
  *dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*dirfd < 0) return gantry_error_sys(err, "open %s", dir);
  snprintf(addr->sun_path, sizeof(addr->sun_path), "/proc/self/fd/%d/%s", *dirfd, name);
  return 0;
}

static int listen_exec_sock(const char *dir, int *out, gantry_error_t *err) {
  struct sockaddr_un addr;
  cleanup_close int dirfd = -1;
  if (sock_addr(dir, "exec.sock", &addr, &dirfd, err) < 0) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return gantry_error_sys(err, "socket");
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
    int e = errno;
    close(fd);
    return gantry_error_set(err, e, "listen on %s/exec.sock", dir);
  }
  *out = fd;
  return 0;
}

static int run_state_hooks(const struct container_state *st, const char *kind, const char *status,
                           gantry_error_t *err) {
  if (st->hooks == NULL) return 0;
  struct oci_hooks h;
  if (config_parse_hooks(st->hooks, &h, err) < 0) return -1;
  cleanup_free char *json = state_oci_json(st, status, false);
  int r = 0;
  if (strcmp(kind, "poststart") == 0) r = hooks_run(h.poststart, h.n_poststart, kind, json, err);
  else if (strcmp(kind, "poststop") == 0) r = hooks_run(h.poststop, h.n_poststop, kind, json, err);
  hooks_free(&h);
  return r;
}

/* Removes what is left of a stopped container: stray processes, its cgroup, then the poststop hooks and state. */
static int destroy(const struct container_state *st, gantry_error_t *err) {
  if (st->cgroup_path) {
    const struct cgroup_manager *cgm = cgroups(err);
    if (cgm == NULL) return -1;
    if (!st->own_pidns) {
      gantry_error_t e = NULL;
      if (cgm->kill_all(st->cgroup_path, SIGKILL, &e) < 0) {
        log_warn("kill what is left in the cgroup: %s", e->msg);
        gantry_error_free(&e);
      }
    }
    if (cgm->destroy(st->cgroup_path, err) < 0) return gantry_error_wrap(err, "remove the cgroup of %s", st->id);
  }
  if (st->rootfs_mount) rootfs_detach_bind(st->rootfs, st->rootfs_mount, 0);
  gantry_error_t e = NULL;
  if (run_state_hooks(st, "poststop", "stopped", &e) < 0) {
    log_warn("%s", e->msg);
    gantry_error_free(&e);
  }
  return state_remove(st, err);
}

/* ---- create / run ---- */

struct creation {
  const struct oci_config *cfg;
  struct container_state *st;
  pid_t pid;
  bool made_dir;
  int sync;
  uint64_t rootfs_before; /* in the runtime's mount namespace: the mount at the rootfs before the container's bind */
};

static void undo_creation(struct creation *c) {
  if (c->pid > 0) {
    kill(c->pid, SIGKILL);
    while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR) {
    }
  }
  if (c->st && c->st->cgroup_path) {
    gantry_error_t e = NULL;
    const struct cgroup_manager *cgm = cgroups(&e);
    if (cgm) {
      cgm->kill_all(c->st->cgroup_path, SIGKILL, &e);
      gantry_error_free(&e);
      if (cgm->destroy(c->st->cgroup_path, &e) < 0) log_warn("remove the cgroup: %s", e->msg);
    }
    gantry_error_free(&e);
  }
  if (c->rootfs_before) rootfs_detach_bind(c->cfg->root_path, 0, c->rootfs_before);
  if (c->made_dir && c->st) {
    gantry_error_t e = NULL;
    state_remove(c->st, &e);
    gantry_error_free(&e);
  }
}

/* The cgroup's directories exist: the container may bind them while it is moved in. */
static void cgroup_made(void *arg, const char *state_path) {
  log_debug("cgroup: made %s", state_path);
  sync_send(*(int *)arg, SYNC_CGROUP, 0, state_path);
}

static int open_namespaces(const struct oci_config *cfg, struct spawn_config *sc, gantry_error_t *err) {
  for (size_t i = 0; i < cfg->n_namespaces; i++) {
    const struct oci_namespace *ns = &cfg->namespaces[i];
    if (ns->path == NULL) {
      sc->new_flags |= ns->type;
      continue;
    }
    int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return gantry_error_sys(err, "linux.namespaces: %s namespace %s", namespace_name(ns->type), ns->path);
    sc->joins[sc->n_joins].type = ns->type;
    sc->joins[sc->n_joins++].fd = fd;
  }
  return 0;
}

static void close_namespaces(struct spawn_config *sc) {
  for (size_t i = 0; i < sc->n_joins; i++) close(sc->joins[i].fd);
  sc->n_joins = 0;
}

int container_create(const struct runtime_ctx *ctx, const struct create_opts *o, int *exit_code, gantry_error_t *err) {
  *exit_code = 0;
  cleanup_free char *dir = NULL;
  if (state_dir(ctx->root, o->id, &dir, err) < 0) return -1;
  cleanup_config struct oci_config *cfg = NULL;
  if (config_load(o->bundle ? o->bundle : ".", &cfg, err) < 0) return -1;
  log_debug("config loaded");
  if (cfg->process == NULL) return gantry_error_set(err, 0, "config.json: process: is required to create a container");
  const struct oci_process *p = cfg->process;
  bool fg_terminal = p->terminal && o->console_socket == NULL;
  if (fg_terminal && !(o->run && !o->detach))
    return gantry_error_set(err, 0, "process.terminal is true: a detached container needs --console-socket");
  if (!p->terminal && o->console_socket)
    return gantry_error_set(err, 0, "--console-socket given but process.terminal is false");

  /* Everything that can be refused is checked before anything is created. */
  cleanup_free void *bpf = NULL;
  size_t bpf_len = 0;
  if (cfg->seccomp) {
    cleanup_free char *cache = xasprintf("%s/.seccomp-cache", ctx->root);
    if (mkdir_p(ctx->root, 0700, err) < 0) return -1;
    if (seccomp_compile(cfg->seccomp, cache, &bpf, &bpf_len, err) < 0)
      return gantry_error_wrap(err, "config.json: linux.seccomp");
  }
  const struct cgroup_manager *cgm = cgroups(err);
  if (cgm == NULL) return -1;
  struct spawn_config sc = {0};
  if (open_namespaces(cfg, &sc, err) < 0) {
    close_namespaces(&sc);
    return -1;
  }
  cleanup_close int console = -1;
  if (o->console_socket && console_socket_connect(o->console_socket, &console, err) < 0) {
    close_namespaces(&sc);
    return -1;
  }

  struct container_state *st = xcalloc(1, sizeof(*st));
  st->dir = xstrdup(dir);
  st->id = xstrdup(o->id);
  st->bundle = xstrdup(cfg->bundle);
  st->rootfs = xstrdup(cfg->root_path);
  st->created = now_rfc3339();
  st->owner = xstrdup("root");
  st->annotations = json_get(cfg->json, "annotations");
  st->hooks = json_get(cfg->json, "hooks");
  st->process = json_get(cfg->json, "process");
  st->seccomp = json_get(json_get(cfg->json, "linux"), "seccomp");
  const struct oci_namespace *pidns = config_namespace(cfg, CLONE_NEWPID);
  st->own_pidns = pidns && pidns->path == NULL;

  struct creation c = {.cfg = cfg, .st = st, .pid = -1};
  if (config_namespace(cfg, CLONE_NEWNS) == NULL) c.rootfs_before = rootfs_mount_id(cfg->root_path);
  int rc = -1;
  int listen_fd = -1;
  int sv[2] = {-1, -1};
  int master = -1;
  sigset_t fwd, old;
  spawn_forwarded_signals(&fwd);
  bool blocked = false;
  cleanup_free char *uid_map = idmap_text(cfg->uid_mappings, cfg->n_uid_mappings);
  cleanup_free char *gid_map = idmap_text(cfg->gid_mappings, cfg->n_gid_mappings);

  if (o->run && !o->detach) {
    /* Blocked from before the clone so no signal meant for the container is lost; the child unblocks. */
    sigprocmask(SIG_BLOCK, &fwd, &old);
    blocked = true;
  } else {
    /* A detached create is not interrupted half-way (leaving a process and a cgroup without state): a signal
     * that arrives meanwhile takes effect once the container is fully created or fully undone. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    sigaddset(&stop, SIGQUIT);
    sigprocmask(SIG_BLOCK, &stop, &old);
    blocked = true;
  }
  if (mkdir_p(ctx->root, 0700, err) < 0) goto out;
  if (mkdir(dir, 0700) < 0) {
    if (errno == EEXIST) gantry_error_set(err, 0, "container \"%s\" already exists", o->id);
    else gantry_error_sys(err, "mkdir %s", dir);
    goto out;
  }
  c.made_dir = true;
  if (!o->run && listen_exec_sock(dir, &listen_fd, err) < 0) goto out;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    gantry_error_sys(err, "socketpair");
    goto out;
  }
  struct init_args args = {
      .cfg = cfg,
      .listen_fd = listen_fd,
      .console_fd = console,
      .pty_to_parent = fg_terminal,
      .no_pivot = o->no_pivot,
      .preserve_fds = o->preserve_fds,
      .bpf = bpf,
      .bpf_len = bpf_len,
  };
  sc.uid_map = uid_map;
  sc.gid_map = gid_map;
  sc.child_sync_fd = sv[1];
  sc.parent_sync_fd = sv[0];
  sc.child_fn = container_init;
  sc.arg = &args;
  c.pid = spawn_process(&sc, err);
  close(sv[1]);
  sv[1] = -1;
  close_namespaces(&sc);
  if (listen_fd >= 0) {
    close(listen_fd);
    listen_fd = -1;
  }
  if (console >= 0) {
    close(console);
    console = -1;
  }
  if (c.pid < 0) goto out;
  st->pid = c.pid;
  proc_stat(c.pid, &st->start_time, NULL);
  log_debug("container %s: init is pid %d", o->id, (int)c.pid);

  if (p->has_oom_score_adj) {
    /* From the runtime, through the host's /proc: the container may have no /proc of its own. */
    char path[64], value[16];
    snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)c.pid);
    snprintf(value, sizeof(value), "%d", p->oom_score_adj);
    if (write_file(path, value, err) < 0) {
      gantry_error_wrap(err, "process.oomScoreAdj");
      goto out;
    }
  }
  log_debug("cgroup: creating");
  struct cgroup_config cgc = {.id = o->id, .cgroups_path = cfg->cgroups_path, .resources = cfg->resources,
                              .made = cgroup_made, .made_arg = &sv[0]};
  /* Meanwhile the container builds its filesystem; it waits for SYNC_GO before anything cgroup-dependent. */
  if (cgm->create(&cgc, c.pid, &st->cgroup_path, err) < 0) {
    /* A process that already failed explains the failure better. */
    static struct sync_msg m;
    gantry_error_t mine = NULL;
    struct pollfd pfd = {sv[0], POLLIN, 0};
    if (poll(&pfd, 1, 0) == 1 && sync_recv(sv[0], &m, NULL, &mine) == 0 && m.type == SYNC_ERROR) {
      gantry_error_free(err);
      sync_error(err, &m);
    } else {
      gantry_error_wrap(err, "cgroup");
    }
    gantry_error_free(&mine);
    goto out;
  }
  log_debug("cgroup: created");
  {
    cleanup_free char *creating = state_oci_json(st, "creating", false);
    /* If the process has failed already, sending fails and the loop below reads its error. */
    sync_send(sv[0], SYNC_GO, 0, creating);
    for (;;) {
      static struct sync_msg m;
      int passed = -1;
      int r = sync_recv(sv[0], &m, &passed, err);
      if (r < 0) goto out;
      if (r == 1) {
        gantry_error_set(err, 0, "the container process exited during setup");
        goto out;
      }
      if (m.type == SYNC_ERROR) {
        sync_error(err, &m);
        goto out;
      }
      if (m.type == SYNC_HOOKS) {
        if (hooks_run(cfg->hooks.prestart, cfg->hooks.n_prestart, "prestart", creating, err) < 0 ||
            hooks_run(cfg->hooks.create_runtime, cfg->hooks.n_create_runtime, "createRuntime", creating, err) < 0)
          goto out;
        sync_send(sv[0], SYNC_HOOKS, 0, NULL);
      } else if (m.type == SYNC_PTY) {
        master = passed;
      } else if (m.type == SYNC_READY) {
        break;
      }
    }
  }
  log_debug("container ready");
  if (c.rootfs_before) {
    uint64_t bind = rootfs_mount_id(cfg->root_path);
    if (bind != c.rootfs_before) st->rootfs_mount = bind;
  }
  if (state_save(st, err) < 0) goto out;
  if (o->pid_file && write_pid_file(o->pid_file, c.pid, err) < 0) goto out;

  if (!o->run) {
    rc = 0;
    c.pid = -1; /* the container lives on */
    goto out;
  }
  /* run: the process went on after READY; watch execve happen (the sync socket closes on exec). */
  {
    static struct sync_msg m;
    int r = sync_recv(sv[0], &m, NULL, err);
    if (r < 0) goto out;
    if (r == 0 && m.type == SYNC_ERROR) {
      sync_error(err, &m);
      goto out;
    }
  }
  log_debug("container process started (execve)");
  {
    gantry_error_t e = NULL;
    if (run_state_hooks(st, "poststart", "running", &e) < 0) {
      log_warn("%s", e->msg);
      gantry_error_free(&e);
    }
  }
  if (o->detach) {
    rc = 0;
    c.pid = -1;
    goto out;
  }
  *exit_code = spawn_wait_foreground(c.pid, master);
  log_debug("container exited with %d", *exit_code);
  c.pid = -1;
  rc = destroy(st, err);
  log_debug("container removed");
  c.made_dir = false;
  if (rc < 0) {
    /* The container ran; report its status, the cleanup failure goes to the log. */
    log_warn("%s", (*err)->msg);
    gantry_error_free(err);
    rc = 0;
  }

out:
  if (rc < 0) undo_creation(&c);
  if (blocked) sigprocmask(SIG_SETMASK, &old, NULL);
  if (master >= 0) close(master);
  if (listen_fd >= 0) close(listen_fd);
  if (sv[0] >= 0) close(sv[0]);
  if (sv[1] >= 0) close(sv[1]);
  close_namespaces(&sc);
  /* These point into cfg->json, which cfg frees. */
  st->annotations = st->hooks = st->process = st->seccomp = NULL;
  state_free(st);
  return rc;
}

/* ---- start, state, kill, delete, pause ---- */

int container_start(const struct runtime_ctx *ctx, const char *id, gantry_error_t *err) {
  cleanup_state struct container_state *st = NULL;
  if (state_load(ctx->root, id, &st, err) < 0) return -1;
  const char *status = state_status(st);
  if (strcmp(status, "created") != 0)
    return gantry_error_set(err, 0, "cannot start container \"%s\": it is %s, not created", id, status);
  struct sockaddr_un addr;
  cleanup_close int dirfd = -1;
  if (sock_addr(st->dir, "exec.sock", &addr, &dirfd, err) < 0) return -1;
  cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return gantry_error_sys(err, "socket");
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
    return gantry_error_sys(err, "start container \"%s\": connect to its init", id);
  cleanup_free char *sock = xasprintf("%s/exec.sock", st->dir);
  unlink(sock);
  /* The init closes the connection by execve (close-on-exec); anything it writes first is an error. */
  char buf[4096];
  size_t n = 0;
  for (;;) {
    ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    n += (size_t)r;
    if (n == sizeof(buf) - 1) break;
  }
  buf[n] = '\0';
  if (n > 0) return gantry_error_set(err, 0, "start container \"%s\": %s", id, buf);
  gantry_error_t e = NULL;
  if (run_state_hooks(st, "poststart", "running", &e) < 0) {
    log_warn("%s", e->msg);
    gantry_error_free(&e);
  }
  return 0;
}

int container_state(const struct runtime_ctx *ctx, const char *id, gantry_error_t *err) {
  cleanup_state struct container_state *st = NULL;
  if (state_load(ctx->root, id, &st, err) < 0) return -1;
  cleanup_free char *json = state_oci_json(st, state_status(st), true);
  printf("%s\n", json);
  return 0;
}

static int signal_container(const struct container_state *st, int sig, bool all, gantry_error_t *err) {
  if (all && st->cgroup_path) {
    const struct cgroup_manager *cgm = cgroups(err);
    if (cgm == NULL) return -1;
    return cgm->kill_all(st->cgroup_path, sig, err);
  }
  cleanup_close int pidfd = open_init(st, err);
  if (pidfd < 0) return -1;
  if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
    return gantry_error_sys(err, "send signal %d to container \"%s\"", sig, st->id);
  return 0;
}

int container_kill(const struct runtime_ctx *ctx, const char *id, int sig, bool all, gantry_error_t *err) {
  cleanup_state struct container_state *st = NULL;
  if (state_load(ctx->root, id, &st, err) < 0) return -1;
  const char *status = state_status(st);
  if (strcmp(status, "stopped") == 0 && !all)
    return gantry_error_set(err, 0, "container \"%s\" is not running", id);
  return signal_container(st, sig, all, err);
}

int container_delete(const struct runtime_ctx *ctx, const char *id, bool force, gantry_error_t *err) {
  cleanup_state struct container_state *st = NULL;
  if (state_load(ctx->root, id, &st, err) < 0) {
    /* Deleting what is already gone is fine with --force, as with runc; a directory left by a create that was
     * killed half-way (no state.json yet) is removed. */
    if (force && (*err)->status == ENOENT) {
      gantry_error_free(err);
      struct container_state leftover = {.id = (char *)id};
      if (state_dir(ctx->root, id, &leftover.dir, err) < 0) return -1;
      int r = state_remove(&leftover, err);
      free(leftover.dir);
      return r;
    }
    return -1;
  }
  const char *status = state_status(st);
  if (strcmp(status, "stopped") != 0) {
    if (!force && strcmp(status, "created") != 0)
      return gantry_error_set(err, 0, "cannot delete container \"%s\": it is %s (use --force)", id, status);
    cleanup_close int pidfd = open_init(st, err);
    if (pidfd >= 0) {
      if (st->paused && st->cgroup_path) {
        const struct cgroup_manager *cgm = cgroups(err);
        if (cgm == NULL || cgm->freeze(st->cgroup_path, false, err) < 0) return -1;
      }
      if (signal_container(st, SIGKILL, !st->own_pidns, err) < 0) return -1;
      if (wait_pidfd(pidfd, 10000) < 0)
        return gantry_error_set(err, 0, "container \"%s\" did not exit after SIGKILL", id);
    } else {
      gantry_error_free(err);
    }
  }
  return destroy(st, err);
}

int container_pause(const struct runtime_ctx *ctx, const char *id, bool pause, gantry_error_t *err) {
  cleanup_state struct container_state *st = NULL;
  if (state_load(ctx->root, id, &st, err) < 0) return -1;
  const char *status = state_status(st);
  if (pause && strcmp(status, "running") != 0 && strcmp(status, "created") != 0)
    return gantry_error_set(err, 0, "cannot pause container \"%s\": it is %s", id, status);
  if (!pause && strcmp(status, "paused") != 0)
    return gantry_error_set(err, 0, "cannot resume container \"%s\": it is %s, not paused", id, status);
  if (st->cgroup_path == NULL) return gantry_error_set(err, 0, "container \"%s\" has no cgroup", id);
  const struct cgroup_manager *cgm = cgroups(err);
  if (cgm == NULL || cgm->freeze(st->cgroup_path, pause, err) < 0) return -1;
  st->paused = pause;
  return state_save(st, err);
}

int container_update(const struct runtime_ctx *ctx, const char *id, const struct cgroup_resources *res,
                     gantry_error_t *err) {
  cleanup_state struct container_state *st = NULL;
  if (state_load(ctx->root, id, &st, err) < 0) return -1;
  if (strcmp(state_status(st), "stopped") == 0)
    return gantry_error_set(err, 0, "cannot update container \"%s\": it is stopped", id);
  if (st->cgroup_path == NULL) return gantry_error_set(err, 0, "container \"%s\" has no cgroup", id);
  const struct cgroup_manager *cgm = cgroups(err);
  if (cgm == NULL) return -1;
  return cgm->update(st->cgroup_path, res, err);
}
