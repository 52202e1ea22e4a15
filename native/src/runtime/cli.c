#include "runtime/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cli_next(struct cli_parser *p, const struct cli_opt *opts, const char **val, gantry_error_t *err) {
  if (p->i >= p->argc) return 0;
  const char *a = p->argv[p->i];
  if (a[0] != '-' || a[1] == '\0') return 0;
  if (strcmp(a, "--") == 0) {
    p->i++;
    return 0;
  }
  const char *name = a + (a[1] == '-' ? 2 : 1);
  size_t len = strcspn(name, "=");
  const char *inline_val = name[len] == '=' ? name + len + 1 : NULL;
  const struct cli_opt *o = NULL;
  for (const struct cli_opt *c = opts; c->name; c++) {
    if (strlen(c->name) == len && strncmp(c->name, name, len) == 0) o = c;
    if (len == 1 && c->short_name == name[0] && a[1] != '-') o = c;
  }
  if (o == NULL) return gantry_error_set(err, 0, "%s: unknown option %s", p->verb, a);
  p->i++;
  if (!o->has_arg) {
    *val = inline_val ? inline_val : "true";
    return o->id;
  }
  if (inline_val) {
    *val = inline_val;
    return o->id;
  }
  if (p->i >= p->argc) return gantry_error_set(err, 0, "%s: option %s needs a value", p->verb, a);
  *val = p->argv[p->i++];
  return o->id;
}

int cli_positional(struct cli_parser *p, int n, const char *usage, gantry_error_t *err) {
  int have = p->argc - p->i;
  if (have != n)
    return gantry_error_set(err, 0, "%s: expected %d argument%s (%s), got %d", p->verb, n, n == 1 ? "" : "s", usage,
                            have);
  return 0;
}

bool cli_bool(const char *val) {
  return strcmp(val, "false") != 0 && strcmp(val, "0") != 0;
}

int cli_int(const char *val, const char *flag, int *out, gantry_error_t *err) {
  char *end;
  errno = 0;
  long n = strtol(val, &end, 10);
  if (errno || *end || *val == '\0' || n < 0 || n > 1 << 20)
    return gantry_error_set(err, 0, "%s: \"%s\" is not a non-negative number", flag, val);
  *out = (int)n;
  return 0;
}
