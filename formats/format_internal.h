/* SPDX-License-Identifier: BSD-2-Clause */
/* format_internal.h - helpers private to formats/. */
#ifndef SPANCAP_FORMAT_INTERNAL_H
#define SPANCAP_FORMAT_INTERNAL_H

#include <stdbool.h>
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

/* ---- frames read by worker threads (frame_workers.c) ---- */

/* scf_fw__next() found what it does not read the way the sequential reader does: the caller
 * reads on sequentially after the records handed out so far. */
#define SCF_FW_IRREGULAR (-10000)

struct scf_fw;

/* Reads the zstd file of size bytes in fd (pread) or mem from its start on nthreads threads.
 * NULL with errno. */
struct scf_fw *scf_fw__new(int fd, const void *mem, uint64_t size, unsigned int nthreads);
/* 1 and *rec (valid until the next call), 0 at a clean end, or SCF_FW_IRREGULAR (then
 * again on every call). */
int scf_fw__next(struct scf_fw *fw, struct scf_record *rec);
const struct scf_section *scf_fw__section(const struct scf_fw *fw);
/* Compressed bytes of the frames handed out so far. */
uint64_t scf_fw__input_offset(const struct scf_fw *fw);
void scf_fw__free(struct scf_fw *fw);

/* ---- frame index (frame_index.c) ---- */

/* An open-addressed set of non-zero 64-bit keys. */
struct scf_u64set {
	uint64_t *slot;
	uint32_t n, cap; /* cap: 0 or a power of two */
};

/* A descriptor a frame's records touch, followed through them (frame_index_fds.c). */
struct scf_fidx_fdk {
	uint32_t pid, fd;
	uint8_t d, prev;  /* unknown, none or known (frame_index_fds.c) */
	bool since_known; /* since is the time d was installed */
	uint8_t bits;	  /* SCF_FIDX_FD_* */
	uint64_t since;
};

struct scf_fidx_fds {
	struct scf_fidx_fdk *k;
	uint32_t n, cap;
	uint32_t *slot; /* index + 1 into k, by (pid, fd) */
	uint32_t slot_cap;
	bool all; /* more than the list holds */
};

void scf_fidx_fds_reset(struct scf_fidx_fds *f);
void scf_fidx_fds_free(struct scf_fidx_fds *f);
/* Notes what a SYSCALL record (its fields) or another record (encoded, plain form) does to
 * descriptors. 0 or -ENOMEM. */
int scf_fidx_fds_syscall(struct scf_fidx_fds *f, uint64_t ts_ns, uint16_t flags,
			 const struct scf_syscall *s, const uint8_t *items, size_t items_len);
int scf_fidx_fds_record(struct scf_fidx_fds *f, uint64_t ts_ns, const uint8_t *rec, size_t len);
/* Bytes of the descriptor part, and its encoding (FORMAT.md 7.2). */
size_t scf_fidx_fds_size(const struct scf_fidx_fds *f);
void scf_fidx_fds_encode(const struct scf_fidx_fds *f, uint8_t *out);

/* What the records of the frame being written (or indexed) hold so far. */
struct scf_fidx_acc {
	uint64_t ts_min, ts_max;
	uint32_t records, types, flags;
	struct scf_u64set traces;  /* hashes of {trace id prefix, pid} */
	struct scf_u64set pids;	   /* pid + 1 */
	struct scf_u64set parents; /* 1 << 63 | pid << 32 | ppid */
#define SCF_FIDX_RECENT 64
	uint64_t recent[SCF_FIDX_RECENT]; /* trace keys added lately, by their low bits */
	uint32_t last_pid;	   /* the pid added last */
	struct scf_fidx_fds fds;   /* the descriptors they change */
};

void scf_fidx_acc_reset(struct scf_fidx_acc *a);
void scf_fidx_acc_free(struct scf_fidx_acc *a);
/* Notes one encoded record (plain form: a SYSCALL, not a SYSCALL_PACKED). -ENOMEM. */
int scf_fidx_acc_add(struct scf_fidx_acc *a, uint64_t ts_ns, const uint8_t *rec, size_t len);
/* The same for a SYSCALL record given by its fields (scf_writer__append_syscall()). */
int scf_fidx_acc_add_syscall(struct scf_fidx_acc *a, uint64_t ts_ns, uint16_t flags,
			     const struct scf_syscall *s, const uint8_t *items, size_t items_len);
/* Bytes of the payload scf_fidx_acc_encode() writes. */
size_t scf_fidx_acc_size(const struct scf_fidx_acc *a);
/* Encodes the index payload of the frame (offset, csize, pcapng_len, checksum) into out. */
void scf_fidx_acc_encode(const struct scf_fidx_acc *a, uint64_t offset, uint64_t csize,
			 uint32_t pcapng_len, uint32_t checksum, uint8_t *out);
/*
 * Sets the fields of an encoded payload of len bytes only known once its frame is written
 * (offset, csize, checksum) and its trailing check value.
 */
void scf_fidx_patch(uint8_t *payload, size_t len, uint64_t offset, uint64_t csize,
		    uint32_t checksum);

#endif /* SPANCAP_FORMAT_INTERNAL_H */
