/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * otel_ctx_writer: publishes OpenTelemetry context for out-of-process readers.
 *
 *  - OTEP 4719 process context: a mapping named OTEL_CTX holding a 32-byte header and a
 *    pointer to a protobuf ProcessContext payload (resource attributes, plus the
 *    threadlocal.schema_version and threadlocal.attribute_key_map attributes of OTEP 4947).
 *  - OTEP 4947 thread context: the exported TLS pointer otel_thread_ctx_v1 and the 640-byte
 *    thread-local context records it points to.
 *
 * Every function returns 0 (or a documented non-negative value) on success and a negative
 * errno on failure. The library never prints; otel_ctx_process_error() copies out the message
 * of the last failed process-context call.
 *
 * Thread rules: a record is written only by the thread it is attached to (OTEP 4947 assumes
 * signal-handler-like reads of a stopped thread, so only compiler fences are used on that
 * path). Process-context and key-map calls may come from any thread; they are serialized
 * internally with a mutex.
 */
#ifndef OTEL_CTX_WRITER_H
#define OTEL_CTX_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OTEL_CTX_API __attribute__((visibility("default")))

/* OTEP 4947 thread-local context record. */
#define OTEL_CTX_RECORD_MAX 640	  /* recommended cap on the whole record */
#define OTEL_CTX_RECORD_HEADER 28 /* trace_id .. attrs_data_size */
#define OTEL_CTX_ATTRS_MAX (OTEL_CTX_RECORD_MAX - OTEL_CTX_RECORD_HEADER) /* 612 */
#define OTEL_CTX_VALUE_MAX 255	  /* an entry's length is a uint8 */
#define OTEL_CTX_KEYS_MAX 256	  /* a key index is a uint8 */
#define OTEL_CTX_KEY_NAME_MAX 255 /* our own cap on one key name, in bytes */
#define OTEL_CTX_SCHEMA_VERSION "tlsdesc_v1_dev"

/*
 *   0               16         24    25     26      28              640
 *   +---------------+----------+-----+------+-------+---------------+
 *   | trace_id[16]  | span_id  |valid|flags | attrs | attrs_data    |
 *   | W3C bytes     | [8]      | u8  | u8   | u16   | {key,len,val}*|
 *   +---------------+----------+-----+------+-------+---------------+
 *
 * Host byte order for attrs_data_size; the ids are W3C (big-endian) byte strings.
 */
struct otel_ctx_record {
	uint8_t trace_id[16];
	uint8_t span_id[8];
	uint8_t valid;
	uint8_t trace_flags;
	uint16_t attrs_data_size;
	uint8_t attrs_data[OTEL_CTX_ATTRS_MAX];
};

_Static_assert(sizeof(struct otel_ctx_record) == OTEL_CTX_RECORD_MAX, "record size");
_Static_assert(__builtin_offsetof(struct otel_ctx_record, span_id) == 16, "span_id offset");
_Static_assert(__builtin_offsetof(struct otel_ctx_record, valid) == 24, "valid offset");
_Static_assert(__builtin_offsetof(struct otel_ctx_record, trace_flags) == 25, "flags offset");
_Static_assert(__builtin_offsetof(struct otel_ctx_record, attrs_data_size) == 26, "size offset");
_Static_assert(__builtin_offsetof(struct otel_ctx_record, attrs_data) == 28, "attrs offset");
_Static_assert(_Alignof(struct otel_ctx_record) >= 2, "records are 2-byte aligned");

/*
 * The OTEP 4947 TLS variable: NULL, or the calling thread's attached record. Exported in
 * .dynsym (defined, STT_TLS, size 8). Declared here for readers of this header and for
 * robustness tests; applications change it only through otel_ctx_attach/detach/update.
 */
extern OTEL_CTX_API __thread struct otel_ctx_record *otel_thread_ctx_v1;

/* A thread-record attribute: key name (resolved through the key map) and a UTF-8 value. */
struct otel_ctx_attr {
	const char *key;
	const char *value;
};

/* A resource attribute (ProcessContext.resource); the AnyValue types this writer emits. */
enum otel_ctx_value_type {
	OTEL_CTX_VALUE_STRING = 1,
	OTEL_CTX_VALUE_BOOL = 2,
	OTEL_CTX_VALUE_INT = 3,
	OTEL_CTX_VALUE_DOUBLE = 4,
};

struct otel_ctx_kv {
	const char *key;
	enum otel_ctx_value_type type;
	union {
		const char *str;
		bool boolean;
		int64_t integer;
		double dbl;
	} v;
};

/* What otel_ctx_process_info() reports about the current publication. */
struct otel_ctx_process_info {
	const void *mapping; /* start of the OTEL_CTX mapping (the header) */
	size_t mapping_size;
	const void *payload; /* current protobuf payload */
	uint32_t payload_size;
	uint64_t published_at_ns;  /* CLOCK_BOOTTIME ns of the last (re)publication */
	unsigned int publications; /* 1 after the first publication, +1 per update */
	bool memfd;		   /* backed by memfd_create (else anonymous fallback) */
	bool named;		   /* the last prctl(PR_SET_VMA_ANON_NAME) succeeded */
};

/* ---- Process context (OTEP 4719) ---------------------------------------------------- */

/*
 * Publishes (first call) or updates (later calls, update protocol) the process context with
 * the given resource attributes, plus threadlocal.schema_version and the current key map.
 * The attributes are copied. Keys must be non-empty and unique.
 * Returns 0; -EINVAL on a bad argument or duplicate key; -ENOMEM; -errno of mmap/madvise;
 * -errno of prctl when neither memfd_create nor naming the mapping worked (the spec's
 * "no context" case).
 */
OTEL_CTX_API int otel_ctx_process_publish(const struct otel_ctx_kv *resource, size_t n);

