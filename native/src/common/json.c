#include "common/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 256

struct parser {
  const char *s, *end, *start;
  int depth;
  gantry_error_t *err;
};

static int perror_at(struct parser *p, const char *what) {
  int line = 1, col = 1;
  for (const char *c = p->start; c < p->s && c < p->end; c++) {
    if (*c == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return gantry_error_set(p->err, 0, "invalid JSON at line %d column %d: %s", line, col, what);
}

static void skip_ws(struct parser *p) {
  while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')) p->s++;
}

static struct json_value *new_value(enum json_type t) {
  struct json_value *v = xcalloc(1, sizeof(*v));
  v->type = t;
  return v;
}

struct buf {
  char *p;
  size_t len, cap;
};

static void buf_put(struct buf *b, const char *data, size_t n) {
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->p = xrealloc(b->p, b->cap);
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void buf_utf8(struct buf *b, uint32_t cp) {
  char out[4];
  size_t n;
  if (cp < 0x80) {
    out[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  buf_put(b, out, n);
}

static int hex4(struct parser *p, uint32_t *out) {
  if (p->end - p->s < 4) return perror_at(p, "truncated \\u escape");
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p->s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
    else return perror_at(p, "bad hex digit in \\u escape");
  }
  p->s += 4;
  *out = v;
  return 0;
}

static int parse_string(struct parser *p, char **out) {
  struct buf b = {0};
  buf_put(&b, "", 0);
  p->s++; /* opening quote */
  for (;;) {
    if (p->s >= p->end) {
      free(b.p);
      return perror_at(p, "unterminated string");
    }
    const char *run = p->s;
    while (p->s < p->end && *p->s != '"' && *p->s != '\\' && (unsigned char)*p->s >= 0x20) p->s++;
    if (p->s > run) buf_put(&b, run, (size_t)(p->s - run));
    if (p->s >= p->end) continue;
    char c = *p->s;
    if (c == '"') {
      p->s++;
      *out = b.p;
      return 0;
    }
    if ((unsigned char)c < 0x20) {
      free(b.p);
      return perror_at(p, "control character in string");
    }
    p->s++; /* backslash */
    if (p->s >= p->end) continue;
    char e = *p->s++;
    char lit;
    switch (e) {
      case '"': lit = '"'; break;
      case '\\': lit = '\\'; break;
      case '/': lit = '/'; break;
      case 'b': lit = '\b'; break;
      case 'f': lit = '\f'; break;
      case 'n': lit = '\n'; break;
      case 'r': lit = '\r'; break;
      case 't': lit = '\t'; break;
      case 'u': {
        uint32_t cp;
        if (hex4(p, &cp) < 0) goto fail;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo;
          if (p->end - p->s < 2 || p->s[0] != '\\' || p->s[1] != 'u') {
            perror_at(p, "unpaired surrogate in \\u escape");
            goto fail;
          }
          p->s += 2;
          if (hex4(p, &lo) < 0) goto fail;
          if (lo < 0xDC00 || lo > 0xDFFF) {
            perror_at(p, "unpaired surrogate in \\u escape");
            goto fail;
          }
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          perror_at(p, "unpaired surrogate in \\u escape");
          goto fail;
        } else if (cp == 0) {
          perror_at(p, "\\u0000 in string");
          goto fail;
        }
        buf_utf8(&b, cp);
        continue;
      }
      default:
        p->s--;
        perror_at(p, "bad escape in string");
        goto fail;
    }
    buf_put(&b, &lit, 1);
  }
fail:
  free(b.p);
  return -1;
}

static int parse_value(struct parser *p, struct json_value **out);

static int parse_number(struct parser *p, struct json_value **out) {
  const char *b = p->s;
  if (p->s < p->end && *p->s == '-') p->s++;
  if (p->s >= p->end) return perror_at(p, "bad number");
  if (*p->s == '0') {
    p->s++;
  } else if (*p->s >= '1' && *p->s <= '9') {
    while (p->s < p->end && *p->s >= '0' && *p->s <= '9') p->s++;
  } else {
    return perror_at(p, "bad number");
  }
  if (p->s < p->end && *p->s == '.') {
    p->s++;
    if (p->s >= p->end || *p->s < '0' || *p->s > '9') return perror_at(p, "bad number");
    while (p->s < p->end && *p->s >= '0' && *p->s <= '9') p->s++;
  }
  if (p->s < p->end && (*p->s == 'e' || *p->s == 'E')) {
    p->s++;
    if (p->s < p->end && (*p->s == '+' || *p->s == '-')) p->s++;
    if (p->s >= p->end || *p->s < '0' || *p->s > '9') return perror_at(p, "bad number");
    while (p->s < p->end && *p->s >= '0' && *p->s <= '9') p->s++;
  }
  struct json_value *v = new_value(JSON_NUMBER);
  v->text = strndup(b, (size_t)(p->s - b));
  if (v->text == NULL) abort();
  *out = v;
  return 0;
}

static int literal(struct parser *p, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(p->end - p->s) < n || memcmp(p->s, word, n) != 0) return perror_at(p, "unexpected character");
  p->s += n;
  return 0;
}

static int parse_array(struct parser *p, struct json_value **out) {
  struct json_value *v = new_value(JSON_ARRAY);
  size_t cap = 0;
  p->s++;
  skip_ws(p);
  if (p->s < p->end && *p->s == ']') {
    p->s++;
    *out = v;
    return 0;
  }
  for (;;) {
    struct json_value *item;
    skip_ws(p);
    if (parse_value(p, &item) < 0) goto fail;
    if (v->n == cap) {
      cap = cap ? cap * 2 : 4;
      v->items = xrealloc(v->items, cap * sizeof(*v->items));
    }
    v->items[v->n++] = item;
    skip_ws(p);
    if (p->s < p->end && *p->s == ',') {
      p->s++;
      continue;
    }
    if (p->s < p->end && *p->s == ']') {
      p->s++;
      *out = v;
      return 0;
    }
    perror_at(p, "expected ',' or ']' in array");
    goto fail;
  }
fail:
  json_free(v);
  return -1;
}

static int parse_object(struct parser *p, struct json_value **out) {
  struct json_value *v = new_value(JSON_OBJECT);
  size_t cap = 0;
  p->s++;
  skip_ws(p);
  if (p->s < p->end && *p->s == '}') {
    p->s++;
    *out = v;
    return 0;
  }
  for (;;) {
    skip_ws(p);
    if (p->s >= p->end || *p->s != '"') {
      perror_at(p, "expected a string key in object");
      goto fail;
    }
    char *key;
    if (parse_string(p, &key) < 0) goto fail;
    skip_ws(p);
    if (p->s >= p->end || *p->s != ':') {
      free(key);
      perror_at(p, "expected ':' after object key");
      goto fail;
    }
    p->s++;
    skip_ws(p);
    struct json_value *item;
    if (parse_value(p, &item) < 0) {
      free(key);
      goto fail;
    }
    if (v->n == cap) {
      cap = cap ? cap * 2 : 8;
      v->items = xrealloc(v->items, cap * sizeof(*v->items));
      v->keys = xrealloc(v->keys, cap * sizeof(*v->keys));
    }
    v->keys[v->n] = key;
    v->items[v->n++] = item;
    skip_ws(p);
    if (p->s < p->end && *p->s == ',') {
      p->s++;
      continue;
    }
    if (p->s < p->end && *p->s == '}') {
      p->s++;
      *out = v;
      return 0;
    }
    perror_at(p, "expected ',' or '}' in object");
    goto fail;
  }
fail:
  json_free(v);
  return -1;
}

static int parse_value(struct parser *p, struct json_value **out) {
  if (p->s >= p->end) return perror_at(p, "unexpected end of input");
  if (++p->depth > JSON_MAX_DEPTH) return perror_at(p, "nesting too deep");
  int r;
  switch (*p->s) {
    case '{': r = parse_object(p, out); break;
    case '[': r = parse_array(p, out); break;
    case '"': {
      char *s;
      r = parse_string(p, &s);
      if (r == 0) {
        *out = new_value(JSON_STRING);
        (*out)->text = s;
      }
      break;
    }
    case 't':
    case 'f': {
      bool t = *p->s == 't';
      r = literal(p, t ? "true" : "false");
      if (r == 0) {
        *out = new_value(JSON_BOOL);
        (*out)->boolean = t;
      }
      break;
    }
    case 'n':
      r = literal(p, "null");
      if (r == 0) *out = new_value(JSON_NULL);
      break;
    default:
      r = parse_number(p, out);
  }
  p->depth--;
  return r;
}

int json_parse(const char *text, size_t len, struct json_value **out, gantry_error_t *err) {
  struct parser p = {.s = text, .end = text + len, .start = text, .err = err};
  skip_ws(&p);
  struct json_value *v;
  if (parse_value(&p, &v) < 0) return -1;
  skip_ws(&p);
  if (p.s != p.end) {
    json_free(v);
    return perror_at(&p, "trailing characters after the document");
  }
  *out = v;
  return 0;
}

void json_free(struct json_value *v) {
  if (v == NULL) return;
  for (size_t i = 0; i < v->n; i++) {
    json_free(v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->text);
  free(v);
}

void cleanup_jsonp(struct json_value **v) {
  json_free(*v);
}

struct json_value *json_get(const struct json_value *v, const char *key) {
  if (v == NULL || v->type != JSON_OBJECT) return NULL;
  /* Last one wins, as in most JSON decoders. */
  for (size_t i = v->n; i-- > 0;)
    if (strcmp(v->keys[i], key) == 0) return v->items[i];
  return NULL;
}

const char *json_type_name(enum json_type t) {
  switch (t) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "a boolean";
    case JSON_NUMBER: return "a number";
    case JSON_STRING: return "a string";
    case JSON_ARRAY: return "an array";
    case JSON_OBJECT: return "an object";
  }
  return "?";
}

static bool integral_text(const char *t) {
  return strpbrk(t, ".eE") == NULL;
}

int json_int64(const struct json_value *v, int64_t *out) {
  if (v == NULL || v->type != JSON_NUMBER || !integral_text(v->text)) return -1;
  errno = 0;
  char *end;
  long long x = strtoll(v->text, &end, 10);
  if (errno != 0 || *end) return -1;
  *out = x;
  return 0;
}

int json_uint64(const struct json_value *v, uint64_t *out) {
  if (v == NULL || v->type != JSON_NUMBER || !integral_text(v->text) || v->text[0] == '-') return -1;
  errno = 0;
  char *end;
  unsigned long long x = strtoull(v->text, &end, 10);
  if (errno != 0 || *end) return -1;
  *out = x;
  return 0;
}

/* ---- writer ---- */

static void grow(char **buf, size_t *len, size_t *cap, size_t n) {
  if (*len + n + 1 > *cap) {
    *cap = (*len + n + 1) * 2;
    if (*cap < 256) *cap = 256;
    *buf = xrealloc(*buf, *cap);
  }
}

static void put(struct json_writer *w, const char *s, size_t n) {
  grow(&w->buf, &w->len, &w->cap, n);
  memcpy(w->buf + w->len, s, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

static void puts_(struct json_writer *w, const char *s) {
  put(w, s, strlen(s));
}

void json_escape_into(char **buf, size_t *len, size_t *cap, const char *s) {
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    char tmp[8];
    const char *rep = NULL;
    switch (*c) {
      case '"': rep = "\\\""; break;
      case '\\': rep = "\\\\"; break;
      case '\n': rep = "\\n"; break;
      case '\r': rep = "\\r"; break;
      case '\t': rep = "\\t"; break;
      case '\b': rep = "\\b"; break;
      case '\f': rep = "\\f"; break;
      default:
        if (*c < 0x20) {
          snprintf(tmp, sizeof(tmp), "\\u%04x", *c);
          rep = tmp;
        }
    }
    if (rep) {
      size_t n = strlen(rep);
      grow(buf, len, cap, n);
      memcpy(*buf + *len, rep, n);
      *len += n;
    } else {
      grow(buf, len, cap, 1);
      (*buf)[(*len)++] = (char)*c;
    }
    (*buf)[*len] = '\0';
  }
}

static void newline(struct json_writer *w) {
  if (!w->pretty) return;
  put(w, "\n", 1);
  for (int i = 0; i < w->depth; i++) put(w, "  ", 2);
}

/* Before any value or key: the comma and indentation it needs. */
static void before(struct json_writer *w) {
  if (w->after_key) {
    w->after_key = false;
    return;
  }
  if (w->depth > 0) {
    if (!w->first[w->depth]) put(w, ",", 1);
    w->first[w->depth] = false;
    newline(w);
  }
}

void jw_init(struct json_writer *w, bool pretty) {
  memset(w, 0, sizeof(*w));
  w->pretty = pretty;
  grow(&w->buf, &w->len, &w->cap, 0);
  w->buf[0] = '\0';
}

static void open_(struct json_writer *w, const char *c) {
  before(w);
  puts_(w, c);
  if (w->depth < 63) w->depth++;
  w->first[w->depth] = true;
}

static void close_(struct json_writer *w, const char *c) {
  bool empty = w->first[w->depth];
  if (w->depth > 0) w->depth--;
  if (!empty) newline(w);
  puts_(w, c);
}

void jw_begin_object(struct json_writer *w) { open_(w, "{"); }
void jw_end_object(struct json_writer *w) { close_(w, "}"); }
void jw_begin_array(struct json_writer *w) { open_(w, "["); }
void jw_end_array(struct json_writer *w) { close_(w, "]"); }

void jw_key(struct json_writer *w, const char *key) {
  before(w);
  put(w, "\"", 1);
  json_escape_into(&w->buf, &w->len, &w->cap, key);
  puts_(w, w->pretty ? "\": " : "\":");
  w->after_key = true;
}

void jw_string(struct json_writer *w, const char *s) {
  before(w);
  put(w, "\"", 1);
  json_escape_into(&w->buf, &w->len, &w->cap, s ? s : "");
  put(w, "\"", 1);
}

void jw_int(struct json_writer *w, int64_t v) {
  char tmp[32];
  before(w);
  snprintf(tmp, sizeof(tmp), "%" PRId64, v);
  puts_(w, tmp);
}

void jw_uint(struct json_writer *w, uint64_t v) {
  char tmp[32];
  before(w);
  snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
  puts_(w, tmp);
}

void jw_bool(struct json_writer *w, bool v) {
  before(w);
  puts_(w, v ? "true" : "false");
}

void jw_null(struct json_writer *w) {
  before(w);
  puts_(w, "null");
}

void jw_value(struct json_writer *w, const struct json_value *v) {
  switch (v->type) {
    case JSON_NULL: jw_null(w); break;
    case JSON_BOOL: jw_bool(w, v->boolean); break;
    case JSON_NUMBER:
      before(w);
      puts_(w, v->text);
      break;
    case JSON_STRING: jw_string(w, v->text); break;
    case JSON_ARRAY:
      jw_begin_array(w);
      for (size_t i = 0; i < v->n; i++) jw_value(w, v->items[i]);
      jw_end_array(w);
      break;
    case JSON_OBJECT:
      jw_begin_object(w);
      for (size_t i = 0; i < v->n; i++) {
        jw_key(w, v->keys[i]);
        jw_value(w, v->items[i]);
      }
      jw_end_object(w);
      break;
  }
}

char *jw_finish(struct json_writer *w, size_t *len) {
  char *out = w->buf;
  if (len) *len = w->len;
  memset(w, 0, sizeof(*w));
  return out;
}
