// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_file_reader.c - libFuzzer target: a whole spancap file (zstd + pcapng + records) read
 * through the real read path from memory, every record decoded the way the analyzer does,
 * every gap the reader skipped checked to lie inside the input.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scf_reader *r = scf_reader__open_mem(data, size, "fuzz", NULL, 0);
	struct scf_record rec;
	uint8_t body[256];

	if (!r)
		return 0;
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
