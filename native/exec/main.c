/* skiff-exec PLAN_FD REPORT_FD: reads a launch plan and performs it (see src/runtime/plan/ops.ts).
 * It first re-executes itself from a sealed memfd so that no container process can reach or
 * overwrite this binary through /proc/<pid>/exe. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include "exec.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern char **environ;

static void reexec_sealed(char **argv) {
  char self[64];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = 0;
    if (strncmp(self, "/memfd:skiff-exec", 17) == 0) return;
  }
  int mfd = memfd_create("skiff-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mfd < 0 && errno == EINVAL) mfd = memfd_create("skiff-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (mfd < 0 || src < 0 || fstat(src, &st) < 0) {
    perror("skiff-exec: copy self to memfd");
    exit(125);
  }
  off_t off = 0;
  while (off < st.st_size)
    if (sendfile(mfd, src, &off, (size_t)(st.st_size - off)) <= 0) {
      perror("skiff-exec: copy self to memfd");
      exit(125);
    }
  close(src);
  if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
    perror("skiff-exec: seal memfd");
    exit(125);
  }
  fexecve(mfd, argv, environ);
  perror("skiff-exec: exec sealed copy");
  exit(125);
}

static void reset_signals(void) {
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
}

static uint8_t *read_all(int fd, size_t *len) {
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  for (;;) {
    if (!buf) return NULL;
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return NULL;
    if (r == 0) break;
    n += (size_t)r;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  *len = n;
  return buf;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: skiff-exec PLAN_FD REPORT_FD (started by skiff's runtime, not by hand)\n");
    return 125;
  }
  reexec_sealed(argv);
  /* started as /proc/PID/fd/N (the runtime's own sealed copy), the name would be the fd number */
  prctl(PR_SET_NAME, "skiff-exec", 0, 0, 0);
  reset_signals();
  struct plan p = {.report_fd = atoi(argv[2]), .launcher_fd = -1};
  for (int i = 0; i < MAX_SLOTS; i++) p.slots[i] = -1;
  int plan_fd = atoi(argv[1]);
  size_t len = 0;
  uint8_t *buf = read_all(plan_fd, &len);
  close(plan_fd);
  struct cursor c = {buf, buf + len};
  uint32_t magic, version, count;
  if (!buf || cur_u32(&c, &magic) || cur_u32(&c, &version) || cur_u32(&c, &count) || magic != PLAN_MAGIC ||
      version != PLAN_VERSION || count > 100000) {
    report(p.report_fd, MSG_ERROR, UINT32_MAX, EPROTO, 0);
    return 125;
  }
  p.steps = calloc(count ? count : 1, sizeof(struct step));
  p.count = count;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t op;
    const uint8_t *payload;
    uint32_t plen;
    if (cur_u32(&c, &op) || cur_bytes(&c, &payload, &plen)) fail(&p, i, EPROTO);
    struct cursor pc = {payload, payload + plen};
    if (decode_step(&pc, op, &p.steps[i]) || pc.p != pc.end) fail(&p, i, EPROTO);
  }
  run_launcher(&p);
}
