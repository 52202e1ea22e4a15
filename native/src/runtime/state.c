#include "runtime/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

int validate_id(const char *id, gantry_error_t *err) {
  size_t n = strlen(id);
  if (n == 0) return gantry_error_set(err, 0, "container id must not be empty");
  if (n > 1024) return gantry_error_set(err, 0, "container id is longer than 1024 characters");
  if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0) return gantry_error_set(err, 0, "invalid container id \"%s\"", id);
  for (const char *c = id; *c; c++) {
    bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' ||
              *c == '+' || *c == '-' || *c == '.';
    if (!ok)
      return gantry_error_set(err, 0, "invalid container id \"%s\": only letters, digits and _+-. are allowed", id);
  }
  return 0;
}

int state_dir(const char *root, const char *id, char **out, gantry_error_t *err) {
  if (validate_id(id, err) < 0) return -1;
  *out = xasprintf("%s/%s", root, id);
  return 0;
}

static char *opt_string(const struct json_value *doc, const char *key) {
  const struct json_value *v = json_get(doc, key);
  return v && v->type == JSON_STRING ? xstrdup(v->text) : NULL;
}

static struct json_value *take(struct json_value *doc, const char *key) {
  for (size_t i = 0; i < doc->n; i++)
    if (strcmp(doc->keys[i], key) == 0 && doc->items[i]->type != JSON_NULL) {
      struct json_value *v = doc->items[i];
      doc->items[i] = xcalloc(1, sizeof(struct json_value)); /* a null left behind */
      return v;
    }
  return NULL;
}

int state_load(const char *root, const char *id, struct container_state **out, gantry_error_t *err) {
  cleanup_free char *dir = NULL;
  if (state_dir(root, id, &dir, err) < 0) return -1;
  cleanup_free char *path = xasprintf("%s/state.json", dir);
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file(path, 64 << 20, &text, &len, err) < 0) {
    if ((*err)->status == ENOENT) {
      gantry_error_free(err);
      gantry_error_set(err, 0, "container \"%s\" does not exist", id);
      (*err)->status = ENOENT; /* callers test for it (delete --force) */
      return -1;
    }
    return -1;
  }
  cleanup_json struct json_value *doc = NULL;
  if (json_parse(text, len, &doc, err) < 0 || doc->type != JSON_OBJECT) {
    if (*err == NULL) gantry_error_set(err, 0, "not an object");
    return gantry_error_wrap(err, "state of container %s (%s)", id, path);
  }
  struct container_state *s = xcalloc(1, sizeof(*s));
  s->dir = xstrdup(dir);
  s->id = xstrdup(id);
  s->bundle = opt_string(doc, "bundle");
  s->rootfs = opt_string(doc, "rootfs");
  s->created = opt_string(doc, "created");
  s->owner = opt_string(doc, "owner");
  s->cgroup_path = opt_string(doc, "cgroupPath");
  int64_t x = 0;
  uint64_t u = 0;
  if (json_int64(json_get(doc, "pid"), &x) == 0) s->pid = (pid_t)x;
  if (json_uint64(json_get(doc, "pidStartTime"), &u) == 0) s->start_time = u;
  if (json_uint64(json_get(doc, "rootfsMount"), &u) == 0) s->rootfs_mount = u;
  const struct json_value *b;
  if ((b = json_get(doc, "paused")) && b->type == JSON_BOOL) s->paused = b->boolean;
  if ((b = json_get(doc, "ownPidNamespace")) && b->type == JSON_BOOL) s->own_pidns = b->boolean;
  if (json_int64(json_get(doc, "oomScoreAdj"), &s->oom_score_adj) == 0) s->has_oom_score_adj = true;
  s->annotations = take(doc, "annotations");
  s->hooks = take(doc, "hooks");
  s->process = take(doc, "process");
  s->seccomp = take(doc, "seccomp");
  *out = s;
  return 0;
}

