// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the samples/ writer library (OTEP 4719 process context, OTEP 4947 thread
 * context), in-process. Expected protobuf bytes are written out by hand from the wire format.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otel_ctx_proto.h"
#include "otel_ctx_writer.h"
#include "proc_ctx_decode.h"

static const uint8_t trace_a[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
				    0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
static const uint8_t span_a[8] = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
static const uint8_t span_b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t zero16[16];

static int teardown(void **state)
{
	(void)state;
	otel_ctx_detach();
	otel_ctx_process_reset();
	return 0;
}

static void assert_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
	size_t i;

	assert_int_equal(got_len, want_len);
	for (i = 0; i < want_len; i++) {
		if (got[i] != want[i])
			fail_msg("byte %zu: got 0x%02x, want 0x%02x", i, got[i], want[i]);
	}
}

/* ---- record layout and encoding ---------------------------------------------------- */

static void test_record_layout_offsets(void **state)
{
	static struct otel_ctx_record rec;
	const struct otel_ctx_attr attrs[] = {{"http.route", "/a"}};
	const uint8_t *raw = (const uint8_t *)&rec;
	uint16_t size;

	(void)state;
	assert_int_equal(sizeof(rec), 640);
	assert_int_equal(offsetof(struct otel_ctx_record, trace_id), 0);
	assert_int_equal(offsetof(struct otel_ctx_record, span_id), 16);
	assert_int_equal(offsetof(struct otel_ctx_record, valid), 24);
	assert_int_equal(offsetof(struct otel_ctx_record, trace_flags), 25);
	assert_int_equal(offsetof(struct otel_ctx_record, attrs_data_size), 26);
	assert_int_equal(offsetof(struct otel_ctx_record, attrs_data), 28);

	assert_int_equal(otel_ctx_record_build(&rec, trace_a, span_a, 0x01, attrs, 1), 0);
	assert_memory_equal(raw + 0, trace_a, 16); /* W3C byte order, untouched */
	assert_memory_equal(raw + 16, span_a, 8);
	assert_int_equal(raw[24], 0); /* built, not attached: not valid yet */
	assert_int_equal(raw[25], 0x01);
	memcpy(&size, raw + 26, 2);
	assert_int_equal(size, 4);    /* host order */
	assert_int_equal(raw[28], 0); /* key index of http.route */
	assert_int_equal(raw[29], 2);
	assert_memory_equal(raw + 30, "/a", 2);
}

static void test_record_attrs_encoding_uses_key_indexes(void **state)
{
	static struct otel_ctx_record rec;
	const struct otel_ctx_attr attrs[] = {
	    {"http.route", "/users"},
	    {"http.method", "GET"},
	    {"http.route", "/x"},
	};
	const uint8_t want[] = {0, 6,	'/', 'u', 's', 'e', 'r', 's', 1,
				3, 'G', 'E', 'T', 0,   2,   '/', 'x'};

	(void)state;
	assert_int_equal(otel_ctx_record_build(&rec, trace_a, span_a, 0, attrs, 3), 0);
	assert_bytes(rec.attrs_data, rec.attrs_data_size, want, sizeof(want));
	assert_int_equal(otel_ctx_key_count(), 2);
	assert_string_equal(otel_ctx_key_name(0), "http.route");
	assert_string_equal(otel_ctx_key_name(1), "http.method");
	assert_null(otel_ctx_key_name(2));
}

static void test_record_build_value_of_256_bytes_is_rejected(void **state)
{
	static struct otel_ctx_record rec;
	char big[257], max[256];
	struct otel_ctx_attr attr = {"k", big};

	(void)state;
	memset(big, 'v', 256);
	big[256] = '\0';
	assert_int_equal(otel_ctx_record_build(&rec, trace_a, span_a, 1, &attr, 1), -E2BIG);
	assert_int_equal(rec.attrs_data_size, 0);
	assert_int_equal(rec.valid, 0);
	memset(max, 'v', 255);
	max[255] = '\0';
	attr.value = max;
	assert_int_equal(otel_ctx_record_build(&rec, trace_a, span_a, 1, &attr, 1), 0);
	assert_int_equal(rec.attrs_data_size, 257);
}

