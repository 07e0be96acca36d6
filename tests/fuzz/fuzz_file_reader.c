// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_file_reader.c - libFuzzer target: a whole spancap file (zstd + pcapng + records) read
 * through the real read path from memory, every record decoded the way the analyzer does,
 * every gap the reader skipped checked to lie inside the input; then read again with two
 * reader threads (scf_reader__set_threads), which must give the same records, gaps and end.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "spancap_file.h"

static void decode_items(const struct scf_record *rec)
{
	struct scf_item_iter it;
	const uint8_t *d;
	uint16_t tag, len;

	scf_items_begin(rec, &it);
	while (scf_items_next(&it, &tag, &d, &len) == 1) {
		switch (tag) {
		case SCF_ITEM_SOCKADDR:
		case SCF_ITEM_SOCKADDR_LOCAL: {
			struct scf_sockaddr sa;
			char txt[256];

			if (scf_sockaddr_decode(d, len, &sa) == 0)
				scf_sockaddr_format(&sa, txt, sizeof(txt));
			break;
		}
		case SCF_ITEM_ARGV:
		case SCF_ITEM_KEY_MAP:
		case SCF_ITEM_CMDLINE: {
			struct scf_strlist_iter sit;
			const uint8_t *s;
			uint16_t sl;

			scf_strlist_begin(&sit, d, len);
			while (scf_strlist_next(&sit, &s, &sl) == 1)
				;
			break;
		}
		case SCF_ITEM_RESOURCE_ATTRS:
		case SCF_ITEM_EXTRA_ATTRS: {
			struct scf_attr_iter ait, inner;
			struct scf_attr a, b;

			scf_attrs_begin(&ait, d, len);
			while (scf_attrs_next(&ait, &a) == 1) {
				if (a.type != SCF_VAL_ARRAY && a.type != SCF_VAL_KVLIST)
					continue;
				scf_attrs_begin(&inner, a.val, a.val_len);
				while (scf_attrs_next(&inner, &b) == 1)
					;
			}
			break;
		}
		default:
			break;
		}
	}
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* What a reading on threads reader threads returns, folded into a hash. */
static uint64_t reading(const uint8_t *data, size_t size, unsigned int threads)
{
	struct scf_reader *r = scf_reader__open_mem(data, size, "fuzz", NULL, 0);
	uint64_t h = 0xcbf29ce484222325ull;
	struct scf_record rec;
	struct scf_gap g;
	int ret;

	if (!r)
		return 0;
	if (scf_reader__set_threads(r, threads)) {
		scf_reader__free(r);
		return 0;
	}
	do {
		ret = scf_reader__next(r, &rec);
		while (scf_reader__next_gap(r, &g) == 1)
			h = mix(mix(h, &g.offset, 8), g.msg, strlen(g.msg));
		h = mix(h, &ret, sizeof(ret));
		if (ret == 1)
			h = mix(mix(mix(mix(h, &rec.ts_ns, 8), &rec.offset, 8), &rec.section, 4),
				rec.body - sizeof(struct scf_rec_hdr), rec.len);
	} while (ret == 1);
	h = mix(h, scf_reader__errmsg(r), strlen(scf_reader__errmsg(r)));
	scf_reader__free(r);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scf_reader *r = scf_reader__open_mem(data, size, "fuzz", NULL, 0);
	struct scf_record rec;
	uint8_t body[256];

	if (!r)
		return 0;
	if (reading(data, size, 0) != reading(data, size, 2))
		__builtin_trap();
	for (;;) {
		int ret = scf_reader__next(r, &rec);
		struct scf_gap g;
		size_t min;

		/* Skipped regions lie inside the input, in order, with a terminated message. */
		while (scf_reader__next_gap(r, &g) == 1)
			if (g.offset >= g.end_offset || g.end_offset > size ||
			    !memchr(g.msg, 0, sizeof(g.msg)))
				__builtin_trap();
		if (ret != 1)
			break;
		min = scf_rec_min_body(rec.type);
		if (min && scf_record_body(&rec, body, sizeof(body), min, NULL, 0) == 0)
			decode_items(&rec);
	}
	scf_reader__free(r);
	return 0;
}
