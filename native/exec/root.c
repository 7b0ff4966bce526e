/* Mounts and paths inside the container's root. Paths from the bundle are resolved with
 * openat2(RESOLVE_IN_ROOT): a symlink in the rootfs that points at /etc lands on the rootfs's
 * own etc, never the host's. Mounts then target the resolved fd through /proc/self/fd. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "exec.h"

static int resolve(int root, const char *rel) {
  struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  while (*rel == '/') rel++;
  return (int)syscall(SYS_openat2, root, rel[0] ? rel : ".", &how, sizeof how);
}

/* Pops the first component of *rest into name (NUL-terminated in place). */
static char *next_component(char **rest) {
  while (**rest == '/') (*rest)++;
  if (!**rest) return NULL;
  char *name = *rest, *slash = strchr(name, '/');
  if (slash) {
    *slash = 0;
    *rest = slash + 1;
  } else {
    *rest = name + strlen(name);
  }
  return name;
}

/* The slow path, taken when something is missing: walk the path one component at a time,
 * keeping `canon`, the symlink-free path reached so far. A symlink's target is spliced in front
 * of what remains (absolute targets restart at the root); ".." pops a component of canon and
 * cannot go above the root. Missing components are created. */
static int create_in_root(int root, const char *rel, uint32_t create) {
  char pending[2][PATH_MAX], canon[PATH_MAX] = "", target[PATH_MAX];
  int cur = 0, links = 0;
  if (strlen(rel) >= PATH_MAX) return errno = ENAMETOOLONG, -1;
  strcpy(pending[cur], rel);
  char *rest = pending[cur], *name;
  while ((name = next_component(&rest))) {
    if (!strcmp(name, ".")) continue;
    if (!strcmp(name, "..")) {
      char *slash = strrchr(canon, '/');
      if (slash) *slash = 0;
      else canon[0] = 0;
      continue;
    }
    int dir = resolve(root, canon);
    if (dir < 0) return -1;
    struct stat st;
    int r = fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW);
    if (r == 0 && S_ISLNK(st.st_mode)) {
      ssize_t n = readlinkat(dir, name, target, sizeof target - 1);
      close(dir);
      if (n < 0) return -1;
      if (++links > 40) return errno = ELOOP, -1;
      target[n] = 0;
      if (target[0] == '/') canon[0] = 0;
      int next = !cur;
      if ((size_t)snprintf(pending[next], PATH_MAX, "%s/%s", target, rest) >= PATH_MAX) return errno = ENAMETOOLONG, -1;
      cur = next;
      rest = pending[cur];
      continue;
    }
    if (r < 0 && errno == ENOENT) {
      int last = !*rest || strspn(rest, "/") == strlen(rest);
      if (last && create == 2) {
        r = openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (r >= 0) close(r);
      } else {
        r = mkdirat(dir, name, 0755);
      }
      if (r < 0 && errno == EEXIST) r = 0;
    }
    int e = errno;
    close(dir);
    if (r < 0) return errno = e, -1;
    size_t len = strlen(canon);
    if (len + 1 + strlen(name) >= sizeof canon) return errno = ENAMETOOLONG, -1;
    canon[len] = '/';
    strcpy(canon + len + 1, name);
  }
  return resolve(root, canon);
}

int open_in_root(int root, const char *rel, uint32_t create) {
  int fd = resolve(root, rel);
  if (fd >= 0 || errno != ENOENT || !create) return fd;
  return create_in_root(root, rel, create);
}

static const char *or_null(const char *s) { return s[0] ? s : NULL; }

static int chmod_in_root(int root, const char *rel, mode_t mode) {
  int fd = open_in_root(root, rel, 0);
  if (fd < 0) return -1;
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int r = chmod(path, mode);
  int e = errno;
  close(fd);
  errno = e;
  return r;
}

static int open_parent(int root, const char *path, const char **base);

/* create=3, for proc and sysfs: the last component must be a real directory (made if missing).
 * A symlink there could put procfs anywhere in the rootfs, over a path an LSM or the runtime
 * trusts (the attack class runc refuses the same way): ELOOP, or ENOTDIR for another file. */
