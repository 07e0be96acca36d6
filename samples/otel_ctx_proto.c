// SPDX-License-Identifier: BSD-2-Clause
/*
 * Minimal protobuf encoder (wire format: varint keys "field << 3 | wire type", base-128
 * little-endian varints, length-delimited bodies).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "otel_ctx_proto.h"

void otel_pb_init(struct otel_pb *pb)
{
	memset(pb, 0, sizeof(*pb));
}

void otel_pb_release(struct otel_pb *pb)
{
	if (!pb)
		return;
	free(pb->data);
	memset(pb, 0, sizeof(*pb));
}

uint8_t *otel_pb_take(struct otel_pb *pb, size_t *len)
{
	uint8_t *p = pb->data;

	*len = pb->len;
	memset(pb, 0, sizeof(*pb));
	return p;
}

int otel_pb_error(const struct otel_pb *pb)
{
	return pb->err;
}

/* Makes room for n more bytes; returns a pointer to them or NULL (error recorded). */
static uint8_t *pb_reserve(struct otel_pb *pb, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (pb->err)
		return NULL;
	if (n > OTEL_PB_MAX_SIZE - pb->len) {
		pb->err = -E2BIG;
		return NULL;
	}
	if (pb->len + n > pb->cap) {
		cap = pb->cap ? pb->cap : 64;
		while (cap < pb->len + n)
			cap *= 2;
		p = realloc(pb->data, cap);
		if (!p) {
			pb->err = -ENOMEM;
			return NULL;
		}
		pb->data = p;
		pb->cap = cap;
	}
	return pb->data + pb->len;
}

size_t otel_pb_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static void put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p = (uint8_t)v;
}

void otel_pb_varint(struct otel_pb *pb, uint64_t v)
{
	size_t n = otel_pb_varint_size(v);
	uint8_t *p = pb_reserve(pb, n);

	if (!p)
		return;
	put_varint(p, v);
	pb->len += n;
}

void otel_pb_tag(struct otel_pb *pb, uint32_t field, enum otel_pb_wire wire)
{
	otel_pb_varint(pb, ((uint64_t)field << 3) | (uint64_t)wire);
}

void otel_pb_field_varint(struct otel_pb *pb, uint32_t field, uint64_t v)
{
	otel_pb_tag(pb, field, OTEL_PB_VARINT);
	otel_pb_varint(pb, v);
}

void otel_pb_field_fixed64(struct otel_pb *pb, uint32_t field, uint64_t v)
{
	uint8_t *p;
	int i;

	otel_pb_tag(pb, field, OTEL_PB_FIXED64);
	p = pb_reserve(pb, 8);
	if (!p)
		return;
	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	pb->len += 8;
}

void otel_pb_field_bytes(struct otel_pb *pb, uint32_t field, const void *d, size_t n)
{
	uint8_t *p;

	otel_pb_tag(pb, field, OTEL_PB_LEN);
	otel_pb_varint(pb, n);
	p = pb_reserve(pb, n);
	if (!p)
		return;
	if (n)
		memcpy(p, d, n);
	pb->len += n;
}

void otel_pb_field_string(struct otel_pb *pb, uint32_t field, const char *s)
{
	otel_pb_field_bytes(pb, field, s, strlen(s));
}

size_t otel_pb_open(struct otel_pb *pb, uint32_t field)
{
	uint8_t *p;

	otel_pb_tag(pb, field, OTEL_PB_LEN);
	p = pb_reserve(pb, 1);
	if (!p)
		return 0;
	*p = 0;
	return pb->len++;
}

void otel_pb_close(struct otel_pb *pb, size_t mark)
{
	size_t body, extra;

	if (pb->err)
		return;
	body = pb->len - mark - 1;
	extra = otel_pb_varint_size(body) - 1;
	if (extra) {
		if (!pb_reserve(pb, extra))
			return;
		memmove(pb->data + mark + 1 + extra, pb->data + mark + 1, body);
		pb->len += extra;
	}
	put_varint(pb->data + mark, body);
}
