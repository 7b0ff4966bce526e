/* statx(2) for the mount id of an fd. Its own file: the kernel's <linux/stat.h> declares struct
 * statx, which glibc's <sys/stat.h> declares too and musl's (1.2.3) does not. */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/fcntl.h>
#include <linux/stat.h>
#include "exec.h"

int mount_stat(int fd, struct mount_stat *m) {
  struct statx sx;
  if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_MNT_ID | STATX_INO, &sx) < 0) return -1;
  if (!(sx.stx_mask & STATX_MNT_ID)) return errno = ENOSYS, -1;
  m->mnt_id = sx.stx_mnt_id;
  m->ino = sx.stx_ino;
  m->dev_major = sx.stx_dev_major;
  m->dev_minor = sx.stx_dev_minor;
  return 0;
}
