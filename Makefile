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
	python3
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
# tests/: one cmocka binary per module; tests/run_suites.sh runs them all.

TEST_BINS := $(BUILD)/tests/test_formats
TEST_TOOLS := $(BUILD)/tests/formats_sample_gen
CMOCKA_LIBS = $(call pkg_libs,cmocka)

$(BUILD)/tests/formats_sample_gen: $(BUILD)/obj/tests/formats_sample_gen.o $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS)

$(BUILD)/tests/test_formats: $(BUILD)/obj/tests/test_formats.o $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS) $(CMOCKA_LIBS)

# ---------------------------------------------------------------------------------------------
# tests/fuzz/: libFuzzer targets (clang). `make fuzz` runs each for FUZZ_SECONDS; make test runs
# a short smoke of each plus every regression input (tests/integration/it_fuzz_smoke.sh).

FUZZ_TARGETS := fuzz_file_reader fuzz_record_decoder
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
# Top-level targets

ALL_BINS := $(FORMATS_LIB) $(TEST_BINS) $(TEST_TOOLS) $(BENCH_BINS) $(FUZZ_BINS)

all: $(ALL_BINS)

# The unit suites run twice: plain, then under ASan + UBSan from a separate build directory.
test: all
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 OPT=-O1 $(BUILD)/asan/tests/test_formats
	$(Q)tests/run_suites.sh $(BUILD)

clean:
	rm -rf $(BUILD)

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------------------------------------
# bench/: benchmarks (not run by make test; `make bench` runs them)

BENCH_BINS := $(BUILD)/bench/format_bench

$(BUILD)/bench/format_bench: $(BUILD)/obj/bench/format_bench.o $(FORMATS_LIB)
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS)
