/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TEST-ONLY decoder of the OTEP 4719 header and ProcessContext payload, used by
 * spancap-proc-ctx-dump and the writer's unit tests. Small and bounds-checked; it is not the
 * capture side's production decoder.
 *
 * Decoded strings point into the caller's buffer (not NUL-terminated): keep it alive.
 */
#ifndef PROC_CTX_DECODE_H
#define PROC_CTX_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROC_CTX_HEADER_SIZE 32
#define PROC_CTX_PAYLOAD_MAX 65536
#define PROC_CTX_MAX_KV 64
#define PROC_CTX_MAX_KEYS 256

struct proc_ctx_header {
	uint32_t version;
	uint32_t payload_size;
	uint64_t published_at_ns;
	uint64_t payload;
};

struct proc_ctx_bytes {
	const uint8_t *p;
	size_t len;
};

/* AnyValue case numbers are the protobuf field numbers: string 1 .. bytes 7. */
struct proc_ctx_value {
	unsigned int type;
	struct proc_ctx_bytes bytes; /* string, bytes, or the raw body of array/kvlist */
	bool boolean;
	int64_t integer;
	double dbl;
};

struct proc_ctx_kv {
	struct proc_ctx_bytes key;
	struct proc_ctx_value value;
};

struct proc_ctx_decoded {
	struct proc_ctx_kv resource[PROC_CTX_MAX_KV];
	size_t n_resource;
	struct proc_ctx_kv attrs[PROC_CTX_MAX_KV]; /* ProcessContext.attributes */
	size_t n_attrs;
	bool has_schema;
	struct proc_ctx_bytes schema; /* threadlocal.schema_version */
	bool has_key_map;
	struct proc_ctx_bytes keys[PROC_CTX_MAX_KEYS]; /* threadlocal.attribute_key_map */
	size_t n_keys;
};

/*
 * Parses the 32-byte header. Returns 0; -EBADMSG for a wrong signature; -EPROTONOSUPPORT
 * for a version other than 1 or 2. (published_at_ns == 0 is returned as is: being updated.)
 */
int proc_ctx_header_parse(const uint8_t *buf, size_t len, struct proc_ctx_header *h);

/*
 * Decodes a ProcessContext. Returns 0; -ENODATA when the bytes end inside a field
 * (truncated); -EBADMSG for malformed protobuf (bad wire type, varint too long, a length
 * beyond its enclosing message, a key map entry that is not a string); -E2BIG when a limit
 * above is exceeded. err (may be NULL) gets a message naming the byte offset.
 */
int proc_ctx_decode(const uint8_t *buf, size_t len, struct proc_ctx_decoded *out, char *err,
		    size_t err_len);

#endif /* PROC_CTX_DECODE_H */
