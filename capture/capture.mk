# SPDX-License-Identifier: BSD-2-Clause
# capture/: the capture binary build/spancap (kernel events -> formats/ records). It links the
# resolver library ($(RESOLVER_LIB)) and formats/, and includes the BPF skeleton.

SPANCAP_SRCS := $(addprefix capture/,capture.c capture_kernel.c capture_records.c \
	capture_scan.c ctx_source.c proc_table.c capture_stats.c capture_privs.c capture_output.c \
	syscall_select.c cgroup_select.c cgroup_paths.c exe_rules.c flight_ring.c flight_trigger.c)
SPANCAP_OBJS := $(SPANCAP_SRCS:%.c=$(BUILD)/obj/%.o)
SPANCAP := $(BUILD)/spancap
CAPTURE_INC := -Ibpf -Icapture -I$(RESOLVER_INC)
BPF_LDLIBS = $(call pkg_libs,libbpf libelf zlib)
# capture_privs.c: the capability sets through libcap
CAPS_LDLIBS = $(call pkg_libs,libcap)

$(SPANCAP_OBJS): CFLAGS += $(CAPTURE_INC)
$(BUILD)/obj/capture/capture_kernel.o: $(BPF_SKEL)

$(SPANCAP): $(SPANCAP_OBJS) $(RESOLVER_LIB) $(FORMATS_LIB)
$(SPANCAP): PROG_LDLIBS = $(BPF_LDLIBS) $(CAPS_LDLIBS) $(FORMATS_LDLIBS) $(RESOLVER_LDLIBS)
PROGRAMS += $(SPANCAP)
BINARIES += $(SPANCAP)
