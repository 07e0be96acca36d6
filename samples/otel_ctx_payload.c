// SPDX-License-Identifier: BSD-2-Clause
/*
 * The OTEP 4719 payload:
 *
 *   ProcessContext { Resource resource = 1; repeated KeyValue attributes = 2; }
 *   Resource       { repeated KeyValue attributes = 1; }
 *   KeyValue       { string key = 1; AnyValue value = 2; }
 *   AnyValue       { oneof: string 1, bool 2, int64 3, double 4 (fixed64), ArrayValue 5,
 *                    KeyValueList 6, bytes 7 }
 *   ArrayValue     { repeated AnyValue values = 1; }
 *
 * ProcessContext.attributes carries the caller's extra attributes, then the OTEP 4947
 * reference data: threadlocal.schema_version (a string) and threadlocal.attribute_key_map (an
 * array of strings, position = key index; left out when the caller asks for an update without
 * a key map).
 */
#include <string.h>

#include "otel_ctx_internal.h"

enum {
	PC_RESOURCE = 1,
	PC_ATTRIBUTES = 2,
	RESOURCE_ATTRIBUTES = 1,
	KV_KEY = 1,
	KV_VALUE = 2,
	ANY_STRING = 1,
	ANY_BOOL = 2,
	ANY_INT = 3,
	ANY_DOUBLE = 4,
	ANY_ARRAY = 5,
	ARRAY_VALUES = 1,
};

static void encode_kv(struct otel_pb *pb, uint32_t field, const struct otel_ctx_kv *kv)
{
	size_t kv_mark, value_mark;
	uint64_t bits;

	kv_mark = otel_pb_open(pb, field);
	otel_pb_field_string(pb, KV_KEY, kv->key);
	value_mark = otel_pb_open(pb, KV_VALUE);
	switch (kv->type) {
	case OTEL_CTX_VALUE_STRING:
		otel_pb_field_string(pb, ANY_STRING, kv->v.str);
		break;
	case OTEL_CTX_VALUE_BOOL:
		otel_pb_field_varint(pb, ANY_BOOL, kv->v.boolean ? 1 : 0);
		break;
	case OTEL_CTX_VALUE_INT:
		/* int64 is a plain (not zigzag) varint: negative values take 10 bytes */
		otel_pb_field_varint(pb, ANY_INT, (uint64_t)kv->v.integer);
		break;
	case OTEL_CTX_VALUE_DOUBLE:
		memcpy(&bits, &kv->v.dbl, sizeof(bits));
		otel_pb_field_fixed64(pb, ANY_DOUBLE, bits);
		break;
	}
	otel_pb_close(pb, value_mark);
	otel_pb_close(pb, kv_mark);
}

static void encode_key_map(struct otel_pb *pb, char *const *keys, size_t n_keys)
{
	size_t kv_mark, value_mark, array_mark, any_mark, i;

	kv_mark = otel_pb_open(pb, PC_ATTRIBUTES);
	otel_pb_field_string(pb, KV_KEY, OTEL_CTX_KEY_KEYMAP);
	value_mark = otel_pb_open(pb, KV_VALUE);
	array_mark = otel_pb_open(pb, ANY_ARRAY);
	for (i = 0; i < n_keys; i++) {
		any_mark = otel_pb_open(pb, ARRAY_VALUES);
		otel_pb_field_string(pb, ANY_STRING, keys[i]);
		otel_pb_close(pb, any_mark);
	}
	otel_pb_close(pb, array_mark);
	otel_pb_close(pb, value_mark);
	otel_pb_close(pb, kv_mark);
}

int otel_ctx_payload_encode(struct otel_pb *pb, const struct otel_ctx_kv *res, size_t n_res,
			    const struct otel_ctx_kv *extra, size_t n_extra, char *const *keys,
			    size_t n_keys)
{
	const struct otel_ctx_kv schema = {
	    .key = OTEL_CTX_KEY_SCHEMA,
	    .type = OTEL_CTX_VALUE_STRING,
	    .v.str = OTEL_CTX_SCHEMA_VERSION,
	};
	size_t mark, i;

	mark = otel_pb_open(pb, PC_RESOURCE);
	for (i = 0; i < n_res; i++)
		encode_kv(pb, RESOURCE_ATTRIBUTES, &res[i]);
	otel_pb_close(pb, mark);
	for (i = 0; i < n_extra; i++)
		encode_kv(pb, PC_ATTRIBUTES, &extra[i]);
	encode_kv(pb, PC_ATTRIBUTES, &schema);
	if (keys)
		encode_key_map(pb, keys, n_keys);
	return otel_pb_error(pb);
}
