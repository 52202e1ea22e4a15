/*
 * gantry-pause: the process of a pod's sandbox container. It holds the pod's network, IPC and UTS namespaces for the
 * pod's other containers to join, and does nothing else: it sleeps until SIGINT or SIGTERM ends it (exit 0), and reaps
 * whatever child is reparented to it (it is pid 1 of its own pid namespace). Linked statically, so the agent can put
 * this one file in an image of its own (agent/pods/pause-image.ts) without any library beside it.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) {
  (void)sig;
  _exit(0);
}

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char **argv) {
  (void)argv;
  if (argc > 1) {
    /* `gantry-pause -v`: nothing to configure; any argument only asks what this is. */
    static const char msg[] = "gantry-pause: holds a pod's namespaces until SIGTERM\n";
    if (write(STDOUT_FILENO, msg, sizeof msg - 1) < 0) return 1;
    return 0;
  }
  struct sigaction sa = {0};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = stop;
  if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) return 1;
  sa.sa_handler = reap;
  sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  if (sigaction(SIGCHLD, &sa, NULL) < 0) return 1;
  for (;;) pause();
}
