# SPDX-License-Identifier: BSD-2-Clause
# tests/fuzz/: libFuzzer targets (clang), each compiled whole from its sources. `make fuzz-build`
# builds them, `make fuzz` runs each for FUZZ_SECONDS; make test runs a short smoke of each
# plus every regression input (tests/integration/it_fuzz_smoke.sh).

FUZZ_FORMATS_TARGETS := fuzz_file_reader fuzz_frame_index fuzz_record_decoder
# Targets on the resolver's parsers of hostile input (process memory, ELF, /proc text).
FUZZ_RESOLVER_TARGETS := fuzz_process_context fuzz_thread_ctx_attrs fuzz_elf_tls fuzz_proc_maps
FUZZ_TARGETS := $(FUZZ_FORMATS_TARGETS) $(FUZZ_RESOLVER_TARGETS)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -std=gnu11 -g -O1 $(WARN) -D_GNU_SOURCE -Iformats \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

$(FUZZ_FORMATS_TARGETS:%=$(BUILD)/fuzz/%): $(BUILD)/fuzz/%: tests/fuzz/%.c $(FORMATS_SRCS) \
		formats/*.h
	$(msg) FUZZ $@
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(FORMATS_LDLIBS)

$(FUZZ_RESOLVER_TARGETS:%=$(BUILD)/fuzz/%): $(BUILD)/fuzz/%: tests/fuzz/%.c $(RESOLVER_SRCS) \
		$(RESOLVER_INC)/*.h
	$(msg) FUZZ $@
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -I$(RESOLVER_INC) -o $@ $(filter %.c,$^) $(RESOLVER_LDLIBS)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)
fuzz: $(FUZZ_BINS) $(TEST_TOOLS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run_fuzzers.sh $(BUILD)
