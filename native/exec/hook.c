/* Hooks that run inside the container's namespaces (createContainer, startContainer): the
 * runtime decides which, with what arguments and environment; this only runs one with the state
 * on its stdin, waits for it (killing it at the timeout), and hands back how it ended. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "exec.h"

int read_state(int fd, uint8_t **state, uint32_t *len) {
  uint8_t hdr[4];
  for (size_t got = 0; got < sizeof hdr;) {
    ssize_t n = read(fd, hdr + got, sizeof hdr - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return errno = n == 0 ? EPIPE : errno, -1;
    got += (size_t)n;
  }
  *len = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
  if (*len > (1u << 24)) return errno = E2BIG, -1;
  *state = malloc(*len ? *len : 1);
  if (!*state) return -1;
  for (uint32_t got = 0; got < *len;) {
    ssize_t n = read(fd, *state + got, *len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return errno = n == 0 ? EPIPE : errno, -1;
    got += (uint32_t)n;
  }
  return 0;
}

int run_hook(const struct op_run_hook *h, const uint8_t *state, uint32_t state_len) {
  int in[2];
  if (pipe2(in, O_CLOEXEC) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (dup2(in[0], STDIN_FILENO) < 0) _exit(127);
    execve(h->path, h->args_count ? h->args : (char *[]){(char *)h->path, NULL}, h->env);
    _exit(127);
  }
  close(in[0]);
  /* SIGPIPE is ignored only while the state is written: a disposition goes through execve, so
   * left ignored it would reach the container's process (pipelines would see EPIPE, not die). */
  struct sigaction ignore = {.sa_handler = SIG_IGN}, saved;
  sigaction(SIGPIPE, &ignore, &saved);
  for (uint32_t off = 0; off < state_len;) {
    ssize_t n = write(in[1], state + off, state_len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break; /* a hook that does not read its stdin is fine */
    off += (uint32_t)n;
  }
  close(in[1]);
  sigaction(SIGPIPE, &saved, NULL);
  struct timespec start, now, nap = {0, 1000000};
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status == 0 ? 0 : status;
    if (r < 0 && errno != EINTR) return -1;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long elapsed_ms = (long long)(now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (h->timeout && elapsed_ms >= (long long)h->timeout * 1000) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return errno = ETIMEDOUT, -1;
    }
    nanosleep(&nap, NULL);
    if (nap.tv_nsec < 50000000) nap.tv_nsec *= 2;
  }
}
