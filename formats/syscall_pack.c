// SPDX-License-Identifier: BSD-2-Clause
/*
 * syscall_pack.c - the packed syscall record (SCF_REC_SYSCALL_PACKED, format 1.1).
 *
 * The writer turns every plain SYSCALL record it can represent exactly into a packed one; the
 * reader turns packed records back into the plain record, byte for byte, so that callers of
 * the public API only ever see SCF_REC_SYSCALL. Packing drops what zstd cannot: zero
 * arguments, the high zero bytes of small numbers (varints), and trace and span ids that the
 * same thread already carried in this section (per-thread context table, FORMAT.md 5.10).
 *
 * Unpacking works on untrusted bytes: every varint is bounds-checked and limited to 10 bytes,
 * and a record that refers to a context the table does not hold is corrupt.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "spancap_file.h"
#include "format_internal.h"

void scf_ctx_table_reset(struct scf_ctx_table *t)
{
	memset(t->slot, 0, sizeof(t->slot));
}

static struct scf_ctx_slot *ctx_slot(struct scf_ctx_table *t, uint32_t tid)
{
	return &t->slot[tid & (SCF_CTX_SLOTS - 1)];
}

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* The slot of a thread, and whether it holds that thread already. */
static struct scf_ctx_slot *thread_slot(struct scf_ctx_table *t, uint32_t tid, bool *known)
{
	struct scf_ctx_slot *slot = ctx_slot(t, tid);

	*known = slot->used && slot->tid == tid;
	return slot;
}

/* After a packed record of thread s->tid: the slot describes that record's thread. */
static void slot_update(struct scf_ctx_slot *slot, bool known, const struct scf_syscall *s,
			bool ctx)
{
	if (!known)
		memset(slot, 0, sizeof(*slot));
	slot->used = 1;
	slot->tid = s->tid;
	slot->pid = s->pid;
	slot->abi = s->abi;
	if (ctx) {
		slot->has_ctx = 1;
		slot->trace_flags = s->trace_flags;
		memcpy(slot->trace_id, s->trace_id, 16);
		memcpy(slot->span_id, s->span_id, 8);
	}
}

size_t scf_syscall_pack_fields(struct scf_ctx_table *t, uint16_t flags, const struct scf_syscall *s,
			       size_t items_len, uint8_t *out)
{
	static const uint8_t zero[24];
	struct scf_rec_hdr h;
	struct scf_ctx_slot *slot;
	uint16_t pflags;
	uint8_t *p, mask = 0;
	bool known, ctx;

	/* Only what unpacks to the same bytes: the 1.0 body exactly, known flag bits, no stray
	 * ids without a context. Anything else stays a plain record. */
	if ((flags & ~SCF_PACKED_F_SYSCALL_MASK) || s->reserved ||
	    sizeof(h) + sizeof(*s) + items_len > SCF_REC_MAX)
		return 0;
	ctx = flags & SCF_SYSCALL_F_CTX;
	if (!ctx && (s->trace_flags || memcmp(s->trace_id, zero, 16) || memcmp(s->span_id, zero, 8)))
		return 0;

	/* What changes from one syscall to the next first (FORMAT.md 5.10). */
	slot = thread_slot(t, s->tid, &known);
	pflags = flags;
	p = out + sizeof(h);
	p = put_varint(p, s->duration_ns);
	p = put_varint(p, zigzag(s->ret));
	p = put_varint(p, s->cpu);
	p = put_varint(p, s->tid);
	p = put_varint(p, s->nr);
	if (!known || slot->pid != s->pid || slot->abi != s->abi) {
		pflags |= SCF_PACKED_F_PROC;
		p = put_varint(p, s->pid);
		*p++ = s->abi;
	}
	for (int i = 0; i < 6; i++)
		if (s->args[i])
			mask |= (uint8_t)(1u << i);
	*p++ = mask;
	for (int i = 0; i < 6; i++)
		if (s->args[i])
			p = put_varint(p, zigzag((int64_t)s->args[i]));
	if (ctx) {
		bool have = known && slot->has_ctx;

		if (!have || slot->trace_flags != s->trace_flags ||
		    memcmp(slot->trace_id, s->trace_id, 16)) {
			pflags |= SCF_PACKED_F_TRACE;
			memcpy(p, s->trace_id, 16);
			p[16] = s->trace_flags;
			p += 17;
		}
		if (!have || memcmp(slot->span_id, s->span_id, 8)) {
			pflags |= SCF_PACKED_F_SPAN;
			memcpy(p, s->span_id, 8);
			p += 8;
		}
	}
	/* Never larger than the plain record (ten-byte varints could make it so). */
	if ((size_t)(p - out) > sizeof(h) + sizeof(*s))
		return 0;
	h.type = SCF_REC_SYSCALL_PACKED;
	h.flags = pflags;
	h.body_len = (uint16_t)(p - out - sizeof(h));
	h.len = (uint16_t)((size_t)(p - out) + items_len);
	memcpy(out, &h, sizeof(h));
	/* Committed: the reader updates its table the same way on this record. */
	slot_update(slot, known, s, ctx);
	return (size_t)(p - out);
}

