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
	libpcap-dev libzstd-dev libcmocka-dev zstd tshark tcpdump musl-tools
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# pkg-config is evaluated lazily (recursive variables), after `deps` has installed it.
PKG_LIBS := libbpf libelf libpcap libzstd
pkg_cflags = $(shell pkg-config --cflags $(1))
pkg_libs = $(shell pkg-config --libs $(1))

OPT ?= -O2
WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
	-Wvla -Wpointer-arith -Wundef
BASE_CFLAGS := -std=gnu11 $(OPT) -g -fno-strict-aliasing $(WARN) -D_GNU_SOURCE \
	-Iformats -I$(BUILD)/gen
ifeq ($(SAN),1)
BASE_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_LDFLAGS := -fsanitize=address,undefined
endif
CFLAGS = $(BASE_CFLAGS) $(call pkg_cflags,$(PKG_LIBS)) $(EXTRA_CFLAGS)
LDFLAGS = $(SAN_LDFLAGS) $(EXTRA_LDFLAGS)

DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all deps test demo bench clean install fmt
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

FORMATS_SRCS := formats/record_codec.c formats/file_writer.c formats/file_reader.c
FORMATS_OBJS := $(FORMATS_SRCS:%.c=$(BUILD)/obj/%.o)
FORMATS_LIB := $(BUILD)/libspancap_formats.a
FORMATS_LDLIBS = $(call pkg_libs,libpcap libzstd)

$(FORMATS_LIB): $(FORMATS_OBJS)
	$(msg) AR $@
	$(Q)$(AR) rcs $@ $^

# ---------------------------------------------------------------------------------------------
# analyze/: spancap-analyze, the offline reconstruction (depends on formats/ only)

ANALYZE_LIB_SRCS := analyze/ana_map.c analyze/latency_hist.c analyze/syscall_table.c \
	analyze/errno_names.c analyze/replay.c analyze/proc_state.c analyze/trace_index.c \
	analyze/text_fmt.c analyze/json_out.c analyze/syscall_fmt.c analyze/report_common.c \
	analyze/cmd_info.c analyze/cmd_traces.c analyze/cmd_trace.c analyze/cmd_spans.c \
	analyze/cmd_syscalls.c analyze/cmd_processes.c analyze/cmd_io.c analyze/cmd_timeline.c
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

TEST_BINS := $(BUILD)/tests/test_formats $(BUILD)/tests/test_analyze
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

$(BUILD)/tests/test_formats: $(BUILD)/obj/tests/test_formats.o $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS) $(CMOCKA_LIBS)

# ---------------------------------------------------------------------------------------------
# Top-level targets

ALL_BINS := $(FORMATS_LIB) $(ANALYZE_BIN) $(TEST_BINS) $(TEST_TOOLS) $(BENCH_BINS)

all: $(ALL_BINS)

# The unit suites run twice: plain, then under ASan + UBSan from a separate build directory.
test: all
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 OPT=-O1 $(BUILD)/asan/tests/test_formats \
		$(BUILD)/asan/tests/test_analyze
	$(Q)tests/run_suites.sh $(BUILD)

clean:
	rm -rf $(BUILD)

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------------------------------------
# bench/: benchmarks (not run by make test; `make bench` runs them)

BENCH_BINS := $(BUILD)/bench/format_bench $(BUILD)/bench/analyze_bench

$(BUILD)/bench/format_bench: $(BUILD)/obj/bench/format_bench.o $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS)

$(BUILD)/bench/analyze_bench: $(BUILD)/obj/bench/analyze_bench.o $(ANALYZE_LIB) $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS) -lm
