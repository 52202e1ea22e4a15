#include "runtime/config.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* ---- tables ---- */

static const char *const cap_names[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
    "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

int capability_from_name(const char *name) {
  for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
    if (strcasecmp(cap_names[i], name) == 0) return (int)i;
  return -1;
}

const char *capability_name(int cap) {
  if (cap < 0 || (size_t)cap >= sizeof(cap_names) / sizeof(cap_names[0])) return NULL;
  return cap_names[cap];
}

int capability_last(void) {
  return (int)(sizeof(cap_names) / sizeof(cap_names[0])) - 1;
}

static const struct {
  const char *name;
  int resource;
} rlimit_names[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_STACK", RLIMIT_STACK},     {"RLIMIT_CORE", RLIMIT_CORE},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_LOCKS", RLIMIT_LOCKS},   {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},   {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

int rlimit_from_name(const char *name) {
  for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
    if (strcmp(rlimit_names[i].name, name) == 0) return rlimit_names[i].resource;
  return -1;
}

static const struct {
  const char *name;
  int type;
} ns_names[] = {
    {"pid", CLONE_NEWPID}, {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},      {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS}, {"user", CLONE_NEWUSER},   {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

int namespace_from_name(const char *name) {
  for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++)
    if (strcmp(ns_names[i].name, name) == 0) return ns_names[i].type;
  return -1;
}

const char *namespace_name(int type) {
  for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++)
    if (ns_names[i].type == type) return ns_names[i].name;
  return "?";
}

const struct oci_namespace *config_namespace(const struct oci_config *c, int type) {
  for (size_t i = 0; i < c->n_namespaces; i++)
    if (c->namespaces[i].type == type) return &c->namespaces[i];
  return NULL;
}

/* ---- typed field access; every error names the field ---- */

static int field_error(gantry_error_t *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int field_error(gantry_error_t *err, const char *field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0) abort();
  va_end(ap);
  gantry_error_set(err, 0, "%s: %s", field, msg);
  free(msg);
  return -1;
}

static char *child(const char *parent, const char *key) {
  return parent && *parent ? xasprintf("%s.%s", parent, key) : xstrdup(key);
}

static char *elem(const char *parent, size_t i) {
  return xasprintf("%s[%zu]", parent, i);
}

static int want_type(const struct json_value *v, enum json_type t, const char *field, gantry_error_t *err) {
  if (v->type != t) return field_error(err, field, "must be %s, not %s", json_type_name(t), json_type_name(v->type));
  return 0;
}

/* Looks up key in obj; *v is NULL when absent (or null). required makes absence an error. */
static int member(const struct json_value *obj, const char *parent, const char *key, enum json_type t, bool required,
                  struct json_value **v, gantry_error_t *err) {
  *v = json_get(obj, key);
  if (*v && (*v)->type == JSON_NULL) *v = NULL;
  cleanup_free char *f = child(parent, key);
  if (*v == NULL) return required ? field_error(err, f, "is required") : 0;
  return want_type(*v, t, f, err);
}

static int get_string(const struct json_value *obj, const char *parent, const char *key, bool required, char **out,
                      gantry_error_t *err) {
  struct json_value *v;
  if (member(obj, parent, key, JSON_STRING, required, &v, err) < 0) return -1;
  if (v) *out = xstrdup(v->text);
  return 0;
}

static int get_bool(const struct json_value *obj, const char *parent, const char *key, bool *out,
                    gantry_error_t *err) {
  struct json_value *v;
  if (member(obj, parent, key, JSON_BOOL, false, &v, err) < 0) return -1;
  if (v) *out = v->boolean;
  return 0;
}

static int get_int64(const struct json_value *obj, const char *parent, const char *key, bool required, bool *has,
                     int64_t min, int64_t max, int64_t *out, gantry_error_t *err) {
  struct json_value *v;
  if (member(obj, parent, key, JSON_NUMBER, required, &v, err) < 0) return -1;
  if (has) *has = v != NULL;
  if (v == NULL) return 0;
  int64_t x;
  cleanup_free char *f = child(parent, key);
  if (json_int64(v, &x) < 0 || x < min || x > max)
    return field_error(err, f, "must be an integer from %lld to %lld, not %s", (long long)min, (long long)max,
                       v->text);
  *out = x;
  return 0;
}

static int get_uint64(const struct json_value *obj, const char *parent, const char *key, bool *has, uint64_t *out,
                      gantry_error_t *err) {
  struct json_value *v;
  if (member(obj, parent, key, JSON_NUMBER, false, &v, err) < 0) return -1;
  if (has) *has = v != NULL;
  if (v == NULL) return 0;
  cleanup_free char *f = child(parent, key);
  if (json_uint64(v, out) < 0) return field_error(err, f, "must be a non-negative integer, not %s", v->text);
  return 0;
}

static int get_uint32(const struct json_value *obj, const char *parent, const char *key, bool required, bool *has,
                      uint32_t *out, gantry_error_t *err) {
  int64_t x = 0;
  if (get_int64(obj, parent, key, required, has, 0, UINT32_MAX, &x, err) < 0) return -1;
  *out = (uint32_t)x;
  return 0;
}

/* An array of strings into a NULL-terminated vector (NULL when absent). */
static int get_strv(const struct json_value *obj, const char *parent, const char *key, char ***out,
                    gantry_error_t *err) {
  struct json_value *v;
  if (member(obj, parent, key, JSON_ARRAY, false, &v, err) < 0) return -1;
  if (v == NULL) return 0;
  cleanup_free char *f = child(parent, key);
  char **s = xcalloc(v->n + 1, sizeof(*s));
  for (size_t i = 0; i < v->n; i++) {
    if (v->items[i]->type != JSON_STRING) {
      strv_free(s);
      cleanup_free char *e = elem(f, i);
      return want_type(v->items[i], JSON_STRING, e, err);
    }
    s[i] = xstrdup(v->items[i]->text);
  }
  *out = s;
  return 0;
}

static int check_absolute_strv(char **v, const char *field, gantry_error_t *err) {
  for (size_t i = 0; v && v[i]; i++)
    if (v[i][0] != '/') {
      cleanup_free char *e = elem(field, i);
      return field_error(err, e, "must be an absolute path, not \"%s\"", v[i]);
    }
  return 0;
}

/* ---- process ---- */

static int parse_caps(const struct json_value *obj, const char *parent, struct oci_caps *caps, gantry_error_t *err) {
  static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted", "ambient"};
  uint64_t *dst[] = {&caps->bounding, &caps->effective, &caps->inheritable, &caps->permitted, &caps->ambient};
  for (size_t s = 0; s < 5; s++) {
    cleanup_strv char **names = NULL;
    if (get_strv(obj, parent, sets[s], &names, err) < 0) return -1;
    for (size_t i = 0; names && names[i]; i++) {
      int cap = capability_from_name(names[i]);
      if (cap < 0) {
        cleanup_free char *f = child(parent, sets[s]);
        cleanup_free char *e = elem(f, i);
        return field_error(err, e, "unknown capability \"%s\"", names[i]);
      }
      *dst[s] |= 1ULL << cap;
    }
  }
  return 0;
}

static int check_env(char **env, const char *field, gantry_error_t *err) {
  for (size_t i = 0; env && env[i]; i++)
    if (strchr(env[i], '=') == NULL || env[i][0] == '=') {
      cleanup_free char *e = elem(field, i);
      return field_error(err, e, "must be KEY=VALUE, not \"%s\"", env[i]);
    }
  return 0;
}

int config_parse_process(const struct json_value *v, const char *field, struct oci_process **out,
                         gantry_error_t *err) {
  if (want_type(v, JSON_OBJECT, field, err) < 0) return -1;
  struct oci_process *p = xcalloc(1, sizeof(*p));
  struct json_value *x;
  cleanup_free char *fuser = child(field, "user");
  cleanup_free char *fargs = child(field, "args");
  cleanup_free char *fenv = child(field, "env");
  cleanup_free char *fcaps = child(field, "capabilities");
  cleanup_free char *fconsole = child(field, "consoleSize");
  cleanup_free char *frl = child(field, "rlimits");
  int64_t i64 = 0;
  uint32_t u32 = 0;

  if (get_bool(v, field, "terminal", &p->terminal, err) < 0) goto fail;
  if (member(v, field, "consoleSize", JSON_OBJECT, false, &x, err) < 0) goto fail;
  if (x) {
    if (get_uint32(x, fconsole, "height", false, NULL, &u32, err) < 0) goto fail;
    p->console_height = u32;
    u32 = 0;
    if (get_uint32(x, fconsole, "width", false, NULL, &u32, err) < 0) goto fail;
    p->console_width = u32;
  }
  if (member(v, field, "user", JSON_OBJECT, true, &x, err) < 0) goto fail;
  if (get_uint32(x, fuser, "uid", true, NULL, &u32, err) < 0) goto fail;
  p->uid = u32;
  if (get_uint32(x, fuser, "gid", true, NULL, &u32, err) < 0) goto fail;
  p->gid = u32;
  if (get_uint32(x, fuser, "umask", false, &p->has_umask, &u32, err) < 0) goto fail;
  if (p->has_umask) {
    if (u32 > 0777) {
      cleanup_free char *f = child(fuser, "umask");
      field_error(err, f, "must be at most 0777 (511)");
      goto fail;
    }
    p->umask = u32;
  }
  struct json_value *gids;
  if (member(x, fuser, "additionalGids", JSON_ARRAY, false, &gids, err) < 0) goto fail;
  if (gids) {
    cleanup_free char *fg = child(fuser, "additionalGids");
    p->additional_gids = xcalloc(gids->n, sizeof(gid_t));
    for (size_t i = 0; i < gids->n; i++) {
      uint64_t g;
      if (json_uint64(gids->items[i], &g) < 0 || g > UINT32_MAX) {
        cleanup_free char *e = elem(fg, i);
        field_error(err, e, "must be a gid (0 to 4294967295)");
        goto fail;
      }
      p->additional_gids[p->n_additional_gids++] = (gid_t)g;
    }
  }
  if (get_strv(v, field, "args", &p->args, err) < 0) goto fail;
  if (p->args == NULL || p->args[0] == NULL) {
    field_error(err, fargs, "must name the program to run (a non-empty array of strings)");
    goto fail;
  }
  if (p->args[0][0] == '\0') {
    cleanup_free char *e = elem(fargs, 0);
    field_error(err, e, "must not be empty");
    goto fail;
  }
  if (get_strv(v, field, "env", &p->env, err) < 0 || check_env(p->env, fenv, err) < 0) goto fail;
  if (p->env == NULL) p->env = xcalloc(1, sizeof(char *));
  if (get_string(v, field, "cwd", true, &p->cwd, err) < 0) goto fail;
  if (p->cwd[0] != '/') {
    cleanup_free char *f = child(field, "cwd");
    field_error(err, f, "must be an absolute path, not \"%s\"", p->cwd);
    goto fail;
  }
  if (member(v, field, "capabilities", JSON_OBJECT, false, &x, err) < 0) goto fail;
  if (x) {
    p->has_caps = true;
    if (parse_caps(x, fcaps, &p->caps, err) < 0) goto fail;
  }
  if (get_bool(v, field, "noNewPrivileges", &p->no_new_privileges, err) < 0) goto fail;
  static const char *const lsm[][2] = {{"apparmorProfile", "AppArmor"}, {"selinuxLabel", "SELinux"}};
  for (size_t i = 0; i < 2; i++) {
    cleanup_free char *label = NULL;
    if (get_string(v, field, lsm[i][0], false, &label, err) < 0) goto fail;
    if (label && label[0]) {
      cleanup_free char *f = child(field, lsm[i][0]);
      field_error(err, f, "%s is not supported by gantry-runtime (remove \"%s\")", lsm[i][1], label);
      goto fail;
    }
  }
  if (get_int64(v, field, "oomScoreAdj", false, &p->has_oom_score_adj, -1000, 1000, &i64, err) < 0) goto fail;
  p->oom_score_adj = (int)i64;
  struct json_value *rl;
  if (member(v, field, "rlimits", JSON_ARRAY, false, &rl, err) < 0) goto fail;
  if (rl) {
    p->rlimits = xcalloc(rl->n, sizeof(*p->rlimits));
    for (size_t i = 0; i < rl->n; i++) {
      cleanup_free char *e = elem(frl, i);
      if (want_type(rl->items[i], JSON_OBJECT, e, err) < 0) goto fail;
      cleanup_free char *type = NULL;
      if (get_string(rl->items[i], e, "type", true, &type, err) < 0) goto fail;
      int res = rlimit_from_name(type);
      if (res < 0) {
        cleanup_free char *f = child(e, "type");
        field_error(err, f, "unknown rlimit \"%s\"", type);
        goto fail;
      }
      for (size_t j = 0; j < p->n_rlimits; j++)
        if (p->rlimits[j].resource == res) {
          field_error(err, e, "%s is given twice", type);
          goto fail;
        }
      struct oci_rlimit *r = &p->rlimits[p->n_rlimits++];
      r->resource = res;
      bool has_soft, has_hard;
      if (get_uint64(rl->items[i], e, "soft", &has_soft, &r->soft, err) < 0) goto fail;
      if (get_uint64(rl->items[i], e, "hard", &has_hard, &r->hard, err) < 0) goto fail;
      if (!has_soft || !has_hard) {
        field_error(err, e, "needs both soft and hard");
        goto fail;
      }
      if (r->soft > r->hard) {
        field_error(err, e, "soft limit %llu is above the hard limit %llu", (unsigned long long)r->soft,
                    (unsigned long long)r->hard);
        goto fail;
      }
    }
  }
  *out = p;
  return 0;
fail:
  process_free(p);
  return -1;
}

void process_free(struct oci_process *p) {
  if (p == NULL) return;
  free(p->additional_gids);
  strv_free(p->args);
  strv_free(p->env);
  free(p->cwd);
  free(p->rlimits);
  free(p);
}

/* ---- hooks ---- */

static int parse_hook_list(const struct json_value *obj, const char *key, struct oci_hook **out, size_t *n,
                           gantry_error_t *err) {
  struct json_value *v;
  if (member(obj, "hooks", key, JSON_ARRAY, false, &v, err) < 0) return -1;
  if (v == NULL) return 0;
  cleanup_free char *f = child("hooks", key);
  *out = xcalloc(v->n, sizeof(**out));
  for (size_t i = 0; i < v->n; i++) {
    cleanup_free char *e = elem(f, i);
    if (want_type(v->items[i], JSON_OBJECT, e, err) < 0) return -1;
    struct oci_hook *h = &(*out)[(*n)++];
    if (get_string(v->items[i], e, "path", true, &h->path, err) < 0) return -1;
    if (h->path[0] != '/') {
      cleanup_free char *fp = child(e, "path");
      return field_error(err, fp, "must be an absolute path, not \"%s\"", h->path);
    }
    if (get_strv(v->items[i], e, "args", &h->args, err) < 0) return -1;
    cleanup_free char *fe = child(e, "env");
    if (get_strv(v->items[i], e, "env", &h->env, err) < 0 || check_env(h->env, fe, err) < 0) return -1;
    bool has;
    int64_t t = 0;
    if (get_int64(v->items[i], e, "timeout", false, &has, 1, INT32_MAX, &t, err) < 0) return -1;
    h->timeout = (int)t;
  }
  return 0;
}

int config_parse_hooks(const struct json_value *v, struct oci_hooks *h, gantry_error_t *err) {
  memset(h, 0, sizeof(*h));
  if (want_type(v, JSON_OBJECT, "hooks", err) < 0) return -1;
  if (parse_hook_list(v, "prestart", &h->prestart, &h->n_prestart, err) < 0 ||
      parse_hook_list(v, "createRuntime", &h->create_runtime, &h->n_create_runtime, err) < 0 ||
      parse_hook_list(v, "createContainer", &h->create_container, &h->n_create_container, err) < 0 ||
      parse_hook_list(v, "startContainer", &h->start_container, &h->n_start_container, err) < 0 ||
      parse_hook_list(v, "poststart", &h->poststart, &h->n_poststart, err) < 0 ||
      parse_hook_list(v, "poststop", &h->poststop, &h->n_poststop, err) < 0) {
    hooks_free(h);
    return -1;
  }
  return 0;
}

static void hook_list_free(struct oci_hook *l, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(l[i].path);
    strv_free(l[i].args);
    strv_free(l[i].env);
  }
  free(l);
}

void hooks_free(struct oci_hooks *h) {
  hook_list_free(h->prestart, h->n_prestart);
  hook_list_free(h->create_runtime, h->n_create_runtime);
  hook_list_free(h->create_container, h->n_create_container);
  hook_list_free(h->start_container, h->n_start_container);
  hook_list_free(h->poststart, h->n_poststart);
  hook_list_free(h->poststop, h->n_poststop);
  memset(h, 0, sizeof(*h));
}

/* ---- mounts ---- */

static const struct {
  const char *name;
  bool clear;
  unsigned long flag;
} mount_flags[] = {
    {"ro", false, MS_RDONLY},         {"rw", true, MS_RDONLY},          {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},        {"nodev", false, MS_NODEV},       {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},     {"exec", true, MS_NOEXEC},        {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},  {"dirsync", false, MS_DIRSYNC},   {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},     {"nomand", true, MS_MANDLOCK},    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},   {"diratime", true, MS_NODIRATIME}, {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME}, {"norelatime", true, MS_RELATIME}, {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME}, {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"symfollow", true, MS_NOSYMFOLLOW},
};

