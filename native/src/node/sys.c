/* gantry-sys.node: the few system calls the agent makes on a container's hot path, as a Node-API addon, so that
 * creating and removing a container spawns no mount(8), umount(8) or ip(8). Forking the agent (a Node process of
 * 100+ MB) costs 10-20 ms of its event loop per program run; these calls take microseconds.
 *
 * Every function returns a Promise and does its work off the event loop (libuv's thread pool). What needs a
 * thread-private state (a working directory for overlay's relative lowerdirs, a network namespace to create or
 * enter) runs in a short-lived thread of its own, so no other thread of the agent ever sees that state.
 *
 *   mountOverlay(target, cwd, data)  mount -t overlay overlay -o DATA TARGET, run with its cwd in CWD
 *   unmount(target)                  umount TARGET; a busy mount is detached (umount -l)
 *   createNetns(path)                ip netns add: a new network namespace bind-mounted on PATH, lo up
 *   deleteNetns(path)                ip netns del: unmount PATH (detached) and remove it
 *   loopbackUp(netnsPath)            ip -n NS link set lo up
 *   spawn(file, args, input)         runs a program to its end: {status, signal, stdout, stderr}
 *   openat2(dirfd, path, flags, mode, resolve)   openat2(2): a descriptor, PATH resolved as RESOLVE says (synchronous)
 *   xattrs(path, follow)             every extended attribute of PATH: {name: Buffer} (synchronous)
 *   hungUp(fd)                       whether the peer of socket FD closed it entirely, not only its sending half
 *   O_PATH, RESOLVE_*                the constants Node's fs does not export
 *
 * spawn is posix_spawn(3) — a vfork, whose cost does not grow with the agent's memory as fork's does — with the
 * signal mask and dispositions reset for the child; a thread of its own feeds its stdin, reads its output and
 * reaps it (a program that runs for long holds that thread, not one of libuv's four).
 *
 * openat2 and xattrs are the exception: a file walk makes one call per entry, each takes microseconds, and a round
 * trip through the thread pool per entry would cost more than the call (as Node's own fs.*Sync). They are what lets
 * the agent read and write inside a container's root without a path ever leaving it: openat2's RESOLVE_IN_ROOT
 * resolves every symlink and ".." as if the directory were "/", in the kernel, so a container that swaps a directory
 * for a symlink meanwhile cannot send the agent to the host's files (CVE-2018-15664).
 *
 * A failure rejects (or, for the synchronous calls, throws) an Error whose `code` is the errno name ("EBUSY") and
 * whose message names the step. */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define NETNS_RUN_DIR "/run/netns"

enum op_kind { OP_MOUNT_OVERLAY, OP_UNMOUNT, OP_CREATE_NETNS, OP_DELETE_NETNS, OP_LOOPBACK_UP };

struct op {
  enum op_kind kind;
  char *args[3];
  int error;        /* errno of the failed step, 0 on success */
  char message[512];
  napi_deferred deferred;
  napi_async_work work;
};

static void fail(struct op *op, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct op *op, int error, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(op->message, sizeof(op->message), fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof(op->message) && error)
    snprintf(op->message + n, sizeof(op->message) - (size_t)n, ": %s", strerror(error));
  op->error = error ? error : EINVAL;
}

/* Runs fn(op) in a thread of its own and waits for it. */
static void in_own_thread(struct op *op, void *(*fn)(void *)) {
  pthread_t t;
  int e = pthread_create(&t, NULL, fn, op);
  if (e != 0) {
    fail(op, e, "create a thread");
    return;
  }
  pthread_join(t, NULL);
}

static void *mount_overlay_thread(void *arg) {
  struct op *op = arg;
  /* a working directory of this thread's own: overlay's lowerdirs are short paths relative to the layer store */
  if (unshare(CLONE_FS) < 0) {
    fail(op, errno, "unshare the working directory");
    return NULL;
  }
  if (chdir(op->args[1]) < 0) {
    fail(op, errno, "chdir %s", op->args[1]);
    return NULL;
  }
  if (mount("overlay", op->args[0], "overlay", 0, op->args[2]) < 0) fail(op, errno, "mount the overlay on %s", op->args[0]);
  return NULL;
}

static int set_loopback_up(struct op *op) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    fail(op, errno, "open a socket in the namespace");
    return -1;
  }
  struct ifreq ifr = {0};
  strcpy(ifr.ifr_name, "lo");
  int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
  if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP;
    rc = ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  if (rc < 0) fail(op, errno, "set lo up");
  close(s);
  return rc;
}