static int open_real_dir(int root, const char *rel) {
  const char *base;
  int dir = open_parent(root, rel, &base);
  if (dir < 0) return -1;
  struct stat st;
  int r = *base ? fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) : fstat(dir, &st);
  if (r < 0 && errno == ENOENT && (mkdirat(dir, base, 0755) == 0 || errno == EEXIST)) r = fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW);
  if (r == 0 && !S_ISDIR(st.st_mode)) errno = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR, r = -1;
  int fd = r < 0 ? -1 : *base ? openat(dir, base, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC) : fcntl(dir, F_DUPFD_CLOEXEC, 0);
  int e = errno;
  close(dir);
  errno = e;
  return fd;
}

/* After a mount over a directory (covered bit 2): what that directory held, read through `below`
 * (opened before the mount), copied into the new mount's root, which takes its owner too. */
static int copy_up(int root, const char *rel, int below, const struct stat *st) {
  int top = open_in_root(root, rel, 0);
  int dir = top < 0 ? -1 : openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int r = dir < 0 ? -1 : copy_tree(below, dir, 0);
  if (r == 0) r = fchown(dir, st->st_uid, st->st_gid);
  int e = errno;
  if (dir >= 0) close(dir);
  if (top >= 0) close(top);
  errno = e;
  return r;
}

int do_mount(struct plan *p, const struct op_mount *m) {
  int root = slot_fd(p, m->root);
  if (root < 0) return -1;
  int fd = m->covered ? open_in_root(root, m->target, 0) : -1;
  struct stat st;
  int keep = fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  /* the covered directory, open for reading before the mount hides it (tmpcopyup) */
  int below = keep && (m->covered & 2) ? openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  if (keep && (m->covered & 2) && below < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  if (fd < 0) fd = m->create == 3 ? open_real_dir(root, m->target) : open_in_root(root, m->target, m->create);
  if (fd < 0) return -1;
  char target[64];
  snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
  int r = mount(or_null(m->source), target, or_null(m->fstype), (unsigned long)m->flags, or_null(m->data));
  int e = errno;
  close(fd);
  if (r == 0 && below >= 0) r = copy_up(root, m->target, below, &st), e = errno;
  if (below >= 0) close(below);
  if (r == 0 && keep && (m->covered & 1)) return chmod_in_root(root, m->target, st.st_mode & 07777);
  errno = e;
  return r;
}

int do_mount_setattr(struct plan *p, const struct op_mount_setattr *m) {
  int root = slot_fd(p, m->root);
  int fd = root < 0 ? -1 : open_in_root(root, m->target, 0);
  if (fd < 0) return -1;
  struct {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
  } attr = {m->set, m->clear, 0, 0};
  int r = (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr);
  int e = errno;
  close(fd);
  errno = e;
  return r;
}

static int open_parent(int root, const char *path, const char **base) {
  const char *slash = strrchr(path, '/');
  *base = slash ? slash + 1 : path;
  if (!slash) return fcntl(root, F_DUPFD_CLOEXEC, 0);
  char dir[PATH_MAX];
  size_t len = (size_t)(slash - path);
  if (len >= sizeof dir) return errno = ENAMETOOLONG, -1;
  memcpy(dir, path, len);
  dir[len] = 0;
  return open_in_root(root, dir, 1);
}

int do_mknod(struct plan *p, const struct op_mknod *m) {
  int root = slot_fd(p, m->root);
  const char *base;
  int dir = root < 0 ? -1 : open_parent(root, m->path, &base);
  if (dir < 0) return -1;
  int r = mknodat(dir, base, m->mode, makedev(m->major, m->minor));
  /* mknod applies the umask; the mode asked for is set exactly afterwards */
  if (r == 0) r = fchmodat(dir, base, m->mode & 07777, 0);
  if (r == 0) r = fchownat(dir, base, m->uid, m->gid, AT_SYMLINK_NOFOLLOW);
  else if (errno == EEXIST) r = 0;
  int e = errno;
  close(dir);
  errno = e;
  return r;
}

int do_symlink(struct plan *p, const struct op_symlink *m) {
  int root = slot_fd(p, m->root);
  const char *base;
  int dir = root < 0 ? -1 : open_parent(root, m->path, &base);
  if (dir < 0) return -1;
  int r = symlinkat(m->target, dir, base);
  if (r < 0 && errno == EEXIST) r = 0;
  int e = errno;
  close(dir);
  errno = e;
  return r;
}

/* 1 if the line of /proc/self/mountinfo for mount id carries a "shared:N" tag, 0 if not. Paths in
 * mountinfo escape spaces, so " shared:" before the " - " separator can only be that tag. */
static int mount_is_shared(uint64_t id) {
  char buf[4 * PATH_MAX + 4096];
  int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = 0;
  int shared = -1, err = ENOENT;
  while (shared < 0) {
    ssize_t n = read(fd, buf + len, sizeof buf - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0) err = errno;
      break;
    }
    len += (size_t)n;
    char *line = buf, *nl;
    while (shared < 0 && (nl = memchr(line, '\n', (size_t)(buf + len - line)))) {
      *nl = 0;
      char *end;
      if (strtoull(line, &end, 10) == id && *end == ' ') {
        char *sep = strstr(line, " - "), *tag = strstr(line, " shared:");
        shared = tag && (!sep || tag < sep);
      }
      line = nl + 1;
    }
    len = (size_t)(buf + len - line);
    if (len == sizeof buf) { /* longer than any mountinfo line can be */
      err = ENAMETOOLONG;
      break;
    }
    memmove(buf, line, len);
  }
  close(fd);
  if (shared < 0) errno = err;
  return shared;
}