static const struct {
  const char *name;
  unsigned long flags;
} propagation_flags[] = {
    {"private", MS_PRIVATE},    {"rprivate", MS_PRIVATE | MS_REC}, {"shared", MS_SHARED},
    {"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE},          {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static int propagation_from_name(const char *name, unsigned long *out) {
  for (size_t i = 0; i < sizeof(propagation_flags) / sizeof(propagation_flags[0]); i++)
    if (strcmp(propagation_flags[i].name, name) == 0) {
      *out = propagation_flags[i].flags;
      return 0;
    }
  return -1;
}

static void append_data(char **data, const char *opt) {
  if (*data == NULL) {
    *data = xstrdup(opt);
  } else {
    char *n = xasprintf("%s,%s", *data, opt);
    free(*data);
    *data = n;
  }
}

static int parse_mount(const struct json_value *v, const char *field, const char *bundle, struct oci_mount *m,
                       gantry_error_t *err) {
  if (want_type(v, JSON_OBJECT, field, err) < 0) return -1;
  if (get_string(v, field, "destination", true, &m->destination, err) < 0) return -1;
  if (m->destination[0] != '/') {
    cleanup_free char *f = child(field, "destination");
    return field_error(err, f, "must be an absolute path, not \"%s\"", m->destination);
  }
  if (get_string(v, field, "type", false, &m->type, err) < 0) return -1;
  if (get_string(v, field, "source", false, &m->source, err) < 0) return -1;
  if (json_get(v, "uidMappings") || json_get(v, "gidMappings")) {
    return field_error(err, field, "idmapped mounts (uidMappings/gidMappings) are not supported");
  }
  cleanup_strv char **opts = NULL;
  if (get_strv(v, field, "options", &opts, err) < 0) return -1;
  for (size_t i = 0; opts && opts[i]; i++) {
    const char *o = opts[i];
    bool known = false;
    if (strcmp(o, "bind") == 0 || strcmp(o, "rbind") == 0) {
      m->bind = true;
      m->recursive |= o[0] == 'r';
      continue;
    }
    for (size_t k = 0; k < sizeof(mount_flags) / sizeof(mount_flags[0]); k++)
      if (strcmp(mount_flags[k].name, o) == 0) {
        if (mount_flags[k].clear) {
          m->flags &= ~mount_flags[k].flag;
          m->clear_flags |= mount_flags[k].flag;
        } else {
          m->flags |= mount_flags[k].flag;
          m->clear_flags &= ~mount_flags[k].flag;
        }
        known = true;
      }
    unsigned long prop;
    if (!known && propagation_from_name(o, &prop) == 0) {
      m->propagation = prop;
      known = true;
    }
    if (!known && strcmp(o, "tmpcopyup") == 0) {
      cleanup_free char *f = child(field, "options");
      cleanup_free char *e = elem(f, i);
      return field_error(err, e, "\"tmpcopyup\" is not supported");
    }
    if (!known) append_data(&m->data, o);
  }
  if (m->type && strcmp(m->type, "bind") == 0) m->bind = true;
  if (m->type == NULL && !m->bind) return field_error(err, field, "needs a type (or the bind/rbind option)");
  if (m->bind) {
    if (m->source == NULL || m->source[0] == '\0') return field_error(err, field, "a bind mount needs a source");
    if (m->source[0] != '/') {
      char *abs = xasprintf("%s/%s", bundle, m->source);
      free(m->source);
      m->source = abs;
    }
  }
  if (m->source == NULL) m->source = xstrdup(m->type);
  return 0;
}

/* ---- linux.resources ---- */

/* blockIO.weightDevice[] (with_weight: {major, minor, weight}) or a throttle list ({major, minor, rate}). */
static int parse_blkio_devices(const struct json_value *blk, const char *parent, const char *key, bool with_weight,
                               struct cgroup_blkio_device **out, size_t *n, gantry_error_t *err) {
  struct json_value *arr;
  if (member(blk, parent, key, JSON_ARRAY, false, &arr, err) < 0) return -1;
  if (arr == NULL) return 0;
  cleanup_free char *f = child(parent, key);
  *out = xcalloc(arr->n, sizeof(**out));
  for (size_t i = 0; i < arr->n; i++) {
    cleanup_free char *e = elem(f, i);
    if (want_type(arr->items[i], JSON_OBJECT, e, err) < 0) return -1;
    struct cgroup_blkio_device *d = &(*out)[(*n)++];
    if (get_int64(arr->items[i], e, "major", true, NULL, 0, UINT32_MAX, &d->major, err) < 0 ||
        get_int64(arr->items[i], e, "minor", true, NULL, 0, UINT32_MAX, &d->minor, err) < 0)
      return -1;
    if (with_weight) {
      int64_t w = 0;
      if (get_int64(arr->items[i], e, "weight", false, &d->has_weight, 10, 1000, &w, err) < 0) return -1;
      d->weight = (uint16_t)w;
    } else if (get_uint64(arr->items[i], e, "rate", NULL, &d->rate, err) < 0) {
      return -1;
    }
  }
  return 0;
}

int config_parse_resources(const struct json_value *v, const char *field, struct cgroup_resources *r,
                           gantry_error_t *err) {
  memset(r, 0, sizeof(*r));
  if (want_type(v, JSON_OBJECT, field, err) < 0) return -1;
  struct json_value *x;
  int64_t i64 = 0;
  uint64_t u64 = 0;
  bool has = false;
  cleanup_free char *fmem = child(field, "memory");
  cleanup_free char *fcpu = child(field, "cpu");
  cleanup_free char *fpids = child(field, "pids");
  cleanup_free char *fblk = child(field, "blockIO");
  cleanup_free char *fdev = child(field, "devices");
  cleanup_free char *funi = child(field, "unified");

  if (member(v, field, "memory", JSON_OBJECT, false, &x, err) < 0) goto fail;
  if (x) {
    if (get_int64(x, fmem, "limit", false, &r->has_memory_limit, -1, INT64_MAX, &r->memory_limit, err) < 0 ||
        get_int64(x, fmem, "reservation", false, &r->has_memory_reservation, -1, INT64_MAX, &r->memory_reservation,
                  err) < 0 ||
        get_int64(x, fmem, "swap", false, &r->has_memory_swap, -1, INT64_MAX, &r->memory_swap, err) < 0 ||
        get_uint64(x, fmem, "swappiness", &r->has_memory_swappiness, &r->memory_swappiness, err) < 0)
      goto fail;
    if (r->has_memory_swappiness && r->memory_swappiness > 100) {
      cleanup_free char *f = child(fmem, "swappiness");
      field_error(err, f, "must be from 0 to 100");
      goto fail;
    }
    struct json_value *o;
    if (member(x, fmem, "disableOOMKiller", JSON_BOOL, false, &o, err) < 0) goto fail;
    if (o) {
      r->has_disable_oom_killer = true;
      r->disable_oom_killer = o->boolean;
    }
    if (r->has_memory_limit && r->has_memory_swap && r->memory_limit > 0 && r->memory_swap > 0 &&
        r->memory_swap < r->memory_limit) {
      field_error(err, fmem, "swap (%lld) must be at least the limit (%lld): it counts memory plus swap",
                  (long long)r->memory_swap, (long long)r->memory_limit);
      goto fail;
    }
  }
  if (member(v, field, "cpu", JSON_OBJECT, false, &x, err) < 0) goto fail;
  if (x) {
    if (get_uint64(x, fcpu, "shares", &r->has_cpu_shares, &r->cpu_shares, err) < 0 ||
        get_int64(x, fcpu, "quota", false, &r->has_cpu_quota, -1, INT64_MAX, &r->cpu_quota, err) < 0 ||
        get_uint64(x, fcpu, "period", &r->has_cpu_period, &r->cpu_period, err) < 0 ||
        get_int64(x, fcpu, "realtimeRuntime", false, &r->has_cpu_rt_runtime, -1, INT64_MAX, &r->cpu_rt_runtime,
                  err) < 0 ||
        get_uint64(x, fcpu, "realtimePeriod", &r->has_cpu_rt_period, &r->cpu_rt_period, err) < 0 ||
        get_string(x, fcpu, "cpus", false, &r->cpu_cpus, err) < 0 ||
        get_string(x, fcpu, "mems", false, &r->cpu_mems, err) < 0)
      goto fail;
    if (r->cpu_cpus && r->cpu_cpus[0] == '\0') {
      free(r->cpu_cpus);
      r->cpu_cpus = NULL;
    }
    if (r->cpu_mems && r->cpu_mems[0] == '\0') {
      free(r->cpu_mems);
      r->cpu_mems = NULL;
    }
  }
  if (member(v, field, "pids", JSON_OBJECT, false, &x, err) < 0) goto fail;
  if (x) {
    if (get_int64(x, fpids, "limit", true, &r->has_pids_limit, INT64_MIN, INT64_MAX, &r->pids_limit, err) < 0)
      goto fail;
  }
  if (member(v, field, "blockIO", JSON_OBJECT, false, &x, err) < 0) goto fail;
  if (x) {
    if (get_int64(x, fblk, "weight", false, &has, 10, 1000, &i64, err) < 0) goto fail;
    r->has_blkio_weight = has;
    r->blkio_weight = (uint16_t)i64;
    if (get_int64(x, fblk, "leafWeight", false, &has, 10, 1000, &i64, err) < 0) goto fail;
    r->has_blkio_leaf_weight = has;
    r->blkio_leaf_weight = (uint16_t)i64;
    if (parse_blkio_devices(x, fblk, "weightDevice", true, &r->blkio_weight_device, &r->n_blkio_weight_device,
                            err) < 0)
      goto fail;
    for (size_t k = 0; k < CGROUP_THROTTLE_KINDS; k++)
      if (parse_blkio_devices(x, fblk, cgroup_throttle_fields[k], false, &r->blkio_throttle[k],
                              &r->n_blkio_throttle[k], err) < 0)
        goto fail;
  }
  if (member(v, field, "hugepageLimits", JSON_ARRAY, false, &x, err) < 0) goto fail;
  if (x) {
    cleanup_free char *fhp = child(field, "hugepageLimits");
    r->hugepages = xcalloc(x->n, sizeof(*r->hugepages));
    for (size_t i = 0; i < x->n; i++) {
      cleanup_free char *e = elem(fhp, i);
      if (want_type(x->items[i], JSON_OBJECT, e, err) < 0) goto fail;
      struct cgroup_hugepage_limit *h = &r->hugepages[r->n_hugepages++];
      if (get_string(x->items[i], e, "pageSize", true, &h->page_size, err) < 0 ||
          get_uint64(x->items[i], e, "limit", NULL, &h->limit, err) < 0)
        goto fail;
      /* The size becomes part of a file name (hugetlb.<size>.limit_in_bytes): digits and a unit, nothing else. */
      size_t digits = strspn(h->page_size, "0123456789");
      const char *unit = h->page_size + digits;
      if (digits == 0 || digits > 9 || (strcmp(unit, "KB") != 0 && strcmp(unit, "MB") != 0 && strcmp(unit, "GB") != 0)) {
        cleanup_free char *f = child(e, "pageSize");
        field_error(err, f, "must be a size such as \"2MB\" or \"1GB\", not \"%s\"", h->page_size);
        goto fail;
      }
    }
  }
  if (member(v, field, "network", JSON_OBJECT, false, &x, err) < 0) goto fail;
  if (x) {
    cleanup_free char *fnet = child(field, "network");
    if (get_uint32(x, fnet, "classID", false, &r->has_net_classid, &r->net_classid, err) < 0) goto fail;
    struct json_value *prios;
    if (member(x, fnet, "priorities", JSON_ARRAY, false, &prios, err) < 0) goto fail;
    if (prios) {
      cleanup_free char *fp = child(fnet, "priorities");
      r->net_priorities = xcalloc(prios->n, sizeof(*r->net_priorities));
      for (size_t i = 0; i < prios->n; i++) {
        cleanup_free char *e = elem(fp, i);
        if (want_type(prios->items[i], JSON_OBJECT, e, err) < 0) goto fail;
        struct cgroup_net_priority *p = &r->net_priorities[r->n_net_priorities++];
        if (get_string(prios->items[i], e, "name", true, &p->name, err) < 0 ||
            get_uint32(prios->items[i], e, "priority", true, NULL, &p->priority, err) < 0)
          goto fail;
        size_t len = strlen(p->name);
        if (len == 0 || len > 15 || strpbrk(p->name, "/ \t\n") != NULL) {
          cleanup_free char *f = child(e, "name");
          field_error(err, f, "must be a network interface name (1-15 characters, no '/' or spaces), not \"%s\"",
                      p->name);
          goto fail;
        }
      }
    }
  }
  if (member(v, field, "devices", JSON_ARRAY, false, &x, err) < 0) goto fail;
  if (x) {
    r->devices = xcalloc(x->n, sizeof(*r->devices));
    for (size_t i = 0; i < x->n; i++) {
      cleanup_free char *e = elem(fdev, i);
      if (want_type(x->items[i], JSON_OBJECT, e, err) < 0) goto fail;
      struct cgroup_device_rule *d = &r->devices[r->n_devices++];
      struct json_value *allow;
      if (member(x->items[i], e, "allow", JSON_BOOL, true, &allow, err) < 0) goto fail;
      d->allow = allow->boolean;
      cleanup_free char *type = NULL, *access = NULL;
      if (get_string(x->items[i], e, "type", false, &type, err) < 0) goto fail;
      d->type = type ? type[0] : 'a';
      if (type && (strlen(type) != 1 || strchr("acb", type[0]) == NULL)) {
        cleanup_free char *f = child(e, "type");
        field_error(err, f, "must be \"a\", \"c\" or \"b\", not \"%s\"", type);
        goto fail;
      }
      d->major = d->minor = -1;
      if (get_int64(x->items[i], e, "major", false, NULL, -1, INT64_MAX, &d->major, err) < 0 ||
          get_int64(x->items[i], e, "minor", false, NULL, -1, INT64_MAX, &d->minor, err) < 0)
        goto fail;
      if (get_string(x->items[i], e, "access", false, &access, err) < 0) goto fail;
      const char *acc = access ? access : "rwm";
      if (strlen(acc) > 3 || strspn(acc, "rwm") != strlen(acc)) {
        cleanup_free char *f = child(e, "access");
        field_error(err, f, "must be a subset of \"rwm\", not \"%s\"", acc);
        goto fail;
      }
      snprintf(d->access, sizeof(d->access), "%s", acc);
    }
  }
  if (member(v, field, "unified", JSON_OBJECT, false, &x, err) < 0) goto fail;
  if (x) {
    r->unified_keys = xcalloc(x->n, sizeof(char *));
    r->unified_values = xcalloc(x->n, sizeof(char *));
    for (size_t i = 0; i < x->n; i++) {
      cleanup_free char *f = child(funi, x->keys[i]);
      if (want_type(x->items[i], JSON_STRING, f, err) < 0) goto fail;
      if (strchr(x->keys[i], '/') || x->keys[i][0] == '.' || x->keys[i][0] == '\0') {
        field_error(err, f, "is not a cgroup file name");
        goto fail;
      }
      r->unified_keys[r->n_unified] = xstrdup(x->keys[i]);
      r->unified_values[r->n_unified++] = xstrdup(x->items[i]->text);
    }
  }
  (void)u64;
  return 0;
fail:
  cgroup_resources_free(r);
  memset(r, 0, sizeof(*r));
  return -1;
}

/* ---- linux.seccomp ---- */

int config_parse_seccomp(const struct json_value *v, struct seccomp_config **out, gantry_error_t *err) {
  const char *field = "linux.seccomp";
  struct seccomp_config *s = xcalloc(1, sizeof(*s));
  cleanup_strv char **arches = NULL, **flags = NULL;
  struct json_value *calls;
  cleanup_free char *fcalls = child(field, "syscalls");
  int64_t i64 = 0;
  bool has = false;
  if (get_string(v, field, "defaultAction", true, &s->default_action, err) < 0) goto fail;
  if (get_int64(v, field, "defaultErrnoRet", false, &s->has_default_errno_ret, 0, UINT32_MAX, &i64, err) < 0)
    goto fail;
  s->default_errno_ret = (uint32_t)i64;
  if (get_strv(v, field, "architectures", &arches, err) < 0) goto fail;
  s->n_architectures = strv_len(arches);
  s->architectures = arches ? strv_dup(arches) : NULL;
  if (get_strv(v, field, "flags", &flags, err) < 0) goto fail;
  s->n_flags = strv_len(flags);
  s->flags = flags ? strv_dup(flags) : NULL;
  if (member(v, field, "syscalls", JSON_ARRAY, false, &calls, err) < 0) goto fail;
  if (calls) {
    s->rules = xcalloc(calls->n, sizeof(*s->rules));
    for (size_t i = 0; i < calls->n; i++) {
      cleanup_free char *e = elem(fcalls, i);
      const struct json_value *c = calls->items[i];
      if (want_type(c, JSON_OBJECT, e, err) < 0) goto fail;
      struct seccomp_rule *r = &s->rules[s->n_rules++];
      if (get_strv(c, e, "names", &r->names, err) < 0) goto fail;
      r->n_names = strv_len(r->names);
      if (r->n_names == 0) {
        field_error(err, e, "needs a non-empty names array");
        goto fail;
      }
      if (get_string(c, e, "action", true, &r->action, err) < 0) goto fail;
      if (get_int64(c, e, "errnoRet", false, &r->has_errno_ret, 0, UINT32_MAX, &i64, err) < 0) goto fail;
      r->errno_ret = (uint32_t)i64;
      struct json_value *args;
      if (member(c, e, "args", JSON_ARRAY, false, &args, err) < 0) goto fail;
      if (args) {
        cleanup_free char *fa = child(e, "args");
        r->args = xcalloc(args->n, sizeof(*r->args));
        for (size_t j = 0; j < args->n; j++) {
          cleanup_free char *ea = elem(fa, j);
          if (want_type(args->items[j], JSON_OBJECT, ea, err) < 0) goto fail;
          struct seccomp_arg *a = &r->args[r->n_args++];
          if (get_int64(args->items[j], ea, "index", true, NULL, 0, 5, &i64, err) < 0) goto fail;
          a->index = (unsigned)i64;
          if (get_uint64(args->items[j], ea, "value", &has, &a->value, err) < 0 ||
              get_uint64(args->items[j], ea, "valueTwo", &has, &a->value_two, err) < 0 ||
              get_string(args->items[j], ea, "op", true, &a->op, err) < 0)
            goto fail;
        }
      }
    }
  }
  *out = s;
  return 0;
fail:
  seccomp_config_free(s);
  free(s);
  return -1;
}

/* ---- sysctl: only namespaced keys, and only with the namespace they belong to ---- */

static int check_sysctl(const struct oci_config *c, const char *key, gantry_error_t *err) {
  cleanup_free char *f = xasprintf("linux.sysctl.%s", key);
  if (strstr(key, "..") || key[0] == '.' || strchr(key, '/'))
    return field_error(err, f, "is not a sysctl name");
  static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
  for (size_t i = 0; i < sizeof(ipc) / sizeof(ipc[0]); i++)
    if (strcmp(key, ipc[i]) == 0) {
      const struct oci_namespace *ns = config_namespace(c, CLONE_NEWIPC);
      if (ns == NULL || ns->path) return field_error(err, f, "needs a new ipc namespace");
      return 0;
    }
  if (strncmp(key, "fs.mqueue.", 10) == 0) {
    const struct oci_namespace *ns = config_namespace(c, CLONE_NEWIPC);
    if (ns == NULL || ns->path) return field_error(err, f, "needs a new ipc namespace");
    return 0;
  }
  if (strncmp(key, "net.", 4) == 0) {
    if (config_namespace(c, CLONE_NEWNET) == NULL) return field_error(err, f, "needs a network namespace");
    return 0;
  }
  if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0) {
    if (config_namespace(c, CLONE_NEWUTS) == NULL) return field_error(err, f, "needs a uts namespace");
    return 0;
  }
  return field_error(err, f, "is not namespaced: the container cannot set it");
}

