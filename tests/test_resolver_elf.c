// SPDX-License-Identifier: BSD-2-Clause
/* test_resolver_elf.c - capture/resolver/elf_tls.c on the fixtures and on damaged ELF images. */
#include "test_resolver.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "elf_tls.h"

static void load(const char *fixture, struct elftls_info *info)
{
	char err[TR_ERRLEN] = "";
	const char *path = tr_fixture(fixture);

	if (elftls_from_file(path, NULL, info, err, sizeof(err)))
		fail_msg("%s: %s", fixture, err);
}

/* A library defining the symbol with a given relocation in a given table. */
static void expect_lib(const char *fixture, enum elftls_model model, enum elftls_table table)
{
	struct elftls_info i;

	load(fixture, &i);
	assert_int_equal(i.e_type, ET_DYN);
	assert_false(i.pie);
	assert_false(i.executable);
	assert_true(i.defines);
	assert_false(i.sym_in_symtab);
	assert_true(i.has_tls);
	assert_true(i.sym_value + 8 <= i.tls_memsz);
	if (i.def.model != model || i.def.table != table)
		fail_msg("%s: got %s in %s, expected %s in %s", fixture,
			 elftls_model_name(i.def.model), elftls_table_name(i.def.table),
			 elftls_model_name(model), elftls_table_name(table));
	assert_false(i.def.by_addend);
	if (model != ELFTLS_MODEL_NONE)
		assert_true(i.def.got != 0);
	if (model == ELFTLS_MODEL_GD)
		assert_int_equal(i.def.got_off, i.def.got + 8);
}

static void test_elf_lib_gnu2_ld_rela_plt(void **state)
{
	(void)state;
	expect_lib("libtlsfix_gnu2.so", ELFTLS_MODEL_TLSDESC, ELFTLS_TABLE_RELA_PLT);
}

static void test_elf_lib_gnu2_lld_rela_dyn(void **state)
{
	(void)state;
	expect_lib("libtlsfix_gnu2_lld.so", ELFTLS_MODEL_TLSDESC, ELFTLS_TABLE_RELA_DYN);
}

static void test_elf_lib_gd_ld(void **state)
{
	(void)state;
	expect_lib("libtlsfix_gd.so", ELFTLS_MODEL_GD, ELFTLS_TABLE_RELA_DYN);
}

static void test_elf_lib_gd_lld(void **state)
{
	(void)state;
	expect_lib("libtlsfix_gd_lld.so", ELFTLS_MODEL_GD, ELFTLS_TABLE_RELA_DYN);
}

static void test_elf_lib_ie(void **state)
{
	(void)state;
	expect_lib("libtlsfix_ie.so", ELFTLS_MODEL_IE, ELFTLS_TABLE_RELA_DYN);
}

static void test_elf_lib_musl_gnu2(void **state)
{
	(void)state;
	expect_lib("libtlsfix_musl_gnu2.so", ELFTLS_MODEL_TLSDESC, ELFTLS_TABLE_RELA_PLT);
}

static void test_elf_lib_defonly_no_relocation(void **state)
{
	(void)state;
	expect_lib("libtlsfix_defonly.so", ELFTLS_MODEL_NONE, ELFTLS_TABLE_NONE);
}

/* An executable defining the symbol. */
static void expect_exe(const char *fixture, uint16_t type, bool pie, enum elftls_model model,
		       bool symtab)
{
	struct elftls_info i;

	load(fixture, &i);
	assert_int_equal(i.e_type, type);
	assert_int_equal(i.pie, pie);
	assert_true(i.executable);
	assert_true(i.defines);
	assert_int_equal(i.sym_in_symtab, symtab);
	assert_true(i.has_tls);
	if (i.def.model != model)
		fail_msg("%s: got %s, expected %s", fixture, elftls_model_name(i.def.model),
			 elftls_model_name(model));
}

static void test_elf_exe_le_pie(void **state)
{
	(void)state;
	expect_exe("tlsfix_le_pie", ET_DYN, true, ELFTLS_MODEL_NONE, false);
}

static void test_elf_exe_le_nopie(void **state)
{
	(void)state;
	expect_exe("tlsfix_le_nopie", ET_EXEC, false, ELFTLS_MODEL_NONE, false);
}

static void test_elf_exe_le_align64(void **state)
{
	struct elftls_info i;

	(void)state;
	expect_exe("tlsfix_le_align", ET_DYN, true, ELFTLS_MODEL_NONE, false);
	load("tlsfix_le_align", &i);
	assert_int_equal(i.tls_align, 64);
}

