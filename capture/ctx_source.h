/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctx_source.h - the narrow interface between the capture core and the resolver library
 * (proc_maps, elf_tls, tls_resolve, process_context): given a pid, how the BPF program finds a
 * thread's otel_thread_ctx_v1 (a struct sc_proc_cfg) and what the process publishes in its
 * OTEP 4719 process context, already encoded for formats/ items.
 */
#ifndef SPANCAP_CTX_SOURCE_H
#define SPANCAP_CTX_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "spancap_abi.h"

#define CTXSRC_REASON_MAX 512
#define CTXSRC_ATTRS_MAX 8192

struct ctxsrc_result {
	uint8_t status;	   /* enum scf_ctx_status */
	uint8_t tls_model; /* enum scf_tls_model */
	struct sc_proc_cfg cfg;	/* kind SC_TLS_NONE unless status is SCF_CTX_RESOLVED */
	char tls_module[512];
	char reason[CTXSRC_REASON_MAX];
	bool has_pctx; /* an OTEP 4719 process context was read */
	bool pctx_unreadable; /* an OTEL_CTX mapping exists, its context could not be read (yet) */
	bool exe_defines_none; /* its executable was read and defines no otel_thread_ctx_v1 */
	bool exe_static_rule;  /* resolved in the executable's own static TLS block (cfg) */
	uint64_t pctx_addr;   /* the OTEL_CTX header it was read from, when has_pctx */
	uint32_t ctx_version;
	uint64_t ctx_published_ns;
	char schema_version[64];
	/* formats/ attribute lists (scf_attrs_append encoding) */
	uint8_t resource[CTXSRC_ATTRS_MAX];
	size_t resource_len;
	uint8_t extra[CTXSRC_ATTRS_MAX];
	size_t extra_len;
	/* key map as a string list ready for scf_rb_item_strlist */
	const char **keys;
	size_t n_keys;
	void *priv; /* owns keys */
};

/*
 * Resolves pid. Always fills *out (status says what was found; reason explains a failure) and
 * returns 0, or -ESRCH when the process is gone.
 */
int ctxsrc_resolve(pid_t pid, struct ctxsrc_result *out);
/* Frees what ctxsrc_resolve allocated (keys). NULL is fine. */
void ctxsrc_result_release(struct ctxsrc_result *r);

/* What ctxsrc_probe() sees of a process's OTEP 4719 publication, without decoding it. */
struct ctxsrc_probe {
	bool mapped;	       /* /proc/PID/maps lists an OTEL_CTX mapping */
	uint64_t addr;	       /* its start (the header) */
	uint64_t published_ns; /* the header's monotonic_published_at_ns; 0 when unreadable */
};

/*
 * The cheap look of the periodic re-check: one read of /proc/PID/maps and, when an OTEL_CTX
 * mapping is listed, of its 8-byte timestamp. Returns 0, or -ESRCH when the process is gone
 * (other failures leave *out zeroed and return 0).
 */
int ctxsrc_probe(pid_t pid, struct ctxsrc_probe *out);

#endif /* SPANCAP_CTX_SOURCE_H */
