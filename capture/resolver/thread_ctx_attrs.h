/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * thread_ctx_attrs.h - the OTEP 4947 thread context record: its 28-byte header and the rules
 * for its attrs_data ({u8 key, u8 len, len bytes} entries):
 *   - attrs_data is clamped to TCTX_ATTRS_MAX (612) bytes (a 640-byte record);
 *   - parsing stops at an entry the remaining bytes cannot hold;
 *   - when a key index appears more than once, the last occurrence wins;
 *   - a key index outside the attribute_key_map is ignored, and asks for one refresh of the map.
 * The analyzer applies the same rules to captured records.
 */
#ifndef SPANCAP_THREAD_CTX_ATTRS_H
#define SPANCAP_THREAD_CTX_ATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCTX_HEADER_SIZE 28
#define TCTX_ATTRS_MAX 612
#define TCTX_RECORD_MAX (TCTX_HEADER_SIZE + TCTX_ATTRS_MAX)
#define TCTX_MAX_ENTRIES (TCTX_ATTRS_MAX / 2)

/*
 * Record header, host byte order, packed:
 *   0  trace_id[16]   W3C byte order
 *  16  span_id[8]
 *  24  valid          1 = valid, anything else = ignore the record
 *  25  trace_flags
 *  26  attrs_data_size (u16)
 *  28  attrs_data[attrs_data_size]
 */
struct tctx_header {
	uint8_t trace_id[16];
	uint8_t span_id[8];
	uint8_t valid;
	uint8_t trace_flags;
	uint16_t attrs_data_size;
};

/* Decodes the header from at least TCTX_HEADER_SIZE bytes. Returns 0 or -ENODATA. */
int tctx_header_parse(const void *buf, size_t len, struct tctx_header *h);

struct tctx_attr {
	uint8_t key;
	uint8_t len;
	uint16_t off; /* offset of the value inside attrs_data */
};

struct tctx_attrs {
	size_t n;			      /* entries with a known key, in first-seen order */
	struct tctx_attr v[TCTX_MAX_ENTRIES]; /* values: the last occurrence of each key */
	size_t consumed;		      /* bytes of complete entries */
	bool clamped;			      /* the declared size exceeded TCTX_ATTRS_MAX */
	bool incomplete;		      /* stopped at an entry that did not fit */
	size_t n_unknown;		      /* entries ignored for an unknown key index */
	uint8_t unknown[32];		      /* bitmap of those key indexes */
	bool need_key_map_refresh;	      /* at least one unknown key (reported once) */
};

/*
 * Parses size bytes of attrs_data (size is the record's attrs_data_size; at most
 * TCTX_ATTRS_MAX of them are read) against a key map of n_keys entries.
 */
void tctx_attrs_parse(const uint8_t *data, size_t size, size_t n_keys, struct tctx_attrs *out);

/*
 * Refresh gate: asks for a refresh of the key map once per unknown key index, and again only
 * after the map grew. Returns true when the caller should re-read the process context.
 */
struct tctx_refresh_gate {
	size_t n_keys;	   /* key map size when the bitmap was last reset */
	uint8_t asked[32]; /* key indexes that already triggered a refresh */
};
bool tctx_refresh_gate_check(struct tctx_refresh_gate *g, const struct tctx_attrs *a,
			     size_t n_keys);

#endif /* SPANCAP_THREAD_CTX_ATTRS_H */
