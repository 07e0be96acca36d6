# SPDX-License-Identifier: BSD-2-Clause
# tests/: one cmocka binary per module, and the programs the integration suites drive. Built by
# `make test-build` (and `make test`, which runs them all through tests/run_suites.sh).

# Unit suites by name: built in $(BUILD)/tests and, under ASan + UBSan, in $(BUILD)/asan/tests.
UNIT_TESTS := test_formats test_formats_packed test_formats_alloc test_samples_writer \
	test_analyze test_analyze_ctx test_export test_redact test_resolver test_proc_table \
	test_trace_sampling test_flight_ring test_trace_spill
TEST_BINS = $(UNIT_TESTS:%=$(BUILD)/tests/%)
CMOCKA_LIBS = $(call pkg_libs,cmocka)
# The analyzer's scenario builder (tests/analyze_scenario.c), shared by its suites and tools.
SCENARIO_OBJ := $(BUILD)/obj/tests/analyze_scenario.o
# The whole content of a file descriptor (tests/fd_contents.c), for the suites that write into
# a memfd.
FD_CONTENTS_OBJ := $(BUILD)/obj/tests/fd_contents.o
# What the analyzer's suites read back (tests/analyze_output.c): replays, reports, exports.
AOUT_OBJ := $(BUILD)/obj/tests/analyze_output.o
ANALYZE_TEST_LDLIBS = $(ANALYZE_LDLIBS) $(CMOCKA_LIBS)

$(addprefix $(BUILD)/obj/tests/,test_analyze.o test_analyze_ctx.o test_export.o \
	test_redact.o test_trace_spill.o analyze_output.o): CFLAGS += $(ANALYZE_INC)

$(BUILD)/tests/test_analyze: $(BUILD)/obj/tests/test_analyze.o $(SCENARIO_OBJ) \
	$(FD_CONTENTS_OBJ) $(ANALYZE_LIB) $(FORMATS_LIB)
$(BUILD)/tests/test_analyze: PROG_LDLIBS = $(ANALYZE_TEST_LDLIBS)
$(BUILD)/tests/test_analyze_ctx: $(BUILD)/obj/tests/test_analyze_ctx.o $(SCENARIO_OBJ) \
	$(AOUT_OBJ) $(ANALYZE_LIB) $(FORMATS_LIB)
$(BUILD)/tests/test_analyze_ctx: PROG_LDLIBS = $(ANALYZE_TEST_LDLIBS)
$(BUILD)/tests/test_export: $(BUILD)/obj/tests/test_export.o $(SCENARIO_OBJ) $(AOUT_OBJ) \
	$(ANALYZE_LIB) $(FORMATS_LIB)
$(BUILD)/tests/test_export: PROG_LDLIBS = $(ANALYZE_TEST_LDLIBS)
$(BUILD)/tests/test_trace_spill: $(BUILD)/obj/tests/test_trace_spill.o $(SCENARIO_OBJ) \
	$(AOUT_OBJ) $(ANALYZE_LIB) $(FORMATS_LIB)
$(BUILD)/tests/test_trace_spill: PROG_LDLIBS = $(ANALYZE_TEST_LDLIBS)
$(BUILD)/tests/test_redact: $(BUILD)/obj/tests/test_redact.o $(ANALYZE_LIB) $(FORMATS_LIB)
$(BUILD)/tests/test_redact: PROG_LDLIBS = $(FORMATS_LDLIBS) $(CMOCKA_LIBS)

# What the C library's kernel headers number each syscall, for test_formats to check
# formats/syscall_list.h against.
$(BUILD)/obj/tests/test_formats.o: $(BUILD)/gen/libc_syscall_numbers.h
$(BUILD)/gen/libc_syscall_numbers.h:
	$(msg) GEN $@
	@mkdir -p $(@D)
	$(Q)$(CC) -E -dM -include asm/unistd_64.h - </dev/null | \
		sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/\t{"\1", \2},/p' | \
		sort -t, -k2 -n >$@.tmp && mv $@.tmp $@

$(BUILD)/tests/test_formats: $(BUILD)/obj/tests/test_formats.o $(FD_CONTENTS_OBJ) $(FORMATS_LIB)
$(BUILD)/tests/test_formats: PROG_LDLIBS = $(FORMATS_LDLIBS) $(CMOCKA_LIBS)
$(BUILD)/tests/test_formats_packed: $(BUILD)/obj/tests/test_formats_packed.o $(FD_CONTENTS_OBJ) \
	$(FORMATS_LIB)
$(BUILD)/tests/test_formats_packed: PROG_LDLIBS = $(FORMATS_LDLIBS) $(CMOCKA_LIBS)

