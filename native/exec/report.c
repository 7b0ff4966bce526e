#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include "exec.h"

void report(int fd, uint32_t type, uint32_t step, int32_t err, int32_t value) {
  int32_t msg[4] = {(int32_t)type, (int32_t)step, err, value};
  ssize_t n;
  do n = write(fd, msg, sizeof msg); while (n < 0 && errno == EINTR);
}

_Noreturn void fail(struct plan *p, uint32_t step, int err) {
  report(p->report_fd, MSG_ERROR, step, err ? err : EIO, 0);
  _exit(1);
}

int slot_fd(struct plan *p, uint32_t slot) {
  if (slot >= MAX_SLOTS || p->slots[slot] < 0) {
    errno = EBADF;
    return -1;
  }
  return p->slots[slot];
}
