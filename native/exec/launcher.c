/* The launcher: opens what must be opened in the host's namespaces, forks the intermediate, writes
 * its id maps on request, reports the init's pid, then exits or (for a foreground run) waits for
 * the init and exits with its status. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "exec.h"

static int connect_socket(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static int write_proc_file(pid_t pid, const char *name, const char *value) {
  if (!value[0]) return 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, value, strlen(value));
  int e = errno;
  close(fd);
  errno = e;
  return n == (ssize_t)strlen(value) ? 0 : -1;
}

static int write_maps(const struct op_user_maps *m, pid_t pid) {
  if (!m) return errno = EINVAL, -1;
  if (write_proc_file(pid, "setgroups", m->setgroups)) return -1;
  if (write_proc_file(pid, "uid_map", m->uid_map)) return -1;
  return write_proc_file(pid, "gid_map", m->gid_map);
}

/* While it waits, the launcher must outlive the signals the runtime forwards to the container
 * (the plan lists them). Set only after the fork, so the container does not inherit SIG_IGN. */
void ignore_signals(const struct op_spawn *spawn) {
  for (uint32_t i = 0; i < spawn->ignore_signals_count; i++) signal((int)spawn->ignore_signals[i], SIG_IGN);
}

static _Noreturn void wait_init(pid_t init) {
  for (;;) {
    int status;
    pid_t r = waitpid(-1, &status, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) _exit(255);
    if (r != init) continue;
    if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) _exit(128 + WTERMSIG(status));
  }
}

_Noreturn void run_launcher(struct plan *p) {
  uint32_t i = 0, maps_step = 0;
  int relay = -1; /* our end of the console pair, if the launcher relays the terminal */
  for (; i < p->count; i++) {
    struct step *s = &p->steps[i];
    int fd;
    switch (s->op) {
    case OP_OPEN_PATH:
      fd = open(s->u.open_path.path, (int)s->u.open_path.flags | O_CLOEXEC);
      if (fd < 0 || s->u.open_path.slot >= MAX_SLOTS) fail(p, i, fd < 0 ? errno : EINVAL);
      p->slots[s->u.open_path.slot] = fd;
      break;
    case OP_CONNECT_SOCKET:
      fd = connect_socket(s->u.connect_socket.path);
      if (fd < 0 || s->u.connect_socket.slot >= MAX_SLOTS) fail(p, i, fd < 0 ? errno : EINVAL);
      p->slots[s->u.connect_socket.slot] = fd;
      break;
    case OP_MKFIFO:
      if (mkfifo(s->u.mkfifo.path, s->u.mkfifo.mode) < 0 || chmod(s->u.mkfifo.path, s->u.mkfifo.mode) < 0) fail(p, i, errno);
      break;
    case OP_CONSOLE_PAIR: {
      int pair[2];
      if (s->u.console_pair.slot >= MAX_SLOTS || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) fail(p, i, errno ? errno : EINVAL);
      p->slots[s->u.console_pair.slot] = pair[1];
      relay = pair[0];
      break;
    }
    case OP_ATTACH_DEVICE_FILTER:
      if (attach_device_filter(s->u.attach_device_filter.cgroup, s->u.attach_device_filter.program, s->u.attach_device_filter.program_len) < 0) fail(p, i, errno);
      break;
    case OP_USER_MAPS:
      p->maps = &s->u.user_maps;
      maps_step = i;
      break;
    case OP_SPAWN:
      goto spawn;
    default:
      fail(p, i, EINVAL);
    }
  }
  fail(p, i, EINVAL);

spawn:;
  int sync[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0) fail(p, i, errno);
  pid_t child = fork();
  if (child < 0) fail(p, i, errno);
  if (child == 0) {
    close(sync[0]);
    p->launcher_fd = sync[1];
    run_intermediate(p, i + 1);
  }
  close(sync[1]);
  for (int k = 0; k < MAX_SLOTS; k++) /* the others' fds: holding them would hide their EOFs */
    if (p->slots[k] >= 0) close(p->slots[k]);
  pid_t init = 0;
  for (;;) {
    int32_t msg[4];
    ssize_t n = read(sync[0], msg, sizeof msg);
    if (n < 0 && errno == EINTR) continue;
    if (n != sizeof msg) break;
    if (msg[0] == (int32_t)MSG_SYNC) { /* the intermediate asks for its id maps */
      int32_t err = write_maps(p->maps, child) ? errno : 0;
      if (err) report(p->report_fd, MSG_ERROR, maps_step, err, 0);
      if (write(sync[0], &err, sizeof err) < 0) break;
    } else if (msg[0] == (int32_t)MSG_PID) {
      init = msg[3];
      report(p->report_fd, MSG_PID, 0, 0, init);
    }
  }
  int status;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  /* Nothing more to report: once the init has exec-ed, the runtime sees EOF on its socket. */
  close(p->report_fd);
  if (!init) _exit(1); /* the intermediate reported its failure itself */
  ignore_signals(&p->steps[i].u.spawn);
  if (relay >= 0) {
    int master = receive_fd(relay); /* EOF instead if the init failed before its console step */
    close(relay);
    if (master >= 0) relay_terminal(master, init);
  }
  if (p->steps[i].u.spawn.wait_init) wait_init(init);
  _exit(0);
}
