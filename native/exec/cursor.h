/* Bounds-checked reading of the plan's wire format (little-endian integers, u32-length-prefixed
 * NUL-terminated strings, u32-counted lists). Every reader returns 0 or -1 and never reads past end. */
#pragma once
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cursor {
  const uint8_t *p;
  const uint8_t *end;
};

static inline int cur_u32(struct cursor *c, uint32_t *v) {
  if (c->end - c->p < 4) return -1;
  *v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[3] << 24;
  c->p += 4;
  return 0;
}

static inline int cur_u64(struct cursor *c, uint64_t *v) {
  uint32_t lo, hi;
  if (cur_u32(c, &lo) || cur_u32(c, &hi)) return -1;
  *v = (uint64_t)hi << 32 | lo;
  return 0;
}

static inline int cur_bytes(struct cursor *c, const uint8_t **v, uint32_t *len) {
  if (cur_u32(c, len)) return -1;
  if ((uint64_t)(c->end - c->p) < *len) return -1;
  *v = c->p;
  c->p += *len;
  return 0;
}

/* The length includes the terminating NUL, which must be the only NUL. */
static inline int cur_str(struct cursor *c, const char **v) {
  const uint8_t *b;
  uint32_t len;
  if (cur_bytes(c, &b, &len) || len == 0 || b[len - 1] != 0 || memchr(b, 0, len) != b + len - 1) return -1;
  *v = (const char *)b;
  return 0;
}

/* A list's count is bounded by the bytes left: each string takes at least 5 (length and NUL),
 * each u32 4. An environment as large as execve allows fits; a lying count allocates nothing. */
static inline int cur_strs(struct cursor *c, char ***v, uint32_t *count) {
  if (cur_u32(c, count) || *count > (size_t)(c->end - c->p) / 5) return -1;
  char **list = calloc((size_t)*count + 1, sizeof(char *));
  if (!list) return -1;
  for (uint32_t i = 0; i < *count; i++)
    if (cur_str(c, (const char **)&list[i])) return -1;
  *v = list;
  return 0;
}

static inline int cur_u32s(struct cursor *c, uint32_t **v, uint32_t *count) {
  if (cur_u32(c, count) || *count > (size_t)(c->end - c->p) / 4) return -1;
  uint32_t *list = calloc((size_t)*count + 1, sizeof(uint32_t));
  if (!list) return -1;
  for (uint32_t i = 0; i < *count; i++)
    if (cur_u32(c, &list[i])) return -1;
  *v = list;
  return 0;
}