/* /run/netns is a shared bind mount of itself, as ip(8) makes it, so namespaces mounted there show in every mount
 * namespace that was created from this one later. */
static int prepare_netns_dir(struct op *op) {
  if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST) {
    fail(op, errno, "mkdir %s", NETNS_RUN_DIR);
    return -1;
  }
  if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0) return 0;
  if (errno != EINVAL) {
    fail(op, errno, "make %s a shared mount", NETNS_RUN_DIR);
    return -1;
  }
  /* not a mount point yet */
  if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0) {
    fail(op, errno, "bind-mount %s on itself", NETNS_RUN_DIR);
    return -1;
  }
  if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
    fail(op, errno, "make %s a shared mount", NETNS_RUN_DIR);
    return -1;
  }
  return 0;
}

static void *create_netns_thread(void *arg) {
  struct op *op = arg;
  /* the thread alone moves into the new namespace, and ends there */
  if (unshare(CLONE_NEWNET) < 0) {
    fail(op, errno, "unshare a network namespace");
    return NULL;
  }
  if (mount("/proc/thread-self/ns/net", op->args[0], "none", MS_BIND, NULL) < 0) {
    fail(op, errno, "bind-mount the network namespace on %s", op->args[0]);
    return NULL;
  }
  set_loopback_up(op);
  return NULL;
}

static void *loopback_up_thread(void *arg) {
  struct op *op = arg;
  int fd = open(op->args[0], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fail(op, errno, "open the network namespace %s", op->args[0]);
    return NULL;
  }
  int rc = setns(fd, CLONE_NEWNET);
  close(fd);
  if (rc < 0) fail(op, errno, "enter the network namespace %s", op->args[0]);
  else set_loopback_up(op);
  return NULL;
}

static void create_netns(struct op *op) {
  const char *path = op->args[0];
  if (prepare_netns_dir(op) < 0) return;
  int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) {
    fail(op, errno, "create %s", path);
    return;
  }
  close(fd);
  in_own_thread(op, create_netns_thread);
  if (op->error) {
    umount2(path, MNT_DETACH);
    unlink(path);
  }
}

static void execute(napi_env env, void *data) {
  struct op *op = data;
  switch (op->kind) {
    case OP_MOUNT_OVERLAY: in_own_thread(op, mount_overlay_thread); break;
    case OP_UNMOUNT:
      if (umount2(op->args[0], 0) < 0) {
        if (errno != EBUSY) fail(op, errno, "unmount %s", op->args[0]);
        else if (umount2(op->args[0], MNT_DETACH) < 0) fail(op, errno, "unmount %s (detached)", op->args[0]);
      }
      break;
    case OP_CREATE_NETNS: create_netns(op); break;
    case OP_DELETE_NETNS:
      if (umount2(op->args[0], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) fail(op, errno, "unmount %s", op->args[0]);
      else if (unlink(op->args[0]) < 0 && errno != ENOENT) fail(op, errno, "remove %s", op->args[0]);
      break;
    case OP_LOOPBACK_UP: in_own_thread(op, loopback_up_thread); break;
  }
}

static void free_op(struct op *op) {
  for (int i = 0; i < 3; i++) free(op->args[i]);
  free(op);
}

static void complete(napi_env env, napi_status status, void *data) {
  struct op *op = data;
  napi_value result;
  if (op->error == 0 && status == napi_ok) {
    napi_get_undefined(env, &result);
    napi_resolve_deferred(env, op->deferred, result);
  } else {
    napi_value msg, code;
    const char *name = op->error ? strerrorname_np(op->error) : "ECANCELED";
    napi_create_string_utf8(env, op->error ? op->message : "cancelled", NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, name ? name : "EIO", NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, msg, &result);
    napi_reject_deferred(env, op->deferred, result);
  }
  napi_delete_async_work(env, op->work);
  free_op(op);
}

static char *string_arg(napi_env env, napi_value v, const char *what) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  char *s = malloc(len + 1);
  if (s == NULL) abort();
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (strlen(s) != len || len == 0) { /* an embedded NUL or nothing: not a path */
    free(s);
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  return s;
}

static napi_value start(napi_env env, napi_callback_info info, enum op_kind kind, size_t nargs, const char *const *names) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < nargs) {
    napi_throw_type_error(env, NULL, "missing arguments");
    return NULL;
  }
  struct op *op = calloc(1, sizeof(*op));
  if (op == NULL) abort();
  op->kind = kind;
  for (size_t i = 0; i < nargs; i++) {
    op->args[i] = string_arg(env, argv[i], names[i]);
    if (op->args[i] == NULL) {
      free_op(op);
      return NULL;
    }
  }
  napi_value promise, name;
  napi_create_promise(env, &op->deferred, &promise);
  napi_create_string_utf8(env, "gantry-sys", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, op, &op->work);
  napi_queue_async_work(env, op->work);
  return promise;
}

