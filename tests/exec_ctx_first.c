// SPDX-License-Identifier: BSD-2-Clause
/*
 * exec_ctx_first - a program whose very first syscall runs in a span: its thread context is
 * read only if the kernel knows its layout at the exec, before spancap's user space ran
 * (tests/integration/it_capture_process_facts.sh).
 *
 *   exec_ctx_first N [SECONDS]
 *
 * Attaches a context (trace 0102..10, span 0xc1 0xc2 ... 0xc7 N) as the first thing main does,
 * calls getppid, detaches, sleeps SECONDS (default 0: long enough for a first run to be
 * resolved) and exits 0. otel_thread_ctx_v1 lives in the executable's own static
 * TLS block, whose place from the thread pointer the file alone fixes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "otel_thread_record.h"

__attribute__((visibility("default"))) __thread struct otel_record *otel_thread_ctx_v1;

static struct otel_record rec;

int main(int argc, char **argv)
{
	static const uint8_t trace[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	uint8_t span[8] = {0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0};

	span[7] = argc > 1 ? (uint8_t)atoi(argv[1]) : 0;
	otel_record_attach(&otel_thread_ctx_v1, &rec, trace, span);
	syscall(SYS_getppid);
	otel_record_detach(&otel_thread_ctx_v1);
	if (argc > 2)
		sleep((unsigned)atoi(argv[2]));
	return 0;
}
