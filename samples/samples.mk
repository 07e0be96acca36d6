# SPDX-License-Identifier: BSD-2-Clause
# samples/: the OTEP 4719/4947 writer library, the demo service built once per TLS model of
# docs/TLS_RESOLUTION.md section 7, the hostile writer, and two test-only inspectors.
# samples/README.md lists the variants. Each object directory below has its own compiler and
# flags (pattern-specific SV_CC / SV_CFLAGS), so no two variants share an object file. Built by
# `make samples` (and by demo, test-build, bench), not by `make`.

SAMPLES_OUT := $(BUILD)/samples
SAMPLES_CFLAGS := -std=gnu11 $(OPT) -g -fno-strict-aliasing $(WARN) -D_GNU_SOURCE \
	-fvisibility=hidden
SV_CC = $(CC)

WRITER_NAMES := otel_ctx_proto otel_ctx_payload otel_ctx_mapping otel_ctx_process otel_ctx_thread
# The writer compiled by the generic rule, for programs of the main build that link it in.
WRITER_OBJS := $(WRITER_NAMES:%=$(BUILD)/obj/samples/%.o)
DEMO_NAMES := demo_service demo_ops demo_peer demo_truth
SAMPLES_OBJDIRS := pie nopie pic-gnu2 pic-gnu pic-ie clang clang-pic musl musl-pic

define samples_obj_rule
$(SAMPLES_OUT)/$(1)/%.o: samples/%.c
	$$(msg) CC $$@
	@mkdir -p $$(@D)
	$$(Q)$$(SV_CC) $$(SAMPLES_CFLAGS) $$(SV_CFLAGS) -MMD -MP -c $$< -o $$@
endef
$(foreach d,$(SAMPLES_OBJDIRS),$(eval $(call samples_obj_rule,$(d))))

$(SAMPLES_OUT)/pie/%.o: SV_CC := $(CC)
$(SAMPLES_OUT)/pie/%.o: SV_CFLAGS := -fPIE
$(SAMPLES_OUT)/nopie/%.o: SV_CC := $(CC)
$(SAMPLES_OUT)/nopie/%.o: SV_CFLAGS := -fno-pie
$(SAMPLES_OUT)/pic-gnu2/%.o: SV_CC := $(CC)
$(SAMPLES_OUT)/pic-gnu2/%.o: SV_CFLAGS := -fPIC -mtls-dialect=gnu2
$(SAMPLES_OUT)/pic-gnu/%.o: SV_CC := $(CC)
$(SAMPLES_OUT)/pic-gnu/%.o: SV_CFLAGS := -fPIC -mtls-dialect=gnu
$(SAMPLES_OUT)/pic-ie/%.o: SV_CC := $(CC)
$(SAMPLES_OUT)/pic-ie/%.o: SV_CFLAGS := -fPIC -ftls-model=initial-exec
$(SAMPLES_OUT)/clang/%.o: SV_CC := $(CLANG)
$(SAMPLES_OUT)/clang/%.o: SV_CFLAGS := -fPIE
$(SAMPLES_OUT)/clang-pic/%.o: SV_CC := $(CLANG)
$(SAMPLES_OUT)/clang-pic/%.o: SV_CFLAGS := -fPIC
$(SAMPLES_OUT)/musl/%.o: SV_CC := $(MUSL_CC)
$(SAMPLES_OUT)/musl/%.o: SV_CFLAGS := -fPIE
$(SAMPLES_OUT)/musl-pic/%.o: SV_CC := $(MUSL_CC)
$(SAMPLES_OUT)/musl-pic/%.o: SV_CFLAGS := -fPIC -mtls-dialect=gnu2

writer_objs = $(WRITER_NAMES:%=$(SAMPLES_OUT)/$(1)/%.o)
demo_objs = $(DEMO_NAMES:%=$(SAMPLES_OUT)/$(1)/%.o)

SAMPLES_RPATH := -Wl,-rpath,'$$ORIGIN'

# The writer as shared libraries, one per TLS dialect / linker / libc.
SAMPLES_LIBS := $(SAMPLES_OUT)/libspancap-otel-tlsdesc.so $(SAMPLES_OUT)/libspancap-otel-gd.so \
	$(SAMPLES_OUT)/libspancap-otel-ie.so $(SAMPLES_OUT)/libspancap-otel-lld.so \
	$(SAMPLES_OUT)/libspancap-otel-clang.so $(SAMPLES_OUT)/libspancap-otel-musl.so