static void test_record_build_enforces_640_byte_cap(void **state)
{
	static struct otel_ctx_record rec;
	char v255[256], v98[99];
	struct otel_ctx_attr attrs[3] = {{"a", v255}, {"b", v255}, {"c", v98}};

	(void)state;
	memset(v255, 'x', 255);
	v255[255] = '\0';
	memset(v98, 'y', 98);
	v98[98] = '\0';
	/* 2 * (2 + 255) + (2 + 98) = 614 > 612 */
	assert_int_equal(otel_ctx_record_build(&rec, trace_a, span_a, 1, attrs, 3), -ENOSPC);
	assert_int_equal(rec.attrs_data_size, 0);
	/* 2 * 257 + (2 + 96) = 612: exactly the cap, 640 bytes in all */
	v98[96] = '\0';
	assert_int_equal(otel_ctx_record_build(&rec, trace_a, span_a, 1, attrs, 3), 0);
	assert_int_equal(rec.attrs_data_size, 612);
	assert_int_equal(otel_ctx_record_append_attr(&rec, "d", ""), -ENOSPC);
}

static void test_record_build_rejects_bad_arguments(void **state)
{
	static struct otel_ctx_record rec[2];
	const struct otel_ctx_attr null_value = {"k", NULL};

	(void)state;
	/* only one of trace/span set */
	assert_int_equal(otel_ctx_record_build(&rec[0], trace_a, zero16, 0, NULL, 0), -EINVAL);
	assert_int_equal(otel_ctx_record_build(&rec[0], zero16, span_a, 0, NULL, 0), -EINVAL);
	/* flags without ids */
	assert_int_equal(otel_ctx_record_build(&rec[0], zero16, zero16, 1, NULL, 0), -EINVAL);
	assert_int_equal(otel_ctx_record_build(&rec[0], zero16, zero16, 0, NULL, 0), 0);
	assert_int_equal(otel_ctx_record_build(&rec[0], trace_a, span_a, 0, &null_value, 1),
			 -EINVAL);
	/* odd address */
	assert_int_equal(otel_ctx_record_build((struct otel_ctx_record *)((char *)rec + 1), trace_a,
					       span_a, 0, NULL, 0),
			 -EINVAL);
	assert_int_equal(otel_ctx_attach((struct otel_ctx_record *)((char *)rec + 1)), -EINVAL);
	/* an attached record is rebuilt only through otel_ctx_update */
	assert_int_equal(otel_ctx_record_build(&rec[0], trace_a, span_a, 0, NULL, 0), 0);
	assert_int_equal(otel_ctx_attach(&rec[0]), 0);
	assert_int_equal(otel_ctx_record_build(&rec[0], trace_a, span_b, 0, NULL, 0), -EBUSY);
	assert_memory_equal(rec[0].span_id, span_a, 8);
	assert_int_equal(otel_ctx_key_index(""), -EINVAL);
	assert_int_equal(otel_ctx_key_index(NULL), -EINVAL);
}

/* ---- attach / detach / update ------------------------------------------------------ */

static void test_attach_detach_swaps_the_tls_pointer(void **state)
{
	static struct otel_ctx_record root, child;

	(void)state;
	assert_null(otel_thread_ctx_v1);
	assert_int_equal(otel_ctx_record_build(&root, trace_a, span_a, 1, NULL, 0), 0);
	assert_int_equal(otel_ctx_attach(&root), 0);
	assert_ptr_equal(otel_thread_ctx_v1, &root);
	assert_ptr_equal(*(struct otel_ctx_record **)otel_ctx_tls_address(), &root);
	assert_int_equal(root.valid, 1);

	assert_int_equal(otel_ctx_record_build(&child, trace_a, span_b, 1, NULL, 0), 0);
	assert_int_equal(child.valid, 0);
	assert_int_equal(otel_ctx_attach(&child), 0);
	assert_ptr_equal(otel_ctx_current(), &child);
	assert_int_equal(child.valid, 1);
	assert_int_equal(root.valid, 1); /* pointer-swap model leaves valid alone */

	assert_int_equal(otel_ctx_attach(&root), 0); /* back to the parent, no rebuild */
	assert_ptr_equal(otel_ctx_current(), &root);
	assert_memory_equal(root.span_id, span_a, 8);
	assert_ptr_equal(otel_ctx_detach(), &root);
	assert_null(otel_thread_ctx_v1);
	assert_null(otel_ctx_detach());
	assert_int_equal(otel_ctx_attach(NULL), -EINVAL);
}

