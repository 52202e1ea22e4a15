#include "runtime/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

static int run_one(const struct oci_hook *h, const char *kind, const char *state_json, gantry_error_t *err) {
  int in[2];
  if (pipe2(in, O_CLOEXEC) < 0) return gantry_error_sys(err, "%s hook %s: pipe", kind, h->path);
  pid_t pid = fork();
  if (pid < 0) {
    close(in[0]);
    close(in[1]);
    return gantry_error_sys(err, "%s hook %s: fork", kind, h->path);
  }
  if (pid == 0) {
    dup2(in[0], 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    char *default_args[] = {h->path, NULL};
    char *no_env[] = {NULL};
    execve(h->path, h->args && h->args[0] ? h->args : default_args, h->env ? h->env : no_env);
    dprintf(2, "gantry-runtime: %s hook %s: exec: %s\n", kind, h->path, strerror(errno));
    _exit(127);
  }
  close(in[0]);
  /* The hook may not read its stdin at all, and may be gone before we write (/bin/true): a closed pipe is not an
   * error, and must not kill the runtime with SIGPIPE half-way through delete. Ignored only around this write. */
  struct sigaction ign = {.sa_handler = SIG_IGN}, old;
  sigemptyset(&ign.sa_mask);
  sigaction(SIGPIPE, &ign, &old);
  write_all(in[1], state_json, strlen(state_json));
  close(in[1]);
  sigaction(SIGPIPE, &old, NULL);

  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  int status = 0;
  if (h->timeout > 0 && pidfd >= 0) {
    struct pollfd p = {pidfd, POLLIN, 0};
    int r;
    do r = poll(&p, 1, h->timeout * 1000);
    while (r < 0 && errno == EINTR);
    if (r == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      close(pidfd);
      return gantry_error_set(err, 0, "%s hook %s: timed out after %d s", kind, h->path, h->timeout);
    }
  }
  if (pidfd >= 0) close(pidfd);
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return gantry_error_sys(err, "%s hook %s: wait", kind, h->path);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  if (WIFSIGNALED(status))
    return gantry_error_set(err, 0, "%s hook %s: killed by signal %d", kind, h->path, WTERMSIG(status));
  return gantry_error_set(err, 0, "%s hook %s: exited with status %d", kind, h->path, WEXITSTATUS(status));
}

int hooks_run(const struct oci_hook *hooks, size_t n, const char *kind, const char *state_json, gantry_error_t *err) {
  for (size_t i = 0; i < n; i++)
    if (run_one(&hooks[i], kind, state_json, err) < 0) return -1;
  return 0;
}
