/* A log line generator for bench/log-latency.ts: waits until a wall-clock start time, then writes COUNT lines to
 * stdout at RATE lines per second, each "L <seq> <sent µs since the epoch>" with the time read just before its own
 * write(2) (CLOCK_REALTIME, the clock a browser's Date.now() reads). Lines are paced against absolute times
 * (clock_nanosleep TIMER_ABSTIME), so a late wake-up is caught up on rather than lowering the rate; at the end it prints
 * the rate achieved to stderr. Built statically by the benchmark: gcc -O2 -static -o loggen loggen.c
 *   loggen RATE COUNT START_MS   (START_MS: milliseconds since the epoch; 0 = now) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(long long ns) {
  struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
  while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

static int write_all(const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(1, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s RATE COUNT START_MS\n", argv[0]);
    return 2;
  }
  char *end;
  double rate = strtod(argv[1], &end);
  if (*end || !(rate > 0 && rate <= 1e7)) return fprintf(stderr, "loggen: RATE must be a positive number, got \"%s\"\n", argv[1]), 2;
  long long count = strtoll(argv[2], &end, 10);
  if (*end || count < 1) return fprintf(stderr, "loggen: COUNT must be a positive integer, got \"%s\"\n", argv[2]), 2;
  long long start_ms = strtoll(argv[3], &end, 10);
  if (*end || start_ms < 0) return fprintf(stderr, "loggen: START_MS must be milliseconds since the epoch, got \"%s\"\n", argv[3]), 2;

  long long t0 = start_ms ? start_ms * 1000000LL : now_ns();
  sleep_until(t0);
  double interval = 1e9 / rate;
  char line[64];
  for (long long i = 0; i < count; i++) {
    long long due = t0 + (long long)(i * interval);
    long long t = now_ns();
    if (t < due) {
      sleep_until(due);
      t = now_ns();
    }
    int n = snprintf(line, sizeof line, "L %lld %lld\n", i + 1, t / 1000);
    if (write_all(line, (size_t)n) < 0) return perror("loggen: write"), 1;
  }
  double secs = (now_ns() - t0) / 1e9;
  fprintf(stderr, "loggen: %lld lines in %.3f s (%.0f lines/s)\n", count, secs, count / secs);
  return 0;
}
