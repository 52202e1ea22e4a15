#include "runtime/init.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "runtime/hooks.h"
#include "runtime/log.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/spawn.h"
#include "runtime/terminal.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

static int setup_terminal(const struct init_args *a, int sync, gantry_error_t *err) {
  const struct oci_process *p = a->cfg->process;
  int master, slave;
  cleanup_free char *name = NULL;
  if (pty_open(&master, &slave, &name, p->console_height, p->console_width, err) < 0) return -1;
  /* The process's user owns its terminal. Failing (an id unmapped in a user namespace) is not fatal: the slave
   * stays usable through the descriptors it is given. */
  if (fchown(slave, p->uid, p->gid) < 0) log_debug("chown %s to %u:%u: %m", name, (unsigned)p->uid, (unsigned)p->gid);
  int r = 0;
  if (a->console_fd >= 0) r = console_send_master(a->console_fd, master, name, err);
  else if (a->pty_to_parent) r = sync_send_fd(sync, SYNC_PTY, master, err);
  close(master);
  if (r == 0) r = rootfs_bind_console(name, err);
  if (r == 0) r = pty_become_stdio(slave, err);
  close(slave);
  if (a->console_fd >= 0) close(a->console_fd);
  return r;
}

struct cgroup_gate_arg {
  const struct oci_config *cfg;
  int sync;
  char *cgroup_path; /* received with SYNC_CGROUP: the cgroup's path below each hierarchy */
  char *state_json;  /* received with SYNC_GO: the state for in-container hooks */
  bool entered;      /* SYNC_GO received: this process is in its cgroup */
};

/* Reads the runtime's messages until the cgroup's directories exist (entered false) or this process is in it
 * (entered true); then a new cgroup namespace is entered, rooted there. */
static int wait_for_cgroup(void *arg, bool entered, const char **path, gantry_error_t *err) {
  struct cgroup_gate_arg *g = arg;
  static struct sync_msg m;
  while (entered ? !g->entered : g->cgroup_path == NULL) {
    int r = sync_recv(g->sync, &m, NULL, err);
    if (r < 0) return -1;
    if (r == 1) return gantry_error_set(err, 0, "the runtime went away during the container's setup");
    if (m.type == SYNC_CGROUP && g->cgroup_path == NULL) {
      g->cgroup_path = xstrdup(m.text);
    } else if (m.type == SYNC_GO && !g->entered) {
      g->state_json = xstrdup(m.text);
      g->entered = true;
      const struct oci_namespace *cgns = config_namespace(g->cfg, CLONE_NEWCGROUP);
      if (cgns && cgns->path == NULL && unshare(CLONE_NEWCGROUP) < 0)
        return gantry_error_sys(err, "create the cgroup namespace");
    } else {
      return gantry_error_set(err, 0, "unexpected setup message %d from the runtime", m.type);
    }
  }
  if (path) *path = g->cgroup_path;
  return 0;
}

int container_init(void *arg, int sync) {
  const struct init_args *a = arg;
  const struct oci_config *cfg = a->cfg;
  const struct oci_process *p = cfg->process;
  cleanup_error gantry_error_t err = NULL;
  static struct sync_msg m;
  int report = sync; /* where a failure is reported: the sync socket, later the `start` connection */

  umask(0);
  bool userns = config_namespace(cfg, CLONE_NEWUSER) != NULL;
  if (userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) && errno != EINVAL) {
    gantry_error_sys(&err, "become root in the user namespace");
    goto fail;
  }
  if (cfg->hostname && cfg->hostname[0] && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0) {
    gantry_error_sys(&err, "sethostname %s", cfg->hostname);
    goto fail;
  }
  if (cfg->domainname && cfg->domainname[0] && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0) {
    gantry_error_sys(&err, "setdomainname %s", cfg->domainname);
    goto fail;
  }
  /* The filesystem is built while the runtime sets up the cgroup and moves this process in (on v1 the move waits
   * for an RCU grace period): a cgroup mount waits for the directories, hooks and the process's identity for the
   * move (SYNC_GO). */
  struct cgroup_gate_arg gate_arg = {.cfg = cfg, .sync = sync};
  struct rootfs_cgroup_gate gate = {.wait = wait_for_cgroup, .arg = &gate_arg};
  log_debug("init: started");
  if (rootfs_prepare(cfg, userns, &gate, &err) < 0) goto fail;
  log_debug("init: filesystem prepared");
  bool hooks = cfg->hooks.n_prestart || cfg->hooks.n_create_runtime || cfg->hooks.n_create_container;
  if (hooks && wait_for_cgroup(&gate_arg, true, NULL, &err) < 0) goto fail;
  if (cfg->hooks.n_prestart || cfg->hooks.n_create_runtime) {
    if (sync_send(sync, SYNC_HOOKS, 0, NULL) < 0 || sync_expect(sync, SYNC_HOOKS, &m, &err) < 0) goto fail;
  }
  if (hooks_run(cfg->hooks.create_container, cfg->hooks.n_create_container, "createContainer", gate_arg.state_json,
                &err) < 0)
    goto fail;
  if (rootfs_pivot(cfg, a->no_pivot, &err) < 0) goto fail;
  if (rootfs_finish(cfg, &err) < 0) goto fail;
  if (p->terminal && setup_terminal(a, sync, &err) < 0) goto fail;
  if (mkdir_p(p->cwd, 0755, &err) < 0) goto fail;
  if (rootfs_seal(cfg, &err) < 0) goto fail;
  /* In its cgroup before it takes its identity (a new cgroup namespace needs CAP_SYS_ADMIN). */
  if (wait_for_cgroup(&gate_arg, true, NULL, &err) < 0) goto fail;
  char *state_json = gate_arg.state_json;
  if (process_set_rlimits(p, &err) < 0) goto fail;

  struct process_exec x = {
      .process = p, .seccomp = cfg->seccomp, .bpf = a->bpf, .bpf_len = a->bpf_len, .preserve_fds = a->preserve_fds};
  cleanup_free char *path = NULL;
  if (process_find_executable(p, &path, &err) < 0) goto fail;
  if (process_finalize_identity(&x, &err) < 0) goto fail;
  if (chdir(p->cwd) < 0) {
    gantry_error_sys(&err, "chdir %s", p->cwd);
    goto fail;
  }
  log_debug("init: ready");
  if (sync_send(sync, SYNC_READY, 0, NULL) < 0) {
    gantry_error_sys(&err, "report ready");
    goto fail;
  }

  if (a->listen_fd >= 0) {
    /* create: blocked here until `start` connects. */
    int conn;
    do conn = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    while (conn < 0 && errno == EINTR);
    if (conn < 0) {
      gantry_error_sys(&err, "wait for start");
      goto fail;
    }
    close(a->listen_fd);
    close(sync);
    report = conn;
  }
  if (cfg->hooks.n_start_container) {
    /* By now the container is created: the same state with that status. */
    char *at = strstr(state_json, "\"status\":\"creating\"");
    if (at) {
      memcpy(at, "\"status\":\"created\" ", 19); /* same length; the space is JSON whitespace */
    }
    if (hooks_run(cfg->hooks.start_container, cfg->hooks.n_start_container, "startContainer", state_json, &err) < 0)
      goto fail;
  }
  log_debug("init: execve %s", path);
  process_exec(&x, path, &err);

fail:
  if (report == sync) {
    sync_send_error(sync, &err);
  } else {
    const char *msg = err ? err->msg : "unknown error";
    write_all(report, msg, strlen(msg));
  }
  return 1;
}
