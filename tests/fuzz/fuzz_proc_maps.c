// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_proc_maps.c - libFuzzer target: /proc/PID/maps text through the parser, the module
 * list and the OTEL_CTX mapping search, as spancap runs them on every traced process.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc_maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pmaps_module *mods = NULL;
	const struct pmaps_entry *e;
	struct pmaps *m;
	size_t n = 0, from = 0;
	char err[256] = "";

	m = pmaps__parse((const char *)data, size, 64, "fuzz/maps", err, sizeof(err));
	if (!m) {
		if (!err[0])
			__builtin_trap();
		return 0;
	}
	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i].path[strlen(m->v[i].path)] != 0)
			__builtin_trap();
		(void)pmaps_entry_is_file(&m->v[i]);
	}
	if (pmaps__modules(m, &mods, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			(void)pmaps_load_bias(mods[i].base_start, mods[i].base_offset, 0x1000, 0);
		free(mods);
	}
	while ((e = pmaps__find_otel_ctx(m, &from)) != NULL)
		(void)e->start;
	pmaps__free(m);
	return 0;
}
