/* The process to execute: its file looked up as execvp does, and its terminal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include "exec.h"

static int executable(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return -1;
  if (S_ISDIR(st.st_mode)) return errno = EACCES, -1;
  return access(path, X_OK);
}

int do_resolve_exec(struct plan *p, const struct op_resolve_exec *r) {
  size_t cap = sizeof p->exec_path;
  if (strchr(r->file, '/')) {
    if (strlen(r->file) >= cap) return errno = ENAMETOOLONG, -1;
    strcpy(p->exec_path, r->file);
    return executable(p->exec_path);
  }
  int err = ENOENT;
  for (const char *dir = r->path; dir;) {
    const char *colon = strchr(dir, ':');
    size_t len = colon ? (size_t)(colon - dir) : strlen(dir);
    int n = snprintf(p->exec_path, cap, "%.*s%s%s", (int)len, dir, len ? "/" : "", r->file);
    if (n > 0 && (size_t)n < cap) {
      if (executable(p->exec_path) == 0) return 0;
      if (errno != ENOENT && errno != ENOTDIR) err = errno;
    }
    dir = colon ? colon + 1 : NULL;
  }
  return errno = err, -1;
}

int send_fd(int sock, int fd, const uint8_t *data, uint32_t len) {
  char cbuf[CMSG_SPACE(sizeof(int))] = {0};
  char nul = 0;
  struct iovec iov = {len ? (void *)data : &nul, len ? len : 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &fd, sizeof fd);
  return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* As runc does: the pty is opened inside the container's devpts, its master goes to whoever
 * listens on the console socket, the slave is bound onto /dev/console (when asked: a container's
 * init, not an exec) and becomes stdio and the controlling terminal. */
int do_console(int sock, uint32_t rows, uint32_t cols, uint32_t mount_console) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return -1;
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) return -1;
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) return -1;
  if (rows || cols) {
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    if (ioctl(master, TIOCSWINSZ, &ws) < 0) return -1;
  }
  if (mount_console) {
    unsigned int n;
    if (ioctl(master, TIOCGPTN, &n) < 0) return -1;
    char path[32];
    snprintf(path, sizeof path, "/dev/pts/%u", n);
    int f = open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0666);
    if (f < 0) return -1;
    close(f);
    if (mount(path, "/dev/console", NULL, MS_BIND, NULL) < 0) return -1;
  }
  if (send_fd(sock, master, (const uint8_t *)"/dev/ptmx", 9) < 0) return -1;
  close(master);
  close(sock);
  if (ioctl(slave, TIOCSCTTY, 0) < 0) return -1;
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) return -1;
  if (slave > 2) close(slave);
  return 0;
}
