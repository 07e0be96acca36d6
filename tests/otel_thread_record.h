/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * otel_thread_record.h - the OTEP 4947 thread-context record as the small test programs
 * (capture_target, churn_target, exec_thread) publish it, without the samples' writer library:
 * each defines its own exported, local-exec `otel_thread_ctx_v1` pointing at one of these.
 */
#ifndef OTEL_THREAD_RECORD_H
#define OTEL_THREAD_RECORD_H

#include <stdint.h>

struct otel_record {
	uint8_t trace_id[16];
	uint8_t span_id[8];
	uint8_t valid;
	uint8_t trace_flags;
	uint16_t attrs_data_size;
	uint8_t attrs_data[612];
} __attribute__((packed, aligned(2)));
_Static_assert(sizeof(struct otel_record) == 640, "OTEP 4947 record");

#endif /* OTEL_THREAD_RECORD_H */
