/* spec and features. */
#ifndef GANTRY_META_H
#define GANTRY_META_H

#include "common/error.h"

/* Writes a default config.json into bundle (refusing to overwrite one). */
int runtime_spec(const char *bundle, gantry_error_t *err);
/* Prints the features document (runtime-spec features.md). */
int runtime_features(gantry_error_t *err);

#endif
