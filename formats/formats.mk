# SPDX-License-Identifier: BSD-2-Clause
# formats/: the capture file format, writer and reader (shared by both binaries). Knows
# neither bpf/ nor capture/ nor analyze/.

FORMATS_SRCS := formats/record_codec.c formats/syscall_pack.c formats/file_writer.c \
	formats/file_reader.c formats/syscall_info.c formats/frame_workers.c \
	formats/frame_index.c formats/frame_index_fds.c formats/frame_index_file.c
FORMATS_OBJS := $(FORMATS_SRCS:%.c=$(BUILD)/obj/%.o)
FORMATS_LIB := $(BUILD)/libspancap_formats.a
FORMATS_LDLIBS = $(call pkg_libs,libpcap libzstd) -lpthread

$(FORMATS_LIB): $(FORMATS_OBJS)
	$(archive)

LIBS += $(FORMATS_LIB)
