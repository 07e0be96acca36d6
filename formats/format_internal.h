/* SPDX-License-Identifier: BSD-2-Clause */
/* format_internal.h - helpers private to formats/. */
#ifndef SPANCAP_FORMAT_INTERNAL_H
#define SPANCAP_FORMAT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "byte_order.h"
#include "error_buffer.h"
#include "record_layout.h"

/* ---- packed syscall records (syscall_pack.c) ---- */

struct scf_record;

/* What each thread's last packed record said, by slot (record_layout.h). */
struct scf_ctx_slot {
	uint32_t tid;
	uint32_t pid;
	uint8_t used;
	uint8_t abi;
	uint8_t has_ctx; /* trace_id, trace_flags and span_id hold the thread's last context */
	uint8_t trace_flags;
	uint8_t trace_id[16];
	uint8_t span_id[8];
};

struct scf_ctx_table {
	struct scf_ctx_slot slot[SCF_CTX_SLOTS];
};

void scf_ctx_table_reset(struct scf_ctx_table *t);

/* Header and longest packed body: varints of 10 (duration, ret, six args), 3 (cpu, nr) and
 * 5 (tid, pid) bytes, abi, arg_mask, 17 bytes of trace and 8 of span. */
#define SCF_PACKED_HEAD_MAX (8 + 10 + 10 + 3 + 5 + 3 + 5 + 1 + 1 + 6 * 10 + 17 + 8)

/*
 * Packs the plain SYSCALL record rec (len bytes, header checked by the caller): header and
 * packed body go to out (SCF_PACKED_HEAD_MAX bytes), *items points at the items to append.
 * Returns the length of header + body, or 0 when the record must stay plain (the table is
 * then unchanged).
 */
size_t scf_syscall_pack(struct scf_ctx_table *t, const uint8_t *rec, size_t len, uint8_t *out,
			const uint8_t **items, size_t *items_len);

/*
 * The same from the fields of the record: flags (SCF_SYSCALL_F_*) and body s, followed by
 * items_len bytes of items. Header and packed body go to out; returns their length, or 0 when
 * the record must stay plain (the table is then unchanged).
 */
size_t scf_syscall_pack_fields(struct scf_ctx_table *t, uint16_t flags, const struct scf_syscall *s,
			       size_t items_len, uint8_t *out);

/*
 * Unpacks a parsed SCF_REC_SYSCALL_PACKED record into the plain record in out (cap bytes).
 * Returns its length, or -EBADMSG with a message in err.
 */
int scf_syscall_unpack(struct scf_ctx_table *t, const struct scf_record *rec, uint8_t *out,
		       size_t cap, char *err, size_t errlen);

#endif /* SPANCAP_FORMAT_INTERNAL_H */
