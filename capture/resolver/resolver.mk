# SPDX-License-Identifier: BSD-2-Clause
# capture/resolver/: the TLS resolver library. /proc/PID/maps, target memory, ELF TLS
# classification, per-process TLS resolution (docs/TLS_RESOLUTION.md), the OTEP 4719 process
# context reader and the OTEP 4947 attrs_data rules. No main(), no BPF, nothing from formats/.
# Its users add -I$(RESOLVER_INC) and link $(RESOLVER_LIB) with $(RESOLVER_LDLIBS).

RESOLVER_INC := capture/resolver
RESOLVER_SRCS := $(addprefix capture/resolver/,proc_maps.c target_memory.c elf_tls.c \
	elf_cache.c tls_resolve.c process_context.c thread_ctx_attrs.c)
RESOLVER_OBJS := $(RESOLVER_SRCS:%.c=$(BUILD)/obj/%.o)
RESOLVER_LIB := $(BUILD)/libspancap_resolver.a
RESOLVER_LDLIBS = $(call pkg_libs,libelf)

$(RESOLVER_LIB): $(RESOLVER_OBJS)
	$(archive)

LIBS += $(RESOLVER_LIB)
