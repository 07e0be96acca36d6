# SPDX-License-Identifier: BSD-2-Clause
#
# spancap: one non-recursive Makefile. Every output goes under $(BUILD) (default build/).
#
#   make            build both binaries, the samples and the tests
#   make deps       install the Debian packages the project needs (only the missing ones)
#   make test       run every test suite, then the unit suites again under ASan + UBSan
#   make demo       build, capture the sample service for a few seconds, analyze it
#   make bench      run the benchmarks and write bench/RESULTS.md
#   V=1             show the commands
#
# Every target that compiles depends (order-only) on `deps`, so a fresh Debian 12 machine
# needs no manual step. SAN=1 builds with AddressSanitizer and UBSan.

BUILD ?= build
V ?= 0
SAN ?= 0

ifeq ($(V),1)
Q :=
msg := @true
else
Q := @
msg = @printf '  %-7s %s\n'
endif

CC := gcc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

# Debian packages: build, test and interoperability tools.
DEB_PKGS := gcc make pkg-config clang llvm lld libbpf-dev bpftool libelf-dev zlib1g-dev \
	libpcap-dev libzstd-dev libcmocka-dev zstd tshark tcpdump musl-tools libclang-rt-14-dev \
	python3 jq binutils nodejs groff-base man-db bpftrace \
	strace linux-perf time sqlite3
# npm (tests/otlp_check: the OpenTelemetry protobuf definitions): Debian's package, unless the
# installed nodejs brings npm itself (as NodeSource's does).
DEB_PKGS += $(if $(shell command -v npm 2>/dev/null),,npm)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# pkg-config is evaluated lazily (recursive variables), after `deps` has installed it.
PKG_LIBS := libbpf libelf libpcap libzstd
pkg_cflags = $(shell pkg-config --cflags $(1))
pkg_libs = $(shell pkg-config --libs $(1))

OPT ?= -O2
WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
	-Wvla -Wpointer-arith -Wundef
VERSION := 0.1.0
BASE_CFLAGS := -std=gnu11 $(OPT) -g -fno-strict-aliasing $(WARN) -D_GNU_SOURCE \
	-DSPANCAP_VERSION='"$(VERSION)"' -Iformats -I$(BUILD)/gen
ifeq ($(SAN),1)
BASE_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_LDFLAGS := -fsanitize=address,undefined
endif
CFLAGS = $(BASE_CFLAGS) $(call pkg_cflags,$(PKG_LIBS)) $(EXTRA_CFLAGS)
LDFLAGS = $(SAN_LDFLAGS) $(EXTRA_LDFLAGS)

DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all deps test demo bench clean install uninstall fmt
.DEFAULT_GOAL := all

# ---------------------------------------------------------------------------------------------
# deps: install missing Debian packages (never touches what is already there)

deps: $(DEPS_STAMP)

$(DEPS_STAMP):
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q 'ok installed' || \
			missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing:$$missing"; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends \
			$$missing || exit 1; \
	fi
	@mkdir -p $(@D) && touch $@

# ---------------------------------------------------------------------------------------------
# Generic rules: every object mirrors its source path under $(BUILD)/obj.

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	$(msg) CC $<
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# ---------------------------------------------------------------------------------------------
# formats/: the capture file format, writer and reader (shared by both binaries)

FORMATS_SRCS := formats/record_codec.c formats/syscall_pack.c formats/file_writer.c \
	formats/frame_index.c formats/frame_index_file.c \
	formats/file_reader.c
FORMATS_OBJS := $(FORMATS_SRCS:%.c=$(BUILD)/obj/%.o)
FORMATS_LIB := $(BUILD)/libspancap_formats.a
FORMATS_LDLIBS = $(call pkg_libs,libpcap libzstd)

$(FORMATS_LIB): $(FORMATS_OBJS)
	$(msg) AR $@
	$(Q)$(AR) rcs $@ $^

# ---------------------------------------------------------------------------------------------
# samples/: the OTEP 4719/4947 writer library, the demo service built once per TLS model of
# docs/TLS_RESOLUTION.md section 7, the hostile writer, and two test-only inspectors.
# samples/README.md lists the variants. Each object directory below has its own compiler and
# flags (pattern-specific SV_CC / SV_CFLAGS), so no two variants share an object file.

