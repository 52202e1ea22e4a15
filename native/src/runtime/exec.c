/* exec: a new process in a running container's namespaces and cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/json.h"
#include "common/util.h"
#include "runtime/config.h"
#include "runtime/container.h"
#include "runtime/log.h"
#include "runtime/process.h"
#include "runtime/spawn.h"
#include "runtime/state.h"
#include "runtime/terminal.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

struct exec_child {
  const struct oci_process *p;
  const struct seccomp_config *seccomp;
  const void *bpf;
  size_t bpf_len;
  int console_fd;
  bool pty_to_parent;
  int preserve_fds;
  int root_fd; /* the container's root to chroot into (it shares our mount namespace), or -1 */
};

static int exec_child_main(void *arg, int sync) {
  const struct exec_child *a = arg;
  const struct oci_process *p = a->p;
  cleanup_error gantry_error_t err = NULL;
  static struct sync_msg m;
  if (sync_expect(sync, SYNC_GO, &m, &err) < 0) goto fail;
  if (a->root_fd >= 0 && (fchdir(a->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)) {
    gantry_error_sys(&err, "enter the container's root");
    goto fail;
  }
  /* A session of its own, as runc gives every exec (with a terminal, pty_become_stdio makes it): what the process
   * starts stays in it, so whoever ends the exec can end all of it — the agent kills the session when the client
   * goes away, since killing this runtime leaves the process to the container's init. */
  if (!p->terminal && setsid() < 0) {
    gantry_error_sys(&err, "setsid");
    goto fail;
  }
  if (p->terminal) {
    int master, slave;
    cleanup_free char *name = NULL;
    if (pty_open(&master, &slave, &name, p->console_height, p->console_width, &err) < 0) goto fail;
    int r = 0;
    if (a->console_fd >= 0) r = console_send_master(a->console_fd, master, name, &err);
    else if (a->pty_to_parent) r = sync_send_fd(sync, SYNC_PTY, master, &err);
    close(master);
    if (r == 0) r = pty_become_stdio(slave, &err);
    close(slave);
    if (r < 0) goto fail;
  }
  if (a->console_fd >= 0) close(a->console_fd);
  if (process_set_rlimits(p, &err) < 0) goto fail;
  struct process_exec x = {
      .process = p, .seccomp = a->seccomp, .bpf = a->bpf, .bpf_len = a->bpf_len, .preserve_fds = a->preserve_fds};
  cleanup_free char *path = NULL;
  if (process_find_executable(p, &path, &err) < 0) goto fail;
  if (process_finalize_identity(&x, &err) < 0) goto fail;
  if (chdir(p->cwd) < 0) {
    gantry_error_sys(&err, "chdir %s", p->cwd);
    goto fail;
  }
  process_exec(&x, path, &err);
fail:
  sync_send_error(sync, &err);
  return 255;
}

/* The process to run: --process FILE as is, or the container's own process with the command and flags. */
static int exec_process(const struct container_state *st, const struct exec_opts *o, struct oci_process **out,
                        gantry_error_t *err) {
  if (o->process_file) {
    cleanup_free char *text = NULL;
    size_t len;
    if (read_file(o->process_file, 16 << 20, &text, &len, err) < 0) return -1;
    cleanup_json struct json_value *doc = NULL;
    if (json_parse(text, len, &doc, err) < 0) return gantry_error_wrap(err, "--process %s", o->process_file);
    if (config_parse_process(doc, "process", out, err) < 0) return gantry_error_wrap(err, "--process %s", o->process_file);
    return 0;
  }
  if (o->args == NULL || o->args[0] == NULL) return gantry_error_set(err, 0, "exec: a command is required");
  if (st->process == NULL) return gantry_error_set(err, 0, "container \"%s\" has no process to start from", st->id);
  struct oci_process *p;
  if (config_parse_process(st->process, "process", &p, err) < 0) return -1;
  strv_free(p->args);
  p->args = strv_dup(o->args);
  p->terminal = o->tty;
  if (o->env) {
    size_t n = strv_len(p->env), m = strv_len(o->env);
    p->env = xrealloc(p->env, (n + m + 1) * sizeof(char *));
    for (size_t i = 0; i < m; i++) {
      if (strchr(o->env[i], '=') == NULL) {
        process_free(p);
        return gantry_error_set(err, 0, "--env \"%s\": must be KEY=VALUE", o->env[i]);
      }
      /* A later value replaces an earlier one of the same name. */
      size_t klen = strcspn(o->env[i], "=") + 1;
      bool replaced = false;
      for (size_t j = 0; j < n; j++)
        if (strncmp(p->env[j], o->env[i], klen) == 0) {
          free(p->env[j]);
          p->env[j] = xstrdup(o->env[i]);
          replaced = true;
        }
      if (!replaced) p->env[n++] = xstrdup(o->env[i]);
    }
    p->env[n] = NULL;
  }
  if (o->cwd) {
    if (o->cwd[0] != '/') {
      process_free(p);
      return gantry_error_set(err, 0, "--cwd \"%s\": must be an absolute path", o->cwd);
    }
    free(p->cwd);
    p->cwd = xstrdup(o->cwd);
  }
  if (o->user) {
    char *end;
    unsigned long uid = strtoul(o->user, &end, 10), gid = p->gid;
    if (end == o->user || (*end && *end != ':')) goto bad_user;
    if (*end == ':') {
      char *gend;
      gid = strtoul(end + 1, &gend, 10);
      if (gend == end + 1 || *gend) goto bad_user;
    }
    p->uid = (uid_t)uid;
    p->gid = (gid_t)gid;
  }
  if (o->n_additional_gids) {
    free(p->additional_gids);
    p->additional_gids = xcalloc(o->n_additional_gids, sizeof(gid_t));
    memcpy(p->additional_gids, o->additional_gids, o->n_additional_gids * sizeof(gid_t));
    p->n_additional_gids = o->n_additional_gids;
  }
  for (size_t i = 0; o->caps && o->caps[i]; i++) {
    int cap = capability_from_name(o->caps[i]);
    if (cap < 0) {
      process_free(p);
      return gantry_error_set(err, 0, "--cap: unknown capability \"%s\"", o->caps[i]);
    }
    uint64_t bit = 1ULL << cap;
    p->caps.bounding |= bit;
    p->caps.effective |= bit;
    p->caps.permitted |= bit;
    p->caps.inheritable |= bit;
    p->caps.ambient |= bit;
    p->has_caps = true;
  }
  if (o->no_new_privs) p->no_new_privileges = true;
  *out = p;
  return 0;
bad_user:
  process_free(p);
  return gantry_error_set(err, 0, "--user \"%s\": expected UID[:GID] (numbers)", o->user);
}

static const struct {
  int type;
  const char *file;
} ns_order[] = {
    /* The user namespace first (it owns the others), the mount namespace last (it changes our root). */
    {CLONE_NEWUSER, "user"}, {CLONE_NEWIPC, "ipc"}, {CLONE_NEWUTS, "uts"},      {CLONE_NEWNET, "net"},
    {CLONE_NEWPID, "pid"},   {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWNS, "mnt"},
};

/* Opens the container's namespaces that differ from ours into sc->joins. A container in our mount namespace (its
 * config listed none) lives chrooted below its rootfs: *root_fd is then its root, to chroot into. */
static int join_container(pid_t pid, struct spawn_config *sc, int *root_fd, gantry_error_t *err) {
  *root_fd = -1;
  for (size_t i = 0; i < sizeof(ns_order) / sizeof(ns_order[0]); i++) {
    char theirs[64], ours[64];
    snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, ns_order[i].file);
    snprintf(ours, sizeof(ours), "/proc/self/ns/%s", ns_order[i].file);
    struct stat a, b;
    if (stat(theirs, &a) < 0) return gantry_error_sys(err, "stat %s", theirs);
    if (stat(ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
      if (ns_order[i].type != CLONE_NEWNS) continue;
      char root[64];
      snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
      if (stat(root, &a) < 0) return gantry_error_sys(err, "stat %s", root);
      if (stat("/", &b) < 0) return gantry_error_sys(err, "stat /");
      if (a.st_ino == b.st_ino && a.st_dev == b.st_dev) continue;
      *root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (*root_fd < 0) return gantry_error_sys(err, "open %s", root);
      continue;
    }
    int fd = open(theirs, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return gantry_error_sys(err, "open %s", theirs);
    sc->joins[sc->n_joins].type = ns_order[i].type;
    sc->joins[sc->n_joins++].fd = fd;
  }
  return 0;
}

int container_exec(const struct runtime_ctx *ctx, const struct exec_opts *o, int *exit_code, gantry_error_t *err) {
  *exit_code = 0;
  cleanup_state struct container_state *st = NULL;
  if (state_load(ctx->root, o->id, &st, err) < 0) return -1;
  const char *status = state_status(st);
  if (strcmp(status, "running") != 0 && strcmp(status, "created") != 0)
    return gantry_error_set(err, 0, "cannot exec in container \"%s\": it is %s", o->id, status);
  struct oci_process *p = NULL;
  if (exec_process(st, o, &p, err) < 0) return -1;
  bool fg_terminal = p->terminal && o->console_socket == NULL;
  struct seccomp_config *seccomp = NULL;
  void *bpf = NULL;
  size_t bpf_len = 0;
  struct spawn_config sc = {0};
  int console = -1, sv[2] = {-1, -1}, master = -1, rc = -1, root_fd = -1;
  pid_t pid = -1;
  sigset_t fwd, old;
  bool blocked = false;

  if (fg_terminal && o->detach) {
    gantry_error_set(err, 0, "exec: a detached terminal (-t -d) needs --console-socket");
    goto out;
  }
  if (!p->terminal && o->console_socket) {
    gantry_error_set(err, 0, "exec: --console-socket needs --tty");
    goto out;
  }
  if (st->seccomp) {
    if (config_parse_seccomp(st->seccomp, &seccomp, err) < 0) goto out;
    cleanup_free char *cache = xasprintf("%s/.seccomp-cache", ctx->root);
    if (seccomp_compile(seccomp, cache, &bpf, &bpf_len, err) < 0) goto out;
  }
  const struct cgroup_manager *cgm = NULL;
  if (st->cgroup_path && cgroup_manager_detect(&cgm, err) < 0) goto out;
  if (join_container(st->pid, &sc, &root_fd, err) < 0) goto out;
  if (o->console_socket && console_socket_connect(o->console_socket, &console, err) < 0) goto out;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    gantry_error_sys(err, "socketpair");
    goto out;
  }
  if (!o->detach) {
    spawn_forwarded_signals(&fwd);
    sigprocmask(SIG_BLOCK, &fwd, &old);
    blocked = true;
  }
  struct exec_child child = {
      .p = p,
      .seccomp = seccomp,
      .bpf = bpf,
      .bpf_len = bpf_len,
      .console_fd = console,
      .pty_to_parent = fg_terminal,
      .preserve_fds = o->preserve_fds,
      .root_fd = root_fd,
  };
  sc.child_sync_fd = sv[1];
  sc.parent_sync_fd = sv[0];
  sc.child_fn = exec_child_main;
  sc.arg = &child;
  pid = spawn_process(&sc, err);
  close(sv[1]);
  sv[1] = -1;
  if (console >= 0) {
    close(console);
    console = -1;
  }
  if (pid < 0) goto out;
  if (cgm && cgm->enter(st->cgroup_path, pid, err) < 0) goto out;
  if (p->has_oom_score_adj) {
    char path[64], value[16];
    snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
    snprintf(value, sizeof(value), "%d", p->oom_score_adj);
    if (write_file(path, value, err) < 0) {
      gantry_error_wrap(err, "process.oomScoreAdj");
      goto out;
    }
  }
  if (sync_send(sv[0], SYNC_GO, 0, NULL) < 0) {
    gantry_error_sys(err, "start the exec process");
    goto out;
  }
  for (;;) {
    static struct sync_msg m;
    int passed = -1;
    int r = sync_recv(sv[0], &m, &passed, err);
    if (r < 0) goto out;
    if (r == 1) break; /* execve closed the socket */
    if (m.type == SYNC_ERROR) {
      sync_error(err, &m);
      goto out;
    }
    if (m.type == SYNC_PTY) master = passed;
  }
  if (o->pid_file) {
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
    if (write_file_atomic(o->pid_file, buf, (size_t)n, 0644, err) < 0) goto out;
  }
  rc = 0;
  if (!o->detach) *exit_code = spawn_wait_foreground(pid, master);
  pid = -1;

out:
  if (rc < 0 && pid > 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
  }
  if (blocked) sigprocmask(SIG_SETMASK, &old, NULL);
  if (master >= 0) close(master);
  if (console >= 0) close(console);
  if (sv[0] >= 0) close(sv[0]);
  if (sv[1] >= 0) close(sv[1]);
  if (root_fd >= 0) close(root_fd);
  for (size_t i = 0; i < sc.n_joins; i++) close(sc.joins[i].fd);
  if (seccomp) {
    seccomp_config_free(seccomp);
    free(seccomp);
  }
  free(bpf);
  process_free(p);
  return rc;
}
