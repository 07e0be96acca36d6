/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * otel_thread_record.h - the OTEP 4947 thread-context record as the small test programs
 * (capture_target, churn_target, exec_thread) publish it, without the samples' writer library:
 * each defines its own exported, local-exec `otel_thread_ctx_v1` pointing at one of these.
 */
#ifndef OTEL_THREAD_RECORD_H
#define OTEL_THREAD_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct otel_record {
	uint8_t trace_id[16];
	uint8_t span_id[8];
	uint8_t valid;
	uint8_t trace_flags;
	uint16_t attrs_data_size;
	uint8_t attrs_data[612];
} __attribute__((packed, aligned(2)));
_Static_assert(sizeof(struct otel_record) == 640, "OTEP 4947 record");

/*
 * Attaches a context as a writer does: fills *r (trace, span, W3C sampled flag, valid, no
 * attributes) before pointing the thread's slot at it, the compiler kept from moving the
 * stores across (a reader of the thread at its next syscall sees the record whole).
 */
static inline void otel_record_attach(struct otel_record **slot, struct otel_record *r,
				      const uint8_t trace_id[16], const uint8_t span_id[8])
{
	memcpy(r->trace_id, trace_id, 16);
	memcpy(r->span_id, span_id, 8);
	r->trace_flags = 1;
	r->valid = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	*slot = r;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* Detaches the thread's context: the syscalls after it are outside any span. */
static inline void otel_record_detach(struct otel_record **slot)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	*slot = NULL;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

#endif /* OTEL_THREAD_RECORD_H */
