/* cgroup v2 device rules: load the eBPF program the runtime compiled and attach it to the
 * container's cgroup. The attachment keeps the program alive after these fds are closed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "exec.h"

int attach_device_filter(const char *cgroup, const uint8_t *program, uint32_t len) {
  if (len == 0 || len % sizeof(struct bpf_insn)) return errno = EINVAL, -1;
  int cg = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) return -1;
  static const char license[] = "Apache";
  union bpf_attr load;
  memset(&load, 0, sizeof load);
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = (uint64_t)(uintptr_t)program;
  load.insn_cnt = len / sizeof(struct bpf_insn);
  load.license = (uint64_t)(uintptr_t)license;
  int prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
  if (prog < 0) {
    int e = errno;
    close(cg);
    return errno = e, -1;
  }
  union bpf_attr attach;
  memset(&attach, 0, sizeof attach);
  attach.target_fd = (uint32_t)cg;
  attach.attach_bpf_fd = (uint32_t)prog;
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  int r = (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach);
  int e = errno;
  close(prog);
  close(cg);
  errno = e;
  return r;
}