static napi_value mount_overlay(napi_env env, napi_callback_info info) {
  static const char *const names[] = {"target must be a path", "cwd must be a path", "data must be a string"};
  return start(env, info, OP_MOUNT_OVERLAY, 3, names);
}

static napi_value unmount(napi_env env, napi_callback_info info) {
  static const char *const names[] = {"target must be a path"};
  return start(env, info, OP_UNMOUNT, 1, names);
}

static napi_value create_netns_fn(napi_env env, napi_callback_info info) {
  static const char *const names[] = {"path must be a path"};
  return start(env, info, OP_CREATE_NETNS, 1, names);
}

static napi_value delete_netns(napi_env env, napi_callback_info info) {
  static const char *const names[] = {"path must be a path"};
  return start(env, info, OP_DELETE_NETNS, 1, names);
}

static napi_value loopback_up(napi_env env, napi_callback_info info) {
  static const char *const names[] = {"netnsPath must be a path"};
  return start(env, info, OP_LOOPBACK_UP, 1, names);
}


/* ------------------------------------------------------------------ spawn */

struct buf {
  char *data;
  size_t len, cap;
};

static void buf_add(struct buf *b, const char *p, size_t n) {
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2 + 256;
    b->data = realloc(b->data, b->cap);
    if (b->data == NULL) abort();
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

struct child {
  pid_t pid;
  int in_fd, out_fd, err_fd; /* our ends; -1 once closed */
  char *input;
  size_t input_len, input_off;
  struct buf out, err;
  int status;
  napi_deferred deferred;
  napi_threadsafe_function done;
};

static void set_nonblock(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void drain(int *fd, struct buf *b) {
  char chunk[16384];
  for (;;) {
    ssize_t r = read(*fd, chunk, sizeof(chunk));
    if (r > 0) {
      buf_add(b, chunk, (size_t)r);
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) return;
    close(*fd);
    *fd = -1;
    return;
  }
}

static void *child_thread(void *arg) {
  struct child *c = arg;
  while (c->out_fd >= 0 || c->err_fd >= 0 || c->in_fd >= 0) {
    struct pollfd p[3] = {{.fd = c->in_fd, .events = POLLOUT}, {.fd = c->out_fd, .events = POLLIN}, {.fd = c->err_fd, .events = POLLIN}};
    if (poll(p, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[0].revents) {
      ssize_t w = p[0].revents & POLLOUT ? write(c->in_fd, c->input + c->input_off, c->input_len - c->input_off) : -1;
      if (w > 0) c->input_off += (size_t)w;
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || c->input_off == c->input_len) {
        close(c->in_fd); /* done, or the program does not read it (EPIPE) */
        c->in_fd = -1;
      }
    }
    if (p[1].revents) drain(&c->out_fd, &c->out);
    if (p[2].revents) drain(&c->err_fd, &c->err);
  }
  while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR) {}
  napi_threadsafe_function done = c->done; /* c belongs to the main thread from the call on */
  napi_call_threadsafe_function(done, c, napi_tsfn_blocking);
  napi_release_threadsafe_function(done, napi_tsfn_release);
  return NULL;
}

static void child_done(napi_env env, napi_value js_cb, void *context, void *data) {
  struct child *c = data;
  if (env != NULL) {
    napi_value result, v;
    napi_create_object(env, &result);
    if (WIFEXITED(c->status)) napi_create_int32(env, WEXITSTATUS(c->status), &v);
    else napi_get_null(env, &v);
    napi_set_named_property(env, result, "status", v);
    if (WIFSIGNALED(c->status)) napi_create_int32(env, WTERMSIG(c->status), &v);
    else napi_get_null(env, &v);
    napi_set_named_property(env, result, "signal", v);
    napi_create_buffer_copy(env, c->out.len, c->out.len ? c->out.data : "", NULL, &v);
    napi_set_named_property(env, result, "stdout", v);
    napi_create_buffer_copy(env, c->err.len, c->err.len ? c->err.data : "", NULL, &v);
    napi_set_named_property(env, result, "stderr", v);
    napi_resolve_deferred(env, c->deferred, result);
  }
  free(c->out.data);
  free(c->err.data);
  free(c->input);
  free(c);
}

static void close_pair(int p[2]) {
  if (p[0] >= 0) close(p[0]);
  if (p[1] >= 0) close(p[1]);
}

static napi_value spawn_fn(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "spawn(file, args, input?)");
    return NULL;
  }
  char *file = string_arg(env, argv[0], "file must be a path");
  if (file == NULL) return NULL;
  bool is_array = false;
  uint32_t n = 0;
  napi_is_array(env, argv[1], &is_array);
  if (!is_array || napi_get_array_length(env, argv[1], &n) != napi_ok || n > 4096) {
    free(file);
    napi_throw_type_error(env, NULL, "args must be an array of strings");
    return NULL;
  }
  char **args = calloc(n + 2, sizeof(char *));
  if (args == NULL) abort();
  args[0] = file;
  napi_value promise = NULL;
  struct child *c = NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value el;
    size_t len;
    napi_get_element(env, argv[1], i, &el);
    if (napi_get_value_string_utf8(env, el, NULL, 0, &len) != napi_ok) {
      napi_throw_type_error(env, NULL, "args must be an array of strings");
      goto out;
    }
    args[i + 1] = malloc(len + 1);
    if (args[i + 1] == NULL) abort();
    napi_get_value_string_utf8(env, el, args[i + 1], len + 1, &len);
  }
  c = calloc(1, sizeof(*c));
  if (c == NULL) abort();
  c->in_fd = c->out_fd = c->err_fd = -1;
  bool has_input = false;
  if (argc >= 3) {
    napi_valuetype t;
    napi_typeof(env, argv[2], &t);
    if (t != napi_undefined && t != napi_null) {
      void *data;
      size_t len;
      if (napi_get_buffer_info(env, argv[2], &data, &len) != napi_ok) {
        napi_throw_type_error(env, NULL, "input must be a Buffer");
        goto out;
      }
      has_input = true;
      c->input = malloc(len ? len : 1);
      if (c->input == NULL) abort();
      memcpy(c->input, data, len);
      c->input_len = len;
    }
  }

  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if ((has_input && pipe2(in, O_CLOEXEC) < 0) || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
    int e = errno;
    close_pair(in), close_pair(out), close_pair(err);
    napi_throw_error(env, strerrorname_np(e), "spawn: create pipes");
    goto out;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (has_input) posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  else posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all); /* Node ignores SIGPIPE: the program must not inherit that */
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  int e = posix_spawnp(&c->pid, file, &fa, &attr, args, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (in[0] >= 0) close(in[0]);
  close(out[1]);
  close(err[1]);
  if (e != 0) {
    if (in[1] >= 0) close(in[1]);
    close(out[0]);
    close(err[0]);
    char msg[600];
    snprintf(msg, sizeof(msg), "spawn %s: %s", file, strerror(e));
    napi_throw_error(env, strerrorname_np(e), msg);
    goto out;
  }
  c->in_fd = in[1];
  c->out_fd = out[0];
  c->err_fd = err[0];
  if (c->in_fd >= 0) set_nonblock(c->in_fd);
  set_nonblock(c->out_fd);
  set_nonblock(c->err_fd);

  napi_value name;
  napi_create_promise(env, &c->deferred, &promise);
  napi_create_string_utf8(env, "gantry-sys spawn", NAPI_AUTO_LENGTH, &name);
  napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, child_done, &c->done);
  pthread_attr_t ta;
  pthread_attr_init(&ta);
  pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
  pthread_t t;
  e = pthread_create(&t, &ta, child_thread, c);
  pthread_attr_destroy(&ta);
  if (e != 0) abort(); /* no thread to reap the child: nothing sensible is left */
  c = NULL;
