# SPDX-License-Identifier: BSD-2-Clause
# bpf/: the kernel side. vmlinux.h is generated from the running kernel's BTF (never edited,
# never committed); the object is compiled with clang and turned into a libbpf skeleton that
# only capture/ (and the benchmarks) include. bpf/spancap_abi.h is the one header both sides
# compile.

VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BPF_CFLAGS := -target bpf -g -O2 -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I$(BUILD)/gen -Ibpf \
	-Iformats
BPF_SKEL := $(BUILD)/gen/spancap.skel.h

$(BUILD)/gen/vmlinux.h:
	$(msg) BTF $@
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.bpf.o: bpf/%.bpf.c bpf/spancap_abi.h formats/syscall_list.h $(BUILD)/gen/vmlinux.h
	$(msg) BPF $<
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/gen/%.skel.h: $(BUILD)/gen/%.bpf.o
	$(msg) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name $* >$@.tmp && mv $@.tmp $@