static void test_update_in_place_keeps_the_pointer(void **state)
{
	static struct otel_ctx_record fixed;
	const struct otel_ctx_attr ok = {"http.route", "/a"};
	char big[300];
	const struct otel_ctx_attr bad = {"http.route", big};

	(void)state;
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(otel_ctx_update(&fixed, trace_a, span_a, 1, &ok, 1), 0);
	assert_ptr_equal(otel_thread_ctx_v1, &fixed); /* first update attaches */
	assert_int_equal(fixed.valid, 1);
	assert_int_equal(otel_ctx_update(&fixed, trace_a, span_b, 0, NULL, 0), 0);
	assert_ptr_equal(otel_thread_ctx_v1, &fixed);
	assert_memory_equal(fixed.span_id, span_b, 8);
	assert_int_equal(fixed.trace_flags, 0);
	assert_int_equal(fixed.attrs_data_size, 0);
	assert_int_equal(fixed.valid, 1);
	/* a failed update leaves the live record as it was */
	assert_int_equal(otel_ctx_update(&fixed, trace_a, span_a, 1, &bad, 1), -E2BIG);
	assert_memory_equal(fixed.span_id, span_b, 8);
	assert_int_equal(fixed.valid, 1);
	otel_ctx_invalidate(&fixed);
	assert_int_equal(fixed.valid, 0);
	assert_ptr_equal(otel_thread_ctx_v1, &fixed); /* in-place detach keeps the pointer */
}

static void test_append_attr_grows_size_last(void **state)
{
	static struct otel_ctx_record rec;
	const uint8_t want[] = {0, 1, 'a', 1, 2, 'b', 'c', 0, 0};

	(void)state;
	assert_int_equal(otel_ctx_update(&rec, trace_a, span_a, 1, NULL, 0), 0);
	assert_int_equal(otel_ctx_record_append_attr(&rec, "k0", "a"), 0);
	assert_int_equal(otel_ctx_record_append_attr(&rec, "k1", "bc"), 0);
	assert_int_equal(otel_ctx_record_append_attr(&rec, "k0", ""), 0); /* last one wins */
	assert_bytes(rec.attrs_data, rec.attrs_data_size, want, sizeof(want));
	assert_int_equal(rec.valid, 1);
}

/* ---- process context and key map -------------------------------------------------- */

static const struct otel_ctx_kv demo_resource[] = {
    {.key = "service.name", .type = OTEL_CTX_VALUE_STRING, .v.str = "svc"},
    {.key = "process.pid", .type = OTEL_CTX_VALUE_INT, .v.integer = -7},
    {.key = "flag", .type = OTEL_CTX_VALUE_BOOL, .v.boolean = true},
    {.key = "ratio", .type = OTEL_CTX_VALUE_DOUBLE, .v.dbl = 0.5},
};

/* Reads the header as an outside reader would, and decodes the payload it points to. */
static void read_published(struct proc_ctx_header *h, struct proc_ctx_decoded *dec)
{
	struct otel_ctx_process_info info;
	char err[160];

	assert_int_equal(otel_ctx_process_info(&info), 0);
	assert_int_equal(proc_ctx_header_parse(info.mapping, 32, h), 0);
	assert_int_equal(h->version, 2);
	assert_int_not_equal(h->published_at_ns, 0);
	assert_int_equal(h->payload_size, info.payload_size);
	assert_int_equal(h->payload, (uint64_t)(uintptr_t)info.payload);
	assert_int_equal(proc_ctx_decode((const uint8_t *)(uintptr_t)h->payload, h->payload_size,
					 dec, err, sizeof(err)),
			 0);
}