SAMPLES_OUT := $(BUILD)/samples
SAMPLES_CFLAGS := -std=gnu11 $(OPT) -g -fno-strict-aliasing $(WARN) -D_GNU_SOURCE \
	-fvisibility=hidden
SV_CC = $(CC)
MUSL_CC ?= musl-gcc

WRITER_NAMES := otel_ctx_proto otel_ctx_payload otel_ctx_mapping otel_ctx_process otel_ctx_thread
DEMO_NAMES := demo_service demo_ops demo_peer demo_truth
SAMPLES_OBJDIRS := pie nopie pic-gnu2 pic-gnu pic-ie clang clang-pic musl musl-pic

define samples_obj_rule
$(SAMPLES_OUT)/$(1)/%.o: samples/%.c | $(DEPS_STAMP)
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

# An executable that defines otel_thread_ctx_v1 must still put it in .dynsym.
EXPORT_TLS := -Wl,--export-dynamic-symbol=otel_thread_ctx_v1
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

# ---------------------------------------------------------------------------------------------
# analyze/: spancap-analyze, the offline reconstruction (depends on formats/ only)

ANALYZE_LIB_SRCS := analyze/ana_map.c analyze/latency_hist.c analyze/syscall_table.c \
	analyze/errno_names.c analyze/replay.c analyze/proc_state.c analyze/trace_index.c \
	analyze/text_fmt.c analyze/json_out.c analyze/syscall_fmt.c analyze/report_common.c \
	analyze/report_rows.c analyze/cmd_info.c analyze/cmd_traces.c analyze/cmd_trace.c \
	analyze/cmd_spans.c analyze/cmd_syscalls.c analyze/cmd_processes.c analyze/cmd_io.c \
	analyze/cmd_timeline.c analyze/cmd_export.c analyze/otlp_json.c analyze/chrome_trace.c \
	analyze/row_export.c analyze/cmd_filter.c analyze/redact.c analyze/output_file.c \
	analyze/snaplen.c analyze/timeline_order.c analyze/frame_select.c
ANALYZE_LIB_OBJS := $(ANALYZE_LIB_SRCS:%.c=$(BUILD)/obj/%.o)
ANALYZE_LIB := $(BUILD)/libspancap_analyze.a
ANALYZE_BIN := $(BUILD)/spancap-analyze

$(ANALYZE_LIB): $(ANALYZE_LIB_OBJS)
	$(msg) AR $@
	$(Q)$(AR) rcs $@ $^

$(ANALYZE_BIN): $(BUILD)/obj/analyze/analyze_main.o $(ANALYZE_LIB) $(FORMATS_LIB)
	$(msg) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS) -lm

# ---------------------------------------------------------------------------------------------
# tests/: one cmocka binary per module; tests/run_suites.sh runs them all.

# Unit suites by name: built in $(BUILD)/tests and, under ASan + UBSan, in $(BUILD)/asan/tests.
UNIT_TESTS := test_formats test_formats_packed test_samples_writer test_analyze test_analyze_ctx \
	test_export test_redact
TEST_BINS = $(UNIT_TESTS:%=$(BUILD)/tests/%)
TEST_TOOLS := $(BUILD)/tests/formats_sample_gen $(BUILD)/tests/analyze_scenario_gen
CMOCKA_LIBS = $(call pkg_libs,cmocka)

$(BUILD)/tests/formats_sample_gen: $(BUILD)/obj/tests/formats_sample_gen.o $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS)

$(BUILD)/tests/analyze_scenario_gen: $(BUILD)/obj/tests/analyze_scenario_gen.o \
		$(BUILD)/obj/tests/analyze_scenario.o $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS)

$(BUILD)/tests/test_analyze: $(BUILD)/obj/tests/test_analyze.o $(BUILD)/obj/tests/analyze_scenario.o \
		$(ANALYZE_LIB) $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS) $(CMOCKA_LIBS) -lm

$(BUILD)/tests/test_analyze_ctx: $(BUILD)/obj/tests/test_analyze_ctx.o \
		$(BUILD)/obj/tests/analyze_scenario.o $(ANALYZE_LIB) $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS) $(CMOCKA_LIBS) -lm

$(BUILD)/tests/test_export: $(BUILD)/obj/tests/test_export.o $(BUILD)/obj/tests/analyze_scenario.o \
		$(ANALYZE_LIB) $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS) $(CMOCKA_LIBS) -lm

