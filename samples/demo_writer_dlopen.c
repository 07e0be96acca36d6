// SPDX-License-Identifier: BSD-2-Clause
/* The writer library dlopen'ed at run time, reached through dlsym'ed function pointers. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "demo_writer_api.h"

const char demo_writer_flavor[] = "dlopen";

_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "dlsym results fit function pointers");

int demo_writer_open(struct demo_writer *w, const char *lib_path, char *err, size_t len)
{
	const struct {
		const char *name;
		void *slot; /* address of the function pointer to fill */
	} syms[] = {
	    {"otel_ctx_process_publish", &w->process_publish},
	    {"otel_ctx_process_error", &w->process_error},
	    {"otel_ctx_key_index", &w->key_index},
	    {"otel_ctx_key_count", &w->key_count},
	    {"otel_ctx_key_name", &w->key_name},
	    {"otel_ctx_record_build", &w->record_build},
	    {"otel_ctx_attach", &w->attach},
	    {"otel_ctx_detach", &w->detach},
	    {"otel_ctx_update", &w->update},
	    {"otel_ctx_invalidate", &w->invalidate},
	    {"otel_ctx_tls_address", &w->tls_address},
	};
	size_t i;
	void *h;

	if (!lib_path) {
		snprintf(err, len, "the loader build needs --writer-lib PATH");
		return -1;
	}
	memset(w, 0, sizeof(*w));
	h = dlopen(lib_path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, len, "dlopen %s: %s", lib_path, dlerror());
		return -1;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		/* POSIX: a dlsym result converts to a function pointer of the right type. */
		void *sym = dlsym(h, syms[i].name);

		if (!sym) {
			snprintf(err, len, "%s: missing symbol %s", lib_path, syms[i].name);
			goto err_close;
		}
		memcpy(syms[i].slot, &sym, sizeof(sym));
	}
	w->handle = h;
	return 0;

err_close:
	dlclose(h);
	memset(w, 0, sizeof(*w));
	return -1;
}

void demo_writer_close(struct demo_writer *w)
{
	if (w && w->handle) {
		dlclose(w->handle);
		w->handle = NULL;
	}
}
