/* A directory's content copied into another, as a tmpfs mounted with tmpcopyup takes the content of
 * the directory it covers: files with their data, directories, symlinks and special files, each
 * with its owner, mode and times. Both directories are open descriptors: the covered one was
 * opened before the mount hid it, so no path of the container is walked twice. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"

/* deeper than any image's tree; a bound against a directory that loops through bind mounts */
#define COPY_DEPTH_MAX 128

static int copy_data(int from, int to) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(from, buf, sizeof buf);
    if (n == 0) return 0;
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(to, buf + off, (size_t)(n - off));
      if (w < 0) {
        if (errno == EINTR) continue;
        return -1;
      }
      off += w;
    }
  }
}

static int copy_entry(int from, int to, const char *name, const struct stat *st, int depth);

int copy_tree(int from, int to, int depth) {
  if (depth > COPY_DEPTH_MAX) return errno = ELOOP, -1;
  int d = fcntl(from, F_DUPFD_CLOEXEC, 0);
  DIR *dir = d < 0 ? NULL : fdopendir(d);
  if (!dir) {
    if (d >= 0) close(d);
    return -1;
  }
  int r = 0;
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(dir);
    if (!e) {
      if (errno) r = -1;
      break;
    }
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    struct stat st;
    if (fstatat(from, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || copy_entry(from, to, e->d_name, &st, depth) < 0) {
      r = -1;
      break;
    }
  }
  int err = errno;
  closedir(dir);
  errno = err;
  return r;
}

static int copy_entry(int from, int to, const char *name, const struct stat *st, int depth) {
  int r = 0;
  if (S_ISDIR(st->st_mode)) {
    if (mkdirat(to, name, 0700) < 0) return -1;
    int a = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int b = a < 0 ? -1 : openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    r = b < 0 ? -1 : copy_tree(a, b, depth + 1);
    int err = errno;
    if (a >= 0) close(a);
    if (b >= 0) close(b);
    errno = err;
  } else if (S_ISREG(st->st_mode)) {
    int a = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int b = a < 0 ? -1 : openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    r = b < 0 ? -1 : copy_data(a, b);
    int err = errno;
    if (a >= 0) close(a);
    if (b >= 0) close(b);
    errno = err;
  } else if (S_ISLNK(st->st_mode)) {
    char target[PATH_MAX];
    ssize_t n = readlinkat(from, name, target, sizeof target - 1);
    if (n < 0) return -1;
    target[n] = 0;
    r = symlinkat(target, to, name);
  } else {
    r = mknodat(to, name, st->st_mode, st->st_rdev);
  }
  if (r < 0) return -1;
  /* the owner first: a chown clears the setuid and setgid bits that the chmod then sets */
  if (fchownat(to, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0) return -1;
  if (!S_ISLNK(st->st_mode) && fchmodat(to, name, st->st_mode & 07777, 0) < 0) return -1;
  struct timespec times[2] = {st->st_atim, st->st_mtim};
  return utimensat(to, name, times, AT_SYMLINK_NOFOLLOW);
}
