/* skiff-monitor: one per container or exec, in conmon's model. The engine starts it; it detaches:
 * it forks and the first process exits at once (the engine reaps that one), so the monitor is
 * reparented to init and is no child of the daemon, whose death or restart it outlives (a death
 * signal set on the first process is not inherited either); setsid puts it in a session and process
 * group of its own, which no terminal hang-up or group-wide signal aimed at the daemon reaches.
 * It becomes the subreaper of what it starts, and runs the create command (runc create, skiff-exec
 * ...) with the container's stdio. It then holds that stdio: docker's json-file log, attach (the
 * output waits for a slow client, as docker's), resize and wait on a unix socket, and the init's
 * exit status in the exit file. It has no policy: every path, size and mode comes from the engine
 * (src/engine/containers/monitor/command.ts); its records are generated from
 * src/engine/containers/monitor/protocol.ts.
 *
 *   skiff-monitor --socket PATH --exit-file PATH --file-mode OCTAL [--pid-file PATH --pid-file-wait MS]
 *     [--log PATH [--log-max-size BYTES] [--log-max-files N]] [--tty --console-socket PATH]
 *     [--stdin [--stdin-once]] [--attach-first] [--pass-fds N] -- COMMAND [ARG...]
 *
 * Without --pid-file the command itself is the container's process (its exit is the one recorded).
 * Fds 3 .. 3+N-1 (--pass-fds) reach the command at the same numbers.
 *
 * Every child that exits is reaped at once, orphans of the container too. The pid file may name an
 * init already reaped (the in-process runtime writes it from the daemon after its launcher has
 * exited): the exits reaped before it came are kept, and the one it names is the container's.
 * It may also never come (the daemon killed in between, or failing after its launcher exited).
 * The monitor then stays while a process of the container can run: all descend from it, so none
 * can once it has no child left (ECHILD). Only then does --pid-file-wait start, the engine's
 * bound on its own steps between a process's exit and the file; started at the create command's
 * exit, it would end the monitor of a live init whose runtime is slow (hooks run in between).
 * When it passes, the exit is recorded as NO_INIT_STATUS (exit file, log, start-up pipe). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "monitor.h"

static int sigfd = -1;

static int number(const char *s, int base, long long *out) {
  char *end;
  errno = 0;
  *out = strtoll(s, &end, base);
  return !errno && end != s && !*end && *out >= 0;
}

/* Reads the options; returns 0, or the index of the first argument it cannot take. */
static int parse(int argc, char **argv) {
  int i;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--")) {
      M.argv = argv + i + 1;
      break;
    }
#define FLAG(name, field) if (!strcmp(a, name)) { M.field = 1; continue; }
#define TEXT(name, field) if (!strcmp(a, name) && v) { M.field = v; i++; continue; }
#define NUM(name, field, base) if (!strcmp(a, name) && v && number(v, base, &M.field)) { i++; continue; }
    FLAG("--tty", tty) FLAG("--stdin", stdin_open) FLAG("--stdin-once", stdin_once) FLAG("--attach-first", attach_first)
    TEXT("--socket", socket) TEXT("--exit-file", exit_file) TEXT("--pid-file", pid_file) TEXT("--console-socket", console)
    TEXT("--log", log) NUM("--file-mode", file_mode, 8) NUM("--log-max-size", log_max_size, 10)
    NUM("--log-max-files", log_max_files, 10) NUM("--pass-fds", pass_fds, 10) NUM("--pid-file-wait", pid_file_wait, 10)
    return i;
  }
  if (!M.argv || !M.argv[0] || !M.socket || !M.exit_file || !M.file_mode || M.tty != !!M.console || M.pass_fds > 1000) return i;
  if (!M.pid_file != (M.pid_file_wait < 0) || M.pid_file_wait > INT_MAX) return i;
  return 0;
}

/* The container's init is gone: its status and the time go to the exit file, whole or not at all;
 * not once the state dir is another's (our socket gone from it: the engine started the container
 * anew), whose exit file it would be. */
static void init_exited(int status) {
  char tmp[PATH_MAX];
  struct timespec t;
  M.exited = 1;
  M.status = status;
  if (!still_ours(M.socket, &M.sock_made)) {
    dprintf(2, "skiff-monitor[%d]: the container exited (status %d); no exit file written: the state directory is another's now (our attach socket is gone from it)\n", getpid(), status);
    return;
  }
  clock_gettime(CLOCK_REALTIME, &t);
  if (snprintf(tmp, sizeof tmp, "%s.tmp", M.exit_file) >= (int)sizeof tmp) return warn("write the exit file", ENAMETOOLONG);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)M.file_mode);
  int ok = fd >= 0 && dprintf(fd, EXIT_FILE_FORMAT, status, (long long)t.tv_sec, t.tv_nsec) > 0 && !fsync(fd);
  int err = errno;
  if (fd >= 0) close(fd);
  if (!ok || rename(tmp, M.exit_file)) warn("write the exit file", ok ? errno : err);
}