static bool bytes_are(const struct proc_ctx_bytes *b, const char *s)
{
	return b->len == strlen(s) && memcmp(b->p, s, b->len) == 0;
}

static void test_publish_writes_header_and_payload(void **state)
{
	static struct proc_ctx_decoded dec;
	struct otel_ctx_process_info info;
	struct proc_ctx_header h;
	char line[512], want[64];
	bool in_maps = false;
	FILE *maps;

	(void)state;
	assert_int_equal(otel_ctx_process_info(&info), -ENOENT);
	assert_int_equal(otel_ctx_process_publish(demo_resource, 4), 0);
	assert_int_equal(otel_ctx_process_info(&info), 0);
	assert_true(info.memfd);
	assert_int_equal(info.publications, 1);
	assert_memory_equal(info.mapping, "OTEL_CTX", 8);
	read_published(&h, &dec);
	assert_int_equal(dec.n_resource, 4);
	assert_true(bytes_are(&dec.resource[0].key, "service.name"));
	assert_int_equal(dec.resource[0].value.type, 1);
	assert_true(bytes_are(&dec.resource[0].value.bytes, "svc"));
	assert_int_equal(dec.resource[1].value.type, 3);
	assert_int_equal(dec.resource[1].value.integer, -7);
	assert_int_equal(dec.resource[2].value.type, 2);
	assert_true(dec.resource[2].value.boolean);
	assert_int_equal(dec.resource[3].value.type, 4);
	assert_true(dec.resource[3].value.dbl == 0.5);
	assert_true(dec.has_schema);
	assert_true(bytes_are(&dec.schema, "tlsdesc_v1_dev"));
	assert_true(dec.has_key_map);
	assert_int_equal(dec.n_keys, 0);

	/* visible to readers of /proc/PID/maps under the memfd name */
	snprintf(want, sizeof(want), "%lx-", (unsigned long)(uintptr_t)info.mapping);
	maps = fopen("/proc/self/maps", "r");
	assert_non_null(maps);
	while (fgets(line, sizeof(line), maps)) {
		if (strncmp(line, want, strlen(want)) == 0 && strstr(line, "/memfd:OTEL_CTX"))
			in_maps = true;
	}
	fclose(maps);
	assert_true(in_maps);

	assert_int_equal(otel_ctx_process_unpublish(), 0);
	assert_int_equal(otel_ctx_process_unpublish(), -ENOENT);
}

static void test_publish_ex_extra_attrs_no_key_map_no_prctl(void **state)
{
	static const struct otel_ctx_kv extra[] = {
	    {.key = "publisher.build", .type = OTEL_CTX_VALUE_STRING, .v.str = "b1"},
	};
	static const struct otel_ctx_kv reserved[] = {
	    {.key = "threadlocal.mine", .type = OTEL_CTX_VALUE_STRING, .v.str = "x"},
	};
	static struct proc_ctx_decoded dec;
	struct otel_ctx_process_info info;
	struct proc_ctx_header h;

	(void)state;
	assert_int_equal(otel_ctx_process_publish_ex(demo_resource, 1, reserved, 1, 0), -EINVAL);
	assert_int_equal(otel_ctx_process_publish_ex(demo_resource, 1, NULL, 0, 0x100), -EINVAL);
	assert_int_equal(otel_ctx_key_index("k0"), 0);
	assert_int_equal(otel_ctx_process_publish_ex(demo_resource, 1, extra, 1,
						     OTEL_CTX_PUBLISH_NO_PRCTL),
			 0);
	assert_int_equal(otel_ctx_process_info(&info), 0);
	assert_true(info.memfd);
	assert_false(info.named); /* no prctl(PR_SET_VMA) */
	read_published(&h, &dec);
	assert_int_equal(dec.n_attrs, 3); /* the extra one, schema version, key map */
	assert_true(bytes_are(&dec.attrs[0].key, "publisher.build"));
	assert_true(bytes_are(&dec.attrs[0].value.bytes, "b1"));
	assert_true(dec.has_key_map);
	assert_int_equal(dec.n_keys, 1);

	/* an update without a key map, then a new key: the key map is back */
	assert_int_equal(otel_ctx_process_publish_ex(demo_resource, 1, extra, 1,
						     OTEL_CTX_PUBLISH_NO_KEY_MAP),
			 0);
	read_published(&h, &dec);
	assert_true(dec.has_schema);
	assert_false(dec.has_key_map);
	assert_int_equal(otel_ctx_key_index("k1"), 1);
	read_published(&h, &dec);
	assert_true(dec.has_key_map);
	assert_int_equal(dec.n_keys, 2);
	assert_int_equal(dec.n_attrs, 3);
}

