// SPDX-License-Identifier: BSD-2-Clause
/* thread_ctx_attrs.c - OTEP 4947 record header and attrs_data rules. */
#include "thread_ctx_attrs.h"

#include <errno.h>
#include <string.h>

#include "resolve_internal.h"

int tctx_header_parse(const void *buf, size_t len, struct tctx_header *h)
{
	const uint8_t *p = buf;

	if (len < TCTX_HEADER_SIZE)
		return -ENODATA;
	memcpy(h->trace_id, p, 16);
	memcpy(h->span_id, p + 16, 8);
	h->valid = p[24];
	h->trace_flags = p[25];
	h->attrs_data_size = scf_get16(p + 26);
	return 0;
}

void tctx_attrs_parse(const uint8_t *data, size_t size, size_t n_keys, struct tctx_attrs *out)
{
	struct scr_cur c;
	int16_t slot[256];

	memset(out, 0, sizeof(*out));
	memset(slot, 0xff, sizeof(slot)); /* -1: key not seen */
	if (size > TCTX_ATTRS_MAX) {
		size = TCTX_ATTRS_MAX;
		out->clamped = true;
	}
	scr_cur_init(&c, data, size);
	while (scr_cur_left(&c)) {
		size_t at = c.off;
		const uint8_t *hdr = scr_cur_pull(&c, 2);
		uint8_t key, len;

		if (!hdr || !scr_cur_pull(&c, hdr[1])) {
			out->incomplete = true;
			c.off = at;
			break;
		}
		key = hdr[0];
		len = hdr[1];
		if (key >= n_keys) {
			out->n_unknown++;
			out->unknown[key / 8] |= (uint8_t)(1u << (key % 8));
			out->need_key_map_refresh = true;
			continue;
		}
		if (slot[key] < 0) {
			slot[key] = (int16_t)out->n;
			out->v[out->n].key = key;
			out->n++;
		}
		out->v[slot[key]].len = len;
		out->v[slot[key]].off = (uint16_t)(at + 2);
	}
	out->consumed = c.off;
}

bool tctx_refresh_gate_check(struct tctx_refresh_gate *g, const struct tctx_attrs *a, size_t n_keys)
{
	bool ask = false;

	if (n_keys != g->n_keys) {
		memset(g->asked, 0, sizeof(g->asked));
		g->n_keys = n_keys;
	}
	for (size_t i = 0; i < sizeof(g->asked); i++) {
		uint8_t fresh = a->unknown[i] & (uint8_t)~g->asked[i];

		if (fresh) {
			g->asked[i] |= fresh;
			ask = true;
		}
	}
	return ask;
}
