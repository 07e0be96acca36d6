/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The demo service reaches the writer library only through this table, so the same demo code
 * runs with the writer linked in (demo_writer_linked.c) or dlopen'ed after the worker threads
 * exist (demo_writer_dlopen.c).
 */
#ifndef DEMO_WRITER_API_H
#define DEMO_WRITER_API_H

#include <stddef.h>

#include "otel_ctx_writer.h"

struct demo_writer {
	int (*process_publish)(const struct otel_ctx_kv *resource, size_t n);
	void (*process_error)(char *buf, size_t len);
	int (*key_index)(const char *name);
	unsigned int (*key_count)(void);
	const char *(*key_name)(unsigned int idx);
	int (*record_build)(struct otel_ctx_record *rec, const uint8_t trace_id[16],
			    const uint8_t span_id[8], uint8_t trace_flags,
			    const struct otel_ctx_attr *attrs, size_t n_attrs);
	int (*attach)(struct otel_ctx_record *rec);
	struct otel_ctx_record *(*detach)(void);
	int (*update)(struct otel_ctx_record *rec, const uint8_t trace_id[16],
		      const uint8_t span_id[8], uint8_t trace_flags,
		      const struct otel_ctx_attr *attrs, size_t n_attrs);
	void (*invalidate)(struct otel_ctx_record *rec);
	void *(*tls_address)(void);
	void *handle; /* dlopen handle, NULL when linked */
};

/* How this build gets its writer: "linked" or "dlopen". */
extern const char demo_writer_flavor[];

/*
 * Fills *w. lib_path is the --writer-lib argument: required by the dlopen flavor, rejected by
 * the linked one. Returns 0, or -1 with a message in err.
 */
int demo_writer_open(struct demo_writer *w, const char *lib_path, char *err, size_t len);

/* Releases what demo_writer_open took (dlclose). Accepts an unopened table. */
void demo_writer_close(struct demo_writer *w);

#endif /* DEMO_WRITER_API_H */
