/* spec and features: what the runtime says about itself. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/json.h"
#include "common/util.h"
#include "runtime/config.h"
#include "runtime/meta.h"
#include "runtime/state.h"

/* The default config `spec` writes: a busybox-friendly container with its own namespaces, the usual mounts, a
 * reduced capability set and the masked /proc entries (the same defaults runc writes). */
static const char default_spec[] =
    "{\"ociVersion\":\"" OCI_VERSION "\","
    "\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"
    "\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"TERM=xterm\"],\"cwd\":\"/\","
    "\"capabilities\":{\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "\"ambient\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],\"noNewPrivileges\":true},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"gantry\","
    "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\","
    "\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"nosuid\",\"noexec\","
    "\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
    "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":[\"nosuid\",\"noexec\",\"nodev\","
    "\"mode=1777\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\",\"options\":[\"nosuid\",\"noexec\","
    "\"nodev\"]},"
    "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"noexec\",\"nodev\","
    "\"ro\"]},"
    "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"nosuid\","
    "\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
    "\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
    "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
    "{\"type\":\"mount\"},{\"type\":\"cgroup\"}],"
    "\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\","
    "\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\"],"
    "\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]}}";

int runtime_spec(const char *bundle, gantry_error_t *err) {
  cleanup_json struct json_value *doc = NULL;
  if (json_parse(default_spec, sizeof(default_spec) - 1, &doc, err) < 0) return gantry_error_wrap(err, "default spec");
  struct json_writer w;
  jw_init(&w, true);
  jw_value(&w, doc);
  size_t len;
  cleanup_free char *text = jw_finish(&w, &len);
  cleanup_free char *path = xasprintf("%s/config.json", bundle ? bundle : ".");
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return gantry_error_set(err, 0, "spec: %s already exists", path);
    return gantry_error_sys(err, "spec: create %s", path);
  }
  int r = write_all(fd, text, len) < 0 || write_all(fd, "\n", 1) < 0 ? -1 : 0;
  int e = errno;
  close(fd);
  if (r < 0) return gantry_error_set(err, e, "spec: write %s", path);
  return 0;
}

static void strings(struct json_writer *w, const char *key, const char *const *v) {
  jw_key(w, key);
  jw_begin_array(w);
  for (; *v; v++) jw_string(w, *v);
  jw_end_array(w);
}

int runtime_features(gantry_error_t *err) {
  static const char *const hooks[] = {"prestart", "createRuntime", "createContainer", "startContainer",
                                      "poststart", "poststop", NULL};
  static const char *const mount_options[] = {
      "async", "atime", "bind", "dev", "diratime", "dirsync", "exec", "mand", "noatime", "nodev", "nodiratime",
      "noexec", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private", "rbind", "relatime",
      "remount", "ro", "rprivate", "rshared", "rslave", "runbindable", "rw", "shared", "slave", "strictatime",
      "suid", "symfollow", "sync", "unbindable", NULL};
  static const char *const namespaces[] = {"cgroup", "ipc", "mount", "network", "pid", "user", "uts", NULL};
  static const char *const actions[] = {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                                        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
                                        "SCMP_ACT_TRAP", NULL};
  static const char *const operators[] = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
                                          "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL};
  static const char *const archs[] = {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64",
                                      "SCMP_ARCH_ARM", NULL};
  struct json_writer w;
  jw_init(&w, true);
  jw_begin_object(&w);
  jw_key(&w, "ociVersionMin");
  jw_string(&w, "1.0.0");
  jw_key(&w, "ociVersionMax");
  jw_string(&w, OCI_VERSION);
  strings(&w, "hooks", hooks);
  strings(&w, "mountOptions", mount_options);
  jw_key(&w, "linux");
  jw_begin_object(&w);
  strings(&w, "namespaces", namespaces);
  jw_key(&w, "capabilities");
  jw_begin_array(&w);
  for (int c = 0; c <= capability_last(); c++) jw_string(&w, capability_name(c));
  jw_end_array(&w);
  jw_key(&w, "cgroup");
  jw_begin_object(&w);
  jw_key(&w, "v1");
  jw_bool(&w, true);
  jw_key(&w, "v2");
  jw_bool(&w, true);
  jw_key(&w, "systemd");
  jw_bool(&w, false);
  jw_key(&w, "systemdUser");
  jw_bool(&w, false);
  jw_end_object(&w);
  jw_key(&w, "seccomp");
  jw_begin_object(&w);
  jw_key(&w, "enabled");
  jw_bool(&w, true);
  strings(&w, "actions", actions);
  strings(&w, "operators", operators);
  strings(&w, "archs", archs);
  jw_end_object(&w);
  jw_key(&w, "apparmor");
  jw_begin_object(&w);
  jw_key(&w, "enabled");
  jw_bool(&w, false);
  jw_end_object(&w);
  jw_key(&w, "selinux");
  jw_begin_object(&w);
  jw_key(&w, "enabled");
  jw_bool(&w, false);
  jw_end_object(&w);
  jw_end_object(&w);
  jw_key(&w, "annotations");
  jw_begin_object(&w);
  jw_key(&w, "org.gantry.runtime.version");
  jw_string(&w, "0.1.0");
  jw_end_object(&w);
  jw_end_object(&w);
  cleanup_free char *out = jw_finish(&w, NULL);
  printf("%s\n", out);
  (void)err;
  return 0;
}