static void test_elf_exe_le_lld(void **state)
{
	(void)state;
	expect_exe("tlsfix_le_lld", ET_DYN, true, ELFTLS_MODEL_NONE, false);
}

static void test_elf_exe_ie_own_symbol(void **state)
{
	struct elftls_info i;

	(void)state;
	/* GNU ld keeps a TPOFF64 against the executable's own symbol when linking -fPIC code. */
	expect_exe("tlsfix_ie_pie", ET_DYN, true, ELFTLS_MODEL_IE, false);
	load("tlsfix_ie_pie", &i);
	assert_int_equal(i.def.table, ELFTLS_TABLE_RELA_DYN);
}

static void test_elf_exe_static_pie(void **state)
{
	(void)state;
	expect_exe("tlsfix_static_pie", ET_DYN, true, ELFTLS_MODEL_NONE, false);
}

static void test_elf_exe_static_symtab_fallback(void **state)
{
	struct elftls_info i;

	(void)state;
	expect_exe("tlsfix_static", ET_EXEC, false, ELFTLS_MODEL_NONE, true);
	load("tlsfix_static", &i);
	assert_false(i.has_dynamic);
}

static void test_elf_exe_musl_static(void **state)
{
	(void)state;
	expect_exe("tlsfix_musl_static", ET_EXEC, false, ELFTLS_MODEL_NONE, true);
}

static void test_elf_exe_reference_to_library(void **state)
{
	struct elftls_info i;

	(void)state;
	load("tlsfix_extref_nopie", &i);
	assert_false(i.defines);
	assert_true(i.references);
	assert_int_equal(i.ref.model, ELFTLS_MODEL_IE);
	assert_int_equal(i.ref.table, ELFTLS_TABLE_RELA_DYN);
	assert_true(i.has_dt_debug);
}

static void test_elf_exe_without_symbol(void **state)
{
	struct elftls_info i;

	(void)state;
	load("tlsfix_none", &i);
	assert_false(i.defines);
	assert_false(i.references);
	assert_false(i.has_tls);
}

