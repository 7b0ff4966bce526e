/* The intermediate: joins the cgroup and existing namespaces, creates the new ones (the user
 * namespace first, so the others belong to it), then forks the init as the launcher's child so
 * that it is the first process of a new pid namespace. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "exec.h"

static int to_launcher(struct plan *p, uint32_t type, int32_t value) {
  int32_t msg[4] = {(int32_t)type, 0, 0, value};
  return write(p->launcher_fd, msg, sizeof msg) == sizeof msg ? 0 : -1;
}

_Noreturn void run_intermediate(struct plan *p, uint32_t first) {
  for (uint32_t i = first; i < p->count; i++) {
    struct step *s = &p->steps[i];
    int fd;
    switch (s->op) {
    case OP_JOIN_CGROUP:
      fd = slot_fd(p, s->u.join_cgroup.slot);
      if (fd < 0 || write(fd, "0", 1) != 1) fail(p, i, errno);
      break;
    case OP_SETNS:
      fd = slot_fd(p, s->u.setns.slot);
      if (fd < 0 || setns(fd, (int)s->u.setns.nstype) < 0) fail(p, i, errno);
      close(fd);
      p->slots[s->u.setns.slot] = -1;
      break;
    case OP_WRITE_FILE: /* oom_score_adj, set before any namespace: the init inherits it */
      if (write_file(s->u.write_file.path, s->u.write_file.value) < 0) fail(p, i, errno);
      break;
    case OP_UNSHARE:
      if (unshare((int)s->u.unshare.flags) < 0) fail(p, i, errno);
      break;
    case OP_SYNC_USER_MAPS: {
      int32_t err = 0;
      if (to_launcher(p, MSG_SYNC, 0) || read(p->launcher_fd, &err, sizeof err) != sizeof err) fail(p, i, EPIPE);
      if (err) _exit(1); /* the launcher reported it */
      if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) fail(p, i, errno);
      break;
    }
    case OP_FORK_INIT: {
      pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
      if (pid < 0) fail(p, i, errno);
      if (pid == 0) {
        close(p->launcher_fd);
        p->launcher_fd = -1;
        run_init(p, i + 1);
      }
      if (to_launcher(p, MSG_PID, pid)) {
        kill(pid, SIGKILL);
        fail(p, i, EPIPE);
      }
      _exit(0);
    }
    default:
      fail(p, i, EINVAL);
    }
  }
  fail(p, p->count, EINVAL);
}