/* Opens the root directory of the mount that holds the directory fd (consumed), and its mount_stat. */
static int mount_root(int fd, struct mount_stat *sx) {
  if (mount_stat(fd, sx) < 0) {
    int e = errno;
    close(fd);
    return errno = e, -1;
  }
  /* ".." at a mount's root crosses into the parent mount; at "/" it stays put */
  for (;;) {
    struct mount_stat up_sx;
    int up = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (up < 0 || mount_stat(up, &up_sx) < 0) {
      int e = errno;
      if (up >= 0) close(up);
      close(fd);
      return errno = e, -1;
    }
    int same = up_sx.ino == sx->ino && up_sx.dev_major == sx->dev_major && up_sx.dev_minor == sx->dev_minor;
    if (up_sx.mnt_id != sx->mnt_id || same) {
      close(up);
      return fd;
    }
    close(fd);
    fd = up;
    *sx = up_sx;
  }
}

int do_private_parent(const char *path) {
  struct mount_stat sx;
  int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || (fd = mount_root(fd, &sx)) < 0) return -1;
  int r = mount_is_shared(sx.mnt_id);
  if (r > 0) {
    char target[64];
    snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
    r = mount(NULL, target, NULL, MS_PRIVATE, NULL);
  }
  int e = errno;
  close(fd);
  errno = e;
  return r < 0 ? -1 : 0;
}

/* pivot_root(".", ".") stacks the old root under the new one; detaching "." then drops it. */
int do_pivot_root(int root) {
  int old = open("/", O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (old < 0 || fchdir(root) < 0) return -1;
  if (syscall(SYS_pivot_root, ".", ".") < 0) return -1;
  if (fchdir(old) < 0) return -1;
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) return -1;
  if (umount2(".", MNT_DETACH) < 0) return -1;
  close(old);
  return chdir("/");
}

int do_move_root(int root) {
  if (fchdir(root) < 0) return -1;
  if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) return -1;
  if (chroot(".") < 0) return -1;
  return chdir("/");
}

int do_chroot_root(int root) {
  if (fchdir(root) < 0 || chroot(".") < 0) return -1;
  return chdir("/");
}

int do_mask_path(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return errno == ENOENT ? 0 : -1;
  if (S_ISDIR(st.st_mode)) return mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL);
  return mount("/dev/null", path, NULL, MS_BIND, NULL);
}

/* A remount must repeat the flags the kernel locked on the mount (nosuid, nodev, noexec...),
 * or it fails with EPERM inside a user namespace. */
static unsigned long locked_flags(const char *path) {
  struct statvfs sv;
  if (statvfs(path, &sv) < 0) return 0;
  unsigned long f = 0;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

int do_readonly_path(const char *path, uint64_t flags) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) return errno == ENOENT ? 0 : -1;
  return mount(path, path, NULL, (unsigned long)flags | locked_flags(path), NULL);
}

int do_remount(const char *path, uint64_t flags) {
  unsigned long f = (unsigned long)flags;
  if (f & MS_REMOUNT) f |= locked_flags(path);
  return mount(NULL, path, NULL, f, NULL);
}
