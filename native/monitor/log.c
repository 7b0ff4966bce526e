/* docker's json-file log: one JSON object per line, {"log":"...","stream":"stdout","time":"..."},
 * the string escaped as docker's encoder does (", \, \n, \r; other controls and <, >, & as \u00XX;
 * U+2028/9 as \u2028/9; each byte of invalid UTF-8 as \ufffd) and the time in Go's RFC3339Nano
 * (UTC, trailing zeros of the fraction dropped). As docker's copier, a line is logged when its
 * newline comes, or in pieces of LINE_CAP, or at the end of the stream. Rotation as docker's:
 * before an entry, a file at --log-max-size or more becomes file.1 (file.1 becomes file.2 ...,
 * up to --log-max-files files in all); with one file it is truncated instead. Only encoding here:
 * nothing parses JSON. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "monitor.h"

static int fd = -1, failing;
static long long size; /* of the current file, with what waits in out */
static char out[6 * LINE_CAP + 128]; /* at least one entry: each byte escapes to at most 6 */
static size_t used;

int log_open(void) {
  struct stat st;
  fd = open(M.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, (mode_t)M.file_mode);
  if (fd < 0 || fstat(fd, &st)) return -1;
  size = st.st_size;
  return 0;
}

static void rotate(void) {
  char from[PATH_MAX + 24], to[PATH_MAX + 24];
  if (M.log_max_files <= 1) {
    if (ftruncate(fd, 0)) return warn("truncate the log", errno);
    size = 0;
    return;
  }
  for (long long i = M.log_max_files - 1; i >= 1; i--) {
    if (i > 1) snprintf(from, sizeof from, "%s.%lld", M.log, i - 1);
    else snprintf(from, sizeof from, "%s", M.log);
    snprintf(to, sizeof to, "%s.%lld", M.log, i);
    if (rename(from, to) && errno != ENOENT) return warn("rotate the log", errno);
  }
  int next = open(M.log, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)M.file_mode);
  if (next < 0) return warn("open the new log", errno); /* go on in the renamed file */
  close(fd);
  fd = next;
  size = 0;
}

/* The length of the valid UTF-8 sequence at s (not ASCII), or 0: Go's utf8.DecodeRune rules (no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0], lo = 0x80, hi = 0xbf;
  size_t len;
  if (c < 0xc2 || c > 0xf4) return 0;
  len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
  if (c == 0xe0) lo = 0xa0;
  if (c == 0xed) hi = 0x9f;
  if (c == 0xf0) lo = 0x90;
  if (c == 0xf4) hi = 0x8f;
  if (n < len || s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < len; i++)
    if ((s[i] & 0xc0) != 0x80) return 0;
  return len;
}

static char *escape(char *o, const unsigned char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
      *o++ = (char)c;
      i++;
    } else if (c < 0x80) {
      *o++ = '\\';
      if (c == '"' || c == '\\') *o++ = (char)c;
      else if (c == '\n') *o++ = 'n';
      else if (c == '\r') *o++ = 'r';
      else o += sprintf(o, "u00%c%c", hex[c >> 4], hex[c & 15]);
      i++;
    } else {
      size_t k = utf8_len(s + i, n - i);
      if (!k) {
        memcpy(o, "\\ufffd", 6), o += 6, i++;
      } else if (k == 3 && c == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
        o += sprintf(o, "\\u202%c", s[i + 2] == 0xa8 ? '8' : '9'), i += 3;
      } else {
        memcpy(o, s + i, k), o += k, i += k;
      }
    }
  }
  return o;
}

/* Go's RFC3339Nano in UTC, taken once per read: the lines of one read share their time. */
static size_t timestamp(char *o) {
  struct timespec t;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &t);
  gmtime_r(&t.tv_sec, &tm);
  size_t n = strftime(o, 32, "%Y-%m-%dT%H:%M:%S", &tm);
  if (t.tv_nsec) {
    o[n++] = '.';
    for (long d = 100000000, v = t.tv_nsec; v; v %= d, d /= 10) o[n++] = (char)('0' + v / d); /* zeros at the end dropped */
  }
  o[n++] = 'Z';
  return n;
}

/* The entries of one read go out in one write (unless they outgrow the buffer, or the file is
 * rotated between them): a write per entry cost more than the encoding. */
static void flush(void) {
  for (char *p = out; p < out + used;) {
    ssize_t w = write(fd, p, (size_t)(out + used - p));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      if (!failing) warn("write the log", errno); /* once, until a write succeeds again */
      failing = 1;
      used = 0;
      return;
    }
    p += w;
  }
  failing = 0;
  used = 0;
}

static void entry(int stream, const char *s, size_t n, const char *time, size_t tn) {
  static const char *tail[] = { [STREAM_STDOUT] = "\",\"stream\":\"stdout\",\"time\":\"", [STREAM_STDERR] = "\",\"stream\":\"stderr\",\"time\":\"" };
  if (used + 6 * n + 128 > sizeof out) flush();
  if (M.log_max_size > 0 && size >= M.log_max_size) {
    flush();
    rotate();
  }
  char *start = out + used, *o = stpcpy(start, "{\"log\":\"");
  o = escape(o, (const unsigned char *)s, n);
  o = stpcpy(o, tail[stream]);
  memcpy(o, time, tn);
  o = stpcpy(o + tn, "\"}\n");
  used += (size_t)(o - start);
  size += o - start;
}

/* Logs the complete lines among s's buffered bytes (fresh of them new), a full buffer as a piece,
 * everything at eof; keeps the rest for the next read. */
void log_output(struct stream *s, size_t fresh, int eof) {
  size_t start = 0, tn = 0;
  char time[48];
  if (fd < 0) {
    s->len = 0;
    return;
  }
  for (char *nl, *from = s->buf + s->len - fresh; (nl = memchr(from, '\n', (size_t)(s->buf + s->len - from))); from = nl + 1) {
    if (!tn) tn = timestamp(time);
    entry(s->id, s->buf + start, (size_t)(nl + 1 - s->buf) - start, time, tn);
    start = (size_t)(nl + 1 - s->buf);
  }
  if (start < s->len && (eof || (!start && s->len == LINE_CAP))) { /* a full buffer of one line */
    if (!tn) tn = timestamp(time);
    entry(s->id, s->buf + start, s->len - start, time, tn);
    start = s->len;
  }
  flush();
  memmove(s->buf, s->buf + start, s->len - start);
  s->len -= start;
}