out:
  if (c != NULL) {
    free(c->input);
    free(c);
  }
  for (uint32_t i = 0; i <= n; i++) free(args[i]);
  free(args);
  return promise;
}

/* ------------------------------------------------------------------ openat2, xattrs */

static void throw_errno(napi_env env, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void throw_errno(napi_env env, int error, const char *fmt, ...) {
  char msg[1200];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof(msg)) snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(error));
  const char *name = strerrorname_np(error);
  napi_throw_error(env, name ? name : "EIO", msg);
}

static bool int_arg(napi_env env, napi_value v, int64_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return false;
  return napi_get_value_int64(env, v, out) == napi_ok;
}

/* openat2(dirfd, path, flags, mode, resolve) → fd; O_CLOEXEC always. dirfd may be AT_FDCWD (-100). */
static napi_value openat2_fn(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t dirfd, flags, mode, resolve;
  if (argc < 5 || !int_arg(env, argv[0], &dirfd) || !int_arg(env, argv[2], &flags) || !int_arg(env, argv[3], &mode) ||
      !int_arg(env, argv[4], &resolve)) {
    napi_throw_type_error(env, NULL, "openat2(dirfd, path, flags, mode, resolve): numbers and a path");
    return NULL;
  }
  char *path = string_arg(env, argv[1], "path must be a path");
  if (path == NULL) return NULL;
  struct open_how how = {.flags = (uint64_t)flags | O_CLOEXEC, .resolve = (uint64_t)resolve};
  /* the kernel refuses a mode without O_CREAT/O_TMPFILE */
  if (flags & (O_CREAT | __O_TMPFILE)) how.mode = (uint64_t)mode;
  long fd;
  do fd = syscall(SYS_openat2, (int)dirfd, path, &how, sizeof(how));
  while (fd < 0 && errno == EINTR);
  napi_value result = NULL;
  if (fd < 0) throw_errno(env, errno, "open %s", path);
  else napi_create_int32(env, (int32_t)fd, &result);
  free(path);
  return result;
}

