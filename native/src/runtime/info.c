/* list and ps: reading what exists. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/json.h"
#include "common/util.h"
#include "runtime/container.h"
#include "runtime/state.h"

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids under root, sorted; an absent root is an empty list. */
static int list_ids(const char *root, char ***ids, size_t *n, gantry_error_t *err) {
  *ids = NULL;
  *n = 0;
  cleanup_dir DIR *d = opendir(root);
  if (d == NULL) {
    if (errno == ENOENT) return 0;
    return gantry_error_sys(err, "open %s", root);
  }
  size_t cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    gantry_error_t ignored = NULL;
    if (validate_id(e->d_name, &ignored) < 0) {
      gantry_error_free(&ignored);
      continue;
    }
    if (*n + 1 >= cap) {
      cap = cap ? cap * 2 : 16;
      *ids = xrealloc(*ids, cap * sizeof(char *));
    }
    (*ids)[(*n)++] = xstrdup(e->d_name);
    (*ids)[*n] = NULL;
  }
  if (*n) qsort(*ids, *n, sizeof(char *), cmp_str);
  return 0;
}

int container_list(const struct runtime_ctx *ctx, const char *format, bool quiet, gantry_error_t *err) {
  cleanup_strv char **ids = NULL;
  size_t n;
  if (list_ids(ctx->root, &ids, &n, err) < 0) return -1;
  bool json = strcmp(format, "json") == 0;
  if (!json && strcmp(format, "table") != 0)
    return gantry_error_set(err, 0, "list: --format \"%s\" is neither table nor json", format);
  struct json_writer w;
  jw_init(&w, false);
  jw_begin_array(&w);
  if (!json && !quiet) printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
  for (size_t i = 0; i < n; i++) {
    cleanup_state struct container_state *st = NULL;
    gantry_error_t e = NULL;
    if (state_load(ctx->root, ids[i], &st, &e) < 0) {
      /* Being created or deleted right now: not listed. */
      gantry_error_free(&e);
      continue;
    }
    const char *status = state_status(st);
    int pid = strcmp(status, "stopped") == 0 ? 0 : st->pid;
    if (quiet) {
      printf("%s\n", st->id);
    } else if (json) {
      jw_begin_object(&w);
      jw_key(&w, "ociVersion");
      jw_string(&w, OCI_VERSION);
      jw_key(&w, "id");
      jw_string(&w, st->id);
      jw_key(&w, "pid");
      jw_int(&w, pid);
      jw_key(&w, "status");
      jw_string(&w, status);
      jw_key(&w, "bundle");
      jw_string(&w, st->bundle);
      jw_key(&w, "rootfs");
      jw_string(&w, st->rootfs);
      jw_key(&w, "created");
      jw_string(&w, st->created);
      jw_key(&w, "owner");
      jw_string(&w, st->owner);
      if (st->annotations) {
        jw_key(&w, "annotations");
        jw_value(&w, st->annotations);
      }
      jw_end_object(&w);
    } else {
      printf("%-12s %-8d %-10s %-40s %-30s %s\n", st->id, pid, status, st->bundle ? st->bundle : "",
             st->created ? st->created : "", st->owner ? st->owner : "");
    }
  }
  jw_end_array(&w);
  cleanup_free char *out = jw_finish(&w, NULL);
  if (json && !quiet) printf("%s\n", out);
  return 0;
}

static const struct cgroup_manager *manager(gantry_error_t *err) {
  const struct cgroup_manager *m;
  if (cgroup_manager_detect(&m, err) < 0) return NULL;
  return m;
}

int container_ps(const struct runtime_ctx *ctx, const char *id, const char *format, char **ps_args,
                 gantry_error_t *err) {
  cleanup_state struct container_state *st = NULL;
  if (state_load(ctx->root, id, &st, err) < 0) return -1;
  if (strcmp(state_status(st), "stopped") == 0)
    return gantry_error_set(err, 0, "container \"%s\" is not running", id);
  if (st->cgroup_path == NULL) return gantry_error_set(err, 0, "container \"%s\" has no cgroup", id);
  const struct cgroup_manager *cgm = manager(err);
  if (cgm == NULL) return -1;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  if (cgm->pids(st->cgroup_path, &pids, &n, err) < 0) return -1;
  if (strcmp(format, "json") == 0) {
    printf("[");
    for (size_t i = 0; i < n; i++) printf("%s%d", i ? "," : "", (int)pids[i]);
    printf("]\n");
    return 0;
  }
  if (strcmp(format, "table") != 0)
    return gantry_error_set(err, 0, "ps: --format \"%s\" is neither table nor json", format);

  /* ps(1) with the caller's arguments (-ef by default); keep the header and the container's lines. */
  int out[2];
  if (pipe2(out, O_CLOEXEC) < 0) return gantry_error_sys(err, "pipe");
  size_t na = strv_len(ps_args);
  char **argv = xcalloc(na + 2, sizeof(char *));
  argv[0] = "ps";
  if (na == 0) argv[1] = "-ef";
  for (size_t i = 0; i < na; i++) argv[i + 1] = ps_args[i];
  pid_t child = fork();
  if (child == 0) {
    dup2(out[1], 1);
    execvp("ps", argv);
    _exit(127);
  }
  free(argv);
  close(out[1]);
  if (child < 0) {
    close(out[0]);
    return gantry_error_sys(err, "fork ps");
  }
  FILE *f = fdopen(out[0], "r");
  char *line = NULL;
  size_t cap = 0;
  int pid_col = -1;
  bool first = true;
  while (getline(&line, &cap, f) > 0) {
    if (first) {
      first = false;
      fputs(line, stdout);
      int col = 0;
      cleanup_free char *copy = xstrdup(line);
      char *save = NULL;
      for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save), col++)
        if (strcmp(t, "PID") == 0) pid_col = col;
      continue;
    }
    if (pid_col < 0) continue;
    cleanup_free char *copy = xstrdup(line);
    char *save = NULL;
    char *t = strtok_r(copy, " \t\n", &save);
    for (int c = 0; t && c < pid_col; c++) t = strtok_r(NULL, " \t\n", &save);
    if (t == NULL) continue;
    int pid = atoi(t);
    for (size_t i = 0; i < n; i++)
      if (pids[i] == pid) {
        fputs(line, stdout);
        break;
      }
  }
  free(line);
  fclose(f);
  int status;
  waitpid(child, &status, 0);
  if (pid_col < 0) return gantry_error_set(err, 0, "ps: no PID column in the output of ps");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return gantry_error_set(err, 0, "ps: ps(1) failed");
  return 0;
}
