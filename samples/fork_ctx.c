// SPDX-License-Identifier: BSD-2-Clause
/*
 * spancap-fork-ctx: fork children inside a span whose context the children can only reach
 * through their parent's TLS slot, not through the DTV.
 *
 *   spancap-fork-ctx WRITER_LIB N
 *
 * Loads the writer with dlopen (run it with GLIBC_TUNABLES=glibc.rtld.optional_static_tls=0
 * and a general-dynamic writer: a DTV route), publishes the process context, then, on a
 * thread, attaches one record and marks the pages of its DTV MADV_DONTFORK: in a child, the
 * DTV walk (TCB -> DTV count -> DTV entry) faults, the slot and the record do not. The thread
 * forks N children (raw clone: no atfork handlers, no heap); each calls getppid() and exits.
 * Prints one JSON line: {"pid":P,"trace_id":"..","span_id":"..","children":[C,...]}.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "demo_writer_api.h"

#define MAX_CHILDREN 1000

static struct demo_writer w;
static struct otel_ctx_record rec;
static long children[MAX_CHILDREN];
static int n_children, want;
static const uint8_t trace_id[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
				     0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
static const uint8_t span_id[8] = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};

static void *forker(void *arg)
{
	uintptr_t dtv, lo, hi, page = (uintptr_t)sysconf(_SC_PAGESIZE);
	int status, i;
	long pid;

	(void)arg;
	if (w.record_build(&rec, trace_id, span_id, 1, NULL, 0) || w.attach(&rec))
		return "attaching the record";
	/* glibc x86_64: the DTV pointer at TP + 8, its length in dtv[-1], 16-byte entries. */
	__asm__ volatile("mov %%fs:8, %0" : "=r"(dtv));
	lo = (dtv - 16) & ~(page - 1);
	hi = (dtv + 16 * (((uint64_t *)dtv)[-2] + 1) + page - 1) & ~(page - 1);
	if (madvise((void *)lo, hi - lo, MADV_DONTFORK))
		return "madvise(MADV_DONTFORK) on the DTV";
	syscall(SYS_getppid); /* binds what the children call */
	for (i = 0; i < want; i++) {
		pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (pid == 0) {
			syscall(SYS_getppid);
			syscall(SYS_exit_group, 0);
		}
		if (pid < 0)
			return "clone";
		children[n_children++] = pid;
		if (waitpid((pid_t)pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			return "a child failed";
	}
	w.detach();
	return NULL;
}

int main(int argc, char **argv)
{
	struct otel_ctx_kv res[] = {
		{.key = "service.name", .type = OTEL_CTX_VALUE_STRING, .v.str = "fork-ctx"},
	};
	struct timespec pause = {.tv_nsec = 200 * 1000 * 1000};
	char err[256];
	pthread_t t;
	void *failed;
	int i;

	if (argc != 3 || (want = atoi(argv[2])) < 1 || want > MAX_CHILDREN) {
		fprintf(stderr, "usage: spancap-fork-ctx WRITER_LIB N (1..%d)\n", MAX_CHILDREN);
		return 2;
	}
	if (demo_writer_open(&w, argv[1], err, sizeof(err))) {
		fprintf(stderr, "spancap-fork-ctx: %s\n", err);
		return 1;
	}
	if (w.process_publish(res, 1)) {
		fprintf(stderr, "spancap-fork-ctx: publishing the process context failed\n");
		return 1;
	}
	nanosleep(&pause, NULL); /* the capture resolves the publication */
	if (pthread_create(&t, NULL, forker, NULL) || pthread_join(t, &failed))
		return 1;
	if (failed) {
		fprintf(stderr, "spancap-fork-ctx: %s\n", (const char *)failed);
		return 1;
	}
	printf("{\"pid\":%d,\"trace_id\":\"", (int)getpid());
	for (i = 0; i < 16; i++)
		printf("%02x", trace_id[i]);
	printf("\",\"span_id\":\"");
	for (i = 0; i < 8; i++)
		printf("%02x", span_id[i]);
	printf("\",\"children\":[");
	for (i = 0; i < n_children; i++)
		printf("%s%ld", i ? "," : "", children[i]);
	printf("]}\n");
	return 0;
}
