/*
 * skiff-init: the tiny init of `run --init`, PID 1 of the container. It runs argv[1..] as its
 * child, passes every signal it can catch on to that child, reaps every process the container
 * orphans, and exits as the child did (its status, or 128 + the signal that ended it).
 * No policy: which program, and whether to use an init at all, the engine decides.
 * Called as dockerd calls docker-init: skiff-init -- PROGRAM [ARGS...].
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
  fprintf(stderr, "skiff-init: %s: %s\n", what, strerror(errno));
  _exit(127);
}

int main(int argc, char **argv) {
  /* as docker-init (tini) is called: "--" before the program */
  if (argc > 1 && strcmp(argv[1], "--") == 0) {
    argv++;
    argc--;
  }
  if (argc < 2) {
    fprintf(stderr, "usage: skiff-init [--] PROGRAM [ARGS...]\n");
    return 2;
  }
  sigset_t all, old;
  sigfillset(&all);
  if (sigprocmask(SIG_BLOCK, &all, &old) < 0) die("block signals");
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    /* the program gets the signal mask and dispositions it would have had without us */
    if (sigprocmask(SIG_SETMASK, &old, NULL) < 0) die("restore the signal mask");
    execvp(argv[1], argv + 1);
    int e = errno;
    fprintf(stderr, "skiff-init: exec %s: %s\n", argv[1], strerror(e));
    _exit(e == ENOENT ? 127 : 126);
  }
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) {
      if (errno == EINTR) continue;
      die("wait for signals");
    }
    if (sig != SIGCHLD) {
      /* terminal job control signals are the terminal's business, not the program's */
      if (sig != SIGTTIN && sig != SIGTTOU && kill(child, sig) < 0 && errno != ESRCH) die("forward a signal");
      continue;
    }
    for (;;) {
      int status;
      pid_t p = waitpid(-1, &status, WNOHANG);
      if (p < 0 && errno == EINTR) continue;
      if (p <= 0) break;
      if (p == child) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
}
