# SPDX-License-Identifier: BSD-2-Clause
# analyze/: spancap-analyze, the offline reconstruction (depends on formats/ only).
#   engine/     the replay: inputs merged in time order into processes, threads, descriptors,
#               traces and spans, with the tables and small helpers the replay needs
#   reports/    the commands that print a replayed capture (text or JSON) and their formatting
#   exporters/  what writes a replayed capture for other tools or people: OTLP, Chrome trace,
#               CSV/JSONL rows, and filtered or redacted spancap files
# Each folder includes the headers of the folders above it in this list by bare name
# (-I$(ANALYZE_INC)); analyze_main.c, the command line, uses all three.

ANALYZE_INC := -Ianalyze/engine -Ianalyze/reports -Ianalyze/exporters
ANALYZE_ENGINE_SRCS := $(addprefix analyze/engine/,ana_util.c ana_map.c latency_hist.c \
	errno_names.c snaplen.c text_fmt.c replay.c proc_state.c trace_index.c \
	trace_spill.c spill_sort.c frame_select.c frame_select_fds.c)
ANALYZE_REPORTS_SRCS := $(addprefix analyze/reports/,json_out.c syscall_fmt.c output_file.c \
	report_common.c report_rows.c timeline_order.c cmd_info.c cmd_traces.c cmd_trace.c \
	cmd_spans.c cmd_syscalls.c cmd_processes.c cmd_io.c cmd_timeline.c)
ANALYZE_EXPORTERS_SRCS := $(addprefix analyze/exporters/,export_facts.c cmd_export.c \
	otlp_json.c chrome_trace.c row_export.c redact.c cmd_filter.c)
ANALYZE_LIB_SRCS := $(ANALYZE_ENGINE_SRCS) $(ANALYZE_REPORTS_SRCS) $(ANALYZE_EXPORTERS_SRCS)
ANALYZE_LIB_OBJS := $(ANALYZE_LIB_SRCS:%.c=$(BUILD)/obj/%.o)
ANALYZE_LIB := $(BUILD)/libspancap_analyze.a
ANALYZE_BIN := $(BUILD)/spancap-analyze
ANALYZE_LDLIBS = $(FORMATS_LDLIBS) -lm

$(ANALYZE_LIB_OBJS) $(BUILD)/obj/analyze/analyze_main.o: CFLAGS += $(ANALYZE_INC)

$(ANALYZE_LIB): $(ANALYZE_LIB_OBJS)
	$(archive)

$(ANALYZE_BIN): $(BUILD)/obj/analyze/analyze_main.o $(ANALYZE_LIB) $(FORMATS_LIB)
$(ANALYZE_BIN): PROG_LDLIBS = $(ANALYZE_LDLIBS)
LIBS += $(ANALYZE_LIB)
PROGRAMS += $(ANALYZE_BIN)
BINARIES += $(ANALYZE_BIN)
