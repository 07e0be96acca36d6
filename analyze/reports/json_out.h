/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * json_out.h - a small streaming JSON writer: two-space indentation, keys in the order written,
 * strings escaped and made valid UTF-8: a byte that is not part of valid UTF-8 becomes the text
 * \xNN (man/spancap-analyze.1, BYTES THAT ARE NOT UTF-8).
 */
#ifndef ANA_JSON_OUT_H
#define ANA_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ANA_JSON_DEPTH 32

struct ana_json {
	FILE *f;
	bool compact; /* one line, no spaces (set after ana_json_init) */
	int depth;
	bool has_items[ANA_JSON_DEPTH];
};

void ana_json_init(struct ana_json *j, FILE *f);
/* key is NULL inside arrays and at the top level. */
void ana_json_obj(struct ana_json *j, const char *key);
void ana_json_arr(struct ana_json *j, const char *key);
void ana_json_end(struct ana_json *j, bool obj);
void ana_json_str(struct ana_json *j, const char *key, const char *s);
void ana_json_strn(struct ana_json *j, const char *key, const void *s, size_t len);
/* Captured bytes (paths, argv, names, attribute values): as ana_json_str, and a backslash of
 * the bytes is the text \\, so that the text decodes back to the bytes exactly. */
void ana_json_bytes(struct ana_json *j, const char *key, const char *s);
void ana_json_bytesn(struct ana_json *j, const char *key, const void *s, size_t len);
void ana_json_hex(struct ana_json *j, const char *key, const uint8_t *p, size_t n);
void ana_json_u64(struct ana_json *j, const char *key, uint64_t v);
void ana_json_i64(struct ana_json *j, const char *key, int64_t v);
void ana_json_bool(struct ana_json *j, const char *key, bool v);
void ana_json_null(struct ana_json *j, const char *key);
/* A number already formatted as JSON ("12.345"): written as is. */
void ana_json_num(struct ana_json *j, const char *key, const char *text);
/* Ends the document with a newline. */
void ana_json_finish(struct ana_json *j);

#endif /* ANA_JSON_OUT_H */