/* Exits reaped before the pid file named the init; the first ones are kept. In a pid namespace the
 * init's is the only one of the container's the monitor reaps (its processes' orphans go to it). */
#define EARLY_EXITS 16
static struct { pid_t pid; int status; } early[EARLY_EXITS];
static int early_count;
static long long deadline; /* CLOCK_MONOTONIC ms at which the pid file is given up; 0: not waiting */
static int watch = -1;

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The pid file named pid: the init, alive or a zombie of ours, or one of the early exits. */
static void adopt(pid_t pid) {
  siginfo_t si;
  int gone = -1;
  if (pid > 0 && waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT)) {
    for (int i = 0; i < early_count && gone < 0; i++)
      if (early[i].pid == pid) gone = i;
    if (errno != ECHILD || gone < 0) pid = -errno; /* ECHILD and never reaped: not ours to wait for */
  }
  if (pid < 0) fail(STEP_PID_FILE, -pid, 0);
  if (watch >= 0) close(watch);
  watch = -1;
  deadline = 0;
  M.init_pid = pid;
  report(MSG_INIT_PID, 0, 0, pid);
  if (gone >= 0) init_exited(early[gone].status);
}

/* Once the create command has exited: the init's pid from the pid file, which the command (runc)
 * or whoever drives it (the in-process runtime) writes; until it is there, inotify says when. */
static void take_pid_file(void) {
  pid_t pid = read_pid_file();
  if (!pid && watch < 0) {
    char dir[PATH_MAX];
    const char *slash = strrchr(M.pid_file, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - M.pid_file) + (slash == M.pid_file) : 1, slash ? M.pid_file : ".");
    watch = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (watch < 0 || inotify_add_watch(watch, dir, IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0) fail(STEP_PID_FILE, errno, 0);
    pid = read_pid_file(); /* it may have come before the watch */
  }
  if (pid) adopt(pid);
}

/* No pid file in the engine's time since the container's last process exited (see the top). */
static void give_up_pid_file(void) {
  pid_t pid = read_pid_file(); /* a last look */
  if (pid) return adopt(pid);
  deadline = 0;
  if (watch >= 0) close(watch);
  watch = -1;
  dprintf(2, "skiff-monitor[%d]: no pid file named the container's process within %lld ms of its last process's exit: its exit is recorded as unknown (%d)\n", getpid(), M.pid_file_wait, NO_INIT_STATUS);
  report(MSG_ERROR, STEP_PID_FILE_WAIT, ETIMEDOUT, 0);
  if (M.msg_fd >= 0) close(M.msg_fd);
  M.msg_fd = -1;
  init_exited(NO_INIT_STATUS);
}

static void reap(void) {
  struct signalfd_siginfo si;
  int status;
  pid_t pid;
  while (read(sigfd, &si, sizeof si) > 0) {
  }
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == M.create_pid) {
      M.create_pid = 0;
      report(MSG_CREATE_EXITED, 0, 0, status);
      if (status) { /* no container was made: the create command's status (and its log) say why */
        cleanup();
        _exit(1);
      }
      take_pid_file();
    } else if (pid == M.init_pid) {
      init_exited(status);
    } else if (!M.init_pid && early_count < EARLY_EXITS) {
      early[early_count].pid = pid;
      early[early_count++].status = status;
    }
  }
  if (pid < 0 && errno == ECHILD && M.pid_file && M.started && !M.create_pid && !M.init_pid && !deadline)
    deadline = now_ms() + M.pid_file_wait;
}

static void read_stream(struct stream *s) {
  ssize_t n = read(s->fd, s->buf + s->len, LINE_CAP - s->len);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n > 0) {
    clients_output(s->id, s->buf + s->len, (size_t)n);
    s->len += (size_t)n;
    return log_output(s, (size_t)n, 0);
  }
  if (n < 0 && errno != EIO) warn("read the container's output", errno); /* EIO: the pty's last holder closed it */
  log_output(s, 0, 1);
  close(s->fd);
  if (s->fd == M.master) M.master = M.stdin_fd = -1;
  s->fd = -1;
}

/* What follows from the state: ready once the init is known (and the pty held), the end once the
 * init has exited and its output is drained, the exit once no client is left. */
