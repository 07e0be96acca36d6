// SPDX-License-Identifier: BSD-2-Clause
/*
 * resolver_probe.c - test tool: resolves a live process with capture/'s TLS resolver and prints
 * where otel_thread_ctx_v1 is for each thread, given that thread's fs_base:
 *
 *   resolver_probe PID [TID=FS_BASE ...]
 *   -> "resolved route=ROUTE kind=KIND module=PATH"
 *      "tid=TID var=0xADDR"          (or "tid=TID error=...")
 *
 * The samples suite compares var with the address each thread reported from inside the
 * process, so the resolver is checked against ground truth that owes nothing to ELF parsing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_resolve.h"

int main(int argc, char **argv)
{
	struct tlsres_report rep;
	char err[1024];
	struct tmem *mem;
	pid_t pid;
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: resolver_probe PID [TID=FS_BASE ...]\n");
		return 2;
	}
	pid = (pid_t)atoi(argv[1]);
	ret = tlsres_resolve_pid(pid, NULL, &rep, err, sizeof(err));
	if (ret) {
		printf("unresolved error=%s\n", err);
		return 1;
	}
	const struct tlsres_candidate *c = &rep.cand[rep.chosen];

	printf("resolved route=%s kind=%s module=%s\n", tlsres_route_name(c->res.route),
	       tlsres_kind_name(c->res.kind), c->path);
	mem = tmem__open(pid, err, sizeof(err));
	if (!mem) {
		printf("error=%s\n", err);
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		unsigned long tid;
		uint64_t tp, addr;
		char *eq = strchr(argv[i], '=');

		if (!eq) {
			fprintf(stderr, "resolver_probe: %s: expected TID=FS_BASE\n", argv[i]);
			return 2;
		}
		tid = strtoul(argv[i], NULL, 10);
		tp = strtoull(eq + 1, NULL, 0);
		if (tlsres_var_addr(&c->res, mem, tp, &addr, err, sizeof(err)))
			printf("tid=%lu error=%s\n", tid, err);
		else
			printf("tid=%lu var=0x%" PRIx64 "\n", tid, addr);
	}
	tmem__free(mem);
	return 0;
}