/* ---- the whole document ---- */

static int parse_idmaps(const struct json_value *linux_, const char *key, struct oci_idmap **out, size_t *n,
                        gantry_error_t *err) {
  struct json_value *v;
  if (member(linux_, "linux", key, JSON_ARRAY, false, &v, err) < 0) return -1;
  if (v == NULL) return 0;
  cleanup_free char *f = child("linux", key);
  *out = xcalloc(v->n, sizeof(**out));
  for (size_t i = 0; i < v->n; i++) {
    cleanup_free char *e = elem(f, i);
    if (want_type(v->items[i], JSON_OBJECT, e, err) < 0) return -1;
    struct oci_idmap *m = &(*out)[(*n)++];
    if (get_uint32(v->items[i], e, "containerID", true, NULL, &m->container_id, err) < 0 ||
        get_uint32(v->items[i], e, "hostID", true, NULL, &m->host_id, err) < 0 ||
        get_uint32(v->items[i], e, "size", true, NULL, &m->size, err) < 0)
      return -1;
    if (m->size == 0) return field_error(err, e, "size must be at least 1");
  }
  return 0;
}

static int parse_devices(const struct json_value *linux_, struct oci_config *c, gantry_error_t *err) {
  struct json_value *v;
  if (member(linux_, "linux", "devices", JSON_ARRAY, false, &v, err) < 0) return -1;
  if (v == NULL) return 0;
  c->devices = xcalloc(v->n, sizeof(*c->devices));
  for (size_t i = 0; i < v->n; i++) {
    cleanup_free char *e = xasprintf("linux.devices[%zu]", i);
    if (want_type(v->items[i], JSON_OBJECT, e, err) < 0) return -1;
    struct oci_device *d = &c->devices[c->n_devices++];
    cleanup_free char *type = NULL;
    if (get_string(v->items[i], e, "path", true, &d->path, err) < 0) return -1;
    if (d->path[0] != '/' || strstr(d->path, "/../")) {
      cleanup_free char *f = child(e, "path");
      return field_error(err, f, "must be an absolute path, not \"%s\"", d->path);
    }
    if (get_string(v->items[i], e, "type", true, &type, err) < 0) return -1;
    if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL) {
      cleanup_free char *f = child(e, "type");
      return field_error(err, f, "must be \"c\", \"b\", \"u\" or \"p\", not \"%s\"", type);
    }
    d->type = type[0];
    bool has_major, has_minor;
    if (get_int64(v->items[i], e, "major", false, &has_major, 0, 4095, &d->major, err) < 0 ||
        get_int64(v->items[i], e, "minor", false, &has_minor, 0, 1048575, &d->minor, err) < 0)
      return -1;
    if (d->type != 'p' && (!has_major || !has_minor)) return field_error(err, e, "needs major and minor numbers");
    uint32_t u = 0666;
    bool has;
    if (get_uint32(v->items[i], e, "fileMode", false, &has, &u, err) < 0) return -1;
    d->mode = has ? (mode_t)(u & 07777) : 0666;
    if (get_uint32(v->items[i], e, "uid", false, &d->has_uid, &u, err) < 0) return -1;
    d->uid = d->has_uid ? u : 0;
    if (get_uint32(v->items[i], e, "gid", false, &d->has_gid, &u, err) < 0) return -1;
    d->gid = d->has_gid ? u : 0;
  }
  return 0;
}