$(SAMPLES_OUT)/libspancap-otel-tlsdesc.so: $(call writer_objs,pic-gnu2)
$(SAMPLES_OUT)/libspancap-otel-gd.so: $(call writer_objs,pic-gnu)
$(SAMPLES_OUT)/libspancap-otel-ie.so: $(call writer_objs,pic-ie)
$(SAMPLES_OUT)/libspancap-otel-lld.so: $(call writer_objs,pic-gnu2)
$(SAMPLES_OUT)/libspancap-otel-lld.so: SL_LD := -fuse-ld=lld
$(SAMPLES_OUT)/libspancap-otel-clang.so: $(call writer_objs,clang-pic)
$(SAMPLES_OUT)/libspancap-otel-clang.so: SV_CC := $(CLANG)
$(SAMPLES_OUT)/libspancap-otel-clang.so: SL_LD := -fuse-ld=lld
$(SAMPLES_OUT)/libspancap-otel-musl.so: $(call writer_objs,musl-pic)
$(SAMPLES_OUT)/libspancap-otel-musl.so: SV_CC := $(MUSL_CC)

$(SAMPLES_LIBS):
	$(msg) LD $@
	$(Q)$(SV_CC) -shared $(SL_LD) -Wl,-soname,$(@F) -Wl,-z,now -o $@ $^ -lpthread

# The demo service: writer objects linked in (local-exec) or a library (linked or dlopen'ed).
SAMPLES_DEMOS := $(SAMPLES_OUT)/spancap-demo-service $(SAMPLES_OUT)/spancap-demo-service-nopie \
	$(SAMPLES_OUT)/spancap-demo-service-static-pie $(SAMPLES_OUT)/spancap-demo-service-static \
	$(SAMPLES_OUT)/spancap-demo-service-tlsdesc $(SAMPLES_OUT)/spancap-demo-service-gd \
	$(SAMPLES_OUT)/spancap-demo-service-ie $(SAMPLES_OUT)/spancap-demo-service-lld \
	$(SAMPLES_OUT)/spancap-demo-service-clang $(SAMPLES_OUT)/spancap-demo-service-loader \
	$(SAMPLES_OUT)/spancap-demo-service-musl $(SAMPLES_OUT)/spancap-demo-service-musl-loader

$(SAMPLES_OUT)/spancap-demo-service: $(call demo_objs,pie) $(call writer_objs,pie) \
	$(SAMPLES_OUT)/pie/demo_writer_linked.o
$(SAMPLES_OUT)/spancap-demo-service: SL_LD := -pie $(EXPORT_TLS)
$(SAMPLES_OUT)/spancap-demo-service-nopie: $(call demo_objs,nopie) $(call writer_objs,nopie) \
	$(SAMPLES_OUT)/nopie/demo_writer_linked.o
$(SAMPLES_OUT)/spancap-demo-service-nopie: SL_LD := -no-pie $(EXPORT_TLS)
$(SAMPLES_OUT)/spancap-demo-service-static-pie: $(call demo_objs,pie) $(call writer_objs,pie) \
	$(SAMPLES_OUT)/pie/demo_writer_linked.o
$(SAMPLES_OUT)/spancap-demo-service-static-pie: SL_LD := -static-pie $(EXPORT_TLS)
$(SAMPLES_OUT)/spancap-demo-service-static: $(call demo_objs,nopie) $(call writer_objs,nopie) \
	$(SAMPLES_OUT)/nopie/demo_writer_linked.o
$(SAMPLES_OUT)/spancap-demo-service-static: SL_LD := -static $(EXPORT_TLS)
$(SAMPLES_OUT)/spancap-demo-service-tlsdesc: $(call demo_objs,pie) \
	$(SAMPLES_OUT)/pie/demo_writer_linked.o $(SAMPLES_OUT)/libspancap-otel-tlsdesc.so
$(SAMPLES_OUT)/spancap-demo-service-gd: $(call demo_objs,pie) \
	$(SAMPLES_OUT)/pie/demo_writer_linked.o $(SAMPLES_OUT)/libspancap-otel-gd.so
$(SAMPLES_OUT)/spancap-demo-service-ie: $(call demo_objs,pie) \
	$(SAMPLES_OUT)/pie/demo_writer_linked.o $(SAMPLES_OUT)/libspancap-otel-ie.so
