/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals shared by the writer library's files; not installed, not part of the API. */
#ifndef OTEL_CTX_INTERNAL_H
#define OTEL_CTX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otel_ctx_proto.h"
#include "otel_ctx_writer.h"

#define OTEL_CTX_HIDDEN __attribute__((visibility("hidden")))

/*
 * OTEP 4719 header, at the start of the OTEL_CTX mapping:
 *
 *   0          8         12             16                       24            32
 *   +----------+---------+--------------+------------------------+-------------+
 *   | "OTEL_CTX"| version | payload_size | monotonic_published_at | payload ptr |
 *   +----------+---------+--------------+------------------------+-------------+
 */
struct otel_ctx_header {
	char signature[8];
	uint32_t version;
	uint32_t payload_size;
	uint64_t published_at_ns;
	uint64_t payload;
};

_Static_assert(sizeof(struct otel_ctx_header) == 32, "OTEP 4719 header size");
_Static_assert(__builtin_offsetof(struct otel_ctx_header, version) == 8, "version offset");
_Static_assert(__builtin_offsetof(struct otel_ctx_header, payload_size) == 12, "size offset");
_Static_assert(__builtin_offsetof(struct otel_ctx_header, published_at_ns) == 16, "ts offset");
_Static_assert(__builtin_offsetof(struct otel_ctx_header, payload) == 24, "payload offset");

#define OTEL_CTX_SIGNATURE "OTEL_CTX"
#define OTEL_CTX_VERSION 2
#define OTEL_CTX_KEY_SCHEMA "threadlocal.schema_version"
#define OTEL_CTX_KEY_KEYMAP "threadlocal.attribute_key_map"

/* One published mapping. */
struct otel_ctx_mapping {
	struct otel_ctx_header *hdr; /* NULL when not mapped */
	size_t size;
	bool memfd;
	bool named;
	uint64_t last_ts;
	unsigned int publications;
};

/*
 * Publication protocol (first publication): creates, protects, fills and names the mapping
 * (no_prctl: a memfd mapping is left unnamed, as some writers do; the anonymous fallback is
 * always named). payload must stay valid until replaced. Returns 0 or -errno; *step names the
 * failed step.
 */
OTEL_CTX_HIDDEN int otel_ctx_mapping_publish(struct otel_ctx_mapping *m, const void *payload,
					     uint32_t size, bool no_prctl, const char **step);

/* Update protocol: switches the published payload (no_prctl as above). Cannot fail. */
OTEL_CTX_HIDDEN void otel_ctx_mapping_update(struct otel_ctx_mapping *m, const void *payload,
					     uint32_t size, bool no_prctl);

/* Unmaps; m is reset. Accepts an unmapped m. */
OTEL_CTX_HIDDEN void otel_ctx_mapping_unmap(struct otel_ctx_mapping *m);

/* Forgets the mapping without unmapping (the child of a fork, where it does not exist). */
OTEL_CTX_HIDDEN void otel_ctx_mapping_forget(struct otel_ctx_mapping *m);

/*
 * Encodes ProcessContext { resource = 1 { attributes = 1 ... }, attributes = 2 [extra...,
 * schema version, key map] } into pb; keys NULL leaves the key map out. Returns
 * otel_pb_error(pb).
 */
OTEL_CTX_HIDDEN int otel_ctx_payload_encode(struct otel_pb *pb, const struct otel_ctx_kv *res,
					    size_t n_res, const struct otel_ctx_kv *extra,
					    size_t n_extra, char *const *keys, size_t n_keys);

/* Key map internals used by the record code: index of name, or -errno. */
OTEL_CTX_HIDDEN int otel_ctx_key_resolve(const char *name);

#endif /* OTEL_CTX_INTERNAL_H */