size_t scf_syscall_pack(struct scf_ctx_table *t, const uint8_t *rec, size_t len, uint8_t *out,
			const uint8_t **items, size_t *items_len)
{
	struct scf_rec_hdr h;
	struct scf_syscall s;
	size_t n;

	if (len < sizeof(h) + sizeof(s))
		return 0;
	memcpy(&h, rec, sizeof(h));
	if (h.type != SCF_REC_SYSCALL || h.body_len != sizeof(s) || h.len != len)
		return 0;
	memcpy(&s, rec + sizeof(h), sizeof(s));
	n = scf_syscall_pack_fields(t, h.flags, &s, len - sizeof(h) - sizeof(s), out);
	if (n) {
		*items = rec + sizeof(h) + sizeof(s);
		*items_len = len - sizeof(h) - sizeof(s);
	}
	return n;
}

struct unpack_cursor {
	const uint8_t *p;
	size_t left;
	const char *field; /* the field that failed ... */
	const char *why;   /* ... and how */
};

static int cursor_fail(struct unpack_cursor *c, const char *field, const char *why)
{
	c->field = field;
	c->why = why;
	return -1;
}

static int get_varint(struct unpack_cursor *c, uint64_t *v, const char *field)
{
	uint64_t x = 0;

	for (unsigned int i = 0; i < 10; i++) {
		uint8_t b;

		if (!c->left)
			return cursor_fail(c, field, "runs past the body");
		b = *c->p++;
		c->left--;
		/* The tenth byte holds bit 63 only. */
		if (i == 9 && b > 1)
			return cursor_fail(c, field, "overflows 64 bits");
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return cursor_fail(c, field, "overflows 64 bits");
}

static int get_bytes(struct unpack_cursor *c, void *out, size_t n, const char *field)
{
	if (c->left < n)
		return cursor_fail(c, field, "runs past the body");
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
	return 0;
}

static int get_narrow(struct unpack_cursor *c, uint64_t max, uint64_t *v, const char *field)
{
	if (get_varint(c, v, field))
		return -1;
	if (*v > max)
		return cursor_fail(c, field, "is out of range");
	return 0;
}

/* The fields before the per-thread ones; -1 with c->field naming what failed. */
static int unpack_head(struct unpack_cursor *c, struct scf_syscall *s)
{
	uint64_t v;

	if (get_varint(c, &s->duration_ns, "duration_ns") || get_varint(c, &v, "ret"))
		return -1;
	s->ret = unzigzag(v);
	if (get_narrow(c, UINT16_MAX, &v, "cpu"))
		return -1;
	s->cpu = (uint16_t)v;
	if (get_narrow(c, UINT32_MAX, &v, "tid"))
		return -1;
	s->tid = (uint32_t)v;
	if (get_narrow(c, UINT16_MAX, &v, "nr"))
		return -1;
	s->nr = (uint16_t)v;
	return 0;
}

static int unpack_args(struct unpack_cursor *c, struct scf_syscall *s)
{
	uint64_t v;
	uint8_t mask;

	if (get_bytes(c, &mask, 1, "arg_mask"))
		return -1;
	if (mask & 0xc0)
		return cursor_fail(c, "arg_mask", "has bits 6-7 set");
	for (int i = 0; i < 6; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (get_varint(c, &v, "args"))
			return -1;
		s->args[i] = (uint64_t)unzigzag(v);
	}
	return 0;
}

int scf_syscall_unpack(struct scf_ctx_table *t, const struct scf_record *rec, uint8_t *out,
		       size_t cap, char *err, size_t errlen)
{
	struct unpack_cursor c = { rec->body, rec->body_len, NULL, NULL };
	struct scf_syscall s = { 0 };
	uint16_t f = rec->flags;
	struct scf_ctx_slot *slot;
	struct scf_rec_hdr h;
	bool known, ctx = f & SCF_SYSCALL_F_CTX;
	size_t len;
	uint64_t v;

	if (f & ~(SCF_PACKED_F_SYSCALL_MASK | SCF_PACKED_F_TRACE | SCF_PACKED_F_SPAN |
		  SCF_PACKED_F_PROC)) {
		scf_errf(err, errlen, "packed syscall record with unknown flags 0x%04x", f);
		return -EBADMSG;
	}
	if ((f & (SCF_PACKED_F_TRACE | SCF_PACKED_F_SPAN)) && !ctx) {
		scf_errf(err, errlen, "packed syscall record carries ids without the CTX flag");
		return -EBADMSG;
	}
	if (unpack_head(&c, &s))
		goto bad_field;
	slot = thread_slot(t, s.tid, &known);
	if (f & SCF_PACKED_F_PROC) {
		if (get_narrow(&c, UINT32_MAX, &v, "pid") || get_bytes(&c, &s.abi, 1, "abi"))
			goto bad_field;
		s.pid = (uint32_t)v;
	} else if (known) {
		s.pid = slot->pid;
		s.abi = slot->abi;
	} else {
		goto unknown_thread;
	}
	if (unpack_args(&c, &s))
		goto bad_field;
	if (ctx) {
		bool have = known && slot->has_ctx;

		if (f & SCF_PACKED_F_TRACE) {
			if (get_bytes(&c, s.trace_id, 16, "trace_id") ||
			    get_bytes(&c, &s.trace_flags, 1, "trace_flags"))
				goto bad_field;
		} else if (have) {
			memcpy(s.trace_id, slot->trace_id, 16);
			s.trace_flags = slot->trace_flags;
		} else {
			goto unknown_thread;
		}
		if (f & SCF_PACKED_F_SPAN) {
			if (get_bytes(&c, s.span_id, 8, "span_id"))
				goto bad_field;
		} else if (have) {
			memcpy(s.span_id, slot->span_id, 8);
		} else {
			goto unknown_thread;
		}
	}
	/* Bytes left in the body are fields of a later minor version: ignored. */

	len = sizeof(h) + sizeof(s) + rec->items_len;
	if (len > SCF_REC_MAX || len > cap) {
		scf_errf(err, errlen, "packed syscall record unpacks to %zu bytes, more than %u",
			 len, SCF_REC_MAX);
		return -EBADMSG;
	}
	slot_update(slot, known, &s, ctx);
	h.type = SCF_REC_SYSCALL;
	h.len = (uint16_t)len;
	h.body_len = sizeof(s);
	h.flags = f & SCF_PACKED_F_SYSCALL_MASK;
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), &s, sizeof(s));
	if (rec->items_len)
		memcpy(out + sizeof(h) + sizeof(s), rec->items, rec->items_len);
	return (int)len;

unknown_thread:
	scf_errf(err, errlen,
		 "packed syscall record of tid %" PRIu32
		 " refers to a %s that thread has not carried in this section",
		 s.tid, f & SCF_PACKED_F_PROC ? "context" : "pid or context");
	return -EBADMSG;

bad_field:
	scf_errf(err, errlen, "packed syscall body of %u bytes: field %s %s", rec->body_len,
		 c.field, c.why);
	return -EBADMSG;
}