static void progress(void) {
  if (M.msg_fd >= 0 && M.init_pid > 0 && (!M.tty || M.master >= 0)) {
    report(MSG_READY, 0, 0, M.init_pid);
    close(M.msg_fd);
    M.msg_fd = -1;
  }
  if (!M.finished && M.exited && M.out[0].fd < 0 && M.out[1].fd < 0) {
    M.finished = 1;
    clients_finish();
  }
  if (M.finished && !clients_count()) {
    cleanup();
    exit(0);
  }
}

static void open_stdio(void) {
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC), p[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
  if (devnull < 0) fail(STEP_PIPES, errno, 0);
  M.child_fds[0] = devnull;
  M.child_fds[1] = M.child_fds[2] = 2; /* a tty's create command writes to the monitor's stderr */
  if (M.tty) return;
  for (int i = 0; i < 3; i++) {
    if (i == 0 && !M.stdin_open) continue;
    if (pipe2(p[i], O_CLOEXEC)) fail(STEP_PIPES, errno, i);
    int ours = p[i][i == 0], theirs = p[i][i != 0];
    if (fcntl(ours, F_SETFL, O_NONBLOCK)) fail(STEP_PIPES, errno, i);
    M.child_fds[i] = theirs;
    if (i == 0) M.stdin_fd = ours;
    else M.out[i - 1].fd = ours;
  }
}

int main(int argc, char **argv) {
  for (int fd = 0; fd < 3; fd++)
    if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd) return 125; /* stdio is never a socket of ours */
  M.msg_fd = 1;
  M.master = M.stdin_fd = M.console_fd = M.console_conn = -1;
  M.pid_file_wait = -1;
  M.out[0] = (struct stream){ .fd = -1, .id = STREAM_STDOUT };
  M.out[1] = (struct stream){ .fd = -1, .id = STREAM_STDERR };
  int bad = parse(argc, argv);
  if (bad) fail(STEP_ARGUMENTS, EINVAL, bad);
  if (syscall(SYS_close_range, 3 + (unsigned)M.pass_fds, ~0U, 0)) warn("close the engine's other fds", errno); /* only what it passes */

  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &chld, NULL) || signal(SIGPIPE, SIG_IGN) == SIG_ERR || signal(SIGHUP, SIG_IGN) == SIG_ERR) fail(STEP_SIGNALS, errno, 0);
  pid_t pid = fork();
  if (pid < 0) fail(STEP_DETACH, errno, 0);
  if (pid) _exit(0); /* the engine reaps this one; the monitor is reparented away from it */
  if (setsid() < 0) fail(STEP_DETACH, errno, 0);
  if (prctl(PR_SET_CHILD_SUBREAPER, 1)) fail(STEP_SUBREAPER, errno, 0);
  if ((sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) fail(STEP_SIGNALS, errno, 0);
  if (M.log && log_open()) fail(STEP_OPEN_LOG, errno, 0);
  open_stdio();
  if (clients_listen()) fail(STEP_LISTEN, errno, 0);
  if (M.tty) console_listen();
  report(MSG_LISTENING, 0, 0, getpid());
  if (!M.attach_first) spawn_create();

  struct pollfd p[6 + CLIENT_POLLFDS];
  for (;;) {
    p[0] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
    p[1] = (struct pollfd){ .fd = M.master < 0 ? M.console_fd : -1, .events = POLLIN };
    p[2] = (struct pollfd){ .fd = M.master < 0 ? M.console_conn : -1, .events = POLLIN };
    int behind = clients_behind(); /* its output waits for an attached client (clients.c) */
    p[3] = (struct pollfd){ .fd = behind ? -1 : M.out[0].fd, .events = POLLIN };
    p[4] = (struct pollfd){ .fd = behind ? -1 : M.out[1].fd, .events = POLLIN };
    p[5] = (struct pollfd){ .fd = watch, .events = POLLIN };
    int n = 6 + clients_pollfds(p + 6);
    long long left = deadline ? deadline - now_ms() : -1;
    if (poll(p, (nfds_t)n, !deadline ? -1 : left > 0 ? (int)left : 0) < 0) {
      if (errno != EINTR) warn("poll", errno);
      continue;
    }
    if (p[0].revents) reap();
    if (p[1].revents) console_event(1);
    if (p[2].revents) console_event(0);
    if (p[3].revents && M.out[0].fd >= 0) read_stream(&M.out[0]);
    if (p[4].revents && M.out[1].fd >= 0 && !clients_behind()) read_stream(&M.out[1]);
    if (p[5].revents && watch >= 0) { /* (a reap above may have closed it) */
      char events[4096];
      while (read(watch, events, sizeof events) > 0) {
      }
      take_pid_file();
      reap();
    }
    clients_handle(p + 6);
    if (deadline && now_ms() >= deadline) give_up_pid_file();
    progress();
  }
}
