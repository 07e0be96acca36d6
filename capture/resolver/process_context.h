/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * process_context.h - OTEP 4719 process context reader: locate the OTEL_CTX mapping, read the
 * 32-byte header and the payload with the seqlock protocol, decode the protobuf ProcessContext.
 *
 * The decoder works on a memory buffer (fuzzable): every length is checked against its
 * enclosing message, nesting is bounded, groups are rejected. Errors (message names the byte
 * offset inside the payload):
 *   -ENODATA          the payload ends inside a field (truncated)
 *   -EBADMSG          bytes that protobuf or the schema do not allow (wire types, lengths)
 *   -ELOOP            nesting deeper than PCTX_MAX_DEPTH
 *   -EPROTONOSUPPORT  a header version other than 1 or 2
 *   -ENOENT           no OTEL_CTX mapping
 *   -EAGAIN           the writer kept updating through every retry
 *   -E2BIG            payload_size above the cap
 */
#ifndef SPANCAP_PROCESS_CONTEXT_H
#define SPANCAP_PROCESS_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc_maps.h"
#include "target_memory.h"

#define PCTX_SIGNATURE "OTEL_CTX"
#define PCTX_HEADER_SIZE 32
#define PCTX_MAX_PAYLOAD (64u * 1024)
#define PCTX_MAX_DEPTH 16
#define PCTX_MAX_KEYS 256 /* attribute_key_map: key indexes are uint8 */

#define PCTX_KEY_SCHEMA_VERSION "threadlocal.schema_version"
#define PCTX_KEY_ATTRIBUTE_KEY_MAP "threadlocal.attribute_key_map"

enum pctx_type {
	PCTX_EMPTY = 0, /* AnyValue with no field set */
	PCTX_STRING,
	PCTX_BOOL,
	PCTX_INT,
	PCTX_DOUBLE,
	PCTX_ARRAY,
	PCTX_KVLIST,
	PCTX_BYTES,
};

struct pctx_kv;

struct pctx_value {
	enum pctx_type type;
	union {
		struct {
			const char *ptr; /* NUL-terminated copy; len excludes the NUL */
			size_t len;
		} str; /* PCTX_STRING and PCTX_BYTES */
		bool b;
		int64_t i;
		double d;
		struct {
			struct pctx_value *v;
			size_t n;
		} array;
		struct {
			struct pctx_kv *v;
			size_t n;
		} kvlist;
	} u;
};

struct pctx_kv {
	const char *key; /* NUL-terminated copy ("" when absent) */
	size_t key_len;
	struct pctx_value value;
};

struct pctx_arena;

struct pctx {
	struct pctx_kv *resource; /* Resource.attributes */
	size_t n_resource;
	struct pctx_kv *attrs; /* ProcessContext.attributes */
	size_t n_attrs;
	/* From attrs: NULL when absent or not a string. */
	const char *schema_version;
	/* From attrs: key_map[i] is the name of key index i; NULL for a non-string element. */
	const char **key_map;
	size_t n_keys;
	bool key_map_truncated; /* more than PCTX_MAX_KEYS elements: the rest were dropped */
	/* Header facts (pctx__read only). */
	uint32_t version;
	uint64_t published_at_ns;
	uint64_t header_addr;
	uint32_t payload_size;
	struct pctx_arena *arena;
};

/* Decodes a ProcessContext payload. Returns NULL with errno set (see above) and a message. */
struct pctx *pctx__decode(const void *buf, size_t len, char *err, size_t errlen);
void pctx__free(struct pctx *p);

struct pctx_read_opts {
	unsigned max_attempts; /* 0: 20 */
	unsigned retry_us;     /* pause between attempts; 0: 200 us */
	uint32_t max_payload;  /* 0: PCTX_MAX_PAYLOAD */
};

/* Reads the context whose header is at addr in mem. opts may be NULL. */
struct pctx *pctx__read_at(struct tmem *mem, uint64_t addr, const struct pctx_read_opts *opts,
			   char *err, size_t errlen);
/*
 * Finds the OTEL_CTX mapping of pid (maps may be NULL: read here) and reads it. A mapping whose
 * signature or version does not match is skipped; the last such reason is reported when no
 * mapping is usable.
 */
struct pctx *pctx__read_pid(pid_t pid, const struct pmaps *maps, struct tmem *mem,
			    const struct pctx_read_opts *opts, char *err, size_t errlen);

/* The attribute named key in a list (last occurrence wins), or NULL. */
const struct pctx_kv *pctx_find(const struct pctx_kv *kv, size_t n, const char *key);

#endif /* SPANCAP_PROCESS_CONTEXT_H */
