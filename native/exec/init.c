/* The init: prepares the container from inside its namespaces, reports ready, waits for start and
 * executes the user's process. Every step either succeeds or reports {step, errno} and exits. */
#define _GNU_SOURCE
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "exec.h"

int write_file(const char *path, const char *value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -1;
  size_t len = strlen(value);
  ssize_t n = write(fd, value, len);
  int e = errno;
  close(fd);
  errno = e;
  return n == (ssize_t)len ? 0 : -1;
}

static void end_by(int sig) {
  signal(sig, SIG_DFL);
  raise(sig);
  _exit(128 + sig); /* the namespace's init, which its own default-action signal does not end */
}

/* The plan's ending signals are handled while it waits (unhandled, the kernel spares a pid
 * namespace's init), then none: the user's process starts with none handled. */
static void handle(const struct op_wait_start *w, void (*handler)(int)) {
  for (uint32_t i = 0; i < w->ending_signals_count; i++) signal((int)w->ending_signals[i], handler);
}

static int wait_start(int fd, const struct op_wait_start *w) {
  char b;
  ssize_t n;
  handle(w, end_by);
  do n = read(fd, &b, 1); while (n < 0 && errno == EINTR);
  handle(w, SIG_DFL);
  if (n == 1) return 0;
  if (n == 0) errno = EPIPE;
  return -1;
}

static int sync_runtime(struct plan *p, uint32_t step, uint32_t tag) {
  report(p->report_fd, MSG_SYNC, step, 0, (int32_t)tag);
  char b;
  ssize_t n;
  do n = read(p->report_fd, &b, 1); while (n < 0 && errno == EINTR);
  if (n == 1 && b == 0) return 0;
  errno = n == 1 ? ECANCELED : EPIPE;
  return -1;
}

