# SPDX-License-Identifier: BSD-2-Clause
# bench/: benchmarks (not run by make test, which runs only a smoke of them). `make bench-build`
# builds them and what they run (the binaries, the demo service); `make bench` runs the suite
# against peers and writes bench/RESULTS.md.

BENCH_BINS := $(BUILD)/bench/format_bench $(BUILD)/bench/analyze_bench

$(BUILD)/obj/bench/analyze_bench.o: CFLAGS += $(ANALYZE_INC)
$(BUILD)/bench/analyze_bench: $(BUILD)/obj/bench/analyze_bench.o $(ANALYZE_LIB) $(FORMATS_LIB)
$(BUILD)/bench/analyze_bench: PROG_LDLIBS = $(ANALYZE_LDLIBS)
$(BUILD)/bench/format_bench: $(BUILD)/obj/bench/format_bench.o $(FORMATS_LIB)
$(BUILD)/bench/format_bench: PROG_LDLIBS = $(FORMATS_LDLIBS)

# Per-syscall overhead of the capture (section 1 of bench/run_bench.sh; alone: `make bench-capture`).
# Its --floor objects: the empty programs (the floor) and the least work of a recorder (bound).
BENCH_BPF := $(BUILD)/gen/spancap_empty.bpf.o $(BUILD)/gen/spancap_bound.bpf.o
BENCH_BINS += $(BUILD)/bench/syscall_bench $(BENCH_BPF)

# It publishes its context through the samples/ writer library, linked in (local-exec).
$(BUILD)/obj/bench/syscall_bench.o: CFLAGS += -Isamples -Ibpf
$(BUILD)/bench/syscall_bench: $(BUILD)/obj/bench/syscall_bench.o $(WRITER_OBJS)
$(BUILD)/bench/syscall_bench: PROG_LDFLAGS = $(EXPORT_TLS)
$(BUILD)/bench/syscall_bench: PROG_LDLIBS = $(BPF_LDLIBS) -lpthread

# The user-space path (ring buffer -> recorder -> zstd file) fed by a synthetic BPF producer.
BENCH_BINS += $(BUILD)/bench/recorder_bench
$(BUILD)/obj/bench/recorder_bench.o: CFLAGS += $(CAPTURE_INC)
$(BUILD)/obj/bench/recorder_bench.o: $(BUILD)/gen/spancap_synth.skel.h
.SECONDARY: $(BUILD)/gen/spancap_synth.bpf.o
$(BUILD)/bench/recorder_bench: $(BUILD)/obj/bench/recorder_bench.o \
	$(BUILD)/obj/capture/capture_records.o $(BUILD)/obj/capture/flight_trigger.o $(FORMATS_LIB)
$(BUILD)/bench/recorder_bench: PROG_LDLIBS = $(BPF_LDLIBS) $(FORMATS_LDLIBS)

# The cost of the periodic re-check of observed processes (capture.c recheck()): section 5.
BENCH_BINS += $(BUILD)/bench/recheck_bench
$(BUILD)/obj/bench/recheck_bench.o: CFLAGS += $(CAPTURE_INC) -Isamples
$(BUILD)/bench/recheck_bench: $(BUILD)/obj/bench/recheck_bench.o $(BUILD)/obj/capture/ctx_source.o \
	$(RESOLVER_LIB) $(FORMATS_LIB) $(WRITER_OBJS)
$(BUILD)/bench/recheck_bench: PROG_LDLIBS = $(RESOLVER_LDLIBS) $(FORMATS_LDLIBS) -lpthread

# Short children spawned one after another: the capture's CPU per spawned process, section 10,
# and its kernel programs' time per spawn in a trace left out, section 12. Its thread context
# (-t) is the test programs' record (tests/otel_thread_record.h), its TLS slot exported as theirs.
BENCH_BINS += $(BUILD)/bench/spawn_bench
$(BUILD)/obj/bench/spawn_bench.o: CFLAGS += -Itests
$(BUILD)/bench/spawn_bench: $(BUILD)/obj/bench/spawn_bench.o
$(BUILD)/bench/spawn_bench: PROG_LDFLAGS = $(EXPORT_TLS)

PROGRAMS += $(filter-out %.bpf.o,$(BENCH_BINS))

.PHONY: bench bench-build bench-recorder bench-bpf bench-capture
BENCH_NEEDS := $(SPANCAP) $(ANALYZE_BIN) $(BENCH_BINS) $(SAMPLES_OUT)/spancap-demo-service
bench-build: $(BENCH_NEEDS)

bench-recorder: $(BUILD)/bench/recorder_bench
	$(Q)$(BUILD)/bench/recorder_bench -n 5000000

bench-bpf: $(SPANCAP) $(BUILD)/bench/syscall_bench $(BENCH_BPF)
	$(Q)bench/bpf_prog_cost.sh $(BUILD)

bench-capture: $(BENCH_NEEDS)
	$(Q)SECTIONS=syscall OPS="$(or $(OPS),getppid)" RESULTS=$(BUILD)/bench-capture.md \
		$(foreach v,ROUNDS CALLS INNER OLD,$(if $(value $(v)),$(v)='$($(v))')) \
		bench/run_bench.sh $(BUILD) && cat $(BUILD)/bench-capture.md

# The suite against peers (bench/run_bench.sh: knobs in its header) writes bench/RESULTS.md.
# The report quotes the command with the knobs given (from the environment or make's line).
BENCH_KNOBS := ROUNDS CALLS INNER SLOW_DIV OPS SYSCALL_CONFIGS SECTIONS OLD WORKLOAD_SECONDS \
	WORKLOAD_RATE WORKLOAD_THREADS RAMP_RATES STEP_SECONDS CPU_SECONDS BYTES_CALLS \
	REPLAY_EVENTS COMPONENT_RECORDS BENCH_SMOKE RESULTS RING_SECONDS RING_LONG_SECONDS RING_SIZE \
	SPLICE LARGE_RECORDS LARGE_ROUNDS LARGE_DIR
bench_command = $(strip $(foreach v,$(BENCH_KNOBS),$(if $(value $(v)),$(v)='$($(v))')) make bench)
bench: $(BENCH_NEEDS)
	$(Q)BENCH_COMMAND="$(bench_command)" $(foreach v,$(BENCH_KNOBS),$(if $(value $(v)),$(v)='$($(v))')) \
		bench/run_bench.sh $(BUILD)
