/* A small JSON reader (a tree of json_value) and writer (a growing buffer), enough for config.json, state files
 * and the CLI's output. Strings are UTF-8, NUL-terminated (an embedded \u0000 is refused). Numbers keep their text
 * so 64-bit integers survive exactly; json_int64/json_uint64 convert with range checks. */
#ifndef GANTRY_JSON_H
#define GANTRY_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_value {
  enum json_type type;
  bool boolean;
  char *text; /* JSON_STRING: the decoded string; JSON_NUMBER: the literal */
  size_t n;   /* JSON_ARRAY / JSON_OBJECT: number of items */
  struct json_value **items;
  char **keys; /* JSON_OBJECT: keys[i] names items[i], in document order */
};

/* Parses text (len bytes). On error the message gives line and column. */
int json_parse(const char *text, size_t len, struct json_value **out, gantry_error_t *err);
void json_free(struct json_value *v);
void cleanup_jsonp(struct json_value **v);
#define cleanup_json __attribute__((cleanup(cleanup_jsonp)))

/* The member named key of an object, or NULL (also when v is not an object). */
struct json_value *json_get(const struct json_value *v, const char *key);
const char *json_type_name(enum json_type t);
/* Integer conversions of a JSON_NUMBER; -1 (without touching err) if not an integer in range. */
int json_int64(const struct json_value *v, int64_t *out);
int json_uint64(const struct json_value *v, uint64_t *out);

/* Writer. Commas and (optionally) indentation are handled; keys and values alternate inside objects. */
struct json_writer {
  char *buf;
  size_t len, cap;
  int depth;
  bool pretty;
  bool first[64];
  bool after_key;
};
void jw_init(struct json_writer *w, bool pretty);
void jw_begin_object(struct json_writer *w);
void jw_end_object(struct json_writer *w);
void jw_begin_array(struct json_writer *w);
void jw_end_array(struct json_writer *w);
void jw_key(struct json_writer *w, const char *key);
void jw_string(struct json_writer *w, const char *s);
void jw_int(struct json_writer *w, int64_t v);
void jw_uint(struct json_writer *w, uint64_t v);
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);
/* Writes a parsed value (deep copy into the output). */
void jw_value(struct json_writer *w, const struct json_value *v);
/* Returns the NUL-terminated text (caller frees) and resets the writer. */
char *jw_finish(struct json_writer *w, size_t *len);

/* Appends s JSON-escaped (without quotes) to a growing buffer. */
void json_escape_into(char **buf, size_t *len, size_t *cap, const char *s);

#endif
