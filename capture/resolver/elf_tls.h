/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elf_tls.h - static facts about one ELF module for finding the OTEP 4947 TLS variable
 * `otel_thread_ctx_v1`: whether the module defines it (and where in its TLS block), its PT_TLS
 * segment, its type (executable or not) and which TLS relocation, if any, names the variable.
 * See docs/TLS_RESOLUTION.md, sections 2 and 3. x86_64 (ELFCLASS64, EM_X86_64).
 *
 * Every input is untrusted: the header, program and section header tables, the dynamic section
 * and the relocation tables are checked against the file size before use. Errors:
 *   -ENOEXEC          not an ELF file
 *   -EPROTONOSUPPORT  an ELF this reader does not handle (32-bit, big-endian, not x86_64)
 *   -ENODATA          a table or segment extends past the end of the file (truncated file)
 *   -EBADMSG          inconsistent values (entry sizes, absurd counts, indexes out of range)
 *   -ENOMEM, -EIO, -ENOENT ...  the environment failed
 * The message names the file, the byte offset and the values compared.
 */
#ifndef SPANCAP_ELF_TLS_H
#define SPANCAP_ELF_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define ELFTLS_SYMBOL "otel_thread_ctx_v1"
#define ELFTLS_SYMBOL_SIZE 8

/* x86_64 TLS relocation types (ELF x86-64 psABI). */
#define ELFTLS_R_DTPMOD64 16
#define ELFTLS_R_DTPOFF64 17
#define ELFTLS_R_TPOFF64 18
#define ELFTLS_R_TLSDESC 36

/* Caps on what a sane module has: beyond them a file is rejected as corrupt. */
#define ELFTLS_MAX_PHDRS 4096
#define ELFTLS_MAX_SHDRS 65280
#define ELFTLS_MAX_SYMS (1u << 24)
#define ELFTLS_MAX_RELAS (1u << 24)
#define ELFTLS_MAX_DYNS 65536

enum elftls_model {
	ELFTLS_MODEL_NONE = 0,
	ELFTLS_MODEL_TLSDESC, /* R_X86_64_TLSDESC: GOT holds {resolver, arg} */
	ELFTLS_MODEL_GD,      /* R_X86_64_DTPMOD64 (+ DTPOFF64): GOT holds {modid, offset} */
	ELFTLS_MODEL_IE,      /* R_X86_64_TPOFF64: GOT holds the TP-relative offset */
};

enum elftls_table {
	ELFTLS_TABLE_NONE = 0,
	ELFTLS_TABLE_RELA_DYN, /* DT_RELA */
	ELFTLS_TABLE_RELA_PLT, /* DT_JMPREL */
};

/* The relocation the resolver will follow for one module. */
struct elftls_reloc {
	enum elftls_model model;
	enum elftls_table table;
	uint64_t got;	  /* r_offset: TLSDESC descriptor, DTPMOD64 slot, or TPOFF64 slot */
	uint64_t got_off; /* GD only: r_offset of the DTPOFF64 slot (got + 8 when not relocated) */
	bool by_addend;	  /* symbol 0 with addend == S (a non-preemptible definition) */
};

struct elftls_info {
	uint16_t e_type;  /* ET_EXEC or ET_DYN */
	bool pie;	  /* ET_DYN with DF_1_PIE in DT_FLAGS_1 */
	bool executable;  /* ET_EXEC, or pie: local-exec applies */
	bool has_dynamic; /* PT_DYNAMIC present */
	bool has_dt_debug;
	uint64_t dynamic_vaddr; /* PT_DYNAMIC p_vaddr (the loaded copy is at bias + this) */
	uint64_t dynamic_memsz;
	bool has_load;
	uint64_t load_vaddr; /* first PT_LOAD p_vaddr and p_offset, for the load bias */
	uint64_t load_offset;
	bool has_tls; /* PT_TLS */
	uint64_t tls_vaddr, tls_filesz, tls_memsz, tls_align;

	/* The definition: a defined STT_TLS otel_thread_ctx_v1 of size 8. */
	bool defines;
	bool sym_in_symtab; /* found in .symtab only (no .dynsym entry) */
	uint64_t sym_value; /* S: offset inside the module's TLS block */
	struct elftls_reloc def;

	/* A reference to otel_thread_ctx_v1 defined in another module (undefined here). */
	bool references;
	struct elftls_reloc ref;

	/* glibc's libthread_db descriptors ({bits, count, byte offset}), found in libc.so.6. */
	bool has_tdb;
	uint32_t tdb_l_tls_offset[3];
	uint32_t tdb_l_tls_modid[3];

	/* Why a symbol of that name was not accepted (wrong type, size...), or "". */
	char rejected[160];
};

/* Reads the module at path (opened read-only). name labels messages (NULL: path). */
int elftls_from_file(const char *path, const char *name, struct elftls_info *out, char *err,
		     size_t errlen);
/* Same from a file image in memory (fuzzers, tests). */
int elftls_from_memory(const void *img, size_t len, const char *name, struct elftls_info *out,
		       char *err, size_t errlen);
/*
 * The start of a read of the module at path, shared by elftls_from_file() and elf_cache.h:
 * zeroes *out, makes *name path when it is NULL, opens path read-only and fstat()s it. Returns
 * the descriptor (the caller closes it) and fills *st, or a negative errno with a message naming
 * *name and path. elftls_from_fd() then reads it; elf_cache.h looks the file up by *st in between.
 */
int elftls_open_module(const char *path, const char **name, struct stat *st,
		       struct elftls_info *out, char *err, size_t errlen);
/* Reads the module open on fd, st being what fstat() said of it. name labels messages. */
int elftls_from_fd(int fd, const struct stat *st, const char *name, struct elftls_info *out,
		   char *err, size_t errlen);

const char *elftls_model_name(enum elftls_model m);
const char *elftls_table_name(enum elftls_table t);

#endif /* SPANCAP_ELF_TLS_H */
