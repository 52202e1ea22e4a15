/* Cgroups: the dispatcher. It picks the backend for this host (cgroup_v1.c or cgroup_v2.c) and owns the resources
 * type; the helpers both backends share live in cgroup_common.c, which includes nothing above it, so the arrows run
 * one way: cgroup.c -> backends -> cgroup_common.c. */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

int cgroup_manager_detect(const struct cgroup_manager **out, gantry_error_t *err) {
  static const struct cgroup_manager *detected;
  if (detected == NULL) {
    struct statfs st;
    if (statfs("/sys/fs/cgroup", &st) < 0) return gantry_error_sys(err, "statfs /sys/fs/cgroup");
    detected = st.f_type == CGROUP2_SUPER_MAGIC ? cgroup_v2_manager() : cgroup_v1_manager();
  }
  *out = detected;
  return 0;
}

const char *const cgroup_throttle_fields[CGROUP_THROTTLE_KINDS] = {
    "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice", "throttleWriteIOPSDevice"};

void cgroup_resources_free(struct cgroup_resources *res) {
  if (res == NULL) return;
  free(res->cpu_cpus);
  free(res->cpu_mems);
  free(res->devices);
  free(res->blkio_weight_device);
  for (size_t k = 0; k < CGROUP_THROTTLE_KINDS; k++) free(res->blkio_throttle[k]);
  for (size_t i = 0; i < res->n_hugepages; i++) free(res->hugepages[i].page_size);
  free(res->hugepages);
  for (size_t i = 0; i < res->n_net_priorities; i++) free(res->net_priorities[i].name);
  free(res->net_priorities);
  for (size_t i = 0; i < res->n_unified; i++) {
    free(res->unified_keys[i]);
    free(res->unified_values[i]);
  }
  free(res->unified_keys);
  free(res->unified_values);
  memset(res, 0, sizeof(*res));
}
