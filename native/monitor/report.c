/* What the monitor's other parts report through: its state (M), the start-up records on the
 * engine's pipe, warnings on stderr, and the clean-up before it exits. Below main.c, spawn.c, log.c
 * and clients.c, which all call it; it calls only sock.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "monitor.h"

struct monitor M;

void report(int type, int step, int err, int value) {
  struct mon_record r = { (uint32_t)type, step, err, value };
  if (M.msg_fd >= 0 && write(M.msg_fd, &r, sizeof r) < 0) M.msg_fd = -1; /* the engine is gone */
}

void warn(const char *what, int err) {
  dprintf(2, "skiff-monitor[%d]: %s: %s\n", getpid(), what, strerror(err));
}

/* Removes only the sockets still ours: a later monitor of the same container may have made its own
 * at the same paths once the engine removed ours. */
void cleanup(void) {
  if (still_ours(M.socket, &M.sock_made) && unlink(M.socket)) warn("remove the attach socket", errno);
  if (still_ours(M.console, &M.console_made) && unlink(M.console)) warn("remove the console socket", errno);
  M.sock_made.ino = M.console_made.ino = 0;
}

void fail(int step, int err, int value) {
  report(MSG_ERROR, step, err, value);
  cleanup();
  _exit(1);
}