static void test_new_key_republishes_with_update_protocol(void **state)
{
	static struct proc_ctx_decoded dec;
	struct otel_ctx_process_info before, after;
	struct proc_ctx_header h;

	(void)state;
	assert_int_equal(otel_ctx_process_publish(demo_resource, 1), 0);
	assert_int_equal(otel_ctx_process_info(&before), 0);
	assert_int_equal(otel_ctx_key_index("http.route"), 0);
	assert_int_equal(otel_ctx_process_info(&after), 0);
	assert_int_equal(after.publications, 2);
	assert_true(after.published_at_ns > before.published_at_ns);
	assert_ptr_equal(after.mapping, before.mapping); /* same mapping, a new payload */
	read_published(&h, &dec);
	assert_int_equal(h.published_at_ns, after.published_at_ns);
	assert_int_equal(dec.n_keys, 1);
	assert_true(bytes_are(&dec.keys[0], "http.route"));

	/* a known key changes nothing */
	assert_int_equal(otel_ctx_key_index("http.route"), 0);
	assert_int_equal(otel_ctx_process_info(&before), 0);
	assert_int_equal(before.publications, 2);
	assert_int_equal(before.published_at_ns, after.published_at_ns);

	/* a record with a new key appends it and republishes before the record exists */
	{
		static struct otel_ctx_record rec;
		const struct otel_ctx_attr attr = {"user.id", "u1"};

		assert_int_equal(otel_ctx_record_build(&rec, trace_a, span_a, 1, &attr, 1), 0);
		assert_int_equal(rec.attrs_data[0], 1);
	}
	read_published(&h, &dec);
	assert_int_equal(dec.n_keys, 2);
	assert_true(bytes_are(&dec.keys[1], "user.id"));
	assert_int_equal(dec.n_resource, 1);

	/* republishing the resource keeps the key map */
	assert_int_equal(otel_ctx_process_publish(demo_resource + 1, 1), 0);
	read_published(&h, &dec);
	assert_int_equal(dec.n_keys, 2);
	assert_true(bytes_are(&dec.resource[0].key, "process.pid"));
}

static void test_key_map_caps_at_256(void **state)
{
	char name[16];
	int i;

	(void)state;
	for (i = 0; i < 256; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		assert_int_equal(otel_ctx_key_index(name), i);
	}
	assert_int_equal(otel_ctx_key_index("one-too-many"), -ENOSPC);
	assert_int_equal(otel_ctx_key_index("k255"), 255);
	assert_int_equal(otel_ctx_key_count(), 256);
}

static void test_publish_rejects_duplicate_resource_keys(void **state)
{
	const struct otel_ctx_kv dup[] = {
	    {.key = "a", .type = OTEL_CTX_VALUE_STRING, .v.str = "1"},
	    {.key = "a", .type = OTEL_CTX_VALUE_STRING, .v.str = "2"},
	};
	struct otel_ctx_process_info info;
	char msg[256];

	(void)state;
	assert_int_equal(otel_ctx_process_publish(dup, 2), -EINVAL);
	otel_ctx_process_error(msg, sizeof(msg));
	assert_non_null(strstr(msg, "duplicates key 'a'"));
	assert_int_equal(otel_ctx_process_info(&info), -ENOENT);
}

