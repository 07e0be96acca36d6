// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_thread_ctx_attrs.c - libFuzzer target: an OTEP 4947 thread context record as a hostile
 * thread would leave it in memory (28-byte header, then attrs_data), parsed with the header's
 * own attrs_data_size against a key map whose size comes from the input, through the refresh
 * gate. Checks the parser's promises: every kept value lies inside the bytes parsed.
 */
#include <stddef.h>
#include <stdint.h>

#include "thread_ctx_attrs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tctx_refresh_gate gate;
	struct tctx_header h;
	struct tctx_attrs a;
	size_t n_keys, avail;

	if (size < 1)
		return 0;
	n_keys = data[0];
	data++;
	size--;
	if (tctx_header_parse(data, size, &h))
		return 0;
	/* The reader copies at most what it could read: the declared size, capped by the input. */
	avail = size - TCTX_HEADER_SIZE;
	if (avail > h.attrs_data_size)
		avail = h.attrs_data_size;
	tctx_attrs_parse(data + TCTX_HEADER_SIZE, avail, n_keys, &a);
	if (a.consumed > avail || a.consumed > TCTX_ATTRS_MAX || a.n > TCTX_MAX_ENTRIES)
		__builtin_trap();
	for (size_t i = 0; i < a.n; i++)
		if (a.v[i].key >= n_keys || (size_t)a.v[i].off + a.v[i].len > a.consumed)
			__builtin_trap();
	tctx_refresh_gate_check(&gate, &a, n_keys);
	return 0;
}
