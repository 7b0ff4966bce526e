/* The attach socket: each connection sends requests (attach, resize, wait) and gets replies;
 * once attached it receives the container's output and sends its stdin. Nothing is lost for an
 * attached client that reads slowly (a pipe into a slow consumer): while a chunk waits for one,
 * the container's output is not read (see clients_behind), so the container waits on its full
 * pipe, as under docker's attach; one that stops reading holds it there until it reads or goes.
 * Stdin is read only as fast as the container takes it. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>
#include "monitor.h"

/* CLOSING: its last bytes are still being written; LINGERING: they are, our side is shut and what
 * it still sends is read and dropped until it closes. A close with its bytes unread would reset
 * the connection (ECONNRESET, and EPIPE to its next write), and a client that finds that out while
 * writing stdin (the daemon, for a container that exited without reading it all) loses the output
 * it has not read yet. */
enum { FREE, REQUESTING, WAITING, ATTACHED, CLOSING, LINGERING };

struct client {
  int fd, state, eof; /* eof: the client half-closed, no more stdin from it */
  uint32_t flags;     /* ATTACH_* */
  unsigned got;       /* bytes of req read so far */
  struct mon_record req;
  size_t off, left; /* the unwritten rest of a chunk, in pending[i] */
};
static struct client cl[SLOTS];
/* Apart from cl, so that idle slots touch no page of it. */
static char pending[SLOTS][FRAME_HEADER_SIZE + LINE_CAP];
static int listen_fd = -1;
static char stdin_buf[LINE_CAP];
static size_t in_off, in_len;

int clients_listen(void) {
  return (listen_fd = listen_unix(M.socket, &M.sock_made)) < 0 ? -1 : 0;
}

int clients_behind(void) {
  for (int i = 0; i < SLOTS; i++)
    if (cl[i].state == ATTACHED && cl[i].left) return 1;
  return 0;
}

int clients_count(void) {
  int n = 0;
  for (int i = 0; i < SLOTS; i++) n += cl[i].state != FREE;
  return n;
}

void stdin_close(void) {
  if (M.stdin_fd >= 0 && M.stdin_fd != M.master) close(M.stdin_fd); /* a pty's master stays: it is stdout too */
  M.stdin_fd = -1;
  in_len = 0;
}

static void drop(struct client *c) {
  if (c->state == ATTACHED && (c->flags & ATTACH_STDIN) && !c->eof && M.stdin_once) stdin_close();
  close(c->fd);
  c->state = FREE;
  c->left = 0;
}

/* Its last bytes are written: our side is shut (it reads EOF) and it lingers until it closes. */
static void shut(struct client *c) {
  if (shutdown(c->fd, SHUT_WR)) return drop(c);
  c->state = LINGERING;
}

/* Writes header and data to a client without blocking; what the socket does not take waits in
 * pending (one chunk: no output is read while a client is behind). */
static void send_to(struct client *c, const void *h, size_t hn, const void *d, size_t dn) {
  if (c->left) return; /* (a reply to a client still behind on one: none is asked for) */
  struct iovec v[2] = { { (void *)h, hn }, { (void *)d, dn } };
  ssize_t w = writev(c->fd, v, 2);
  if (w < 0 && errno != EAGAIN && errno != EINTR) return drop(c);
  if (w < 0) w = 0; /* the socket is full: all of it waits */
  if ((size_t)w == hn + dn) return;
  char *p = pending[c - cl];
  size_t skip = (size_t)w;
  c->off = 0;
  c->left = hn + dn - skip;
  if (skip < hn) memcpy(p, (const char *)h + skip, hn - skip), p += hn - skip, skip = hn;
  memcpy(p, (const char *)d + (skip - hn), dn - (skip - hn));
}

static void reply(struct client *c, int type, int err, int value) {
  struct mon_record r = { (uint32_t)type, 0, err, value };
  send_to(c, &r, sizeof r, NULL, 0);
}

static void flush(struct client *c) {
  ssize_t w = write(c->fd, pending[c - cl] + c->off, c->left);
  if (w < 0 && errno != EAGAIN && errno != EINTR) return drop(c);
  if (w > 0) c->off += (size_t)w, c->left -= (size_t)w;
  if (!c->left && c->state == CLOSING) shut(c);
}

