/* update [--resources FILE|-] [--memory N] [--memory-reservation N] [--memory-swap N] [--cpu-shares N]
 *        [--cpu-quota N] [--cpu-period N] [--cpuset-cpus S] [--cpuset-mems S] [--pids-limit N]
 *        [--blkio-weight N] ID */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/json.h"
#include "common/util.h"
#include "runtime/cli.h"
#include "runtime/config.h"

enum { U_RESOURCES = 1, U_MEMORY, U_MEM_RES, U_MEM_SWAP, U_CPU_SHARES, U_CPU_QUOTA, U_CPU_PERIOD, U_CPUS, U_MEMS,
       U_PIDS, U_BLKIO };

static int number(const char *val, const char *flag, int64_t *out, gantry_error_t *err) {
  char *end;
  errno = 0;
  long long n = strtoll(val, &end, 10);
  if (errno || *end || *val == '\0') return gantry_error_set(err, 0, "update: --%s \"%s\" is not a number", flag, val);
  *out = n;
  return 0;
}

static int read_resources(const char *file, struct cgroup_resources *res, gantry_error_t *err) {
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file(strcmp(file, "-") == 0 ? "/dev/stdin" : file, 16 << 20, &text, &len, err) < 0) return -1;
  cleanup_json struct json_value *doc = NULL;
  if (json_parse(text, len, &doc, err) < 0) return gantry_error_wrap(err, "update: --resources %s", file);
  if (config_parse_resources(doc, "resources", res, err) < 0) return gantry_error_wrap(err, "update: --resources %s", file);
  return 0;
}

int cmd_update(const struct runtime_ctx *ctx, struct cli_parser *p, gantry_error_t *err) {
  static const struct cli_opt opts[] = {
      {"resources", 'r', true, U_RESOURCES},   {"memory", 0, true, U_MEMORY},
      {"memory-reservation", 0, true, U_MEM_RES}, {"memory-swap", 0, true, U_MEM_SWAP},
      {"cpu-shares", 0, true, U_CPU_SHARES},   {"cpu-quota", 0, true, U_CPU_QUOTA},
      {"cpu-period", 0, true, U_CPU_PERIOD},   {"cpuset-cpus", 0, true, U_CPUS},
      {"cpuset-mems", 0, true, U_MEMS},        {"pids-limit", 0, true, U_PIDS},
      {"blkio-weight", 0, true, U_BLKIO},      {NULL, 0, false, 0},
  };
  struct cgroup_resources res = {0};
  const char *val, *file = NULL;
  int id, rc = -1;
  int64_t n = 0;
  while ((id = cli_next(p, opts, &val, err)) > 0) {
    if (id == U_RESOURCES) {
      file = val;
      continue;
    }
    if (id == U_CPUS || id == U_MEMS) {
      char **dst = id == U_CPUS ? &res.cpu_cpus : &res.cpu_mems;
      free(*dst);
      *dst = xstrdup(val);
      continue;
    }
    if (number(val, opts[id - 1].name, &n, err) < 0) goto out;
    switch (id) {
      case U_MEMORY: res.has_memory_limit = true, res.memory_limit = n; break;
      case U_MEM_RES: res.has_memory_reservation = true, res.memory_reservation = n; break;
      case U_MEM_SWAP: res.has_memory_swap = true, res.memory_swap = n; break;
      case U_CPU_SHARES: res.has_cpu_shares = true, res.cpu_shares = (uint64_t)n; break;
      case U_CPU_QUOTA: res.has_cpu_quota = true, res.cpu_quota = n; break;
      case U_CPU_PERIOD: res.has_cpu_period = true, res.cpu_period = (uint64_t)n; break;
      case U_PIDS: res.has_pids_limit = true, res.pids_limit = n; break;
      case U_BLKIO:
        if (n < 10 || n > 1000) {
          gantry_error_set(err, 0, "update: --blkio-weight must be from 10 to 1000");
          goto out;
        }
        res.has_blkio_weight = true, res.blkio_weight = (uint16_t)n;
        break;
      default: break;
    }
  }
  if (id < 0 || cli_positional(p, 1, "container id", err) < 0) goto out;
  if (file) {
    /* The file gives the base; flags given as well override it. */
    struct cgroup_resources base;
    if (read_resources(file, &base, err) < 0) goto out;
    if (res.has_memory_limit) base.has_memory_limit = true, base.memory_limit = res.memory_limit;
    if (res.has_memory_reservation) base.has_memory_reservation = true, base.memory_reservation = res.memory_reservation;
    if (res.has_memory_swap) base.has_memory_swap = true, base.memory_swap = res.memory_swap;
    if (res.has_cpu_shares) base.has_cpu_shares = true, base.cpu_shares = res.cpu_shares;
    if (res.has_cpu_quota) base.has_cpu_quota = true, base.cpu_quota = res.cpu_quota;
    if (res.has_cpu_period) base.has_cpu_period = true, base.cpu_period = res.cpu_period;
    if (res.has_pids_limit) base.has_pids_limit = true, base.pids_limit = res.pids_limit;
    if (res.has_blkio_weight) base.has_blkio_weight = true, base.blkio_weight = res.blkio_weight;
    if (res.cpu_cpus) free(base.cpu_cpus), base.cpu_cpus = res.cpu_cpus, res.cpu_cpus = NULL;
    if (res.cpu_mems) free(base.cpu_mems), base.cpu_mems = res.cpu_mems, res.cpu_mems = NULL;
    cgroup_resources_free(&res);
    res = base;
  }
  rc = container_update(ctx, p->argv[p->i], &res, err);
out:
  cgroup_resources_free(&res);
  return rc;
}