static int parse_linux(const struct json_value *linux_, struct oci_config *c, gantry_error_t *err) {
  struct json_value *v;
  if (member(linux_, "", "linux", JSON_OBJECT, false, &v, err) < 0) return -1;
  /* The linux section is optional in the spec; without it there are no namespaces at all. */
  const struct json_value *l = v;
  if (l == NULL) return 0;

  struct json_value *ns;
  if (member(l, "linux", "namespaces", JSON_ARRAY, false, &ns, err) < 0) return -1;
  if (ns) {
    c->namespaces = xcalloc(ns->n, sizeof(*c->namespaces));
    for (size_t i = 0; i < ns->n; i++) {
      cleanup_free char *e = xasprintf("linux.namespaces[%zu]", i);
      if (want_type(ns->items[i], JSON_OBJECT, e, err) < 0) return -1;
      cleanup_free char *type = NULL;
      if (get_string(ns->items[i], e, "type", true, &type, err) < 0) return -1;
      int t = namespace_from_name(type);
      cleanup_free char *ft = child(e, "type");
      if (t < 0) return field_error(err, ft, "unknown namespace type \"%s\"", type);
      if (t == CLONE_NEWTIME) return field_error(err, ft, "time namespaces are not supported");
      if (config_namespace(c, t)) return field_error(err, ft, "namespace \"%s\" is given twice", type);
      struct oci_namespace *n = &c->namespaces[c->n_namespaces++];
      n->type = t;
      if (get_string(ns->items[i], e, "path", false, &n->path, err) < 0) return -1;
      if (n->path && n->path[0] == '\0') {
        free(n->path);
        n->path = NULL;
      }
      if (n->path && n->path[0] != '/') {
        cleanup_free char *fp = child(e, "path");
        return field_error(err, fp, "must be an absolute path, not \"%s\"", n->path);
      }
    }
  }
  if (parse_idmaps(l, "uidMappings", &c->uid_mappings, &c->n_uid_mappings, err) < 0 ||
      parse_idmaps(l, "gidMappings", &c->gid_mappings, &c->n_gid_mappings, err) < 0)
    return -1;
  const struct oci_namespace *userns = config_namespace(c, CLONE_NEWUSER);
  if ((c->n_uid_mappings || c->n_gid_mappings) && (userns == NULL || userns->path))
    return field_error(err, "linux.uidMappings", "id mappings need a new user namespace");
  if (userns && userns->path == NULL && (c->n_uid_mappings == 0 || c->n_gid_mappings == 0))
    return field_error(err, "linux.uidMappings", "a new user namespace needs uidMappings and gidMappings");
  if (parse_devices(l, c, err) < 0) return -1;
  if (get_string(l, "linux", "cgroupsPath", false, &c->cgroups_path, err) < 0) return -1;
  if (c->cgroups_path && (strstr(c->cgroups_path, "..") != NULL))
    return field_error(err, "linux.cgroupsPath", "must not contain \"..\"");
  struct json_value *res;
  if (member(l, "linux", "resources", JSON_OBJECT, false, &res, err) < 0) return -1;
  if (res && config_parse_resources(res, "linux.resources", &c->resources, err) < 0) return -1;
  if (c->resources.n_devices > 0) {
    /* As runc: the devices the config creates are also allowed by the device cgroup, after its own rules. */
    struct cgroup_resources *r = &c->resources;
    r->devices = xrealloc(r->devices, (r->n_devices + c->n_devices) * sizeof(*r->devices));
    for (size_t i = 0; i < c->n_devices; i++) {
      const struct oci_device *d = &c->devices[i];
      if (d->type == 'p') continue;
      struct cgroup_device_rule *rule = &r->devices[r->n_devices++];
      memset(rule, 0, sizeof(*rule));
      rule->allow = true;
      rule->type = d->type == 'b' ? 'b' : 'c';
      rule->major = d->major;
      rule->minor = d->minor;
      snprintf(rule->access, sizeof(rule->access), "rwm");
    }
  }
  struct json_value *sc;
  if (member(l, "linux", "seccomp", JSON_OBJECT, false, &sc, err) < 0) return -1;
  if (sc && config_parse_seccomp(sc, &c->seccomp, err) < 0) return -1;
  cleanup_free char *prop = NULL;
  if (get_string(l, "linux", "rootfsPropagation", false, &prop, err) < 0) return -1;
  if (prop && prop[0] && propagation_from_name(prop, &c->rootfs_propagation) < 0)
    return field_error(err, "linux.rootfsPropagation", "unknown propagation \"%s\"", prop);
  if (get_strv(l, "linux", "maskedPaths", &c->masked_paths, err) < 0 ||
      check_absolute_strv(c->masked_paths, "linux.maskedPaths", err) < 0)
    return -1;
  if (get_strv(l, "linux", "readonlyPaths", &c->readonly_paths, err) < 0 ||
      check_absolute_strv(c->readonly_paths, "linux.readonlyPaths", err) < 0)
    return -1;
  struct json_value *sysctl;
  if (member(l, "linux", "sysctl", JSON_OBJECT, false, &sysctl, err) < 0) return -1;
  if (sysctl) {
    c->sysctl_keys = xcalloc(sysctl->n + 1, sizeof(char *));
    c->sysctl_values = xcalloc(sysctl->n + 1, sizeof(char *));
    for (size_t i = 0; i < sysctl->n; i++) {
      cleanup_free char *f = xasprintf("linux.sysctl.%s", sysctl->keys[i]);
      if (want_type(sysctl->items[i], JSON_STRING, f, err) < 0) return -1;
      if (check_sysctl(c, sysctl->keys[i], err) < 0) return -1;
      c->sysctl_keys[c->n_sysctl] = xstrdup(sysctl->keys[i]);
      c->sysctl_values[c->n_sysctl++] = xstrdup(sysctl->items[i]->text);
    }
  }
  struct json_value *unsupported;
  if ((unsupported = json_get(l, "intelRdt")) && unsupported->type != JSON_NULL)
    return field_error(err, "linux.intelRdt", "is not supported");
  if ((unsupported = json_get(l, "personality")) && unsupported->type != JSON_NULL)
    return field_error(err, "linux.personality", "is not supported");
  return 0;
}