$(BUILD)/tests/test_redact: $(BUILD)/obj/tests/test_redact.o $(ANALYZE_LIB) $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/test_formats: $(BUILD)/obj/tests/test_formats.o $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/test_formats_packed: $(BUILD)/obj/tests/test_formats_packed.o $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS) $(CMOCKA_LIBS)

# Allocation failure injection: formats/ with its malloc/calloc/realloc calls wrapped. libzstd
# and libpcap are linked statically here so that their allocations go through the wrappers
# too (libpcap.a needs libdbus, which libpcap's runtime package already installs).
UNIT_TESTS += test_formats_alloc
ALLOC_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
ALLOC_STATIC_LIBS := -Wl,-Bstatic -lpcap -lzstd -Wl,-Bdynamic -l:libdbus-1.so.3 -pthread
$(BUILD)/tests/test_formats_alloc: $(BUILD)/obj/tests/test_formats_alloc.o $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $(ALLOC_WRAP) -o $@ $^ $(ALLOC_STATIC_LIBS) $(CMOCKA_LIBS)

# The writer library in-process, linked from its objects (plain or ASan build alike).
SAMPLES_UNIT_OBJS := $(WRITER_NAMES:%=$(BUILD)/obj/samples/%.o) $(BUILD)/obj/samples/proc_ctx_decode.o
$(BUILD)/obj/tests/test_samples_writer.o: CFLAGS += -Isamples

$(BUILD)/tests/test_samples_writer: $(BUILD)/obj/tests/test_samples_writer.o $(SAMPLES_UNIT_OBJS)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) -lpthread

# ---------------------------------------------------------------------------------------------
# tests/fuzz/: libFuzzer targets (clang). `make fuzz` runs each for FUZZ_SECONDS; make test runs
# a short smoke of each plus every regression input (tests/integration/it_fuzz_smoke.sh).

