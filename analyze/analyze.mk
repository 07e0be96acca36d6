# SPDX-License-Identifier: BSD-2-Clause
# analyze/: spancap-analyze, the offline reconstruction (depends on formats/ only).

ANALYZE_INC :=
ANALYZE_LIB_SRCS := $(addprefix analyze/,ana_util.c export_facts.c ana_map.c latency_hist.c \
	syscall_table.c errno_names.c replay.c proc_state.c trace_index.c text_fmt.c json_out.c \
	syscall_fmt.c report_common.c report_rows.c cmd_info.c cmd_traces.c cmd_trace.c cmd_spans.c \
	cmd_syscalls.c cmd_processes.c cmd_io.c cmd_timeline.c cmd_export.c otlp_json.c \
	chrome_trace.c row_export.c cmd_filter.c redact.c output_file.c snaplen.c timeline_order.c)
ANALYZE_LIB_OBJS := $(ANALYZE_LIB_SRCS:%.c=$(BUILD)/obj/%.o)
ANALYZE_LIB := $(BUILD)/libspancap_analyze.a
ANALYZE_BIN := $(BUILD)/spancap-analyze
ANALYZE_LDLIBS = $(FORMATS_LDLIBS) -lm

$(ANALYZE_LIB): $(ANALYZE_LIB_OBJS)
	$(archive)

$(ANALYZE_BIN): $(BUILD)/obj/analyze/analyze_main.o $(ANALYZE_LIB) $(FORMATS_LIB)
$(ANALYZE_BIN): PROG_LDLIBS = $(ANALYZE_LDLIBS)
LIBS += $(ANALYZE_LIB)
PROGRAMS += $(ANALYZE_BIN)
BINARIES += $(ANALYZE_BIN)