/* ---- protobuf encoder, against hand-computed bytes ---------------------------------- */

static void test_proto_varints_and_fixed64(void **state)
{
	/* field 1 = 150: the wire-format documentation's example "08 96 01" */
	const uint8_t want_150[] = {0x08, 0x96, 0x01};
	/* field 3 = -1 as int64: ten bytes, ff x9 then 01 */
	const uint8_t want_neg[] = {0x18, 0xff, 0xff, 0xff, 0xff, 0xff,
				    0xff, 0xff, 0xff, 0xff, 0x01};
	/* field 4 fixed64 = 1.0: tag 0x21, IEEE-754 0x3ff0000000000000 little-endian */
	const uint8_t want_dbl[] = {0x21, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f};
	struct otel_pb pb;
	double one = 1.0;
	uint64_t bits;

	(void)state;
	otel_pb_init(&pb);
	otel_pb_field_varint(&pb, 1, 150);
	assert_bytes(pb.data, pb.len, want_150, sizeof(want_150));
	otel_pb_release(&pb);

	otel_pb_field_varint(&pb, 3, (uint64_t)(int64_t)-1);
	assert_bytes(pb.data, pb.len, want_neg, sizeof(want_neg));
	otel_pb_release(&pb);

	memcpy(&bits, &one, 8);
	otel_pb_field_fixed64(&pb, 4, bits);
	assert_bytes(pb.data, pb.len, want_dbl, sizeof(want_dbl));
	otel_pb_release(&pb);

	assert_int_equal(otel_pb_varint_size(127), 1);
	assert_int_equal(otel_pb_varint_size(128), 2);
	assert_int_equal(otel_pb_varint_size(UINT64_MAX), 10);
}

static void test_proto_nested_length_of_200_takes_two_bytes(void **state)
{
	char body[201];
	struct otel_pb pb;
	size_t mark;

	(void)state;
	memset(body, 'q', 197);
	body[197] = '\0';
	otel_pb_init(&pb);
	mark = otel_pb_open(&pb, 1);
	otel_pb_field_string(&pb, 1, body); /* 0x0a 0xc5 0x01 + 197 bytes = 200 */
	otel_pb_close(&pb, mark);
	assert_int_equal(otel_pb_error(&pb), 0);
	assert_int_equal(pb.len, 203);
	assert_int_equal(pb.data[0], 0x0a);
	assert_int_equal(pb.data[1], 0xc8); /* 200 = 0x48 | 0x80, then 0x01 */
	assert_int_equal(pb.data[2], 0x01);
	assert_int_equal(pb.data[3], 0x0a);
	assert_int_equal(pb.data[4], 0xc5);
	assert_int_equal(pb.data[5], 0x01);
	assert_int_equal(pb.data[6], 'q');
	assert_int_equal(pb.data[202], 'q');
	otel_pb_release(&pb);
}

/* Appends a literal chunk to the expected bytes. */
static size_t put(uint8_t *out, size_t off, const void *p, size_t n)
{
	memcpy(out + off, p, n);
	return off + n;
}

