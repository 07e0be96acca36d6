// SPDX-License-Identifier: BSD-2-Clause
/* The writer library linked into the demo (its objects, or a shared library at startup). */
#include <stdio.h>
#include <string.h>

#include "demo_writer_api.h"

const char demo_writer_flavor[] = "linked";

int demo_writer_open(struct demo_writer *w, const char *lib_path, char *err, size_t len)
{
	if (lib_path) {
		snprintf(err, len,
			 "--writer-lib needs the loader build; this one links the writer");
		return -1;
	}
	memset(w, 0, sizeof(*w));
	w->process_publish = otel_ctx_process_publish;
	w->process_error = otel_ctx_process_error;
	w->key_index = otel_ctx_key_index;
	w->key_count = otel_ctx_key_count;
	w->key_name = otel_ctx_key_name;
	w->record_build = otel_ctx_record_build;
	w->attach = otel_ctx_attach;
	w->detach = otel_ctx_detach;
	w->update = otel_ctx_update;
	w->invalidate = otel_ctx_invalidate;
	w->tls_address = otel_ctx_tls_address;
	return 0;
}

void demo_writer_close(struct demo_writer *w)
{
	(void)w;
}