/* openat2Async(dirfd, path, flags, mode, resolve) → Promise<fd>: the same open on the thread pool. Creating a file
 * allocates an inode, which on some filesystems takes a millisecond (ext4 without a journal skips every inode freed
 * in the last 30 s, one block lookup each): a layer of thousands of files must not hold the event loop for that. */
struct open_work {
  napi_async_work work;
  napi_deferred deferred;
  int dirfd;
  struct open_how how;
  char *path;
  long fd;
  int error;
};

static void open_execute(napi_env env, void *data) {
  struct open_work *w = data;
  do w->fd = syscall(SYS_openat2, w->dirfd, w->path, &w->how, sizeof(w->how));
  while (w->fd < 0 && errno == EINTR);
  w->error = w->fd < 0 ? errno : 0;
}

static void open_complete(napi_env env, napi_status status, void *data) {
  struct open_work *w = data;
  napi_value result;
  if (status == napi_ok && w->error == 0) {
    napi_create_int32(env, (int32_t)w->fd, &result);
    napi_resolve_deferred(env, w->deferred, result);
  } else {
    int e = status == napi_ok ? w->error : ECANCELED;
    char msg[4200];
    snprintf(msg, sizeof(msg), "open %s: %s", w->path, strerror(e));
    napi_value m, code;
    const char *name = strerrorname_np(e);
    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
    napi_create_string_utf8(env, name ? name : "EIO", NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, m, &result);
    napi_reject_deferred(env, w->deferred, result);
  }
  napi_delete_async_work(env, w->work);
  free(w->path);
  free(w);
}

static napi_value openat2_async_fn(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t dirfd, flags, mode, resolve;
  if (argc < 5 || !int_arg(env, argv[0], &dirfd) || !int_arg(env, argv[2], &flags) || !int_arg(env, argv[3], &mode) ||
      !int_arg(env, argv[4], &resolve)) {
    napi_throw_type_error(env, NULL, "openat2Async(dirfd, path, flags, mode, resolve): numbers and a path");
    return NULL;
  }
  char *path = string_arg(env, argv[1], "path must be a path");
  if (path == NULL) return NULL;
  struct open_work *w = calloc(1, sizeof(*w));
  if (w == NULL) abort();
  w->dirfd = (int)dirfd;
  w->path = path;
  w->how.flags = (uint64_t)flags | O_CLOEXEC;
  w->how.resolve = (uint64_t)resolve;
  if (flags & (O_CREAT | __O_TMPFILE)) w->how.mode = (uint64_t)mode;
  napi_value promise, name;
  napi_create_promise(env, &w->deferred, &promise);
  napi_create_string_utf8(env, "gantry-sys openat2", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, open_execute, open_complete, w, &w->work);
  napi_queue_async_work(env, w->work);
  return promise;
}

