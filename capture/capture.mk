# SPDX-License-Identifier: BSD-2-Clause
# capture/: the capture binary build/spancap (kernel events -> formats/ records). It links the
# resolver library ($(RESOLVER_LIB)) and formats/, and includes the BPF skeleton.

SPANCAP_SRCS := $(addprefix capture/,capture.c capture_kernel.c capture_records.c \
	capture_scan.c ctx_source.c proc_table.c capture_stats.c capture_privs.c capture_output.c \
	syscall_select.c)
SPANCAP_OBJS := $(SPANCAP_SRCS:%.c=$(BUILD)/obj/%.o)
SPANCAP := $(BUILD)/spancap
CAPTURE_INC := -Ibpf -Icapture -I$(RESOLVER_INC)
BPF_LDLIBS = $(call pkg_libs,libbpf libelf zlib)

$(SPANCAP_OBJS): CFLAGS += $(CAPTURE_INC)
$(BUILD)/obj/capture/capture_kernel.o: $(BPF_SKEL)
$(BUILD)/obj/capture/syscall_select.o: $(BUILD)/gen/syscall_names.h

# spancap -e names: the x86_64 syscall table of the C library's kernel headers.
$(BUILD)/gen/syscall_names.h:
	$(msg) GEN $@
	@mkdir -p $(@D)
	$(Q)$(CC) -E -dM -include asm/unistd_64.h - </dev/null | \
		sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/\t{"\1", \2},/p' | \
		sort -t, -k2 -n >$@.tmp && mv $@.tmp $@

$(SPANCAP): $(SPANCAP_OBJS) $(RESOLVER_LIB) $(FORMATS_LIB)
$(SPANCAP): PROG_LDLIBS = $(BPF_LDLIBS) $(FORMATS_LDLIBS) $(RESOLVER_LDLIBS)
PROGRAMS += $(SPANCAP)
BINARIES += $(SPANCAP)
