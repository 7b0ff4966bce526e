/* The launcher's terminal relay for `run` in the foreground with a terminal and no console
 * socket (as runc does): it receives the pty master from the init, puts its own terminal in raw
 * mode, copies bytes both ways and the window size on SIGWINCH, until the init exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "exec.h"

int receive_fd(int sock) {
  char name[256], cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {name, sizeof name};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  ssize_t n;
  do n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(cm), sizeof fd);
  return fd;
}

static int copy(int from, int to) {
  char buf[8192];
  ssize_t n = read(from, buf, sizeof buf);
  if (n <= 0) return n < 0 && (errno == EAGAIN || errno == EINTR) ? 1 : 0;
  for (ssize_t off = 0; off < n;) {
    ssize_t w = write(to, buf + off, (size_t)(n - off));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno == EAGAIN ? 1 : 0;
    off += w;
  }
  return 1;
}

static void resize(int master) {
  struct winsize ws;
  if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
}

static int status_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

_Noreturn void relay_terminal(int master, pid_t init) {
  struct termios saved;
  int raw = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (raw) {
    struct termios t = saved;
    cfmakeraw(&t);
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
    resize(master);
  }
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGWINCH);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  struct pollfd fds[3] = {{master, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}, {sfd, POLLIN, 0}};
  int code = -1, status;
  /* the init may have exited before SIGCHLD was blocked: that signal is gone, so look now */
  if (waitpid(init, &status, WNOHANG) == init) code = status_code(status);
  while (code < 0 || fds[0].fd >= 0) {
    if (poll(fds, 3, code < 0 ? -1 : 100) <= 0) {
      if (code >= 0) break; /* drained */
      continue;
    }
    if (fds[0].revents && !copy(master, STDOUT_FILENO)) fds[0].fd = -1;
    if (fds[1].revents && !copy(STDIN_FILENO, master)) fds[1].fd = -1;
    if (fds[2].revents) {
      struct signalfd_siginfo si;
      if (read(sfd, &si, sizeof si) == sizeof si && si.ssi_signo == SIGWINCH) resize(master);
      pid_t r;
      while ((r = waitpid(-1, &status, WNOHANG)) > 0)
        if (r == init) code = status_code(status);
    }
  }
  if (raw) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  _exit(code < 0 ? 255 : code);
}
