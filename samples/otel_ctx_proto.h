/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Minimal protobuf encoder for the OTEP 4719 payload: varints, fixed64 and length-delimited
 * fields into a growable buffer. Internal to the writer library.
 *
 * Errors are sticky: after the first failure every call is a no-op and otel_pb_error()
 * returns -ENOMEM (allocation) or -E2BIG (OTEL_PB_MAX_SIZE exceeded).
 */
#ifndef OTEL_CTX_PROTO_H
#define OTEL_CTX_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define OTEL_PB_MAX_SIZE (1u << 20)

enum otel_pb_wire {
	OTEL_PB_VARINT = 0,
	OTEL_PB_FIXED64 = 1,
	OTEL_PB_LEN = 2,
	OTEL_PB_FIXED32 = 5,
};

struct otel_pb {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err;
};

/* An empty buffer; otel_pb_release() frees it. */
void otel_pb_init(struct otel_pb *pb);
void otel_pb_release(struct otel_pb *pb);
/* Hands the bytes over to the caller (to free()), leaving pb empty. NULL when empty. */
uint8_t *otel_pb_take(struct otel_pb *pb, size_t *len);
int otel_pb_error(const struct otel_pb *pb);

/* Bytes a varint encoding of v takes (1..10). */
size_t otel_pb_varint_size(uint64_t v);

void otel_pb_varint(struct otel_pb *pb, uint64_t v);
void otel_pb_tag(struct otel_pb *pb, uint32_t field, enum otel_pb_wire wire);
void otel_pb_field_varint(struct otel_pb *pb, uint32_t field, uint64_t v);
void otel_pb_field_fixed64(struct otel_pb *pb, uint32_t field, uint64_t v);
void otel_pb_field_bytes(struct otel_pb *pb, uint32_t field, const void *p, size_t n);
void otel_pb_field_string(struct otel_pb *pb, uint32_t field, const char *s);

/*
 * Nested message: otel_pb_open() writes the tag and a one-byte length placeholder and returns
 * a mark; otel_pb_close(mark) writes the real length, moving the body when it needs more
 * than one byte. Marks nest like brackets.
 */
size_t otel_pb_open(struct otel_pb *pb, uint32_t field);
void otel_pb_close(struct otel_pb *pb, size_t mark);

#endif /* OTEL_CTX_PROTO_H */
