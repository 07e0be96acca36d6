# SPDX-License-Identifier: BSD-2-Clause
#
# spancap: one non-recursive build. This file holds the toolchain, the flags, the generic rules
# and the top-level targets; each folder describes its own outputs in a fragment included below,
# in dependency order. Every output goes under $(BUILD) (default build/).
#
#   make            the two binaries (build/spancap, build/spancap-analyze) and their libraries
#   make deps       install the Debian packages the project needs (only the missing ones)
#   make demo       deps, then build, capture the sample service for a few seconds, analyze it
#   make test       deps, then build everything below and run every test suite, then the unit
#                   suites again under ASan + UBSan
#   make test-build everything make test runs: binaries, samples, tests, fixtures, fuzzers, bench
#   make samples / fixtures / fuzz-build / bench-build   one part of it
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS
#   make bench      run the benchmarks and write bench/RESULTS.md
#   make dissector-tables  rewrite the generated tables of dissector/spancap.lua
#   V=1             show the commands
#
# Compiling never installs anything: `make deps` does, and `make demo` and `make test` (the
# README's two commands) run it first, so a fresh Debian 12 machine needs no manual step.
# SAN=1 builds with AddressSanitizer and UBSan.

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
MUSL_CC ?= musl-gcc
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

# Debian packages: build, test and interoperability tools.
DEB_PKGS := gcc make pkg-config clang llvm lld libbpf-dev bpftool libelf-dev zlib1g-dev \
	libcap-dev libpcap-dev libzstd-dev libcmocka-dev zstd tshark tcpdump musl-tools \
	libclang-rt-14-dev python3 jq binutils nodejs groff-base man-db bpftrace \
	strace linux-perf time sqlite3
# npm (tests/otlp_check: the OpenTelemetry protobuf definitions): Debian's package, unless the
# installed nodejs brings npm itself (as NodeSource's does).
DEB_PKGS += $(if $(shell command -v npm 2>/dev/null),,npm)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# pkg-config is evaluated lazily (recursive variables), when a recipe runs.
PKG_LIBS := libbpf libelf libpcap libzstd libcap
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
# SAN=thread: ThreadSanitizer, for the reader's worker threads (make test-tsan)
ifeq ($(SAN),thread)
BASE_CFLAGS += -fsanitize=thread -fno-omit-frame-pointer
SAN_LDFLAGS := -fsanitize=thread
endif
CFLAGS = $(BASE_CFLAGS) $(call pkg_cflags,$(PKG_LIBS)) $(EXTRA_CFLAGS)
LDFLAGS = $(SAN_LDFLAGS) $(EXTRA_LDFLAGS)
# An executable that defines otel_thread_ctx_v1 must still put it in .dynsym.
EXPORT_TLS := -Wl,--export-dynamic-symbol=otel_thread_ctx_v1

.PHONY: all deps test test-build test-tsan demo clean install uninstall fmt
.DEFAULT_GOAL := all

# ---------------------------------------------------------------------------------------------
# deps: install missing Debian packages (never touches what is already there)

deps:
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

# ---------------------------------------------------------------------------------------------
# Generic rules. Every object mirrors its source path under $(BUILD)/obj. Every static library
# is archived by $(archive). Every program of the host compiler is one entry of $(PROGRAMS),
# linked by the one rule at the end of this file from the objects and libraries it depends on,
# with its own PROG_LDFLAGS and PROG_LDLIBS (target-specific variables).

$(BUILD)/obj/%.o: %.c
	$(msg) CC $<
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

define archive
	$(msg) AR $@
	$(Q)$(AR) rcs $@ $^
endef

LIBS :=
PROGRAMS :=
BINARIES :=

# ---------------------------------------------------------------------------------------------
# The folders, each after what it uses.

include formats/formats.mk
include bpf/bpf.mk
include capture/resolver/resolver.mk
include capture/capture.mk
include analyze/analyze.mk
include dissector/dissector.mk
include samples/samples.mk
include tests/fixtures/fixtures.mk
include tests/tests.mk
include tests/fuzz/fuzz.mk
include bench/bench.mk

# The one link rule of $(PROGRAMS).
$(PROGRAMS):
	$(msg) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $(PROG_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(PROG_LDLIBS)

# ---------------------------------------------------------------------------------------------
# Top-level targets

all: $(BINARIES) $(LIBS)

test-build: all samples fixtures $(TEST_BINS) $(TEST_TOOLS) $(CAPTURE_TEST_TOOLS) fuzz-build \
	bench-build

# The end-to-end tour: capture the sample service for a few seconds, then analyze the file.
demo:
	$(Q)$(MAKE) --no-print-directory deps
	$(Q)$(MAKE) --no-print-directory all samples
	$(Q)samples/run_demo.sh $(BUILD)

# The unit suites run twice: plain, then under ASan + UBSan from a separate build directory.
test:
	$(Q)$(MAKE) --no-print-directory deps
	$(Q)$(MAKE) --no-print-directory test-build
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 OPT=-O1 \
		$(UNIT_TESTS:%=$(BUILD)/asan/tests/%)
	$(Q)tests/run_suites.sh $(BUILD)

# The reader's worker threads under ThreadSanitizer (the formats suite reads every file of its
# threaded tests with and without them), and the spill sorter's thread (test_trace_spill).
test-tsan:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/tsan SAN=thread OPT=-O1 \
		$(BUILD)/tsan/tests/test_formats $(BUILD)/tsan/tests/test_trace_spill
	$(Q)$(BUILD)/tsan/tests/test_formats
	$(Q)$(BUILD)/tsan/tests/test_trace_spill

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
