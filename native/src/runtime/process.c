#include "runtime/process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

int process_set_rlimits(const struct oci_process *p, gantry_error_t *err) {
  for (size_t i = 0; i < p->n_rlimits; i++) {
    struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
    if (setrlimit(p->rlimits[i].resource, &rl) < 0)
      return gantry_error_sys(err, "set rlimit %d to %llu/%llu", p->rlimits[i].resource,
                              (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
  }
  return 0;
}

static const char *env_get(char **env, const char *key) {
  size_t n = strlen(key);
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp(env[i], key, n) == 0 && env[i][n] == '=') return env[i] + n + 1;
  return NULL;
}

static bool executable(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

int process_find_executable(const struct oci_process *p, char **out, gantry_error_t *err) {
  const char *file = p->args[0];
  if (strchr(file, '/')) {
    if (!executable(file)) {
      struct stat st;
      int e = stat(file, &st) < 0 ? errno : EACCES;
      return gantry_error_set(err, e, "exec: \"%s\"", file);
    }
    *out = xstrdup(file);
    return 0;
  }
  const char *path = env_get(p->env, "PATH");
  if (path) {
    cleanup_free char *copy = xstrdup(path);
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
      cleanup_free char *cand = xasprintf("%s/%s", *dir ? dir : ".", file);
      if (executable(cand)) {
        *out = xstrdup(cand);
        return 0;
      }
    }
  }
  return gantry_error_set(err, 0, "exec: \"%s\": executable file not found in $PATH", file);
}

static int last_cap(void) {
  static int cached = -1;
  if (cached >= 0) return cached;
  char buf[16] = {0};
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (read(fd, buf, sizeof(buf) - 1) > 0) cached = atoi(buf);
    close(fd);
  }
  if (cached <= 0) cached = CAP_LAST_CAP;
  return cached;
}

static int set_caps(const struct oci_caps *c, gantry_error_t *err) {
  int last = last_cap();
  uint64_t known = last >= 63 ? ~0ULL : ((1ULL << (last + 1)) - 1);
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];
  uint64_t eff = c->effective & known, perm = c->permitted & known, inh = c->inheritable & known;
  d[0].effective = (uint32_t)eff;
  d[1].effective = (uint32_t)(eff >> 32);
  d[0].permitted = (uint32_t)perm;
  d[1].permitted = (uint32_t)(perm >> 32);
  d[0].inheritable = (uint32_t)inh;
  d[1].inheritable = (uint32_t)(inh >> 32);
  if (syscall(SYS_capset, &h, d) < 0) return gantry_error_sys(err, "set capabilities");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return gantry_error_sys(err, "clear ambient capabilities");
  /* The kernel only raises an ambient capability that is also permitted and inheritable; the others are skipped,
   * as runc does (runc's default spec lists ambient capabilities without inheritable ones). */
  uint64_t ambient = c->ambient & perm & inh;
  for (int cap = 0; cap <= last; cap++)
    if ((ambient >> cap) & 1)
      if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
        return gantry_error_sys(err, "raise ambient capability %s", capability_name(cap));
  return 0;
}

static int drop_bounding(const struct oci_caps *c, gantry_error_t *err) {
  int last = last_cap();
  for (int cap = 0; cap <= last; cap++) {
    if ((c->bounding >> cap) & 1) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      return gantry_error_sys(err, "drop %s from the bounding set", capability_name(cap) ?: "capability");
  }
  return 0;
}

int process_finalize_identity(const struct process_exec *x, gantry_error_t *err) {
  const struct oci_process *p = x->process;
  if (x->seccomp && !p->no_new_privileges && seccomp_load(x->bpf, x->bpf_len, x->seccomp, err) < 0)
    return gantry_error_wrap(err, "load seccomp filter");
  if (p->has_caps && drop_bounding(&p->caps, err) < 0) return -1;
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return gantry_error_sys(err, "keep capabilities");
  if (setgroups(p->n_additional_gids, p->additional_gids) < 0 && !(errno == EPERM && p->n_additional_gids == 0))
    return gantry_error_sys(err, "setgroups");
  if (setresgid(p->gid, p->gid, p->gid) < 0) return gantry_error_sys(err, "setgid %u", (unsigned)p->gid);
  if (setresuid(p->uid, p->uid, p->uid) < 0) return gantry_error_sys(err, "setuid %u", (unsigned)p->uid);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return gantry_error_sys(err, "reset keep capabilities");
  if (p->has_caps && set_caps(&p->caps, err) < 0) return -1;
  return 0;
}

static char **env_with_home(const struct oci_process *p) {
  if (env_get(p->env, "HOME")) return p->env;
  /* Like runc: HOME from the container's /etc/passwd for the uid, "/" when there is none. */
  const char *home = "/";
  cleanup_free char *passwd = NULL;
  char *found = NULL;
  gantry_error_t e = NULL;
  if (read_file("/etc/passwd", 1 << 20, &passwd, NULL, &e) == 0) {
    char *save = NULL;
    for (char *line = strtok_r(passwd, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
      char *f[7] = {0};
      int nf = 0;
      for (char *s = line; nf < 7; nf++) {
        f[nf] = s;
        char *c = strchr(s, ':');
        if (c == NULL) {
          nf++;
          break;
        }
        *c = '\0';
        s = c + 1;
      }
      if (nf >= 6 && f[2] && (uid_t)strtoul(f[2], NULL, 10) == p->uid && f[5] && *f[5]) {
        found = xstrdup(f[5]);
        break;
      }
    }
  }
  gantry_error_free(&e);
  if (found) home = found;
  size_t n = strv_len(p->env);
  char **env = xcalloc(n + 2, sizeof(char *));
  memcpy(env, p->env, n * sizeof(char *));
  env[n] = xasprintf("HOME=%s", home);
  free(found);
  return env;
}

int process_exec(const struct process_exec *x, const char *path, gantry_error_t *err) {
  const struct oci_process *p = x->process;
  char **env = env_with_home(p);
  if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return gantry_error_sys(err, "set no_new_privs");
  umask(p->has_umask ? p->umask : 022);
  /* Every descriptor past the preserved ones is closed by execve. */
  for (int fd = 3; fd < 3 + x->preserve_fds; fd++) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0) fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
  }
  if (syscall(SYS_close_range, 3 + x->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    for (int fd = 3 + x->preserve_fds; fd < 1024; fd++) {
      int fl = fcntl(fd, F_GETFD);
      if (fl >= 0) fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
    }
  }
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (x->seccomp && p->no_new_privileges && seccomp_load(x->bpf, x->bpf_len, x->seccomp, err) < 0)
    return gantry_error_wrap(err, "load seccomp filter");
  execve(path, p->args, env);
  return gantry_error_sys(err, "exec %s", path);
}
