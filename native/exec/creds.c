/* Identity and privileges: the session keyring, groups and ids, capability sets, the bounding set, seccomp. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "exec.h"

/* The user namespace refuses setgroups(2) to everyone (its /proc/PID/setgroups reads "deny"). */
static int setgroups_denied(void) {
  int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char b[8] = {0};
  ssize_t n = read(fd, b, sizeof b - 1);
  close(fd);
  return n >= 4 && memcmp(b, "deny", 4) == 0;
}

int do_set_user(const struct op_set_user *u) {
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return -1;
  int set = u->setgroups == 1 || (u->setgroups == 2 && !setgroups_denied());
  if (set && setgroups(u->groups_count, (const gid_t *)u->groups) < 0) return -1;
  if (setresgid(u->gid, u->gid, u->gid) < 0) return -1;
  if (setresuid(u->uid, u->uid, u->uid) < 0) return -1;
  return prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
}

int do_drop_bounding(const struct op_drop_bounding *d) {
  for (uint32_t i = 0; i < d->caps_count; i++)
    if (prctl(PR_CAPBSET_DROP, d->caps[i], 0, 0, 0) < 0) return -1;
  return 0;
}

int do_set_caps(const struct op_set_caps *c) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {
      {(uint32_t)c->effective, (uint32_t)c->permitted, (uint32_t)c->inheritable},
      {(uint32_t)(c->effective >> 32), (uint32_t)(c->permitted >> 32), (uint32_t)(c->inheritable >> 32)},
  };
  if (syscall(SYS_capset, &hdr, data) < 0) return -1;
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) return -1;
  for (uint32_t i = 0; i < c->ambient_count; i++)
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c->ambient[i], 0, 0) < 0) return -1;
  return 0;
}

int do_session_keyring(const struct op_session_keyring *k) {
  long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, k->name);
  if (id < 0) return errno == ENOSYS ? 0 : -1;
  if (k->perm && syscall(SYS_keyctl, KEYCTL_SETPERM, id, k->perm) < 0) return -1;
  return 0;
}

static int load_filter(const uint8_t *filter, uint32_t len, uint32_t flags) {
  if (len % sizeof(struct sock_filter) || len == 0) return errno = EINVAL, -1;
  struct sock_fprog prog = {(unsigned short)(len / sizeof(struct sock_filter)), (struct sock_filter *)filter};
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

int do_seccomp(const struct op_seccomp *s) {
  return load_filter(s->filter, s->filter_len, s->flags) < 0 ? -1 : 0;
}

/* The real load comes just before execve, where a failure could no longer reach create: the same
 * filter is loaded first in a child that exits at once, so the kernel checks the program, its
 * flags and the caller's right to load it (CAP_SYS_ADMIN or no_new_privs) as it will then. A fork
 * refused by the pids limit skips the trial: the load itself still fails the same way.
 * Once loaded, the filter may refuse the child's exit (ERRNO: end_process ends it by SIGILL) or
 * kill it at the call (SIGSYS): both mean the load succeeded (a profile refusing exit had left the
 * child asking forever, and create waiting for it; a killing default was reported as ECHILD). */
int do_seccomp_check(const struct op_seccomp_check *s) {
  pid_t pid = fork();
  if (pid < 0) return errno == EAGAIN ? 0 : -1;
  if (pid == 0) {
    if (load_filter(s->filter, s->filter_len, s->flags) < 0) _exit(errno & 0xff);
    end_process(0);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGILL || WTERMSIG(status) == SIGSYS)) return 0;
  if (!WIFEXITED(status)) return errno = ECHILD, -1;
  return WEXITSTATUS(status) ? (errno = WEXITSTATUS(status), -1) : 0;
}

/* With SECCOMP_FILTER_FLAG_NEW_LISTENER the kernel returns the listener fd; it goes to the
 * agent on the listener socket with the message the runtime prepared (as runc sends it). */
int do_seccomp_notify(struct plan *p, const struct op_seccomp_notify *s) {
  int sock = slot_fd(p, s->socket_slot);
  if (sock < 0) return -1;
  int listener = load_filter(s->filter, s->filter_len, s->flags);
  if (listener < 0) return -1;
  int r = send_fd(sock, listener, p->blob[1], p->blob_len[1]);
  int e = errno;
  close(listener);
  close(sock);
  p->slots[s->socket_slot] = -1;
  errno = e;
  return r;
}
