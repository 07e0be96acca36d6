// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_elf_tls.c - libFuzzer target: the ELF TLS reader (elf_tls.c) over a file image in
 * memory, the way spancap reads every module a traced process maps. Seeds are the sample
 * binaries and libraries the build produces.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "elf_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elftls_info info;
	char err[256] = "";
	int rc;

	rc = elftls_from_memory(data, size, "fuzz.so", &info, err, sizeof(err));
	if (rc > 0 || (rc < 0 && !err[0]))
		__builtin_trap(); /* 0 or a negative errno with a message */
	if (rc == 0) {
		if (memchr(info.rejected, 0, sizeof(info.rejected)) == NULL)
			__builtin_trap();
		(void)elftls_model_name(info.def.model);
		(void)elftls_table_name(info.ref.table);
	}
	return 0;
}