int state_save(const struct container_state *s, gantry_error_t *err) {
  struct json_writer w;
  jw_init(&w, false);
  jw_begin_object(&w);
  jw_key(&w, "ociVersion");
  jw_string(&w, OCI_VERSION);
  jw_key(&w, "id");
  jw_string(&w, s->id);
  jw_key(&w, "pid");
  jw_int(&w, s->pid);
  jw_key(&w, "pidStartTime");
  jw_uint(&w, s->start_time);
  jw_key(&w, "bundle");
  jw_string(&w, s->bundle);
  jw_key(&w, "rootfs");
  jw_string(&w, s->rootfs);
  jw_key(&w, "created");
  jw_string(&w, s->created);
  jw_key(&w, "owner");
  jw_string(&w, s->owner ? s->owner : "");
  jw_key(&w, "paused");
  jw_bool(&w, s->paused);
  jw_key(&w, "ownPidNamespace");
  jw_bool(&w, s->own_pidns);
  if (s->cgroup_path) {
    jw_key(&w, "cgroupPath");
    jw_string(&w, s->cgroup_path);
  }
  if (s->rootfs_mount) {
    jw_key(&w, "rootfsMount");
    jw_uint(&w, s->rootfs_mount);
  }
  if (s->has_oom_score_adj) {
    jw_key(&w, "oomScoreAdj");
    jw_int(&w, s->oom_score_adj);
  }
  if (s->annotations) {
    jw_key(&w, "annotations");
    jw_value(&w, s->annotations);
  }
  if (s->hooks) {
    jw_key(&w, "hooks");
    jw_value(&w, s->hooks);
  }
  if (s->process) {
    jw_key(&w, "process");
    jw_value(&w, s->process);
  }
  if (s->seccomp) {
    jw_key(&w, "seccomp");
    jw_value(&w, s->seccomp);
  }
  jw_end_object(&w);
  size_t len;
  cleanup_free char *text = jw_finish(&w, &len);
  cleanup_free char *path = xasprintf("%s/state.json", s->dir);
  return write_file_atomic(path, text, len, 0600, err);
}

void state_free(struct container_state *s) {
  if (s == NULL) return;
  free(s->dir);
  free(s->id);
  free(s->bundle);
  free(s->rootfs);
  free(s->created);
  free(s->owner);
  free(s->cgroup_path);
  json_free(s->annotations);
  json_free(s->hooks);
  json_free(s->process);
  json_free(s->seccomp);
  free(s);
}

void cleanup_statep(struct container_state **s) {
  state_free(*s);
}

const char *state_status(const struct container_state *s) {
  unsigned long long start;
  char st;
  if (s->pid <= 0 || proc_stat(s->pid, &start, &st) < 0 || st == 'Z' || st == 'X' || start != s->start_time)
    return "stopped";
  if (s->paused) return "paused";
  cleanup_free char *sock = xasprintf("%s/exec.sock", s->dir);
  if (access(sock, F_OK) == 0) return "created";
  return "running";
}

char *state_oci_json(const struct container_state *s, const char *status, bool pretty) {
  struct json_writer w;
  jw_init(&w, pretty);
  jw_begin_object(&w);
  jw_key(&w, "ociVersion");
  jw_string(&w, OCI_VERSION);
  jw_key(&w, "id");
  jw_string(&w, s->id);
  jw_key(&w, "status");
  jw_string(&w, status);
  jw_key(&w, "pid");
  jw_int(&w, strcmp(status, "stopped") == 0 ? 0 : s->pid);
  jw_key(&w, "bundle");
  jw_string(&w, s->bundle);
  if (s->annotations) {
    jw_key(&w, "annotations");
    jw_value(&w, s->annotations);
  }
  jw_end_object(&w);
  return jw_finish(&w, NULL);
}

int state_remove(const struct container_state *s, gantry_error_t *err) {
  cleanup_dir DIR *d = opendir(s->dir);
  if (d == NULL) {
    if (errno == ENOENT) return 0;
    return gantry_error_sys(err, "open %s", s->dir);
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT)
      return gantry_error_sys(err, "remove %s/%s", s->dir, e->d_name);
  }
  if (rmdir(s->dir) < 0 && errno != ENOENT) return gantry_error_sys(err, "remove %s", s->dir);
  return 0;
}

char *now_rfc3339(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char buf[64];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}