# Allocation failure injection: formats/ with its malloc/calloc/realloc calls wrapped. libzstd
# and libpcap are linked statically here so that their allocations go through the wrappers
# too (libpcap.a needs libdbus, which libpcap's runtime package already installs).
$(BUILD)/tests/test_formats_alloc: $(BUILD)/obj/tests/test_formats_alloc.o $(FORMATS_LIB)
$(BUILD)/tests/test_formats_alloc: PROG_LDFLAGS = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
$(BUILD)/tests/test_formats_alloc: PROG_LDLIBS = -Wl,-Bstatic -lpcap -lzstd -Wl,-Bdynamic \
	-l:libdbus-1.so.3 -pthread $(CMOCKA_LIBS)

# The writer library in-process, linked from its objects (plain or ASan build alike).
$(BUILD)/obj/tests/test_samples_writer.o: CFLAGS += -Isamples
$(BUILD)/tests/test_samples_writer: $(BUILD)/obj/tests/test_samples_writer.o $(WRITER_OBJS) \
	$(BUILD)/obj/samples/proc_ctx_decode.o
$(BUILD)/tests/test_samples_writer: PROG_LDLIBS = $(CMOCKA_LIBS) -lpthread

# The resolver suite: unit tests on in-memory inputs, ELF classification of the fixtures, live
# resolution of fixture processes. One cmocka binary; fixtures are found next to it
# ($(BUILD)/tests/../fixtures, tests/fixtures/fixtures.mk).
RESOLVER_TEST_SRCS := $(addprefix tests/,test_resolver.c test_resolver_maps.c \
	test_resolver_pctx.c test_resolver_attrs.c test_resolver_elf.c test_resolver_resolve.c \
	test_resolver_cache.c test_resolver_live.c)
RESOLVER_TEST_OBJS := $(RESOLVER_TEST_SRCS:%.c=$(BUILD)/obj/%.o)
$(RESOLVER_TEST_OBJS): CFLAGS += -I$(RESOLVER_INC)
$(BUILD)/tests/test_resolver: $(RESOLVER_TEST_OBJS) $(RESOLVER_LIB) $(RESOLVER_FIXTURES)
$(BUILD)/tests/test_resolver: PROG_LDLIBS = $(RESOLVER_LDLIBS) $(CMOCKA_LIBS)

# The capture's process table alone (it needs no BPF).
$(BUILD)/obj/tests/test_proc_table.o: CFLAGS += $(CAPTURE_INC)
$(BUILD)/tests/test_proc_table: $(BUILD)/obj/tests/test_proc_table.o \
	$(BUILD)/obj/capture/proc_table.o
$(BUILD)/tests/test_proc_table: PROG_LDLIBS = $(CMOCKA_LIBS)
# The flight recorder's ring of segments and its triggers (--ring), without BPF.
$(BUILD)/obj/tests/test_flight_ring.o: CFLAGS += $(CAPTURE_INC)
$(BUILD)/tests/test_flight_ring: $(BUILD)/obj/tests/test_flight_ring.o \
	$(BUILD)/obj/capture/flight_ring.o $(BUILD)/obj/capture/flight_trigger.o
$(BUILD)/tests/test_flight_ring: PROG_LDLIBS = $(CMOCKA_LIBS)

# The trace-sampling rule of bpf/spancap_abi.h (run by the BPF program) against fixed vectors.
$(BUILD)/obj/tests/test_trace_sampling.o: CFLAGS += -Ibpf
$(BUILD)/tests/test_trace_sampling: $(BUILD)/obj/tests/test_trace_sampling.o
$(BUILD)/tests/test_trace_sampling: PROG_LDLIBS = $(CMOCKA_LIBS)

# Tools: sample files for the formats and analyzer suites, and the resolver's answer for a live
# process (checked by the samples suite against the addresses each sample thread reports).
TEST_TOOLS := $(BUILD)/tests/formats_sample_gen $(BUILD)/tests/analyze_scenario_gen \
	$(BUILD)/tests/resolver_probe $(BUILD)/tests/fd_churn_gen
$(BUILD)/tests/fd_churn_gen: $(BUILD)/obj/tests/fd_churn_gen.o $(FORMATS_LIB)
$(BUILD)/tests/fd_churn_gen: PROG_LDLIBS = $(FORMATS_LDLIBS)
$(BUILD)/tests/formats_sample_gen: $(BUILD)/obj/tests/formats_sample_gen.o $(FORMATS_LIB)
$(BUILD)/tests/formats_sample_gen: PROG_LDLIBS = $(FORMATS_LDLIBS)
$(BUILD)/tests/analyze_scenario_gen: $(BUILD)/obj/tests/analyze_scenario_gen.o $(SCENARIO_OBJ) \
	$(FORMATS_LIB)
