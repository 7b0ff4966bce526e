#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "exec.h"

/* MSG_NOSIGNAL: after start the runtime has closed its end, and SIGPIPE would kill the init
 * before it could say why it failed. */
void report(int fd, uint32_t type, uint32_t step, int32_t err, int32_t value) {
  int32_t msg[4] = {(int32_t)type, (int32_t)step, err, value};
  ssize_t n;
  do n = send(fd, msg, sizeof msg, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  if (n < 0 && errno == ENOTSOCK)
    do n = write(fd, msg, sizeof msg); while (n < 0 && errno == EINTR);
}

/* The errno's name ("ENOENT"), as glibc's strerrorname_np gives it; the executor is linked
 * statically with musl (one exec per container: no dynamic loading), which has none. */
static const char *errname(int err) {
  switch (err) {
#define E(name) \
  case name:    \
    return #name;
    E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG) E(ENOEXEC) E(EBADF) E(ECHILD)
    E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT) E(EBUSY) E(EEXIST) E(EXDEV) E(ENODEV) E(ENOTDIR)
    E(EISDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(ETXTBSY) E(EFBIG) E(ENOSPC) E(EROFS)
    E(EPIPE) E(ERANGE) E(ENAMETOOLONG) E(ENOSYS) E(ENOTEMPTY) E(ELOOP) E(EOVERFLOW) E(EOPNOTSUPP)
#undef E
  }
  static char other[24];
  snprintf(other, sizeof other, "errno %d", err);
  return other;
}

void say_after_start(const struct plan *p, uint32_t step, int err, int status) {
  if (!p->after_start || step < p->after_start || step - p->after_start >= p->after_start_count) return;
  const char *what = p->after_start_whats[step - p->after_start];
  if (err) dprintf(STDERR_FILENO, "%s: %s (%s)\n", what, errname(err), strerror(err));
  else if (WIFEXITED(status)) dprintf(STDERR_FILENO, "%s: exited with status %d\n", what, WEXITSTATUS(status));
  else dprintf(STDERR_FILENO, "%s: killed by signal %d\n", what, WTERMSIG(status));
}

_Noreturn void fail(struct plan *p, uint32_t step, int err) {
  if (!err) err = EIO;
  say_after_start(p, step, err, 0);
  report(p->report_fd, MSG_ERROR, step, err, 0);
  end_process(1);
}

_Noreturn void end_process(int code) {
  syscall(SYS_exit_group, code);
  syscall(SYS_exit, code);
  __builtin_trap();
}

int slot_fd(struct plan *p, uint32_t slot) {
  if (slot >= MAX_SLOTS || p->slots[slot] < 0) {
    errno = EBADF;
    return -1;
  }
  return p->slots[slot];
}