static int parse_config(const struct json_value *doc, struct oci_config *c, gantry_error_t *err) {
  if (want_type(doc, JSON_OBJECT, "config.json", err) < 0) return -1;
  if (get_string(doc, "", "ociVersion", true, &c->oci_version, err) < 0) return -1;
  if (strncmp(c->oci_version, "1.", 2) != 0)
    return field_error(err, "ociVersion", "\"%s\" is not a 1.x runtime spec version", c->oci_version);

  struct json_value *root;
  if (member(doc, "", "root", JSON_OBJECT, true, &root, err) < 0) return -1;
  cleanup_free char *rpath = NULL;
  if (get_string(root, "root", "path", true, &rpath, err) < 0) return -1;
  if (rpath[0] == '\0') return field_error(err, "root.path", "must not be empty");
  c->root_path = rpath[0] == '/' ? xstrdup(rpath) : xasprintf("%s/%s", c->bundle, rpath);
  if (get_bool(root, "root", "readonly", &c->root_readonly, err) < 0) return -1;
  struct stat st;
  if (stat(c->root_path, &st) < 0) return gantry_error_sys(err, "root.path: %s", c->root_path);
  if (!S_ISDIR(st.st_mode)) return field_error(err, "root.path", "%s is not a directory", c->root_path);

  if (get_string(doc, "", "hostname", false, &c->hostname, err) < 0) return -1;
  if (get_string(doc, "", "domainname", false, &c->domainname, err) < 0) return -1;

  struct json_value *mounts;
  if (member(doc, "", "mounts", JSON_ARRAY, false, &mounts, err) < 0) return -1;
  if (mounts) {
    c->mounts = xcalloc(mounts->n, sizeof(*c->mounts));
    for (size_t i = 0; i < mounts->n; i++) {
      cleanup_free char *e = xasprintf("mounts[%zu]", i);
      if (parse_mount(mounts->items[i], e, c->bundle, &c->mounts[c->n_mounts++], err) < 0) return -1;
    }
  }
  struct json_value *proc;
  if (member(doc, "", "process", JSON_OBJECT, false, &proc, err) < 0) return -1;
  if (proc && config_parse_process(proc, "process", &c->process, err) < 0) return -1;

  struct json_value *hooks;
  if (member(doc, "", "hooks", JSON_OBJECT, false, &hooks, err) < 0) return -1;
  if (hooks && config_parse_hooks(hooks, &c->hooks, err) < 0) return -1;

  struct json_value *ann;
  if (member(doc, "", "annotations", JSON_OBJECT, false, &ann, err) < 0) return -1;
  if (ann) {
    c->annotation_keys = xcalloc(ann->n + 1, sizeof(char *));
    c->annotation_values = xcalloc(ann->n + 1, sizeof(char *));
    for (size_t i = 0; i < ann->n; i++) {
      cleanup_free char *f = xasprintf("annotations.%s", ann->keys[i]);
      if (want_type(ann->items[i], JSON_STRING, f, err) < 0) return -1;
      c->annotation_keys[c->n_annotations] = xstrdup(ann->keys[i]);
      c->annotation_values[c->n_annotations++] = xstrdup(ann->items[i]->text);
    }
  }
  if (parse_linux(doc, c, err) < 0) return -1;

  /* A uts namespace joined by path is the container's too (a pod's sandbox holds it): runc sets the names there. */
  const struct oci_namespace *uts = config_namespace(c, CLONE_NEWUTS);
  if ((c->hostname && c->hostname[0]) && uts == NULL)
    return field_error(err, "hostname", "setting the hostname needs a uts namespace of the container's own");
  if ((c->domainname && c->domainname[0]) && uts == NULL)
    return field_error(err, "domainname", "setting the domainname needs a uts namespace of the container's own");
  /* Without a mount namespace of its own (none listed: the runtime's is inherited) the container's mounts are made
   * in the runtime's namespace, below its root, and it is chrooted there; hiding paths from it is then impossible
   * (as runc: "unable to restrict sys entries without a private MNT namespace"). One joined by path is the
   * container's, as a new one would be. */
  if (config_namespace(c, CLONE_NEWNS) == NULL) {
    if (c->masked_paths && c->masked_paths[0])
      return field_error(err, "linux.maskedPaths", "masking paths needs a mount namespace of the container's own");
    if (c->readonly_paths && c->readonly_paths[0])
      return field_error(err, "linux.readonlyPaths",
                         "making paths read-only needs a mount namespace of the container's own");
  }
  if (c->process && c->process->terminal == false && c->process->console_width)
    c->process->console_width = c->process->console_height = 0;
  return 0;
}

