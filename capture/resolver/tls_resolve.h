/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tls_resolve.h - turn the static facts of elf_tls.h and the live state of a process into the
 * per-process rule the BPF program applies to a thread pointer (TP, x86_64 fs_base) to find
 * that thread's otel_thread_ctx_v1:
 *
 *   STATIC: &var = TP + tp_offset
 *   DTV:    dtv = *(TP + dtv.tp_offset); if the slot count (at dtv + dtv.count_offset) is
 *           below module_id, or the block is unallocated (0, or -1 on glibc), there is no
 *           context; otherwise &var = *(dtv + dtv.entry_size * module_id) + offset_in_block
 *
 * The rules and their order are those of docs/TLS_RESOLUTION.md section 4: the defining
 * module's own TLS relocation (TLSDESC with the sign test, general dynamic, initial-exec), then
 * glibc's link_map (l_tls_offset / l_tls_modid at the offsets published by the target's
 * libthread_db descriptors), then another module's relocation on the name, then local-exec for
 * the executable. Functions return 0 or a negative errno and explain failures in a buffer.
 */
#ifndef SPANCAP_TLS_RESOLVE_H
#define SPANCAP_TLS_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "elf_tls.h"
#include "proc_maps.h"
#include "target_memory.h"

/* A dynamic TLS module id above this is not believed (a lazy TLSDESC points at an Elf64_Rela
 * whose r_offset would read as a module id). */
#define TLSRES_MODID_MAX 16384
/* A static TLS offset must be in [-TLSRES_STATIC_SPAN, -8]: x86_64 static TLS sits below TP. */
#define TLSRES_STATIC_SPAN (1ll << 32)
#define TLSRES_MAX_CANDIDATES 8
#define TLSRES_REASON_MAX 512
#define TLSRES_PATH_MAX 512

struct elfcache;

enum tlsres_kind {
	TLSRES_KIND_NONE = 0,
	TLSRES_KIND_STATIC = 1,
	TLSRES_KIND_DTV = 2,
};

enum tlsres_libc {
	TLSRES_LIBC_UNKNOWN = 0, /* static binary: no libc module mapped */
	TLSRES_LIBC_GLIBC,
	TLSRES_LIBC_MUSL,
};

/* How a resolution was obtained (diagnostics and tests). */
/* The routes, each with the name tlsres_route_name() gives it: the one list of both. */
#define TLSRES_ROUTES(X)                                                                         \
	X(NONE, "none")                                                                          \
	X(TLSDESC_STATIC, "TLSDESC (static)")                                                    \
	X(TLSDESC_DYNAMIC, "TLSDESC (dynamic)")                                                  \
	X(GD, "general-dynamic")                                                                 \
	X(IE, "initial-exec")                                                                    \
	X(LINK_MAP_STATIC, "link_map (static)")                                                  \
	X(LINK_MAP_DTV, "link_map (dynamic)")                                                    \
	/* REF_*: another module's relocation on the name */                                     \
	X(REF_TLSDESC_STATIC, "reference TLSDESC (static)")                                      \
	X(REF_TLSDESC_DYNAMIC, "reference TLSDESC (dynamic)")                                    \
	X(REF_GD, "reference general-dynamic")                                                   \
	X(REF_IE, "reference initial-exec")                                                      \
	X(LE, "local-exec")

enum tlsres_route {
#define TLSRES_ROUTE_ENUM(id, name) TLSRES_ROUTE_##id,
	TLSRES_ROUTES(TLSRES_ROUTE_ENUM)
#undef TLSRES_ROUTE_ENUM
};

struct tlsres_dtv_layout {
	int32_t tp_offset;	 /* the DTV pointer is at TP + tp_offset (8 on x86_64) */
	uint32_t entry_size;	 /* 16 (glibc dtv_t) or 8 (musl) */
	int32_t count_offset;	 /* slot count at dtv + count_offset: -16 (glibc), 0 (musl) */
	bool minus1_unallocated; /* glibc: a block pointer of -1 means not allocated yet */
};

struct tlsres_resolution {
	enum tlsres_kind kind;
	enum tlsres_route route;
	int64_t tp_offset;	  /* STATIC */
	uint64_t module_id;	  /* DTV */
	uint64_t offset_in_block; /* DTV */
	struct tlsres_dtv_layout dtv;
};

/* One module of the process, as the resolver sees it. */
struct tlsres_module {
	const char *path;
	uint64_t bias;
	const struct elftls_info *info;
};