static int step(struct plan *p, uint32_t i) {
  struct step *s = &p->steps[i];
  int fd;
  switch (s->op) {
  case OP_SETSID: return setsid() < 0 ? -1 : 0;
  case OP_MOUNT_ROOT_PROPAGATION: return mount(NULL, "/", NULL, s->u.mount_root_propagation.flags, NULL);
  case OP_BIND_ROOTFS: {
    const char *path = s->u.bind_rootfs.path;
    if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) return -1;
    fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || s->u.bind_rootfs.slot >= MAX_SLOTS) return -1;
    p->slots[s->u.bind_rootfs.slot] = fd;
    return 0;
  }
  case OP_LOOPBACK_UP: {
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "lo");
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int r = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (r == 0) {
      ifr.ifr_flags |= IFF_UP;
      r = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int e = errno;
    close(fd);
    errno = e;
    return r;
  }
  case OP_MOUNT_ROOTFS: {
    const struct op_mount_rootfs *m = &s->u.mount_rootfs;
    if (m->cwd[0] && chdir(m->cwd) < 0) return -1;
    if (mount(m->source, m->path, m->fstype, 0, m->data) < 0) return -1;
    if (m->cwd[0] && chdir("/") < 0) return -1;
    fd = open(m->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || m->slot >= MAX_SLOTS) return -1;
    p->slots[m->slot] = fd;
    return 0;
  }
  case OP_MOUNT: return do_mount(p, &s->u.mount);
  case OP_MKDIR:
    if ((fd = slot_fd(p, s->u.mkdir.root)) < 0 || (fd = open_in_root(fd, s->u.mkdir.path, 1)) < 0) return -1;
    return close(fd);
  case OP_MOUNT_SETATTR: return do_mount_setattr(p, &s->u.mount_setattr);
  case OP_MKNOD: return do_mknod(p, &s->u.mknod);
  case OP_SYMLINK: return do_symlink(p, &s->u.symlink);
  case OP_PIVOT_ROOT: return (fd = slot_fd(p, s->u.pivot_root.slot)) < 0 ? -1 : do_pivot_root(fd);
  case OP_PRIVATE_PARENT_MOUNT: return do_private_parent(s->u.private_parent_mount.path);
  case OP_CHROOT_ROOT: return (fd = slot_fd(p, s->u.chroot_root.slot)) < 0 ? -1 : do_chroot_root(fd);
  case OP_MOVE_ROOT: return (fd = slot_fd(p, s->u.move_root.slot)) < 0 ? -1 : do_move_root(fd);
  case OP_MASK_PATH: return do_mask_path(s->u.mask_path.path);
  case OP_READONLY_PATH: return do_readonly_path(s->u.readonly_path.path, s->u.readonly_path.flags);
  case OP_REMOUNT: return do_remount(s->u.remount.path, s->u.remount.flags);
  case OP_WRITE_FILE: return write_file(s->u.write_file.path, s->u.write_file.value);
  case OP_SETHOSTNAME: return sethostname(s->u.sethostname.name, strlen(s->u.sethostname.name));
  case OP_SETDOMAINNAME: return setdomainname(s->u.setdomainname.name, strlen(s->u.setdomainname.name));
  case OP_CONSOLE:
    if ((fd = slot_fd(p, s->u.console.socket_slot)) < 0) return -1;
    if (do_console(fd, s->u.console.rows, s->u.console.cols, s->u.console.mount_console) < 0) return -1;
    p->slots[s->u.console.socket_slot] = -1;
    return 0;
  case OP_SETRLIMIT: {
    struct rlimit rl = {s->u.setrlimit.soft, s->u.setrlimit.hard};
    return prlimit(0, (int)s->u.setrlimit.resource, &rl, NULL);
  }
  case OP_PERSONALITY: return personality(s->u.personality.persona) < 0 ? -1 : 0;
  case OP_DROP_BOUNDING: return do_drop_bounding(&s->u.drop_bounding);
  case OP_SET_USER: return do_set_user(&s->u.set_user);
  case OP_SET_CAPS: return do_set_caps(&s->u.set_caps);
  case OP_SESSION_KEYRING: return do_session_keyring(&s->u.session_keyring);
  case OP_NO_NEW_PRIVS: return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  case OP_UMASK: umask((mode_t)s->u.umask.mask); return 0;
  case OP_CHDIR: return chdir(s->u.chdir.path);
  case OP_RESOLVE_EXEC: return do_resolve_exec(p, &s->u.resolve_exec);
  case OP_READY: report(p->report_fd, MSG_READY, i, 0, 0); return 0;
  case OP_AFTER_START:
    p->after_start = i + 1;
    p->after_start_whats = s->u.after_start.whats;
    p->after_start_count = s->u.after_start.whats_count;
    return 0;
  case OP_WAIT_START: return (fd = slot_fd(p, s->u.wait_start.slot)) < 0 ? -1 : wait_start(fd, &s->u.wait_start);
  case OP_KEEP_FDS: return (int)syscall(SYS_close_range, s->u.keep_fds.count, ~0U, CLOSE_RANGE_CLOEXEC);
  case OP_SYNC_RUNTIME: return sync_runtime(p, i, s->u.sync_runtime.tag);
  case OP_SECCOMP: return do_seccomp(&s->u.seccomp);
  case OP_SECCOMP_CHECK: return do_seccomp_check(&s->u.seccomp_check);
  case OP_READ_STATE:
    if (s->u.read_state.which > 1) return errno = EINVAL, -1;
    return read_state(p->report_fd, &p->blob[s->u.read_state.which], &p->blob_len[s->u.read_state.which]);
  case OP_SECCOMP_NOTIFY: return do_seccomp_notify(p, &s->u.seccomp_notify);
  case OP_RUN_HOOK: {
    int r = run_hook(&s->u.run_hook, p->blob[0], p->blob_len[0]);
    if (r > 0) { /* the hook ran and failed: its wait status goes to the runtime */
      say_after_start(p, i, 0, r);
      report(p->report_fd, MSG_ERROR, i, 0, r);
      _exit(1);
    }
    return r;
  }
  case OP_EXEC:
    execve(p->exec_path, s->u.exec.argv, s->u.exec.env);
    return -1;
  default: errno = EINVAL; return -1;
  }
}

_Noreturn void run_init(struct plan *p, uint32_t first) {
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  for (uint32_t i = first; i < p->count; i++)
    if (step(p, i) < 0) fail(p, i, errno);
  fail(p, p->count, EINVAL);
}
