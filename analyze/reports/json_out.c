// SPDX-License-Identifier: BSD-2-Clause
/*
 * json_out.c - streaming JSON writer.
 */
#include <inttypes.h>
#include <string.h>

#include "json_out.h"
#include "text_fmt.h"

void ana_json_init(struct ana_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

/* A JSON string of len bytes. A byte that is not part of valid UTF-8 is the text \xNN (JSON
 * "\\xNN"); with raw, the bytes are captured ones and a backslash is doubled as well, so that
 * the decoded text maps back to the bytes (the convention of text_fmt.h and row exports). */
static void put_string(FILE *f, const uint8_t *s, size_t len, bool raw)
{
	fputc('"', f);
	for (size_t i = 0; i < len;) {
		uint8_t c = s[i];
		size_t n = ana_utf8_seq(s + i, len - i);

		if (!n) {
			fprintf(f, "\\\\x%02x", c);
			i++;
			continue;
		}
		if (n > 1) {
			fwrite(s + i, 1, n, f);
		} else if (c == '\\') {
			fputs(raw ? "\\\\\\\\" : "\\\\", f);
		} else if (c == '"') {
			fputs("\\\"", f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
		} else {
			fputc(c, f);
		}
		i += n;
	}
	fputc('"', f);
}

static void prefix(struct ana_json *j, const char *key)
{
	if (j->compact) {
		if (j->depth > 0 && j->has_items[j->depth])
			fputc(',', j->f);
		j->has_items[j->depth] = true;
		if (key) {
			put_string(j->f, (const uint8_t *)key, strlen(key), false);
			fputc(':', j->f);
		}
		return;
	}
	if (j->depth > 0) {
		fputs(j->has_items[j->depth] ? ",\n" : "\n", j->f);
		j->has_items[j->depth] = true;
		fprintf(j->f, "%*s", 2 * j->depth, "");
	}
	if (key) {
		put_string(j->f, (const uint8_t *)key, strlen(key), false);
		fputs(": ", j->f);
	}
}

static void open_(struct ana_json *j, const char *key, char ch)
{
	prefix(j, key);
	fputc(ch, j->f);
	if (j->depth + 1 < ANA_JSON_DEPTH)
		j->depth++;
	j->has_items[j->depth] = false;
}

void ana_json_obj(struct ana_json *j, const char *key)
{
	open_(j, key, '{');
}

void ana_json_arr(struct ana_json *j, const char *key)
{
	open_(j, key, '[');
}

void ana_json_end(struct ana_json *j, bool obj)
{
	bool had = j->has_items[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (had && !j->compact)
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	fputc(obj ? '}' : ']', j->f);
}

void ana_json_str(struct ana_json *j, const char *key, const char *s)
{
	if (!s) {
		ana_json_null(j, key);
		return;
	}
	ana_json_strn(j, key, s, strlen(s));
}

void ana_json_strn(struct ana_json *j, const char *key, const void *s, size_t len)
{
	prefix(j, key);
	put_string(j->f, s, len, false);
}

void ana_json_bytes(struct ana_json *j, const char *key, const char *s)
{
	if (!s) {
		ana_json_null(j, key);
		return;
	}
	ana_json_bytesn(j, key, s, strlen(s));
}

void ana_json_bytesn(struct ana_json *j, const char *key, const void *s, size_t len)
{
	prefix(j, key);
	put_string(j->f, s, len, true);
}

void ana_json_hex(struct ana_json *j, const char *key, const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];

	if (n > 64)
		n = 64;
	ana_json_str(j, key, ana_fmt_hex(buf, p, n));
}

void ana_json_u64(struct ana_json *j, const char *key, uint64_t v)
{
	prefix(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void ana_json_i64(struct ana_json *j, const char *key, int64_t v)
{
	prefix(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void ana_json_bool(struct ana_json *j, const char *key, bool v)
{
	prefix(j, key);
	fputs(v ? "true" : "false", j->f);
}

void ana_json_null(struct ana_json *j, const char *key)
{
	prefix(j, key);
	fputs("null", j->f);
}

void ana_json_num(struct ana_json *j, const char *key, const char *text)
{
	prefix(j, key);
	fputs(text, j->f);
}

void ana_json_finish(struct ana_json *j)
{
	fputc('\n', j->f);
}