$(SAMPLES_OUT)/spancap-demo-service-lld: $(call demo_objs,pie) \
	$(SAMPLES_OUT)/pie/demo_writer_linked.o $(SAMPLES_OUT)/libspancap-otel-lld.so
$(SAMPLES_OUT)/spancap-demo-service-lld: SL_LD := -fuse-ld=lld
$(SAMPLES_OUT)/spancap-demo-service-clang: $(call demo_objs,clang) \
	$(SAMPLES_OUT)/clang/demo_writer_linked.o $(SAMPLES_OUT)/libspancap-otel-clang.so
$(SAMPLES_OUT)/spancap-demo-service-clang: SV_CC := $(CLANG)
$(SAMPLES_OUT)/spancap-demo-service-clang: SL_LD := -fuse-ld=lld
$(SAMPLES_OUT)/spancap-demo-service-loader: $(call demo_objs,pie) \
	$(SAMPLES_OUT)/pie/demo_writer_dlopen.o
$(SAMPLES_OUT)/spancap-demo-service-loader: SL_LIBS := -ldl
$(SAMPLES_OUT)/spancap-demo-service-musl: $(call demo_objs,musl) \
	$(SAMPLES_OUT)/musl/demo_writer_linked.o $(SAMPLES_OUT)/libspancap-otel-musl.so
$(SAMPLES_OUT)/spancap-demo-service-musl: SV_CC := $(MUSL_CC)
$(SAMPLES_OUT)/spancap-demo-service-musl-loader: $(call demo_objs,musl) \
	$(SAMPLES_OUT)/musl/demo_writer_dlopen.o
$(SAMPLES_OUT)/spancap-demo-service-musl-loader: SV_CC := $(MUSL_CC)

# The hostile writer and the test-only inspectors (glibc, PIE).
SAMPLES_TOOLS := $(SAMPLES_OUT)/spancap-hostile-writer $(SAMPLES_OUT)/spancap-tls-checker \
	$(SAMPLES_OUT)/spancap-proc-ctx-dump $(SAMPLES_OUT)/spancap-fork-ctx \
	$(SAMPLES_OUT)/spancap-ctx-publisher $(SAMPLES_OUT)/spancap-ctx-publisher-static

# The publisher variants (samples/ctx_publisher.c): dynamic PIE and fully static.
$(SAMPLES_OUT)/spancap-ctx-publisher: $(SAMPLES_OUT)/pie/ctx_publisher.o $(call writer_objs,pie)
$(SAMPLES_OUT)/spancap-ctx-publisher: SL_LD := -pie $(EXPORT_TLS)
$(SAMPLES_OUT)/spancap-ctx-publisher-static: $(SAMPLES_OUT)/nopie/ctx_publisher.o \
	$(call writer_objs,nopie)
$(SAMPLES_OUT)/spancap-ctx-publisher-static: SL_LD := -static $(EXPORT_TLS)

$(SAMPLES_OUT)/spancap-hostile-writer: $(SAMPLES_OUT)/pie/hostile_writer.o \
	$(call writer_objs,pie)
$(SAMPLES_OUT)/spancap-hostile-writer: SL_LD := -pie $(EXPORT_TLS)
$(SAMPLES_OUT)/spancap-tls-checker: $(SAMPLES_OUT)/pie/tls_checker.o
$(SAMPLES_OUT)/spancap-fork-ctx: $(SAMPLES_OUT)/pie/fork_ctx.o $(SAMPLES_OUT)/pie/demo_writer_dlopen.o
$(SAMPLES_OUT)/spancap-fork-ctx: SL_LIBS := -ldl
$(SAMPLES_OUT)/spancap-proc-ctx-dump: $(SAMPLES_OUT)/pie/proc_ctx_dump.o \
	$(SAMPLES_OUT)/pie/proc_ctx_decode.o

# Libraries are linked by file name, found at run time next to the executable.
$(SAMPLES_DEMOS) $(SAMPLES_TOOLS):
	$(msg) LD $@
	$(Q)$(SV_CC) $(SL_LD) -o $@ $(filter %.o,$^) $(patsubst $(SAMPLES_OUT)/%,-l:%,$(filter %.so,$^)) \
		$(if $(filter %.so,$^),-L$(SAMPLES_OUT) $(SAMPLES_RPATH)) -lpthread $(SL_LIBS)

SAMPLES_BINS := $(SAMPLES_LIBS) $(SAMPLES_DEMOS) $(SAMPLES_TOOLS)

.PHONY: samples
samples: $(SAMPLES_BINS)
