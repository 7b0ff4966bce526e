/* The plan executor: shared state of its three roles (launcher, intermediate, init). */
#pragma once
#include <stdint.h>
#include <sys/types.h>
#include "../gen/ops.h"

#define MAX_SLOTS 64

struct plan {
  struct step *steps;
  uint32_t count;
  int slots[MAX_SLOTS];   /* fds opened by the launcher, inherited by the others */
  int report_fd;          /* to the runtime: pid, ready, error, sync */
  int launcher_fd;        /* intermediate -> launcher (id maps, init pid) */
  const struct op_user_maps *maps;
  char exec_path[4096];   /* set by resolveExec, used by exec */
  uint8_t *blob[2];       /* from readState: 0 the hooks' state JSON, 1 the seccomp listener's message */
  uint32_t blob_len[2];
  uint32_t after_start;   /* set by afterStart: the first step whose failure only stderr hears */
  char **after_start_whats;
  uint32_t after_start_count;
};

/* Sends a 16-byte message to the runtime; ignores a closed peer. */
void report(int fd, uint32_t type, uint32_t step, int32_t err, int32_t value);
/* Reports {step, errno} (after start: also says it on stderr) and ends the process. */
_Noreturn void fail(struct plan *p, uint32_t step, int err);
/* exit_group(code), also where a seccomp filter already loaded refuses it (a container's profile
 * may: musl's _exit would ask again forever). Then the process ends by SIGILL, which no filter can
 * refuse (no core: the init is not dumpable). */
_Noreturn void end_process(int code);
/* After start: writes a step's failure (errno, or else a wait status) on stderr. */
void say_after_start(const struct plan *p, uint32_t step, int err, int status);
int slot_fd(struct plan *p, uint32_t slot);
/* Writes value to an existing file (O_NOFOLLOW): 0, or -1 with errno. */
int write_file(const char *path, const char *value);

_Noreturn void run_launcher(struct plan *p);
int receive_fd(int sock);
/* Sends fd with SCM_RIGHTS and data (at least one byte goes) over a connected unix socket. */
int send_fd(int sock, int fd, const uint8_t *data, uint32_t len);
void ignore_signals(const struct op_spawn *spawn);
_Noreturn void relay_terminal(int master, pid_t init);
_Noreturn void run_intermediate(struct plan *p, uint32_t first);
_Noreturn void run_init(struct plan *p, uint32_t first);

/* Resolves rel inside the directory fd root without leaving it (RESOLVE_IN_ROOT), creating missing
 * directories (create=1) or a final empty file (create=2). Returns an O_PATH fd or -1 with errno. */
int open_in_root(int root, const char *rel, uint32_t create);
int copy_tree(int from, int to, int depth);
int do_mount(struct plan *p, const struct op_mount *m);
int do_mknod(struct plan *p, const struct op_mknod *m);
int do_mount_setattr(struct plan *p, const struct op_mount_setattr *m);
int do_symlink(struct plan *p, const struct op_symlink *m);
int do_pivot_root(int root);
int do_move_root(int root);
int do_chroot_root(int root);
/* Makes the mount that holds path private if it is shared. */
int do_private_parent(const char *path);
/* The mount id, inode and device of an fd (statx with STATX_MNT_ID, Linux 5.8): statx.c, apart,
 * since the kernel's struct statx and the libc's stat headers do not mix. */
struct mount_stat {
  uint64_t mnt_id, ino;
  uint32_t dev_major, dev_minor;
};
int mount_stat(int fd, struct mount_stat *m);
int do_mask_path(const char *path);
int do_readonly_path(const char *path, uint64_t flags);
int do_remount(const char *path, uint64_t flags);
int do_console(int sock, uint32_t rows, uint32_t cols, uint32_t mount_console);
int do_set_user(const struct op_set_user *u);
int do_set_caps(const struct op_set_caps *c);
int do_session_keyring(const struct op_session_keyring *k);
int do_drop_bounding(const struct op_drop_bounding *d);
int do_resolve_exec(struct plan *p, const struct op_resolve_exec *r);
int do_seccomp(const struct op_seccomp *s);
int do_seccomp_check(const struct op_seccomp_check *s);
int do_seccomp_notify(struct plan *p, const struct op_seccomp_notify *s);
/* Runs a hook; returns 0, -1 with errno, or a positive wait status (with errno 0) when it failed. */
int run_hook(const struct op_run_hook *h, const uint8_t *state, uint32_t state_len);
int read_state(int fd, uint8_t **state, uint32_t *len);
int attach_device_filter(const char *cgroup, const uint8_t *program, uint32_t len);
