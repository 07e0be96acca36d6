// SPDX-License-Identifier: BSD-2-Clause
/*
 * exit_early - a process that asks spancap to resolve it again and exits before spancap can:
 * tests/integration/it_capture_core.sh.
 *
 *   exit_early
 *
 * 1. prints pid=PID and waits for one line on stdin (the test sends it once spancap has
 *    resolved this process: its thread context is the exported otel_thread_ctx_v1);
 * 2. calls prctl(PR_SET_VMA), as a process context publication ends (whatever it returns,
 *    spancap resolves the process again at once when it reads the call), and exits.
 * Run on one CPU at a real-time priority above spancap's, it has exited, and is a zombie until
 * spancap reaps it, when spancap reads the call.
 */
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "otel_thread_record.h"

__attribute__((visibility("default"))) __thread struct otel_record *otel_thread_ctx_v1;

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif

int main(void)
{
	char line[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("pid=%d\n", getpid());
	if (!fgets(line, sizeof(line), stdin))
		return 12;
	prctl(PR_SET_VMA, 0, 0, 0, 0); /* EINVAL: an unknown sub-option; the call is the trigger */
	return 0;
}
