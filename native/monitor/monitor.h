/* skiff-monitor's shared state. One process per container (or exec): see main.c. */
#pragma once
#include <poll.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "../gen/monitor.h"

#define LINE_CAP 16384 /* docker's: a line longer than this is logged in pieces of this size */
#define MAX_CLIENTS 32 /* attached or waiting clients at once; one more is answered EMFILE */
#define SLOTS (MAX_CLIENTS + 1) /* connections held: the spare one reads a request to refuse it */
#define CLIENT_POLLFDS (2 + SLOTS)

/* One of the container's output streams. */
struct stream {
  int fd;     /* our read end (a pipe, or the pty master); -1 once drained */
  int id;     /* STREAM_STDOUT or STREAM_STDERR */
  size_t len; /* bytes at the start of buf not yet logged (an unfinished line) */
  char buf[LINE_CAP];
};

/* A socket this monitor made, told from one made at the same path by another (a later monitor of
 * the same container): the state dir is ours only while our socket is still at its path. */
struct made {
  dev_t dev;
  ino_t ino; /* 0: not made, or removed */
};

struct monitor {
  /* options: the engine decides every path, size, mode and time */
  const char *socket, *exit_file, *pid_file, *console, *log;
  long long file_mode, log_max_size, log_max_files, pass_fds, pid_file_wait;
  int tty, stdin_open, stdin_once, attach_first;
  char **argv;
  /* state */
  int msg_fd;              /* the start-up pipe until ready, then -1 */
  pid_t create_pid;        /* the create command while it runs */
  pid_t init_pid;          /* the container's init, once known */
  int started, exited, status, finished;
  int master;              /* the pty master (--tty), once received */
  int stdin_fd;            /* where clients' stdin goes; -1: none or closed */
  int child_fds[3];        /* the create command's stdio until it runs */
  int console_fd, console_conn; /* listening for, and connected to, the create command (--tty) */
  struct made sock_made, console_made;
  struct stream out[2];
};
extern struct monitor M;

/* report.c */
void report(int type, int step, int err, int value); /* a start-up record, while the pipe is open */
void fail(int step, int err, int value) __attribute__((noreturn)); /* report, clean up, exit */
void warn(const char *what, int err); /* after start-up: one line on stderr (the engine's file) */
void cleanup(void);                   /* removes the sockets this monitor made */

/* sock.c: listening sockets */
int listen_unix(const char *path, struct made *made);
int still_ours(const char *path, const struct made *made);

/* spawn.c: the create command, the pty master, the pid file */
void spawn_create(void);
void console_listen(void);
void console_event(int listening);
pid_t read_pid_file(void);

/* log.c: docker's json-file log */
int log_open(void);
void log_output(struct stream *s, size_t fresh, int eof);

/* clients.c: the attach socket */
int clients_listen(void);
int clients_pollfds(struct pollfd *p); /* fills CLIENT_POLLFDS entries */
void clients_handle(const struct pollfd *p);
void clients_output(int stream, const char *data, size_t n);
void clients_finish(void);
int clients_count(void);
int clients_behind(void); /* an attached client has a chunk unsent: the output is not read meanwhile */
void stdin_close(void);