int config_load(const char *bundle, struct oci_config **out, gantry_error_t *err) {
  struct oci_config *c = xcalloc(1, sizeof(*c));
  char *abs = realpath(bundle, NULL);
  if (abs == NULL) {
    gantry_error_sys(err, "bundle %s", bundle);
    free(c);
    return -1;
  }
  c->bundle = abs;
  cleanup_free char *path = xasprintf("%s/config.json", abs);
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file(path, 16 << 20, &text, &len, err) < 0) goto fail;
  if (json_parse(text, len, &c->json, err) < 0) {
    gantry_error_wrap(err, "%s", path);
    goto fail;
  }
  if (parse_config(c->json, c, err) < 0) {
    gantry_error_wrap(err, "%s", path);
    goto fail;
  }
  *out = c;
  return 0;
fail:
  config_free(c);
  return -1;
}

void config_free(struct oci_config *c) {
  if (c == NULL) return;
  free(c->oci_version);
  free(c->bundle);
  free(c->root_path);
  free(c->hostname);
  free(c->domainname);
  for (size_t i = 0; i < c->n_mounts; i++) {
    free(c->mounts[i].destination);
    free(c->mounts[i].type);
    free(c->mounts[i].source);
    free(c->mounts[i].data);
  }
  free(c->mounts);
  process_free(c->process);
  hooks_free(&c->hooks);
  strv_free(c->annotation_keys);
  strv_free(c->annotation_values);
  for (size_t i = 0; i < c->n_namespaces; i++) free(c->namespaces[i].path);
  free(c->namespaces);
  free(c->uid_mappings);
  free(c->gid_mappings);
  for (size_t i = 0; i < c->n_devices; i++) free(c->devices[i].path);
  free(c->devices);
  free(c->cgroups_path);
  cgroup_resources_free(&c->resources);
  if (c->seccomp) {
    seccomp_config_free(c->seccomp);
    free(c->seccomp);
  }
  strv_free(c->masked_paths);
  strv_free(c->readonly_paths);
  strv_free(c->sysctl_keys);
  strv_free(c->sysctl_values);
  json_free(c->json);
  free(c);
}

void cleanup_configp(struct oci_config **c) {
  config_free(*c);
}