static void test_proto_process_context_matches_hand_encoding(void **state)
{
	static struct proc_ctx_decoded dec;
	struct otel_ctx_process_info info;
	const struct otel_ctx_kv res = {
	    .key = "service.name", .type = OTEL_CTX_VALUE_STRING, .v.str = "s"};
	uint8_t want[256];
	size_t n = 0;

	(void)state;
	/*
	 * ProcessContext {
	 *   resource (1) { attributes (1) { key (1) "service.name", value (2) { string (1) "s" }}}
	 *   attributes (2) { key "threadlocal.schema_version", value { string "tlsdesc_v1_dev" } }
	 *   attributes (2) { key "threadlocal.attribute_key_map",
	 *                    value { array (5) { values (1) { string "k" } } } }
	 * }
	 * KeyValue(service.name) = 0a 0c <12> 12 03 0a 01 73            = 19 bytes
	 * Resource               = 0a 13 <19>                           = 21 bytes
	 */
	n = put(want, n, "\x0a\x15", 2);
	n = put(want, n, "\x0a\x13", 2);
	n = put(want, n,
		"\x0a\x0c"
		"service.name",
		14);
	n = put(want, n, "\x12\x03\x0a\x01s", 5);
	/* KeyValue(schema) = 0a 1a <26> 12 10 0a 0e <14> = 46 bytes */
	n = put(want, n, "\x12\x2e", 2);
	n = put(want, n,
		"\x0a\x1a"
		"threadlocal.schema_version",
		28);
	n = put(want, n,
		"\x12\x10\x0a\x0e"
		"tlsdesc_v1_dev",
		18);
	/* AnyValue{k} = 0a 01 6b (3); ArrayValue = 0a 03 <3> (5); AnyValue{array} = 2a 05 <5> (7)
	 * KeyValue(key map) = 0a 1d <29> 12 07 <7> = 40 bytes */
	n = put(want, n, "\x12\x28", 2);
	n = put(want, n,
		"\x0a\x1d"
		"threadlocal.attribute_key_map",
		31);
	n = put(want, n, "\x12\x07\x2a\x05\x0a\x03\x0a\x01k", 9);
	assert_int_equal(n, 2 + 21 + 2 + 46 + 2 + 40);

	assert_int_equal(otel_ctx_key_index("k"), 0);
	assert_int_equal(otel_ctx_process_publish(&res, 1), 0);
	assert_int_equal(otel_ctx_process_info(&info), 0);
	assert_bytes(info.payload, info.payload_size, want, n);

	/* the test decoder reads the same bytes back */
	assert_int_equal(proc_ctx_decode(want, n, &dec, NULL, 0), 0);
	assert_int_equal(dec.n_keys, 1);
	/* truncation and corruption are told apart */
	assert_int_equal(proc_ctx_decode(want, n - 1, &dec, NULL, 0), -ENODATA);
	want[0] = 0x0b; /* field 1 with wire type 3 (start group): unsupported */
	assert_int_equal(proc_ctx_decode(want, n, &dec, NULL, 0), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_record_layout_offsets, teardown),
	    cmocka_unit_test_teardown(test_publish_ex_extra_attrs_no_key_map_no_prctl, teardown),
	    cmocka_unit_test_teardown(test_record_attrs_encoding_uses_key_indexes, teardown),
	    cmocka_unit_test_teardown(test_record_build_value_of_256_bytes_is_rejected, teardown),
	    cmocka_unit_test_teardown(test_record_build_enforces_640_byte_cap, teardown),
	    cmocka_unit_test_teardown(test_record_build_rejects_bad_arguments, teardown),
	    cmocka_unit_test_teardown(test_attach_detach_swaps_the_tls_pointer, teardown),
	    cmocka_unit_test_teardown(test_update_in_place_keeps_the_pointer, teardown),
	    cmocka_unit_test_teardown(test_append_attr_grows_size_last, teardown),
	    cmocka_unit_test_teardown(test_publish_writes_header_and_payload, teardown),
	    cmocka_unit_test_teardown(test_new_key_republishes_with_update_protocol, teardown),
	    cmocka_unit_test_teardown(test_key_map_caps_at_256, teardown),
	    cmocka_unit_test_teardown(test_publish_rejects_duplicate_resource_keys, teardown),
	    cmocka_unit_test_teardown(test_proto_varints_and_fixed64, teardown),
	    cmocka_unit_test_teardown(test_proto_nested_length_of_200_takes_two_bytes, teardown),
	    cmocka_unit_test_teardown(test_proto_process_context_matches_hand_encoding, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
