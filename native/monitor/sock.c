/* The unix sockets the monitor listens on (attach, console), and whether the file at a socket's
 * path is still the one this monitor made. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "monitor.h"

/* A listening unix stream socket at path, mode 0600 (the umask is set around bind: no window in
 * which another mode shows); made says which file it is. */
int listen_unix(const char *path, struct made *made) {
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  if (strlen(path) >= sizeof a.sun_path) return errno = ENAMETOOLONG, -1;
  strcpy(a.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  mode_t old = umask(0177);
  int r = bind(fd, (struct sockaddr *)&a, sizeof a);
  umask(old);
  struct stat st;
  if (r || listen(fd, SOMAXCONN) || lstat(path, &st)) { /* a burst of clients must not be refused as if none listened */
    int err = errno;
    close(fd);
    return errno = err, -1;
  }
  *made = (struct made){ st.st_dev, st.st_ino };
  return fd;
}

/* Whether the socket this monitor made is still at path (not removed, nor replaced by another's). */
int still_ours(const char *path, const struct made *made) {
  struct stat st;
  return made->ino && !lstat(path, &st) && st.st_dev == made->dev && st.st_ino == made->ino;
}