/* The process state the resolver needs; tests build it around a synthetic tmem. */
struct tlsres_process {
	struct tmem *mem;
	enum tlsres_libc libc;
	const struct tlsres_module *mods; /* every module whose ELF was read */
	size_t n_mods;
	ssize_t exe;		       /* index of the executable in mods, or -1 */
	const struct elftls_info *tdb; /* the module with libthread_db descriptors, or NULL */
	bool no_link_map;	       /* skip the link_map route */
};

/*
 * Resolves mods[idx], which must define the symbol. Returns 0 and fills *res, or a negative
 * errno (-ENOENT: no route applies; -EBADMSG: the target's memory holds an implausible value;
 * -EFAULT: a read failed) with the reasons of every route tried in reason.
 */
int tlsres_resolve_module(const struct tlsres_process *proc, size_t idx,
			  struct tlsres_resolution *res, char *reason, size_t reasonlen);

/* The DTV layout of a libc (glibc's for TLSRES_LIBC_UNKNOWN). */
struct tlsres_dtv_layout tlsres_dtv_layout_for(enum tlsres_libc libc);
/* "ld-musl", "libc.musl" or a "-linux-musl/" directory in a module path means musl; libc.so.6,
 * libc-2.* or ld-linux means glibc. */
enum tlsres_libc tlsres_libc_from_path(const char *path);

/*
 * Computes &otel_thread_ctx_v1 for the thread whose thread pointer is tp, reading the target
 * exactly as the BPF program will. Returns 0, -ENOENT when this thread has no block for the
 * module (DTV slot beyond the count, 0 or -1), -EFAULT when a read fails.
 */
int tlsres_var_addr(const struct tlsres_resolution *res, struct tmem *mem, uint64_t tp,
		    uint64_t *addr, char *err, size_t errlen);
/* Same, then reads the variable: *record is the thread's record pointer (0 = no context). */
int tlsres_record_ptr(const struct tlsres_resolution *res, struct tmem *mem, uint64_t tp,
		      uint64_t *record, char *err, size_t errlen);

struct tlsres_candidate {
	char path[TLSRES_PATH_MAX];
	uint64_t bias;
	bool is_exe;
	int status; /* 0: res is valid; otherwise -errno and reason */
	char reason[TLSRES_REASON_MAX];
	struct tlsres_resolution res;
};

struct tlsres_report {
	enum tlsres_libc libc;
	size_t n_modules;    /* modules listed in the maps */
	size_t n_unreadable; /* of which the ELF could not be read */
	char first_unreadable[TLSRES_REASON_MAX];
	size_t n;	   /* candidates: modules defining otel_thread_ctx_v1 */
	size_t n_defining; /* may exceed n when more than TLSRES_MAX_CANDIDATES define it */
	struct tlsres_candidate cand[TLSRES_MAX_CANDIDATES];
	int chosen;	/* index into cand, -1 if none resolved */
	bool ambiguous; /* more than one module defines the symbol */
	bool exe_defines_none; /* the executable was read and does not define the symbol */
};

/*
 * Resolves every module of pid that defines otel_thread_ctx_v1 (opts may be NULL). The executable's
 * definition is preferred (it interposes on libraries), otherwise the first resolved one in address
 * order; tlsres_report_prefer_valid() refines the choice with live threads. Returns 0 when a
 * candidate resolved; -ENOENT when no module defines the symbol or none resolved (reasons in err);
 * -ESRCH, -EACCES... when the process cannot be inspected.
 */
struct tlsres_opts {
	bool no_link_map;	  /* skip the glibc link_map route (private layouts not trusted) */
	struct tmem *mem;	  /* read the target through this reader instead of opening one */
	const struct pmaps *maps; /* pid's /proc/PID/maps, read by the caller (NULL: read here) */
	struct elfcache *cache;	  /* ELF facts kept across calls (elf_cache.h); NULL: none */
};
int tlsres_resolve_pid(pid_t pid, const struct tlsres_opts *opts, struct tlsres_report *rep,
		       char *err, size_t errlen);

/*
 * Among resolved candidates, prefers the first whose record, read through one of the thread
 * pointers tps[], is valid (valid byte == 1). Returns the chosen index or -1 (unchanged).
 */
int tlsres_report_prefer_valid(struct tlsres_report *rep, struct tmem *mem, const uint64_t *tps,
			       size_t n_tps);

const char *tlsres_route_name(enum tlsres_route r);
const char *tlsres_kind_name(enum tlsres_kind k);

#endif /* SPANCAP_TLS_RESOLVE_H */