FUZZ_FORMATS_TARGETS := fuzz_file_reader fuzz_frame_index fuzz_record_decoder
# Targets on the capture side's parsers of hostile input (process memory, ELF, /proc text).
FUZZ_CAPTURE_TARGETS := fuzz_process_context fuzz_thread_ctx_attrs fuzz_elf_tls fuzz_proc_maps
FUZZ_TARGETS := $(FUZZ_FORMATS_TARGETS) $(FUZZ_CAPTURE_TARGETS)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -std=gnu11 -g -O1 $(WARN) -D_GNU_SOURCE -Iformats \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FORMATS_SRCS) formats/*.h | $(DEPS_STAMP)
	$(msg) FUZZ $@
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(FORMATS_LDLIBS)


.PHONY: fuzz
fuzz: $(FUZZ_BINS) $(TEST_TOOLS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run_fuzzers.sh $(BUILD)

# ---------------------------------------------------------------------------------------------
# bench/: benchmarks (not run by make test; `make bench` runs them)

BENCH_BINS := $(BUILD)/bench/format_bench $(BUILD)/bench/analyze_bench

# Per-syscall overhead of the capture (section 1 of bench/run_bench.sh; alone: `make bench-capture`).
# Its --floor objects: the empty programs (the floor) and the least work of a recorder (bound).
BENCH_BPF := $(BUILD)/gen/spancap_empty.bpf.o $(BUILD)/gen/spancap_bound.bpf.o
BENCH_BINS += $(BUILD)/bench/syscall_bench $(BENCH_BPF)

# It publishes its context through the samples/ writer library, linked in (local-exec).
$(BUILD)/obj/bench/syscall_bench.o: CFLAGS += -Isamples -Ibpf
$(BUILD)/bench/syscall_bench: $(BUILD)/obj/bench/syscall_bench.o \
		$(WRITER_NAMES:%=$(BUILD)/obj/samples/%.o)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -Wl,--export-dynamic-symbol=otel_thread_ctx_v1 -o $@ $^ \
		$(call pkg_libs,libbpf libelf zlib) -lpthread

# The user-space path (ring buffer -> recorder -> zstd file) fed by a synthetic BPF producer.
BENCH_BINS += $(BUILD)/bench/recorder_bench
$(BUILD)/obj/bench/recorder_bench.o: CFLAGS += -Ibpf -Icapture
$(BUILD)/obj/bench/recorder_bench.o: $(BUILD)/gen/spancap_synth.skel.h
.SECONDARY: $(BUILD)/gen/spancap_synth.bpf.o
$(BUILD)/bench/recorder_bench: $(BUILD)/obj/bench/recorder_bench.o \
		$(BUILD)/obj/capture/capture_records.o $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pkg_libs,libbpf libelf zlib) $(FORMATS_LDLIBS)

# The cost of the periodic re-check of observed processes (capture.c recheck()): section 5.
# (The resolver library is named by its path: $(CAPTURE_LIB) is defined further down.)
BENCH_BINS += $(BUILD)/bench/recheck_bench
$(BUILD)/obj/bench/recheck_bench.o: CFLAGS += -Ibpf -Icapture -Isamples
$(BUILD)/bench/recheck_bench: $(BUILD)/obj/bench/recheck_bench.o $(BUILD)/obj/capture/ctx_source.o \
		$(BUILD)/libspancap_resolve.a $(FORMATS_LIB) $(WRITER_NAMES:%=$(BUILD)/obj/samples/%.o)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CAPTURE_LIB_LDLIBS) $(FORMATS_LDLIBS) -lpthread

.PHONY: bench-recorder
bench-recorder: $(BUILD)/bench/recorder_bench
	$(Q)$(BUILD)/bench/recorder_bench -n 5000000

.PHONY: bench-bpf
bench-bpf: $(BUILD)/spancap $(BUILD)/bench/syscall_bench $(BENCH_BPF)
	$(Q)bench/bpf_prog_cost.sh $(BUILD)

.PHONY: bench-capture
bench-capture: $(SPANCAP) $(ANALYZE_BIN) $(BENCH_BINS) $(SAMPLES_OUT)/spancap-demo-service
	$(Q)SECTIONS=syscall OPS="$(or $(OPS),getppid)" RESULTS=$(BUILD)/bench-capture.md \
		$(foreach v,ROUNDS CALLS INNER OLD,$(if $(value $(v)),$(v)='$($(v))')) \
		bench/run_bench.sh $(BUILD) && cat $(BUILD)/bench-capture.md

$(BUILD)/bench/analyze_bench: $(BUILD)/obj/bench/analyze_bench.o $(ANALYZE_LIB) $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS) -lm

$(BUILD)/bench/format_bench: $(BUILD)/obj/bench/format_bench.o $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS)

# The suite against peers (bench/run_bench.sh: knobs in its header) writes bench/RESULTS.md.
.PHONY: bench
# The report quotes the command with the knobs given (from the environment or make's line).
BENCH_KNOBS := ROUNDS CALLS INNER SLOW_DIV OPS SECTIONS OLD WORKLOAD_SECONDS WORKLOAD_RATE \
	WORKLOAD_THREADS RAMP_RATES STEP_SECONDS CPU_SECONDS BYTES_CALLS REPLAY_EVENTS \
	COMPONENT_RECORDS BENCH_SMOKE RESULTS
bench_command = $(strip $(foreach v,$(BENCH_KNOBS),$(if $(value $(v)),$(v)='$($(v))')) make bench)
bench: $(SPANCAP) $(ANALYZE_BIN) $(BENCH_BINS) $(SAMPLES_OUT)/spancap-demo-service
	$(Q)BENCH_COMMAND="$(bench_command)" $(foreach v,$(BENCH_KNOBS),$(if $(value $(v)),$(v)='$($(v))')) \
		bench/run_bench.sh $(BUILD)

# ---------------------------------------------------------------------------------------------
# capture/ resolver library: /proc/PID/maps, target memory, ELF TLS classification, per-process
# TLS resolution, OTEP 4719 process context reader, OTEP 4947 attrs_data rules. No main(), no
# BPF, nothing from formats/. The capture binary links $(CAPTURE_LIB) with $(CAPTURE_LIB_LDLIBS).

CAPTURE_LIB_SRCS := capture/proc_maps.c capture/target_memory.c capture/elf_tls.c \
	capture/tls_resolve.c capture/process_context.c capture/thread_ctx_attrs.c
CAPTURE_LIB_OBJS := $(CAPTURE_LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CAPTURE_LIB := $(BUILD)/libspancap_resolve.a
CAPTURE_LIB_LDLIBS = $(call pkg_libs,libelf)

$(CAPTURE_LIB): $(CAPTURE_LIB_OBJS)
	$(msg) AR $@
	$(Q)$(AR) rcs $@ $^

all: $(CAPTURE_LIB)

# The libFuzzer targets on the resolver's parsers (tests/fuzz/, `make fuzz`).
$(FUZZ_CAPTURE_TARGETS:%=$(BUILD)/fuzz/%): $(BUILD)/fuzz/%: tests/fuzz/%.c $(CAPTURE_LIB_SRCS) \
		capture/*.h | $(DEPS_STAMP)
	$(msg) FUZZ $@
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Icapture -o $@ $(filter %.c,$^) $(CAPTURE_LIB_LDLIBS)

# Resolver test fixtures (tests/fixtures/tlsfix_*.c): programs and libraries defining
# otel_thread_ctx_v1 under every TLS model, linker and libc. Built without sanitizers: they are
# the target processes, not the code under test.
FIXDIR := $(BUILD)/fixtures
FIXSRC := tests/fixtures
FIX_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE
FIX_EXPORT := -Wl,--export-dynamic-symbol=otel_thread_ctx_v1
FIX_RPATH := -Wl,-rpath,'$$ORIGIN'
FIX_NEED_DEFONLY := -Wl,--no-as-needed -ltlsfix_defonly -Wl,--as-needed
# The host reaches tlsfix_set() through a weak reference, which --as-needed does not count.
FIX_NO_AS_NEEDED := -Wl,--no-as-needed
FIX_HOST := $(FIXSRC)/tlsfix_host.c
FIX_VAR := $(FIXSRC)/tlsfix_var.c
MUSL_CC ?= musl-gcc

RESOLVER_FIX_LIBS := $(addprefix $(FIXDIR)/,libtlsfix_gnu2.so libtlsfix_gnu2_lld.so \
	libtlsfix_gd.so libtlsfix_gd_lld.so libtlsfix_ie.so libtlsfix_defonly.so \
	libtlsfix_musl_gnu2.so libtlsfix_musl_gd.so)
RESOLVER_FIX_BINS := $(addprefix $(FIXDIR)/,tlsfix_le_pie tlsfix_le_nopie tlsfix_le_align \
	tlsfix_le_lld tlsfix_ie_pie tlsfix_static_pie tlsfix_static tlsfix_use_gnu2 \
	tlsfix_use_gnu2_lld tlsfix_use_gd tlsfix_use_gd_lld tlsfix_use_ie tlsfix_extref_nopie \
	tlsfix_dlsym tlsfix_dl tlsfix_none tlsfix_musl_le tlsfix_musl_use_gnu2 tlsfix_musl_dl \
	tlsfix_musl_static)
RESOLVER_FIXTURES := $(RESOLVER_FIX_LIBS) $(RESOLVER_FIX_BINS)

fix_so = $(Q)mkdir -p $(@D) && $(1) $(FIX_CFLAGS) -shared -fPIC $(2) -o $@ $<

$(FIXDIR)/libtlsfix_gnu2.so: $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_so,$(CC),-mtls-dialect=gnu2)
$(FIXDIR)/libtlsfix_gnu2_lld.so: $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_so,$(CC),-mtls-dialect=gnu2 -fuse-ld=lld)
$(FIXDIR)/libtlsfix_gd.so: $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_so,$(CC),-mtls-dialect=gnu)
$(FIXDIR)/libtlsfix_gd_lld.so: $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_so,$(CC),-mtls-dialect=gnu -fuse-ld=lld)
$(FIXDIR)/libtlsfix_ie.so: $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_so,$(CC),-ftls-model=initial-exec)
$(FIXDIR)/libtlsfix_defonly.so: $(FIXSRC)/tlsfix_defonly.c | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_so,$(CC),)
$(FIXDIR)/libtlsfix_musl_gnu2.so: $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_so,$(MUSL_CC),-mtls-dialect=gnu2)
$(FIXDIR)/libtlsfix_musl_gd.so: $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_so,$(MUSL_CC),-mtls-dialect=gnu)

# fix_exe(compiler, flags, extra inputs): the host driver plus the sources/libraries given.
fix_exe = $(Q)mkdir -p $(@D) && $(1) $(FIX_CFLAGS) $(2) -o $@ $(FIX_HOST) $(3) -pthread

$(FIXDIR)/tlsfix_le_pie: $(FIX_HOST) $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(CC),-fPIE -pie $(FIX_EXPORT),$(FIX_VAR) -ldl)
$(FIXDIR)/tlsfix_le_nopie: $(FIX_HOST) $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(CC),-fno-pie -no-pie $(FIX_EXPORT),$(FIX_VAR) -ldl)
$(FIXDIR)/tlsfix_le_align: $(FIX_HOST) $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(CC),-fPIE -pie -DTLSFIX_BIG_ALIGN $(FIX_EXPORT),$(FIX_VAR) -ldl)
$(FIXDIR)/tlsfix_le_lld: $(FIX_HOST) $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(CC),-fPIE -pie -fuse-ld=lld $(FIX_EXPORT),$(FIX_VAR) -ldl)
$(FIXDIR)/tlsfix_ie_pie: $(FIX_HOST) $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(CC),-fPIC -pie $(FIX_EXPORT),$(FIX_VAR) -ldl)
$(FIXDIR)/tlsfix_static_pie: $(FIX_HOST) $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(CC),-fPIE -static-pie -DTLSFIX_NO_DL $(FIX_EXPORT),$(FIX_VAR))
$(FIXDIR)/tlsfix_static: $(FIX_HOST) $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(CC),-fno-pie -static -DTLSFIX_NO_DL,$(FIX_VAR))
$(FIXDIR)/tlsfix_use_%: $(FIX_HOST) $(FIXDIR)/libtlsfix_%.so | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(CC),-fPIE -pie $(FIX_RPATH),-L$(FIXDIR) $(FIX_NO_AS_NEEDED) -ltlsfix_$* -ldl)
$(FIXDIR)/tlsfix_extref_nopie: $(FIX_HOST) $(FIXSRC)/tlsfix_extref.c $(FIXDIR)/libtlsfix_defonly.so | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(CC),-fno-pie -no-pie $(FIX_RPATH),$(FIXSRC)/tlsfix_extref.c -L$(FIXDIR) -ltlsfix_defonly -ldl)
$(FIXDIR)/tlsfix_dlsym: $(FIX_HOST) $(FIXDIR)/libtlsfix_defonly.so | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(CC),-fPIE -pie $(FIX_RPATH),-L$(FIXDIR) $(FIX_NEED_DEFONLY) -ldl)
$(FIXDIR)/tlsfix_dl $(FIXDIR)/tlsfix_none: $(FIX_HOST) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(CC),-fPIE -pie,-ldl)
$(FIXDIR)/tlsfix_musl_le: $(FIX_HOST) $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(MUSL_CC),-fPIE -pie $(FIX_EXPORT),$(FIX_VAR))
$(FIXDIR)/tlsfix_musl_use_gnu2: $(FIX_HOST) $(FIXDIR)/libtlsfix_musl_gnu2.so | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(MUSL_CC),-fPIE -pie $(FIX_RPATH),-L$(FIXDIR) $(FIX_NO_AS_NEEDED) -ltlsfix_musl_gnu2)
$(FIXDIR)/tlsfix_musl_dl: $(FIX_HOST) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(MUSL_CC),-fPIE -pie,)
$(FIXDIR)/tlsfix_musl_static: $(FIX_HOST) $(FIX_VAR) | $(DEPS_STAMP)
	$(msg) FIXTURE $@
	$(call fix_exe,$(MUSL_CC),-static -DTLSFIX_NO_DL,$(FIX_VAR))

# Test tool: the resolver's answer for a live process, checked by the samples suite against
# the addresses each sample thread reports from inside.
TEST_TOOLS += $(BUILD)/tests/resolver_probe
$(BUILD)/obj/tests/resolver_probe.o: CFLAGS += -Icapture
$(BUILD)/tests/resolver_probe: $(BUILD)/obj/tests/resolver_probe.o $(CAPTURE_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CAPTURE_LIB_LDLIBS)

# The resolver suite: unit tests on in-memory inputs, ELF classification of the fixtures, live
# resolution of fixture processes. One cmocka binary; fixtures are found next to it
# ($(BUILD)/tests/../fixtures).
RESOLVER_TEST_SRCS := tests/test_resolver.c tests/test_resolver_maps.c \
	tests/test_resolver_pctx.c tests/test_resolver_attrs.c tests/test_resolver_elf.c \
	tests/test_resolver_resolve.c tests/test_resolver_live.c
RESOLVER_TEST_OBJS := $(RESOLVER_TEST_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_TESTS += test_resolver

$(BUILD)/tests/test_resolver: $(RESOLVER_TEST_OBJS) $(CAPTURE_LIB) $(RESOLVER_FIXTURES)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(CAPTURE_LIB_LDLIBS) $(CMOCKA_LIBS)

# ---------------------------------------------------------------------------------------------
# bpf/: the kernel side. vmlinux.h is generated from the running kernel's BTF (never edited,
# never committed); the object is compiled with clang and turned into a libbpf skeleton that
# only capture/ includes. bpf/spancap_abi.h is the one header both sides compile.

VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BPF_CFLAGS := -target bpf -g -O2 -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I$(BUILD)/gen -Ibpf
BPF_SKEL := $(BUILD)/gen/spancap.skel.h
BPF_EMPTY_SKEL := $(BUILD)/gen/spancap_empty.skel.h

$(BUILD)/gen/vmlinux.h: | $(DEPS_STAMP)
	$(msg) BTF $@
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.bpf.o: bpf/%.bpf.c bpf/spancap_abi.h $(BUILD)/gen/vmlinux.h
	$(msg) BPF $<
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/gen/%.skel.h: $(BUILD)/gen/%.bpf.o
	$(msg) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name $* >$@.tmp && mv $@.tmp $@

# ---------------------------------------------------------------------------------------------
# capture/: the capture binary build/spancap (kernel events -> formats/ records). It links the
# resolver library ($(CAPTURE_LIB)) and formats/.

SPANCAP_SRCS := capture/capture.c capture/capture_kernel.c capture/capture_records.c \
	capture/capture_scan.c capture/ctx_source.c capture/proc_table.c capture/capture_stats.c \
	capture/capture_privs.c capture/capture_output.c \
	capture/syscall_select.c
SPANCAP_OBJS := $(SPANCAP_SRCS:%.c=$(BUILD)/obj/%.o)
SPANCAP := $(BUILD)/spancap
SPANCAP_LDLIBS = $(call pkg_libs,libbpf libelf zlib) $(FORMATS_LDLIBS) $(CAPTURE_LIB_LDLIBS)

$(SPANCAP_OBJS): CFLAGS += -Ibpf -Icapture
$(BUILD)/obj/capture/capture_kernel.o: $(BPF_SKEL)
$(BUILD)/obj/capture/syscall_select.o: $(BUILD)/gen/syscall_names.h

# spancap -e names: the x86_64 syscall table of the C library's kernel headers.
$(BUILD)/gen/syscall_names.h: | $(DEPS_STAMP)
	$(msg) GEN $@
	@mkdir -p $(@D)
	$(Q)$(CC) -E -dM -include asm/unistd_64.h - </dev/null | \
		sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/\t{"\1", \2},/p' | \
		sort -t, -k2 -n >$@.tmp && mv $@.tmp $@

$(SPANCAP): $(SPANCAP_OBJS) $(CAPTURE_LIB) $(FORMATS_LIB)
	$(msg) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(SPANCAP_LDLIBS)

# The capture's process table alone (it needs no BPF).
UNIT_TESTS += test_proc_table
$(BUILD)/obj/tests/test_proc_table.o: CFLAGS += -Ibpf -Icapture
$(BUILD)/tests/test_proc_table: $(BUILD)/obj/tests/test_proc_table.o $(BUILD)/obj/capture/proc_table.o
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

# Test programs driven by tests/integration/it_capture_core.sh.
CAPTURE_TEST_TOOLS := $(BUILD)/tests/capture_target $(BUILD)/tests/capture_check

# The process and thread spawner of tests/integration/it_capture_memory.sh.
CAPTURE_TEST_TOOLS += $(BUILD)/tests/churn_target
$(BUILD)/tests/churn_target: $(BUILD)/obj/tests/churn_target.o
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -Wl,--export-dynamic-symbol=otel_thread_ctx_v1 -o $@ $^ -pthread

# A worker thread that execs inside its span (tests/integration/it_capture_core.sh).
CAPTURE_TEST_TOOLS += $(BUILD)/tests/exec_thread
$(BUILD)/tests/exec_thread: $(BUILD)/obj/tests/exec_thread.o
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -Wl,--export-dynamic-symbol=otel_thread_ctx_v1 -o $@ $^ -pthread

# A step of CLOCK_REALTIME in one process, for tests/integration/it_capture_output.sh.
CAPTURE_TEST_TOOLS += $(BUILD)/tests/clock_step_shim.so
$(BUILD)/tests/clock_step_shim.so: tests/clock_step_shim.c
	$(msg) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

# The workloads of tests/integration/it_capture_load.sh.
CAPTURE_TEST_TOOLS += $(BUILD)/tests/load_workload
$(BUILD)/tests/load_workload: $(BUILD)/obj/tests/load_workload.o
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -pthread

# The self-counting syscall flood of tests/integration/it_capture_output.sh.
CAPTURE_TEST_TOOLS += $(BUILD)/tests/getppid_flood
$(BUILD)/tests/getppid_flood: $(BUILD)/obj/tests/getppid_flood.o
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -pthread

$(BUILD)/tests/capture_target: $(BUILD)/obj/tests/capture_target.o
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -Wl,--export-dynamic-symbol=otel_thread_ctx_v1 -o $@ $^

$(BUILD)/obj/tests/capture_check.o: CFLAGS += -Ibpf
$(BUILD)/tests/capture_check: $(BUILD)/obj/tests/capture_check.o $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS)

# ---------------------------------------------------------------------------------------------
# Top-level targets

ALL_BINS = $(FORMATS_LIB) $(SPANCAP) $(ANALYZE_BIN) $(SAMPLES_BINS) $(TEST_BINS) $(TEST_TOOLS) \
	$(CAPTURE_TEST_TOOLS) $(BENCH_BINS) $(FUZZ_BINS)

all: $(ALL_BINS)

# The end-to-end tour: capture the sample service for a few seconds, then analyze the file.
demo: all
	$(Q)samples/run_demo.sh $(BUILD)

# The unit suites run twice: plain, then under ASan + UBSan from a separate build directory.
test: all
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 OPT=-O1 \
		$(UNIT_TESTS:%=$(BUILD)/asan/tests/%)
	$(Q)tests/run_suites.sh $(BUILD)

# ---------------------------------------------------------------------------------------------
# install / uninstall: PREFIX (default /usr/local) and DESTDIR (a staging root for packages).
#
#   $(PREFIX)/sbin/spancap            loads BPF programs and reads other processes' memory
#                                     (CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE): an administrator's
#                                     tool, documented in man section 8, so sbin as for bpftool
#   $(PREFIX)/bin/spancap-analyze     offline, any user
#   $(MANDIR)/man1, man8              every man/*.1 and man/*.8 of the tree
#   $(WIRESHARK_PLUGIN_DIR)/spancap.lua   the dissector, where a Wireshark built with the same
#                                     prefix finds Lua plugins; Debian's Wireshark reads
#                                     /usr/lib/<multiarch>/wireshark/plugins (override the
#                                     variable) and any user's ~/.local/lib/wireshark/plugins

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
WIRESHARK_PLUGIN_DIR ?= $(PREFIX)/lib/wireshark/plugins
MAN1 := $(wildcard man/*.1)
MAN8 := $(wildcard man/*.8)
INSTALLED := $(DESTDIR)$(SBINDIR)/spancap $(DESTDIR)$(BINDIR)/spancap-analyze \
	$(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%) $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%) \
	$(DESTDIR)$(WIRESHARK_PLUGIN_DIR)/spancap.lua

install: $(SPANCAP) $(ANALYZE_BIN)
	$(msg) INSTALL $(DESTDIR)$(PREFIX)
	$(Q)install -D -m 0755 $(SPANCAP) $(DESTDIR)$(SBINDIR)/spancap
	$(Q)install -D -m 0755 $(ANALYZE_BIN) $(DESTDIR)$(BINDIR)/spancap-analyze
	$(Q)$(if $(MAN1),install -D -m 0644 -t $(DESTDIR)$(MANDIR)/man1 $(MAN1))
	$(Q)$(if $(MAN8),install -D -m 0644 -t $(DESTDIR)$(MANDIR)/man8 $(MAN8))
	$(Q)install -D -m 0644 dissector/spancap.lua $(DESTDIR)$(WIRESHARK_PLUGIN_DIR)/spancap.lua

uninstall:
	$(msg) UNINSTALL $(DESTDIR)$(PREFIX)
	$(Q)rm -f $(INSTALLED)

clean:
	rm -rf $(BUILD)

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

-include $(shell find $(BUILD)/obj $(SAMPLES_OUT) -name '*.d' 2>/dev/null)
