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

static void put_string(FILE *f, const uint8_t *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len;) {
		uint8_t c = s[i];
		size_t n = 0;
		uint32_t cp = 0;

		if (c < 0x80) {
			if (c == '"' || c == '\\')
				fprintf(f, "\\%c", c);
			else if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		if (!n || n > len - i - 1) {
			fputs("\\ufffd", f);
			i++;
			continue;
		}
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80) {
				n = 0;
				break;
			}
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (!n || (n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			fputs("\\ufffd", f);
			i++;
			continue;
		}
		fwrite(s + i, 1, n + 1, f);
		i += n + 1;
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
			put_string(j->f, (const uint8_t *)key, strlen(key));
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
		put_string(j->f, (const uint8_t *)key, strlen(key));
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
	put_string(j->f, s, len);
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
