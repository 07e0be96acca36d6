// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_record_decoder.c - libFuzzer target: one record's bytes through framing checks, the
 * append-only body copy and every item decoder.
 */
#include <stddef.h>
#include <stdint.h>

#include "spancap_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scf_record rec = { 0 };
	struct scf_item_iter it;
	const uint8_t *d;
	uint16_t tag, len;
	uint8_t body[256];
	char err[256];

	if (scf_record_parse(data, size, &rec, err, sizeof(err)))
		return 0;
	scf_record_body(&rec, body, sizeof(body), scf_rec_min_body(rec.type), err, sizeof(err));
	scf_items_begin(&rec, &it);
	while (scf_items_next(&it, &tag, &d, &len) == 1) {
		struct scf_sockaddr sa;
		struct scf_strlist_iter sit;
		struct scf_attr_iter ait;
		struct scf_attr a;
		const uint8_t *s;
		uint16_t sl;
		char txt[160];

		if (scf_sockaddr_decode(d, len, &sa) == 0)
			scf_sockaddr_format(&sa, txt, sizeof(txt));
		scf_strlist_begin(&sit, d, len);
		while (scf_strlist_next(&sit, &s, &sl) == 1)
			;
		scf_attrs_begin(&ait, d, len);
		while (scf_attrs_next(&ait, &a) == 1)
			;
	}
	return 0;
}