$(BUILD)/tests/analyze_scenario_gen: PROG_LDLIBS = $(FORMATS_LDLIBS)
$(BUILD)/obj/tests/resolver_probe.o: CFLAGS += -I$(RESOLVER_INC)
$(BUILD)/tests/resolver_probe: $(BUILD)/obj/tests/resolver_probe.o $(RESOLVER_LIB)
$(BUILD)/tests/resolver_probe: PROG_LDLIBS = $(RESOLVER_LDLIBS)

# The programs the capture suites run (tests/integration/it_capture_*.sh): the target and
# checker of it_capture_core, a worker thread that execs inside its span (core), a process
# that forks before it can be resolved and one that exits before its re-resolution (core), one
# whose first syscall is in a span (process_facts), one that runs a command in a span and
# outside and one that loads a writer late (sampling), the
# process and thread spawner of it_capture_memory, the workloads of it_capture_load, the
# self-counting syscall flood of it_capture_output and the command-driven workload of
# it_capture_ring.
CAPTURE_TEST_TOOLS := $(addprefix $(BUILD)/tests/,capture_target capture_check exec_thread \
	fork_early exit_early exec_ctx_first span_spawn late_writer churn_target load_workload \
	getppid_flood ring_workload)
$(BUILD)/tests/capture_target: $(BUILD)/obj/tests/capture_target.o
$(BUILD)/tests/capture_target: PROG_LDFLAGS = $(EXPORT_TLS)
$(BUILD)/tests/fork_early: $(BUILD)/obj/tests/fork_early.o
$(BUILD)/tests/fork_early: PROG_LDFLAGS = $(EXPORT_TLS)
$(BUILD)/tests/exec_ctx_first: $(BUILD)/obj/tests/exec_ctx_first.o
$(BUILD)/tests/exec_ctx_first: PROG_LDFLAGS = $(EXPORT_TLS)
$(BUILD)/tests/span_spawn: $(BUILD)/obj/tests/span_spawn.o
$(BUILD)/tests/span_spawn: PROG_LDFLAGS = $(EXPORT_TLS)
# The samples' writer, dlopen'ed (samples/demo_writer_dlopen.c), as spancap-fork-ctx loads it.
$(BUILD)/obj/tests/late_writer.o: CFLAGS += -Isamples
$(BUILD)/tests/late_writer: $(BUILD)/obj/tests/late_writer.o \
	$(SAMPLES_OUT)/pie/demo_writer_dlopen.o
$(BUILD)/tests/late_writer: PROG_LDLIBS = -ldl
$(BUILD)/tests/exit_early: $(BUILD)/obj/tests/exit_early.o
$(BUILD)/tests/exit_early: PROG_LDFLAGS = $(EXPORT_TLS)
$(BUILD)/tests/exec_thread: $(BUILD)/obj/tests/exec_thread.o
$(BUILD)/tests/exec_thread: PROG_LDFLAGS = $(EXPORT_TLS)
$(BUILD)/tests/exec_thread: PROG_LDLIBS = -pthread
$(BUILD)/tests/churn_target: $(BUILD)/obj/tests/churn_target.o
$(BUILD)/tests/churn_target: PROG_LDFLAGS = $(EXPORT_TLS)
$(BUILD)/tests/churn_target: PROG_LDLIBS = -pthread
$(BUILD)/tests/load_workload: $(BUILD)/obj/tests/load_workload.o
$(BUILD)/tests/load_workload: PROG_LDLIBS = -pthread
$(BUILD)/tests/getppid_flood: $(BUILD)/obj/tests/getppid_flood.o
$(BUILD)/tests/getppid_flood: PROG_LDLIBS = -pthread
# The workload of tests/integration/it_capture_ring.sh (the flight recorder).
$(BUILD)/tests/ring_workload: $(BUILD)/obj/tests/ring_workload.o
$(BUILD)/tests/ring_workload: PROG_LDFLAGS = $(EXPORT_TLS)
$(BUILD)/obj/tests/capture_check.o: CFLAGS += -Ibpf
$(BUILD)/tests/capture_check: $(BUILD)/obj/tests/capture_check.o $(FORMATS_LIB)
$(BUILD)/tests/capture_check: PROG_LDLIBS = $(FORMATS_LDLIBS)

# A step of CLOCK_REALTIME in one process, for tests/integration/it_capture_output.sh.
CAPTURE_TEST_TOOLS += $(BUILD)/tests/clock_step_shim.so
$(BUILD)/tests/clock_step_shim.so: tests/clock_step_shim.c
	$(msg) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

PROGRAMS += $(TEST_BINS) $(filter-out %.so,$(TEST_TOOLS) $(CAPTURE_TEST_TOOLS))
