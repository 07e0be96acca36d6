// SPDX-License-Identifier: BSD-2-Clause
/*
 * OTEP 4947 thread context: the exported TLS pointer and the records it points to.
 *
 * Readers look at a thread only while it is stopped (signal-handler-like semantics), so the
 * only hazard is the compiler reordering the record's bytes with the writes of `valid` or of
 * the pointer: those two go through volatile lvalues, fenced with atomic_signal_fence.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "otel_ctx_internal.h"

__thread struct otel_ctx_record *otel_thread_ctx_v1;

#define compiler_fence() atomic_signal_fence(memory_order_seq_cst)

static void set_pointer(struct otel_ctx_record *rec)
{
	compiler_fence();
	*(struct otel_ctx_record *volatile *)&otel_thread_ctx_v1 = rec;
	compiler_fence();
}

static void set_valid(struct otel_ctx_record *rec, uint8_t valid)
{
	compiler_fence();
	((volatile struct otel_ctx_record *)rec)->valid = valid;
	compiler_fence();
}

static bool all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i])
			return false;
	}
	return true;
}

/*
 * Encodes one {key, len, value} entry at attrs[*size]; returns 0 or -errno without writing
 * anything on error.
 */
static int encode_attr(uint8_t *attrs, uint16_t *size, const char *key, const char *value)
{
	size_t len;
	int idx;

	if (!key || !value)
		return -EINVAL;
	len = strnlen(value, OTEL_CTX_VALUE_MAX + 1);
	if (len > OTEL_CTX_VALUE_MAX)
		return -E2BIG;
	if (2 + len > (size_t)OTEL_CTX_ATTRS_MAX - *size)
		return -ENOSPC;
	idx = otel_ctx_key_resolve(key);
	if (idx < 0)
		return idx;
	attrs[*size] = (uint8_t)idx;
	attrs[*size + 1] = (uint8_t)len;
	memcpy(attrs + *size + 2, value, len);
	*size = (uint16_t)(*size + 2 + len);
	return 0;
}

/* Fills an unpublished record (valid stays 0). */
static int fill_record(struct otel_ctx_record *rec, const uint8_t trace_id[16],
		       const uint8_t span_id[8], uint8_t flags, const struct otel_ctx_attr *attrs,
		       size_t n_attrs)
{
	bool no_trace, no_span;
	uint16_t size = 0;
	size_t i;
	int err;

	if (!trace_id || !span_id || (n_attrs && !attrs))
		return -EINVAL;
	no_trace = all_zero(trace_id, 16);
	no_span = all_zero(span_id, 8);
	if (no_trace != no_span || (no_trace && flags))
		return -EINVAL;
	for (i = 0; i < n_attrs; i++) {
		err = encode_attr(rec->attrs_data, &size, attrs[i].key, attrs[i].value);
		if (err)
			return err;
	}
	memcpy(rec->trace_id, trace_id, 16);
	memcpy(rec->span_id, span_id, 8);
	rec->trace_flags = flags;
	rec->attrs_data_size = size;
	return 0;
}

static bool misaligned(const struct otel_ctx_record *rec)
{
	return ((uintptr_t)rec & 1) != 0;
}

int otel_ctx_record_build(struct otel_ctx_record *rec, const uint8_t trace_id[16],
			  const uint8_t span_id[8], uint8_t trace_flags,
			  const struct otel_ctx_attr *attrs, size_t n_attrs)
{
	int err;

	if (!rec || misaligned(rec))
		return -EINVAL;
	if (rec == otel_thread_ctx_v1)
		return -EBUSY;
	rec->valid = 0;
	rec->attrs_data_size = 0;
	err = fill_record(rec, trace_id, span_id, trace_flags, attrs, n_attrs);
	if (err)
		rec->attrs_data_size = 0;
	return err;
}

int otel_ctx_attach(struct otel_ctx_record *rec)
{
	if (!rec || misaligned(rec) || rec->attrs_data_size > OTEL_CTX_ATTRS_MAX)
		return -EINVAL;
	set_valid(rec, 1);
	if (otel_thread_ctx_v1 != rec)
		set_pointer(rec);
	return 0;
}

struct otel_ctx_record *otel_ctx_detach(void)
{
	struct otel_ctx_record *old = otel_thread_ctx_v1;

	set_pointer(NULL);
	return old;
}

struct otel_ctx_record *otel_ctx_current(void)
{
	return otel_thread_ctx_v1;
}

int otel_ctx_update(struct otel_ctx_record *rec, const uint8_t trace_id[16],
		    const uint8_t span_id[8], uint8_t trace_flags,
		    const struct otel_ctx_attr *attrs, size_t n_attrs)
{
	struct otel_ctx_record next;
	bool attached;
	int err;

	if (!rec || misaligned(rec))
		return -EINVAL;
	/* Build aside first so that an error leaves the live record untouched. */
	err = fill_record(&next, trace_id, span_id, trace_flags, attrs, n_attrs);
	if (err)
		return err;
	attached = otel_thread_ctx_v1 == rec;
	if (attached)
		set_valid(rec, 0);
	memcpy(rec->trace_id, next.trace_id, sizeof(next.trace_id));
	memcpy(rec->span_id, next.span_id, sizeof(next.span_id));
	rec->trace_flags = next.trace_flags;
	rec->attrs_data_size = next.attrs_data_size;
	memcpy(rec->attrs_data, next.attrs_data, next.attrs_data_size);
	set_valid(rec, 1);
	if (!attached)
		set_pointer(rec);
	return 0;
}

void otel_ctx_invalidate(struct otel_ctx_record *rec)
{
	if (rec)
		set_valid(rec, 0);
}

int otel_ctx_record_append_attr(struct otel_ctx_record *rec, const char *key, const char *value)
{
	uint16_t size;
	int err;

	if (!rec || misaligned(rec) || rec->attrs_data_size > OTEL_CTX_ATTRS_MAX)
		return -EINVAL;
	size = rec->attrs_data_size;
	/* The bytes past attrs_data_size are invisible to readers until the size grows. */
	err = encode_attr(rec->attrs_data, &size, key, value);
	if (err)
		return err;
	compiler_fence();
	((volatile struct otel_ctx_record *)rec)->attrs_data_size = size;
	compiler_fence();
	return 0;
}

void *otel_ctx_tls_address(void)
{
	return &otel_thread_ctx_v1;
}