/* xattrs(path, follow) → {name: Buffer}; a filesystem without xattrs gives {}. */
static napi_value xattrs_fn(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool follow = false;
  if (argc < 2 || napi_get_value_bool(env, argv[1], &follow) != napi_ok) {
    napi_throw_type_error(env, NULL, "xattrs(path, follow)");
    return NULL;
  }
  char *path = string_arg(env, argv[0], "path must be a path");
  if (path == NULL) return NULL;
  napi_value result = NULL;
  char *names = NULL, *value = NULL;
  ssize_t len;
  /* the list can grow between the two calls: ask again on ERANGE */
  for (;;) {
    len = follow ? listxattr(path, NULL, 0) : llistxattr(path, NULL, 0);
    if (len <= 0) break;
    names = realloc(names, (size_t)len);
    if (names == NULL) abort();
    len = follow ? listxattr(path, names, (size_t)len) : llistxattr(path, names, (size_t)len);
    if (len >= 0 || errno != ERANGE) break;
  }
  if (len < 0 && errno != ENOTSUP) {
    throw_errno(env, errno, "list the extended attributes of %s", path);
    goto out;
  }
  napi_create_object(env, &result);
  for (ssize_t off = 0; len > 0 && off < len; off += (ssize_t)strlen(names + off) + 1) {
    const char *name = names + off;
    ssize_t vlen;
    for (;;) {
      vlen = follow ? getxattr(path, name, NULL, 0) : lgetxattr(path, name, NULL, 0);
      if (vlen < 0) break;
      value = realloc(value, vlen ? (size_t)vlen : 1);
      if (value == NULL) abort();
      vlen = follow ? getxattr(path, name, value, (size_t)vlen) : lgetxattr(path, name, value, (size_t)vlen);
      if (vlen >= 0 || errno != ERANGE) break;
    }
    if (vlen < 0) {
      if (errno == ENODATA) continue; /* removed meanwhile */
      throw_errno(env, errno, "read the extended attribute %s of %s", name, path);
      result = NULL;
      goto out;
    }
    napi_value v;
    napi_create_buffer_copy(env, (size_t)vlen, vlen ? value : "", NULL, &v);
    napi_set_named_property(env, result, name, v);
  }
out:
  free(names);
  free(value);
  free(path);
  return result;
}

/* hungUp(fd): poll(2) tells a peer gone (POLLHUP: both halves shut) from one that only ended what it sends
 * (POLLRDHUP alone); a read sees EOF for both, and Node reports nothing else. */
static napi_value hung_up_fn(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t fd;
  if (argc < 1 || !int_arg(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "hungUp(fd)");
    return NULL;
  }
  struct pollfd p = {.fd = (int)fd, .events = POLLRDHUP};
  int r;
  do r = poll(&p, 1, 0);
  while (r < 0 && errno == EINTR);
  napi_value result;
  napi_get_boolean(env, r > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)), &result);
  return result;
}

/* trimMemory(): malloc_trim(0), synchronous. glibc keeps what the process freed (V8's compiler zones, Node's
 * buffers, every thread's arena) for later mallocs; this hands the free pages back to the kernel. Whether any
 * memory was released. */
static napi_value trim_memory_fn(napi_env env, napi_callback_info info) {
  napi_value result;
  napi_get_boolean(env, malloc_trim(0) == 1, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"mountOverlay", NULL, mount_overlay, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unmount", NULL, unmount, NULL, NULL, NULL, napi_enumerable, NULL},
      {"createNetns", NULL, create_netns_fn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"deleteNetns", NULL, delete_netns, NULL, NULL, NULL, napi_enumerable, NULL},
      {"loopbackUp", NULL, loopback_up, NULL, NULL, NULL, napi_enumerable, NULL},
      {"spawn", NULL, spawn_fn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openat2", NULL, openat2_fn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openat2Async", NULL, openat2_async_fn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"xattrs", NULL, xattrs_fn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"hungUp", NULL, hung_up_fn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"trimMemory", NULL, trim_memory_fn, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  static const struct { const char *name; int64_t value; } constants[] = {
      {"O_PATH", O_PATH},
      {"RESOLVE_NO_XDEV", RESOLVE_NO_XDEV},
      {"RESOLVE_NO_MAGICLINKS", RESOLVE_NO_MAGICLINKS},
      {"RESOLVE_NO_SYMLINKS", RESOLVE_NO_SYMLINKS},
      {"RESOLVE_BENEATH", RESOLVE_BENEATH},
      {"RESOLVE_IN_ROOT", RESOLVE_IN_ROOT},
  };
  for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++) {
    napi_value v;
    napi_create_int64(env, constants[i].value, &v);
    napi_set_named_property(env, exports, constants[i].name, v);
  }
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
