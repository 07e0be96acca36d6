// SPDX-License-Identifier: BSD-2-Clause
/*
 * exe_rules.c - what an exec needs at once, by executable (docs/PROCESS_FACTS.md): the BPF map
 * exe_rules (bpf/spancap_abi.h), set from the resolution of an earlier exec of the same file,
 * and user space's copy of what a PROCESS record says of a static rule (its TLS model and
 * module), for the exec record of a process that exited before its own resolution, whose
 * syscalls the kernel read under that rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

#define SLOTS 4096 /* direct-mapped: a collision replaces the older entry */

static struct {
	uint64_t ino;
	uint32_t dev;
	uint8_t tls_model;
	char *module;
} copy[SLOTS];

static size_t slot_of(uint64_t ino, uint32_t dev)
{
	return (size_t)(((ino ^ ((uint64_t)dev << 40)) * 0x9e3779b97f4a7c15ull) >> 52) & (SLOTS - 1);
}

void exe_rules_learn(struct kernel *k, uint64_t ino, uint32_t dev,
		     const struct ctxsrc_result *res)
{
	size_t i = slot_of(ino, dev);
	struct sc_proc_cfg rule = {.kind = SC_TLS_NONE};

	if (!ino)
		return;
	if (copy[i].ino == ino && copy[i].dev == dev) {
		free(copy[i].module);
		memset(&copy[i], 0, sizeof(copy[i]));
	}
	if (res->exe_static_rule) {
		rule = res->cfg;
		rule.pctx_addr = 0;
		free(copy[i].module);
		copy[i].module = strdup(res->tls_module);
		if (copy[i].module) {
			copy[i].ino = ino;
			copy[i].dev = dev;
			copy[i].tls_model = res->tls_model;
		}
	}
	/* a context that may come from anywhere: its execs wake user space */
	kernel__exe_rule(k, ino, dev, res->exe_static_rule || res->exe_defines_none ? &rule : NULL);
}

bool exe_rules_static(struct kernel *k, uint64_t ino, uint32_t dev, struct ctxsrc_result *out)
{
	size_t i = slot_of(ino, dev);
	struct sc_proc_cfg rule;

	if (!ino || copy[i].ino != ino || copy[i].dev != dev)
		return false;
	/* the kernel's map is an LRU: the rule may have gone from it */
	if (kernel__exe_rule_lookup(k, ino, dev, &rule) || rule.kind != SC_TLS_STATIC)
		return false;
	out->status = SCF_CTX_RESOLVED;
	out->tls_model = copy[i].tls_model;
	out->cfg = rule;
	snprintf(out->tls_module, sizeof(out->tls_module), "%s", copy[i].module);
	return true;
}
