# SPDX-License-Identifier: BSD-2-Clause
# dissector/: spancap.lua is installed as is; its errno and syscall tables are a generated
# section, written by lua_tables from analyze/'s errno names and formats/syscall_list.h.
# `make dissector-tables` rewrites it; tests/integration/it_dissector.sh fails when it is stale.

LUA_TABLES := $(BUILD)/dissector/lua_tables
$(BUILD)/obj/dissector/lua_tables.o: CFLAGS += $(ANALYZE_INC)
$(LUA_TABLES): $(BUILD)/obj/dissector/lua_tables.o $(ANALYZE_LIB) $(FORMATS_LIB)
$(LUA_TABLES): PROG_LDLIBS = $(FORMATS_LDLIBS)
PROGRAMS += $(LUA_TABLES)
test-build: $(LUA_TABLES)

.PHONY: dissector-tables
dissector-tables: $(LUA_TABLES)
	$(Q)$(LUA_TABLES) --write dissector/spancap.lua
