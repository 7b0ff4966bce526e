/* The create command: started with the container's stdio and the engine's passed fds; its pty
 * master arrives on the console socket (runc's --console-socket protocol: one SCM_RIGHTS message);
 * the pid file it (or its driver) writes names the container's init. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "monitor.h"

void console_listen(void) {
  if ((M.console_fd = listen_unix(M.console, &M.console_made)) < 0) fail(STEP_CONSOLE_LISTEN, errno, 0);
}

/* The create command connects to the console socket and sends the pty master. */
void console_event(int listening) {
  if (listening) {
    int fd = accept4(M.console_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0 && errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) fail(STEP_CONSOLE, errno, 0);
    if (fd < 0) return;
    if (M.console_conn >= 0) close(M.console_conn); /* the newest connection is the one that counts */
    M.console_conn = fd;
    return;
  }
  char name[256], ctl[CMSG_SPACE(sizeof(int))];
  struct iovec v = { name, sizeof name };
  struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
  ssize_t n = recvmsg(M.console_conn, &m, MSG_CMSG_CLOEXEC);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n < 0) fail(STEP_CONSOLE, errno, 0);
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  if (!n && !c) { /* closed without sending: a later connection may still bring the master */
    close(M.console_conn);
    M.console_conn = -1;
    return;
  }
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) fail(STEP_CONSOLE, EBADMSG, 0);
  memcpy(&M.master, CMSG_DATA(c), sizeof(int));
  if (fcntl(M.master, F_SETFL, O_NONBLOCK)) fail(STEP_CONSOLE, errno, 0);
  M.out[0].fd = M.stdin_fd = M.master;
  close(M.console_conn);
  close(M.console_fd);
  M.console_conn = M.console_fd = -1;
  if (still_ours(M.console, &M.console_made) && unlink(M.console)) warn("remove the console socket", errno);
  M.console_made.ino = 0;
}

/* The pid in the pid file; 0 while it is missing or empty (being written); -errno if unreadable. */
pid_t read_pid_file(void) {
  char b[32];
  int fd = open(M.pid_file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : -errno;
  ssize_t n = read(fd, b, sizeof b - 1);
  int err = errno;
  close(fd);
  if (n < 0) return -err;
  b[n] = 0;
  char *end;
  long pid = strtol(b, &end, 10);
  if (end == b) return 0;
  return pid > 0 && pid <= INT_MAX && (!*end || *end == '\n') ? (pid_t)pid : -EINVAL;
}

/* Forks and execs the create command. A pipe closed by exec tells the exec's failure from a quick
 * exit: the child writes its errno to it only if execvp returns. */
void spawn_create(void) {
  int ep[2], err = 0;
  M.started = 1;
  if (pipe2(ep, O_CLOEXEC)) fail(STEP_FORK, errno, 0);
  pid_t pid = fork();
  if (pid < 0) fail(STEP_FORK, errno, 0);
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL); /* ignored dispositions would survive exec */
    signal(SIGHUP, SIG_DFL);
    for (int i = 0; i < 3 && !err; i++)
      if (dup2(M.child_fds[i], i) < 0) err = errno;
    for (int fd = 3; fd < 3 + M.pass_fds && !err; fd++)
      if (fcntl(fd, F_SETFD, 0)) err = errno;
    if (!err) execvp(M.argv[0], M.argv);
    err = errno;
    (void)!write(ep[1], &err, sizeof err);
    _exit(127);
  }
  close(ep[1]);
  ssize_t n;
  while ((n = read(ep[0], &err, sizeof err)) < 0 && errno == EINTR) {
  }
  close(ep[0]);
  for (int i = 0; i < 3; i++)
    if (M.child_fds[i] > 2) close(M.child_fds[i]);
  for (int fd = 3; fd < 3 + M.pass_fds; fd++) close(fd); /* the command's now: their end must see it go */
  if (n == sizeof err) {
    waitpid(pid, NULL, 0);
    fail(STEP_EXEC, err, 0);
  }
  if (M.pid_file) {
    M.create_pid = pid;
    return;
  }
  M.init_pid = pid; /* no pid file: the command is the container's process */
  report(MSG_INIT_PID, 0, 0, pid);
}