void clients_output(int stream, const char *data, size_t n) {
  uint32_t want = stream == STREAM_STDERR ? ATTACH_STDERR : ATTACH_STDOUT;
  unsigned char h[FRAME_HEADER_SIZE] = { (unsigned char)stream, 0, 0, 0, (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n };
  for (int i = 0; i < SLOTS; i++)
    if (cl[i].state == ATTACHED && (cl[i].flags & want)) send_to(&cl[i], h, cl[i].flags & ATTACH_MULTIPLEX ? sizeof h : 0, data, n);
}

static void stdin_flush(void) {
  while (in_len && M.stdin_fd >= 0) {
    ssize_t w = write(M.stdin_fd, stdin_buf + in_off, in_len);
    if (w > 0) {
      in_off += (size_t)w, in_len -= (size_t)w;
    } else if (errno != EINTR) {
      if (errno == EAGAIN) return;
      if (errno != EPIPE && errno != EIO) warn("write to the container's stdin", errno);
      stdin_close(); /* the container closed its stdin */
    }
  }
}

static void request(struct client *c) {
  struct mon_record *r = &c->req;
  int held = 0;
  for (int i = 0; i < SLOTS; i++) held += cl[i].state == ATTACHED || cl[i].state == WAITING;
  if ((r->type == REQ_ATTACH || r->type == REQ_WAIT) && held >= MAX_CLIENTS) {
    reply(c, REPLY_ERROR, EMFILE, 0); /* answered once its request is read: closing with it unread would reset the connection */
    c->state = CLOSING;
    if (!c->left) shut(c);
  } else if (r->type == REQ_ATTACH) {
    c->state = ATTACHED;
    c->flags = (uint32_t)r->a;
    reply(c, REPLY_OK, 0, 0);
    if (M.attach_first && !M.started) spawn_create();
  } else if (r->type == REQ_RESIZE) {
    struct winsize ws = { .ws_row = (unsigned short)r->a, .ws_col = (unsigned short)r->b };
    if (M.master < 0) reply(c, REPLY_ERROR, ENOTTY, 0);
    else if (ioctl(M.master, TIOCSWINSZ, &ws)) reply(c, REPLY_ERROR, errno, 0);
    else reply(c, REPLY_OK, 0, 0);
  } else if (r->type == REQ_WAIT) {
    c->state = WAITING;
  } else {
    reply(c, REPLY_ERROR, EINVAL, 0);
    c->state = CLOSING;
    if (!c->left) shut(c);
  }
}

static void client_read(struct client *c) {
  char scratch[512];
  ssize_t n;
  if (c->state == REQUESTING) {
    n = read(c->fd, (char *)&c->req + c->got, sizeof c->req - c->got);
    if (n > 0 && (c->got += (unsigned)n) == sizeof c->req) c->got = 0, request(c);
    if (n > 0) return;
  } else if (c->state == ATTACHED && !c->eof) {
    int to_stdin = (c->flags & ATTACH_STDIN) && M.stdin_fd >= 0;
    if (to_stdin && in_len) return; /* (a hang-up while its stdin waits: the flush before found it) */
    n = read(c->fd, to_stdin ? stdin_buf : scratch, to_stdin ? sizeof stdin_buf : sizeof scratch);
    if (n > 0 && to_stdin) in_off = 0, in_len = (size_t)n, stdin_flush();
    if (n > 0) return;
    if (n == 0) { /* half-closed: no more stdin, the output still flows */
      c->eof = 1;
      if ((c->flags & ATTACH_STDIN) && M.stdin_once) stdin_close();
      return;
    }
  } else if (c->state == LINGERING) {
    n = read(c->fd, scratch, sizeof scratch);
    if (n > 0) return;
  } else {
    return drop(c); /* a hang-up of a client not read from */
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  drop(c);
}

static void accept_clients(void) {
  int fd;
  while ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
    int i = 0;
    while (i < SLOTS && cl[i].state != FREE) i++;
    if (i < SLOTS) {
      cl[i] = (struct client){ .fd = fd, .state = REQUESTING };
      continue;
    }
    struct mon_record r = { REPLY_ERROR, 0, EMFILE, 0 };
    (void)!write(fd, &r, sizeof r);
    close(fd);
  }
  if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) warn("accept on the attach socket", errno);
}

/* p[0]: the container's stdin while stdin waits to be written; p[1]: the listening socket;
 * p[2 + i]: client i. An fd of -1 is left out by poll. */
int clients_pollfds(struct pollfd *p) {
  p[0] = (struct pollfd){ .fd = in_len ? M.stdin_fd : -1, .events = POLLOUT };
  p[1] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
  for (int i = 0; i < SLOTS; i++) {
    struct client *c = &cl[i];
    int reads = c->state == REQUESTING || (c->state == ATTACHED && !c->eof) || c->state == LINGERING;
    int stalled = c->state == ATTACHED && (c->flags & ATTACH_STDIN) && in_len; /* stdin waits for the container */
    short events = (short)((reads && !stalled ? POLLIN : 0) | (c->left ? POLLOUT : 0));
    /* its output is still sent while its stdin waits: the container may wait for that first */
    p[2 + i] = (struct pollfd){ .fd = c->state && (events || !stalled) ? c->fd : -1, .events = events };
  }
  return CLIENT_POLLFDS;
}

void clients_handle(const struct pollfd *p) {
  if (p[0].revents) stdin_flush();
  if (p[1].revents) accept_clients();
  for (int i = 0; i < SLOTS; i++) {
    short r = p[2 + i].revents;
    if (r & POLLOUT && cl[i].state) flush(&cl[i]);
    if (r & (POLLIN | POLLHUP | POLLERR) && cl[i].state) client_read(&cl[i]);
  }
}

/* The container has exited and its output is drained: waits are answered, the socket goes, each
 * client is shut once its last chunk is written, and closed once it closes (the monitor ends then). */
void clients_finish(void) {
  stdin_close();
  if (listen_fd >= 0) close(listen_fd);
  listen_fd = -1;
  cleanup(); /* the socket goes: a late client finds the exit file instead */
  for (int i = 0; i < SLOTS; i++) {
    struct client *c = &cl[i];
    if (!c->state) continue;
    if (c->state == WAITING) reply(c, REPLY_EXITED, 0, M.status);
    if (c->state != LINGERING) c->state = CLOSING;
    if (c->state == CLOSING && !c->left) shut(c);
  }
}
