/* Times OCI runtimes' `run` from a small process, for bench/runtime.ts: forks and execs each runtime in turn
 * (alternating, the order rotated each round) and prints one line per timed run, "NAME MS CPU_MS", where MS is the
 * wall time from fork to reaped and CPU_MS the user+system time of the runtime and what it waited for (its container
 * included). Node's spawnSync forks a process of tens of MB and adds milliseconds of its own to every invocation;
 * this adds ~0.1 ms.
 *   run-timer ROUNDS WARMUP BUNDLE NAME BIN ROOT [NAME BIN ROOT ...] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double cpu_ms(const struct rusage *r) {
  return (r->ru_utime.tv_sec + r->ru_stime.tv_sec) * 1e3 + (r->ru_utime.tv_usec + r->ru_stime.tv_usec) / 1e3;
}

int main(int argc, char **argv) {
  if (argc < 7 || (argc - 4) % 3 != 0) {
    fprintf(stderr, "usage: run-timer ROUNDS WARMUP BUNDLE NAME BIN ROOT [NAME BIN ROOT ...]\n");
    return 2;
  }
  int rounds = atoi(argv[1]), warmup = atoi(argv[2]), n = (argc - 4) / 3;
  const char *bundle = argv[3];
  for (int i = -warmup, seq = 0; i < rounds; i++)
    for (int j = 0; j < n; j++) {
      int k = (j + (i < 0 ? 0 : i)) % n;
      char **rt = argv + 4 + 3 * k;
      char id[64];
      snprintf(id, sizeof(id), "timer-%d-%d", (int)getpid(), ++seq);
      struct rusage before, after;
      getrusage(RUSAGE_CHILDREN, &before);
      double t0 = now_ms();
      pid_t pid = fork();
      if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0), dup2(null, 1), dup2(null, 2);
        execl(rt[1], rt[1], "--root", rt[2], "run", "-b", bundle, id, (char *)NULL);
        _exit(127);
      }
      int status;
      if (pid < 0 || waitpid(pid, &status, 0) < 0) return perror("fork/wait"), 1;
      double ms = now_ms() - t0;
      getrusage(RUSAGE_CHILDREN, &after);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s run %s: exit status %d\n", rt[0], id, status);
        return 1;
      }
      if (i >= 0) printf("%s %.3f %.3f\n", rt[0], ms, cpu_ms(&after) - cpu_ms(&before));
    }
  return 0;
}