/* Flags of otel_ctx_process_publish_ex(). */
#define OTEL_CTX_PUBLISH_NO_PRCTL 0x1	/* a memfd mapping stays unnamed: no prctl(PR_SET_VMA) */
#define OTEL_CTX_PUBLISH_NO_KEY_MAP 0x2 /* this payload leaves threadlocal.attribute_key_map out */

/*
 * As otel_ctx_process_publish(), with ProcessContext.attributes entries of its own (extra;
 * keys must not start with "threadlocal.") placed before the threadlocal.* ones, and flags
 * (OTEL_CTX_PUBLISH_*) that make the writer behave as some other writers do. The flags hold
 * until the next call; a key added later republishes with the key map. Same errors, and
 * -EINVAL for an unknown flag or a reserved extra key.
 */
OTEL_CTX_API int otel_ctx_process_publish_ex(const struct otel_ctx_kv *resource, size_t n,
					     const struct otel_ctx_kv *extra, size_t n_extra,
					     unsigned int flags);

/* Unmaps the process context. The key map is kept. Returns 0, or -ENOENT if none. */
OTEL_CTX_API int otel_ctx_process_unpublish(void);

/*
 * Unpublishes and forgets everything, the key map included. Only for tests and for a final
 * shutdown: no thread may hold a record built with the old key map afterwards.
 */
OTEL_CTX_API void otel_ctx_process_reset(void);

/* Fills *info. Returns 0, or -ENOENT when nothing is published. */
OTEL_CTX_API int otel_ctx_process_info(struct otel_ctx_process_info *info);

/* Copies the message of the last failed process-context or key-map call (or ""). */
OTEL_CTX_API void otel_ctx_process_error(char *buf, size_t len);

/* ---- Key map (threadlocal.attribute_key_map) ---------------------------------------- */

/*
 * Returns the index (0..255) of key name, appending it to the key map and republishing the
 * process context (if published) when it is new. Lock-free when the key is known.
 * Returns -EINVAL (NULL, empty or longer than OTEL_CTX_KEY_NAME_MAX), -ENOSPC (256 keys
 * already), -ENOMEM.
 */
OTEL_CTX_API int otel_ctx_key_index(const char *name);

/* Number of keys in the map (indexes 0..count-1 are valid). */
OTEL_CTX_API unsigned int otel_ctx_key_count(void);

/* Name of key index idx (stable until otel_ctx_process_reset), or NULL when out of range. */
OTEL_CTX_API const char *otel_ctx_key_name(unsigned int idx);

/* ---- Thread context records (OTEP 4947) --------------------------------------------- */

/*
 * Builds a record that is not attached: ids, flags and attributes, valid = 0. Each attribute
 * key goes through otel_ctx_key_index(). trace_id and span_id must both be zero or both be
 * non-zero; flags must be 0 when they are zero. rec must be 2-byte aligned and must not be
 * the calling thread's attached record.
 * Returns 0; -EINVAL (bad argument, NULL value, odd address, half-set ids); -EBUSY (rec is
 * attached: use otel_ctx_update); -E2BIG (a value longer than 255 bytes); -ENOSPC (the
 * attributes exceed 612 bytes); or an otel_ctx_key_index() error. On error rec is left
 * with valid = 0 and attrs_data_size = 0.
 */
OTEL_CTX_API int otel_ctx_record_build(struct otel_ctx_record *rec, const uint8_t trace_id[16],
				       const uint8_t span_id[8], uint8_t trace_flags,
				       const struct otel_ctx_attr *attrs, size_t n_attrs);

/*
 * Pointer-swap model: marks rec valid and makes it the calling thread's record. Attaching
 * the record that is already attached only re-marks it valid.
 * Returns 0, or -EINVAL (NULL, odd address, attrs_data_size beyond 612).
 */
OTEL_CTX_API int otel_ctx_attach(struct otel_ctx_record *rec);

/* Pointer-swap model: sets the TLS pointer to NULL; returns the record that was attached. */
OTEL_CTX_API struct otel_ctx_record *otel_ctx_detach(void);

/* The calling thread's attached record, or NULL. */
OTEL_CTX_API struct otel_ctx_record *otel_ctx_current(void);

/*
 * In-place model: rewrites rec with the new context (as otel_ctx_record_build) and leaves
 * it attached and valid. If rec is attached, valid is 0 while the bytes change; otherwise
 * rec is built, then attached. On error rec is not modified. Same errors as build, without
 * -EBUSY.
 */
OTEL_CTX_API int otel_ctx_update(struct otel_ctx_record *rec, const uint8_t trace_id[16],
				 const uint8_t span_id[8], uint8_t trace_flags,
				 const struct otel_ctx_attr *attrs, size_t n_attrs);

/* In-place model: detaches by setting valid = 0; the TLS pointer keeps pointing at rec. */
OTEL_CTX_API void otel_ctx_invalidate(struct otel_ctx_record *rec);

/*
 * Appends one attribute to rec (attached or not) without touching valid: the entry bytes
 * are written past attrs_data_size first, then attrs_data_size grows (OTEP 4947 "growing").
 * A later entry with the same key overrides an earlier one for readers.
 * Returns 0, -EINVAL, -E2BIG, -ENOSPC, or an otel_ctx_key_index() error.
 */
OTEL_CTX_API int otel_ctx_record_append_attr(struct otel_ctx_record *rec, const char *key,
					     const char *value);

/*
 * &otel_thread_ctx_v1 for the calling thread. For tests that locate the variable from
 * outside (thread pointer + offset) without ELF relocation logic.
 */
OTEL_CTX_API void *otel_ctx_tls_address(void);

#ifdef __cplusplus
}
#endif

#endif /* OTEL_CTX_WRITER_H */