static void test_elf_glibc_thread_db_descriptors(void **state)
{
	char err[TR_ERRLEN] = "";
	struct elftls_info i;

	(void)state;
	if (elftls_from_file("/lib/x86_64-linux-gnu/libc.so.6", NULL, &i, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(i.has_tdb);
	assert_int_equal(i.tdb_l_tls_offset[0], 64);
	assert_int_equal(i.tdb_l_tls_modid[0], 64);
	/* Debian 12 (glibc 2.36): documented offsets. */
	if (i.tdb_l_tls_offset[2] != 0x478 || i.tdb_l_tls_modid[2] != 0x480)
		print_message("note: l_tls_offset @0x%x, l_tls_modid @0x%x (not glibc 2.36?)\n",
			      i.tdb_l_tls_offset[2], i.tdb_l_tls_modid[2]);
	assert_false(i.defines);
}

static int classify_mem(const uint8_t *img, size_t len, struct elftls_info *i, char *err)
{
	return elftls_from_memory(img, len, "image", i, err, TR_ERRLEN);
}

static bool known_error(int rc)
{
	return rc == 0 || rc == -ENOEXEC || rc == -EPROTONOSUPPORT || rc == -ENODATA ||
	       rc == -EBADMSG;
}

static void test_elf_not_elf(void **state)
{
	static const uint8_t junk[64] = "this is not an ELF file";
	char err[TR_ERRLEN] = "";
	struct elftls_info i;

	(void)state;
	assert_int_equal(classify_mem(junk, sizeof(junk), &i, err), -ENOEXEC);
	assert_non_null(strstr(err, "not an ELF file"));
	assert_int_equal(classify_mem(junk, 0, &i, err), -ENOEXEC);
	assert_int_equal(elftls_from_file("/nonexistent/lib.so", NULL, &i, err, TR_ERRLEN),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/lib.so"));
}

static void test_elf_truncated_at_many_offsets(void **state)
{
	size_t len;
	uint8_t *img = tr_slurp(tr_fixture("libtlsfix_gnu2.so"), &len);
	char err[TR_ERRLEN] = "";
	struct elftls_info i;
	Elf64_Ehdr eh;

	(void)state;
	memcpy(&eh, img, sizeof(eh));
	assert_int_equal(classify_mem(img, len, &i, err), 0);
	for (size_t cut = 0; cut < len; cut += cut < 256 ? 1 : 97) {
		/* A private copy so that ASan sees reads past the cut. */
		uint8_t *copy = malloc(cut ? cut : 1);
		int rc;

		assert_non_null(copy);
		memcpy(copy, img, cut);
		rc = classify_mem(copy, cut, &i, err);
		free(copy);
		if (!known_error(rc))
			fail_msg("cut %zu: rc %d: %s", cut, rc, err);
		/* Cut anywhere before the end of the section header table: truncated. */
		if (cut >= sizeof(eh) && cut < eh.e_shoff + (size_t)eh.e_shnum * eh.e_shentsize) {
			assert_int_equal(rc, -ENODATA);
			assert_non_null(strstr(err, "extends past the end of the file"));
		}
	}
	free(img);
}

static void test_elf_flipped_bytes(void **state)
{
	static const char *const fixtures[] = {"libtlsfix_gnu2.so", "libtlsfix_gd_lld.so",
					       "tlsfix_le_pie", "tlsfix_extref_nopie"};
	uint32_t seed = 4242;

	(void)state;
	for (size_t f = 0; f < TR_N(fixtures); f++) {
		size_t len;
		uint8_t *img = tr_slurp(tr_fixture(fixtures[f]), &len);
		uint8_t *copy = malloc(len);

		assert_non_null(copy);
		for (int it = 0; it < 400; it++) {
			char err[TR_ERRLEN] = "";
			struct elftls_info i;
			int rc;

			memcpy(copy, img, len);
			for (int k = 0; k < 1 + (int)(tr_rand(&seed) % 8); k++) {
				/* Mostly the headers and tables, where structure lives. */
				size_t at =
				    tr_rand(&seed) % (it & 1 ? len : (len < 4096 ? len : 4096));

				copy[at] ^= (uint8_t)(1u << (tr_rand(&seed) % 8));
			}
			rc = classify_mem(copy, len, &i, err);
			if (!known_error(rc))
				fail_msg("%s iteration %d: rc %d: %s", fixtures[f], it, rc, err);
		}
		free(copy);
		free(img);
	}
}

/* Edits one section header of a copy of libtlsfix_gnu2.so. */
static uint8_t *with_section_edit(uint32_t type, size_t *len, size_t field_off, uint64_t value)
{
	uint8_t *img = tr_slurp(tr_fixture("libtlsfix_gnu2.so"), len);
	Elf64_Ehdr eh;

	memcpy(&eh, img, sizeof(eh));
	for (size_t s = 0; s < eh.e_shnum; s++) {
		Elf64_Shdr sh;
		size_t at = eh.e_shoff + s * sizeof(sh);

		memcpy(&sh, img + at, sizeof(sh));
		if (sh.sh_type == type) {
			memcpy(img + at + field_off, &value, 8);
			return img;
		}
	}
	fail_msg("no section of type %u", type);
	return NULL;
}

static void test_elf_bad_entsize(void **state)
{
	size_t len;
	uint8_t *img = with_section_edit(SHT_DYNSYM, &len, offsetof(Elf64_Shdr, sh_entsize), 12);
	char err[TR_ERRLEN] = "";
	struct elftls_info i;

	(void)state;
	assert_int_equal(classify_mem(img, len, &i, err), -EBADMSG);
	assert_non_null(strstr(err, "entsize 12"));
	free(img);
}

static void test_elf_section_beyond_file(void **state)
{
	size_t len;
	uint8_t *img =
	    with_section_edit(SHT_DYNSYM, &len, offsetof(Elf64_Shdr, sh_offset), 0x7fffffff0ull);
	char err[TR_ERRLEN] = "";
	struct elftls_info i;

	(void)state;
	assert_int_equal(classify_mem(img, len, &i, err), -ENODATA);
	assert_non_null(strstr(err, "at byte 34359738352"));
	free(img);
}

static void test_elf_absurd_counts(void **state)
{
	size_t len;
	uint8_t *img = tr_slurp(tr_fixture("libtlsfix_gnu2.so"), &len);
	uint8_t *copy = malloc(len);
	char err[TR_ERRLEN] = "";
	struct elftls_info i;
	uint16_t v16;
	uint64_t v64;

	(void)state;
	assert_non_null(copy);
	/* e_phnum far beyond the file. */
	memcpy(copy, img, len);
	v16 = 60000;
	memcpy(copy + offsetof(Elf64_Ehdr, e_phnum), &v16, 2);
	assert_true(classify_mem(copy, len, &i, err) < 0);
	assert_non_null(strstr(err, "e_phnum 60000"));
	/* Symbol table size claiming 2^40 bytes. */
	free(copy);
	copy = with_section_edit(SHT_DYNSYM, &len, offsetof(Elf64_Shdr, sh_size), 1ull << 40);
	assert_int_equal(classify_mem(copy, len, &i, err), -ENODATA);
	/* Wrong class and machine. */
	memcpy(copy, img, len);
	copy[EI_CLASS] = ELFCLASS32;
	assert_int_equal(classify_mem(copy, len, &i, err), -EPROTONOSUPPORT);
	memcpy(copy, img, len);
	v16 = EM_AARCH64;
	memcpy(copy + offsetof(Elf64_Ehdr, e_machine), &v16, 2);
	assert_int_equal(classify_mem(copy, len, &i, err), -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "e_machine 183"));
	/* Section header table offset past the end. */
	memcpy(copy, img, len);
	v64 = len;
	memcpy(copy + offsetof(Elf64_Ehdr, e_shoff), &v64, 8);
	assert_int_equal(classify_mem(copy, len, &i, err), -ENODATA);
	assert_non_null(strstr(err, "section header table"));
	free(copy);
	free(img);
}

static void test_elf_reloc_symbol_index_out_of_range(void **state)
{
	size_t len;
	uint8_t *img = tr_slurp(tr_fixture("libtlsfix_gnu2.so"), &len);
	char err[TR_ERRLEN] = "";
	struct elftls_info i;
	bool patched = false;

	(void)state;
	/* Find the TLSDESC relocation bytes (r_info = sym << 32 | 36) and point sym far away. */
	assert_int_equal(classify_mem(img, len, &i, err), 0);
	for (size_t off = 0; off + 24 <= len && !patched; off += 8) {
		uint64_t r_offset, r_info;

		memcpy(&r_offset, img + off, 8);
		memcpy(&r_info, img + off + 8, 8);
		if (r_offset == i.def.got && ELF64_R_TYPE(r_info) == ELFTLS_R_TLSDESC) {
			r_info = ELF64_R_INFO(100000, ELFTLS_R_TLSDESC);
			memcpy(img + off + 8, &r_info, 8);
			patched = true;
		}
	}
	assert_true(patched);
	assert_int_equal(classify_mem(img, len, &i, err), -EBADMSG);
	assert_non_null(strstr(err, "symbol index 100000"));
	free(img);
}

const struct CMUnitTest tr_elf_tests[] = {
    cmocka_unit_test(test_elf_lib_gnu2_ld_rela_plt),
    cmocka_unit_test(test_elf_lib_gnu2_lld_rela_dyn),
    cmocka_unit_test(test_elf_lib_gd_ld),
    cmocka_unit_test(test_elf_lib_gd_lld),
    cmocka_unit_test(test_elf_lib_ie),
    cmocka_unit_test(test_elf_lib_musl_gnu2),
    cmocka_unit_test(test_elf_lib_defonly_no_relocation),
    cmocka_unit_test(test_elf_exe_le_pie),
    cmocka_unit_test(test_elf_exe_le_nopie),
    cmocka_unit_test(test_elf_exe_le_align64),
    cmocka_unit_test(test_elf_exe_le_lld),
    cmocka_unit_test(test_elf_exe_ie_own_symbol),
    cmocka_unit_test(test_elf_exe_static_pie),
    cmocka_unit_test(test_elf_exe_static_symtab_fallback),
    cmocka_unit_test(test_elf_exe_musl_static),
    cmocka_unit_test(test_elf_exe_reference_to_library),
    cmocka_unit_test(test_elf_exe_without_symbol),
    cmocka_unit_test(test_elf_glibc_thread_db_descriptors),
    cmocka_unit_test(test_elf_not_elf),
    cmocka_unit_test(test_elf_truncated_at_many_offsets),
    cmocka_unit_test(test_elf_flipped_bytes),
    cmocka_unit_test(test_elf_bad_entsize),
    cmocka_unit_test(test_elf_section_beyond_file),
    cmocka_unit_test(test_elf_absurd_counts),
    cmocka_unit_test(test_elf_reloc_symbol_index_out_of_range),
};
const size_t tr_elf_tests_n = TR_N(tr_elf_tests);
