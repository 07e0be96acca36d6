// SPDX-License-Identifier: BSD-2-Clause
/*
 * elf_tls.c - find and classify otel_thread_ctx_v1 in one ELF module (x86_64).
 *
 * libelf is the one parser of the file: program headers (gelf_getphdr), the dynamic section
 * (gelf_getdyn), relocations (gelf_getrela), section headers and symbols. Before libelf sees
 * the bytes, the ELF header is checked here field by field, with the tables it locates: libelf
 * refuses a file whose tables do not fit without saying where, and a message here names the
 * file and the byte. Every count and range libelf is then asked for has been checked first.
 */
#include "elf_tls.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resolve_internal.h"

#define TDB_OFFSET_SYM "_thread_db_link_map_l_tls_offset"
#define TDB_MODID_SYM "_thread_db_link_map_l_tls_modid"

/* One module image being classified. */
struct img {
	const uint8_t *p;
	size_t size;
	const char *name;
	char *err;
	size_t errlen;
	GElf_Phdr *ph;
	size_t phnum;
	uint64_t phoff, shoff;
	size_t shnum;
	Elf *elf;
	/* .dynsym / .symtab as found by section headers */
	Elf_Scn *dynsym, *symtab;
	size_t dynsym_link, symtab_link;
	size_t dynsym_count, symtab_count;
	/* dynamic tags */
	uint64_t rela, relasz, jmprel, pltrelsz;
	bool has_rela, has_jmprel;
};

/*
 * The file offset of [vaddr, vaddr + len) into *off, when one PT_LOAD holds all of it in its
 * file bytes. Returns false otherwise.
 */
static bool vaddr_offset(const struct img *im, uint64_t vaddr, uint64_t len, uint64_t *off)
{
	for (size_t i = 0; i < im->phnum; i++) {
		const GElf_Phdr *ph = &im->ph[i];
		uint64_t rel;

		if (ph->p_type != PT_LOAD || vaddr < ph->p_vaddr)
			continue;
		rel = vaddr - ph->p_vaddr;
		if (rel >= ph->p_filesz || len > ph->p_filesz - rel)
			continue;
		/* p_offset + p_filesz <= size was checked when the headers were read. */
		*off = ph->p_offset + rel;
		return true;
	}
	return false;
}

/* The file bytes behind [vaddr, vaddr + len) (the contents of a segment), or NULL. */
static const uint8_t *vaddr_bytes(const struct img *im, uint64_t vaddr, uint64_t len)
{
	uint64_t off;

	return vaddr_offset(im, vaddr, len, &off) ? im->p + off : NULL;
}

static int check_range(const struct img *im, const char *what, uint64_t off, uint64_t len)
{
	if (off > im->size || len > im->size - off) {
		scf_errf(im->err, im->errlen,
			 "%s: %s at byte %" PRIu64 " (%" PRIu64 " bytes) extends past the end of "
			 "the file (%zu bytes)",
			 im->name, what, off, len, im->size);
		return -ENODATA;
	}
	return 0;
}

/* Checks the ELF header and the ranges of the tables it locates, before libelf reads them. */
static int check_ehdr(struct img *im, struct elftls_info *out)
{
	Elf64_Ehdr eh;
	int rc;

	if (im->size < EI_NIDENT || memcmp(im->p, ELFMAG, SELFMAG)) {
		scf_errf(im->err, im->errlen, "%s: not an ELF file (no \\177ELF magic at byte 0)",
			 im->name);
		return -ENOEXEC;
	}
	if (im->p[EI_CLASS] != ELFCLASS64 || im->p[EI_DATA] != ELFDATA2LSB) {
		scf_errf(im->err, im->errlen,
			 "%s: ELF class %u data %u at byte 4: only ELFCLASS64 little-endian is "
			 "supported",
			 im->name, im->p[EI_CLASS], im->p[EI_DATA]);
		return -EPROTONOSUPPORT;
	}
	if (im->size < sizeof(eh)) {
		scf_errf(im->err, im->errlen,
			 "%s: file of %zu bytes is shorter than the %zu-byte "
			 "ELF header",
			 im->name, im->size, sizeof(eh));
		return -ENODATA;
	}
	memcpy(&eh, im->p, sizeof(eh));
	if (eh.e_machine != EM_X86_64) {
		scf_errf(im->err, im->errlen,
			 "%s: e_machine %u at byte 18: only x86_64 (%u) is "
			 "supported",
			 im->name, eh.e_machine, EM_X86_64);
		return -EPROTONOSUPPORT;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		scf_errf(im->err, im->errlen,
			 "%s: e_type %u at byte 16 is neither ET_EXEC nor "
			 "ET_DYN",
			 im->name, eh.e_type);
		return -EBADMSG;
	}
	out->e_type = eh.e_type;
	/* Program headers. */
	if (eh.e_phnum && eh.e_phentsize != sizeof(Elf64_Phdr)) {
		scf_errf(im->err, im->errlen, "%s: e_phentsize %u at byte 54, expected %zu",
			 im->name, eh.e_phentsize, sizeof(Elf64_Phdr));
		return -EBADMSG;
	}
	if (eh.e_phnum == PN_XNUM || eh.e_phnum > ELFTLS_MAX_PHDRS) {
		scf_errf(im->err, im->errlen, "%s: e_phnum %u at byte 56 exceeds %u", im->name,
			 eh.e_phnum, ELFTLS_MAX_PHDRS);
		return -EBADMSG;
	}
	rc = check_range(im, "program header table", eh.e_phoff,
			 (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr));
	if (rc)
		return rc;
	/* Section headers: their table is checked here, each header in check_sections(). */
	if (eh.e_shoff) {
		if (eh.e_shentsize != sizeof(Elf64_Shdr)) {
			scf_errf(im->err, im->errlen, "%s: e_shentsize %u at byte 58, expected %zu",
				 im->name, eh.e_shentsize, sizeof(Elf64_Shdr));
			return -EBADMSG;
		}
		if (eh.e_shnum == 0 || eh.e_shnum > ELFTLS_MAX_SHDRS) {
			scf_errf(im->err, im->errlen,
				 "%s: e_shnum %u at byte 60 (extended numbering or above %u) is "
				 "not supported",
				 im->name, eh.e_shnum, ELFTLS_MAX_SHDRS);
			return -EBADMSG;
		}
		if (eh.e_shstrndx >= eh.e_shnum) {
			scf_errf(im->err, im->errlen,
				 "%s: e_shstrndx %u at byte 62 is not below e_shnum %u", im->name,
				 eh.e_shstrndx, eh.e_shnum);
			return -EBADMSG;
		}
		rc = check_range(im, "section header table", eh.e_shoff,
				 (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr));
		if (rc)
			return rc;
	}
	im->phoff = eh.e_phoff;
	im->phnum = eh.e_phnum;
	im->shoff = eh.e_shoff;
	im->shnum = eh.e_shoff ? eh.e_shnum : 0;
	return 0;
}

/* Checks each section header (libelf's copy): its bytes lie in the file, its sh_link is valid. */
static int check_sections(struct img *im)
{
	int rc;

	for (size_t i = 0; i < im->shnum; i++) {
		Elf_Scn *scn = elf_getscn(im->elf, i);
		uint64_t at = im->shoff + i * sizeof(Elf64_Shdr);
		GElf_Shdr sh;
		char what[64];

		if (!scn || !gelf_getshdr(scn, &sh)) {
			scf_errf(im->err, im->errlen,
				 "%s: section %zu (header at byte %" PRIu64 "): libelf: %s", im->name,
				 i, at, elf_errmsg(-1));
			return -EBADMSG;
		}
		if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL)
			continue;
		snprintf(what, sizeof(what), "section %zu (header at byte %" PRIu64 ")", i, at);
		rc = check_range(im, what, sh.sh_offset, sh.sh_size);
		if (rc)
			return rc;
		if (sh.sh_link >= im->shnum) {
			scf_errf(im->err, im->errlen,
				 "%s: section %zu (header at byte %" PRIu64 ") sh_link %u is "
				 "not below e_shnum %zu",
				 im->name, i, at, sh.sh_link, im->shnum);
			return -EBADMSG;
		}
	}
	return 0;
}

/* Reads the program headers through libelf and checks the segments spancap uses. */
static int read_segments(struct img *im, struct elftls_info *out)
{
	int rc;

	im->ph = calloc(im->phnum ? im->phnum : 1, sizeof(*im->ph));
	if (!im->ph) {
		scf_errf(im->err, im->errlen, "%s: out of memory", im->name);
		return -ENOMEM;
	}
	for (size_t i = 0; i < im->phnum; i++) {
		GElf_Phdr *ph = &im->ph[i];
		uint64_t at = im->phoff + i * sizeof(Elf64_Phdr);

		if (!gelf_getphdr(im->elf, (int)i, ph)) {
			scf_errf(im->err, im->errlen,
				 "%s: program header %zu (at byte %" PRIu64 "): libelf: %s",
				 im->name, i, at, elf_errmsg(-1));
			return -EBADMSG;
		}
		if (ph->p_type == PT_LOAD || ph->p_type == PT_DYNAMIC || ph->p_type == PT_TLS) {
			char what[64];

			snprintf(what, sizeof(what), "segment %zu (header at byte %" PRIu64 ")", i,
				 at);
			rc = check_range(im, what, ph->p_offset, ph->p_filesz);
			if (rc)
				return rc;
			if (ph->p_filesz > ph->p_memsz) {
				scf_errf(im->err, im->errlen,
					 "%s: segment %zu (header at byte %" PRIu64
					 ") p_filesz %" PRIu64 " exceeds p_memsz %" PRIu64,
					 im->name, i, at, ph->p_filesz, ph->p_memsz);
				return -EBADMSG;
			}
			if (ph->p_memsz > UINT64_MAX - ph->p_vaddr) {
				scf_errf(im->err, im->errlen,
					 "%s: segment %zu (header at byte %" PRIu64 ") wraps the "
					 "address space",
					 im->name, i, at);
				return -EBADMSG;
			}
		}
		if (ph->p_type == PT_LOAD && !out->has_load) {
			out->has_load = true;
			out->load_vaddr = ph->p_vaddr;
			out->load_offset = ph->p_offset;
		} else if (ph->p_type == PT_TLS) {
			if (out->has_tls) {
				scf_errf(im->err, im->errlen,
					 "%s: second PT_TLS (header at byte %" PRIu64 ")", im->name,
					 at);
				return -EBADMSG;
			}
			if (ph->p_align > 1 && (ph->p_align & (ph->p_align - 1))) {
				scf_errf(im->err, im->errlen,
					 "%s: PT_TLS (header at byte %" PRIu64 ") p_align %" PRIu64
					 " is not a power of two",
					 im->name, at, ph->p_align);
				return -EBADMSG;
			}
			out->has_tls = true;
			out->tls_vaddr = ph->p_vaddr;
			out->tls_filesz = ph->p_filesz;
			out->tls_memsz = ph->p_memsz;
			out->tls_align = ph->p_align ? ph->p_align : 1;
		} else if (ph->p_type == PT_DYNAMIC && !out->has_dynamic) {
			out->has_dynamic = true;
			out->dynamic_vaddr = ph->p_vaddr;
			out->dynamic_memsz = ph->p_memsz;
		}
	}
	return 0;
}

/* Reads the dynamic section from the PT_DYNAMIC file bytes (sections may be absent). */
static int read_dynamic(struct img *im, struct elftls_info *out)
{
	const GElf_Phdr *dyn = NULL;
	Elf_Data *data;
	size_t n;
	bool pltrel_ok = true;
	uint64_t relaent = sizeof(Elf64_Rela), pltrel = DT_RELA;

	for (size_t i = 0; i < im->phnum; i++)
		if (im->ph[i].p_type == PT_DYNAMIC) {
			dyn = &im->ph[i];
			break;
		}
	if (!dyn)
		return 0;
	n = dyn->p_filesz / sizeof(Elf64_Dyn);
	if (n > ELFTLS_MAX_DYNS) {
		scf_errf(im->err, im->errlen,
			 "%s: PT_DYNAMIC at byte %" PRIu64 " has %zu entries, "
			 "more than %u",
			 im->name, dyn->p_offset, n, ELFTLS_MAX_DYNS);
		return -EBADMSG;
	}
	if (!n)
		return 0;
	/* p_offset + p_filesz <= size was checked in read_segments(). */
	data = elf_getdata_rawchunk(im->elf, (int64_t)dyn->p_offset, n * sizeof(Elf64_Dyn),
				    ELF_T_DYN);
	if (!data) {
		scf_errf(im->err, im->errlen, "%s: PT_DYNAMIC at byte %" PRIu64 ": libelf: %s",
			 im->name, dyn->p_offset, elf_errmsg(-1));
		return -EBADMSG;
	}
	for (size_t i = 0; i < n; i++) {
		GElf_Dyn d;

		if (!gelf_getdyn(data, (int)i, &d)) {
			scf_errf(im->err, im->errlen,
				 "%s: PT_DYNAMIC entry %zu (file byte %" PRIu64 "): libelf: %s",
				 im->name, i, dyn->p_offset + i * sizeof(Elf64_Dyn), elf_errmsg(-1));
			return -EBADMSG;
		}
		if (d.d_tag == DT_NULL)
			break;
		switch (d.d_tag) {
		case DT_RELA:
			im->rela = d.d_un.d_ptr;
			im->has_rela = true;
			break;
		case DT_RELASZ:
			im->relasz = d.d_un.d_val;
			break;
		case DT_RELAENT:
			relaent = d.d_un.d_val;
			break;
		case DT_JMPREL:
			im->jmprel = d.d_un.d_ptr;
			im->has_jmprel = true;
			break;
		case DT_PLTRELSZ:
			im->pltrelsz = d.d_un.d_val;
			break;
		case DT_PLTREL:
			pltrel = d.d_un.d_val;
			break;
		case DT_FLAGS_1:
			if (d.d_un.d_val & DF_1_PIE)
				out->pie = out->e_type == ET_DYN;
			break;
		case DT_DEBUG:
			out->has_dt_debug = true;
			break;
		default:
			break;
		}
	}
	if (im->has_rela && relaent != sizeof(Elf64_Rela)) {
		scf_errf(im->err, im->errlen, "%s: DT_RELAENT %" PRIu64 ", expected %zu", im->name,
			 relaent, sizeof(Elf64_Rela));
		return -EBADMSG;
	}
	if (im->has_jmprel && pltrel != DT_RELA)
		pltrel_ok = false;
	if (!pltrel_ok) {
		scf_errf(im->err, im->errlen, "%s: DT_PLTREL %" PRIu64 ", expected DT_RELA (%d)",
			 im->name, pltrel, DT_RELA);
		return -EBADMSG;
	}
	return 0;
}

/* Finds .dynsym and .symtab through libelf; the ranges were checked in check_sections(). */
static int find_symtabs(struct img *im)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(im->elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh)) {
			scf_errf(im->err, im->errlen, "%s: section %zu: %s", im->name,
				 elf_ndxscn(scn), elf_errmsg(-1));
			return -EBADMSG;
		}
		if (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB)
			continue;
		if (sh.sh_entsize != sizeof(Elf64_Sym) || sh.sh_size % sizeof(Elf64_Sym)) {
			scf_errf(im->err, im->errlen,
				 "%s: section %zu (at byte %" PRIu64
				 "): symbol table entsize %" PRIu64 " size %" PRIu64
				 ", expected entries of %zu bytes",
				 im->name, elf_ndxscn(scn), sh.sh_offset, sh.sh_entsize, sh.sh_size,
				 sizeof(Elf64_Sym));
			return -EBADMSG;
		}
		if (sh.sh_size / sizeof(Elf64_Sym) > ELFTLS_MAX_SYMS) {
			scf_errf(im->err, im->errlen,
				 "%s: section %zu (at byte %" PRIu64 ") has %" PRIu64
				 " symbols, more than %u",
				 im->name, elf_ndxscn(scn), sh.sh_offset,
				 sh.sh_size / sizeof(Elf64_Sym), ELFTLS_MAX_SYMS);
			return -EBADMSG;
		}
		if (sh.sh_type == SHT_DYNSYM && !im->dynsym) {
			im->dynsym = scn;
			im->dynsym_link = sh.sh_link;
			im->dynsym_count = sh.sh_size / sizeof(Elf64_Sym);
		} else if (sh.sh_type == SHT_SYMTAB && !im->symtab) {
			im->symtab = scn;
			im->symtab_link = sh.sh_link;
			im->symtab_count = sh.sh_size / sizeof(Elf64_Sym);
		}
	}
	return 0;
}

struct sym_hit {
	bool found;
	size_t index;
	GElf_Sym sym;
};

/*
 * Looks for name in a symbol table. For the TLS variable, the first defined entry wins over an
 * undefined one. Returns 0 (hit->found says whether it is there) or -EBADMSG.
 */
static int find_sym(struct img *im, Elf_Scn *scn, size_t link, size_t count, const char *name,
		    bool want_defined, struct sym_hit *hit)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t namelen = strlen(name);

	memset(hit, 0, sizeof(*hit));
	if (!data) {
		scf_errf(im->err, im->errlen, "%s: symbol table section %zu: %s", im->name,
			 elf_ndxscn(scn), elf_errmsg(-1));
		return -EBADMSG;
	}
	if (data->d_size / sizeof(Elf64_Sym) < count)
		count = data->d_size / sizeof(Elf64_Sym);
	for (size_t i = 1; i < count; i++) {
		GElf_Sym s;
		const char *sn;

		if (!gelf_getsym(data, (int)i, &s))
			continue;
		if (!s.st_name)
			continue;
		sn = elf_strptr(im->elf, link, s.st_name);
		if (!sn || strncmp(sn, name, namelen + 1))
			continue;
		if (want_defined && s.st_shndx == SHN_UNDEF) {
			if (!hit->found) {
				hit->found = true;
				hit->index = i;
				hit->sym = s;
			}
			continue;
		}
		hit->found = true;
		hit->index = i;
		hit->sym = s;
		break;
	}
	return 0;
}

static void record_reloc(struct elftls_reloc *r, enum elftls_model model, enum elftls_table t,
			 uint64_t got, bool by_addend)
{
	/* Preference, per docs/TLS_RESOLUTION.md section 3: TLSDESC, then GD, then IE; by symbol
	 * before by addend. */
	if (r->model != ELFTLS_MODEL_NONE) {
		if (r->model < model)
			return;
		if (r->model == model && (!r->by_addend || by_addend))
			return;
	}
	r->model = model;
	r->table = t;
	r->got = got;
	r->got_off = got + 8;
	r->by_addend = by_addend;
}

struct scan_ctx {
	size_t def_index;  /* dynsym index of the defined symbol, 0 if none */
	size_t ref_index;  /* dynsym index of an undefined reference, 0 if none */
	bool match_addend; /* the module defines the symbol: look at symbol-0 relocations too */
	uint64_t s;
	bool def_dtpoff_seen;
	uint64_t def_dtpoff;
	bool ref_dtpoff_seen;
	uint64_t ref_dtpoff;
};

static int scan_table(struct img *im, struct elftls_info *out, struct scan_ctx *sc,
		      enum elftls_table t, uint64_t vaddr, uint64_t size, uint64_t skip_lo,
		      uint64_t skip_hi)
{
	const char *tname = t == ELFTLS_TABLE_RELA_PLT ? "DT_JMPREL" : "DT_RELA";
	Elf_Data *data;
	uint64_t n, off;

	if (size % sizeof(Elf64_Rela)) {
		scf_errf(im->err, im->errlen, "%s: %s size %" PRIu64 " is not a multiple of %zu",
			 im->name, tname, size, sizeof(Elf64_Rela));
		return -EBADMSG;
	}
	n = size / sizeof(Elf64_Rela);
	if (n > ELFTLS_MAX_RELAS) {
		scf_errf(im->err, im->errlen, "%s: %s has %" PRIu64 " entries, more than %u",
			 im->name, tname, n, ELFTLS_MAX_RELAS);
		return -EBADMSG;
	}
	if (!n)
		return 0;
	if (!vaddr_offset(im, vaddr, size, &off)) {
		scf_errf(im->err, im->errlen,
			 "%s: %s at 0x%" PRIx64 " (%" PRIu64 " bytes) is not inside the file bytes "
			 "of one PT_LOAD",
			 im->name, tname, vaddr, size);
		return -ENODATA;
	}
	data = elf_getdata_rawchunk(im->elf, (int64_t)off, size, ELF_T_RELA);
	if (!data) {
		scf_errf(im->err, im->errlen, "%s: %s at byte %" PRIu64 ": libelf: %s", im->name,
			 tname, off, elf_errmsg(-1));
		return -EBADMSG;
	}
	for (uint64_t i = 0; i < n; i++) {
		GElf_Rela r;
		uint64_t at = vaddr + i * sizeof(Elf64_Rela), sym, type;

		if (at >= skip_lo && at < skip_hi)
			continue;
		if (!gelf_getrela(data, (int)i, &r)) {
			scf_errf(im->err, im->errlen,
				 "%s: %s entry %" PRIu64 " (file byte %" PRIu64 "): libelf: %s",
				 im->name, tname, i, off + i * sizeof(Elf64_Rela), elf_errmsg(-1));
			return -EBADMSG;
		}
		sym = ELF64_R_SYM(r.r_info);
		type = ELF64_R_TYPE(r.r_info);
		if (type != ELFTLS_R_TLSDESC && type != ELFTLS_R_DTPMOD64 &&
		    type != ELFTLS_R_DTPOFF64 && type != ELFTLS_R_TPOFF64)
			continue;
		if (sym && im->dynsym && sym >= im->dynsym_count) {
			scf_errf(im->err, im->errlen,
				 "%s: %s entry %" PRIu64 " (file byte %" PRIu64 "): symbol index %" PRIu64
				 " is not below the .dynsym count %zu",
				 im->name, tname, i, off + i * sizeof(Elf64_Rela), sym,
				 im->dynsym_count);
			return -EBADMSG;
		}
		if (sym && sym == sc->def_index) {
			if (type == ELFTLS_R_TLSDESC)
				record_reloc(&out->def, ELFTLS_MODEL_TLSDESC, t, r.r_offset, false);
			else if (type == ELFTLS_R_DTPMOD64)
				record_reloc(&out->def, ELFTLS_MODEL_GD, t, r.r_offset, false);
			else if (type == ELFTLS_R_TPOFF64)
				record_reloc(&out->def, ELFTLS_MODEL_IE, t, r.r_offset, false);
			else if (!sc->def_dtpoff_seen) {
				sc->def_dtpoff_seen = true;
				sc->def_dtpoff = r.r_offset;
			}
		} else if (sym && sym == sc->ref_index) {
			if (type == ELFTLS_R_TLSDESC)
				record_reloc(&out->ref, ELFTLS_MODEL_TLSDESC, t, r.r_offset, false);
			else if (type == ELFTLS_R_DTPMOD64)
				record_reloc(&out->ref, ELFTLS_MODEL_GD, t, r.r_offset, false);
			else if (type == ELFTLS_R_TPOFF64)
				record_reloc(&out->ref, ELFTLS_MODEL_IE, t, r.r_offset, false);
			else if (!sc->ref_dtpoff_seen) {
				sc->ref_dtpoff_seen = true;
				sc->ref_dtpoff = r.r_offset;
			}
		} else if (!sym && sc->match_addend) {
			/* A non-preemptible definition: the addend (or, for DTPMOD64, the
			 * statically written offset at GOT + 8) is S. */
			if (type == ELFTLS_R_TLSDESC && (uint64_t)r.r_addend == sc->s) {
				record_reloc(&out->def, ELFTLS_MODEL_TLSDESC, t, r.r_offset, true);
			} else if (type == ELFTLS_R_TPOFF64 && (uint64_t)r.r_addend == sc->s) {
				record_reloc(&out->def, ELFTLS_MODEL_IE, t, r.r_offset, true);
			} else if (type == ELFTLS_R_DTPMOD64 && r.r_offset <= UINT64_MAX - 8) {
				const uint8_t *q = vaddr_bytes(im, r.r_offset + 8, 8);

				if (q && scf_get64(q) == sc->s)
					record_reloc(&out->def, ELFTLS_MODEL_GD, t, r.r_offset,
						     true);
			}
		}
	}
	return 0;
}

static int scan_relocs(struct img *im, struct elftls_info *out, struct scan_ctx *sc)
{
	uint64_t lo = 0, hi = 0;
	int rc;

	if (im->has_jmprel) {
		if (im->pltrelsz > UINT64_MAX - im->jmprel) {
			scf_errf(im->err, im->errlen,
				 "%s: DT_JMPREL 0x%" PRIx64 " + DT_PLTRELSZ %" PRIu64 " wraps",
				 im->name, im->jmprel, im->pltrelsz);
			return -EBADMSG;
		}
		rc = scan_table(im, out, sc, ELFTLS_TABLE_RELA_PLT, im->jmprel, im->pltrelsz, 0, 0);
		if (rc)
			return rc;
		lo = im->jmprel;
		hi = im->jmprel + im->pltrelsz;
	}
	/* Some linkers make DT_RELA cover .rela.plt too: those entries were seen above. */
	if (im->has_rela) {
		rc = scan_table(im, out, sc, ELFTLS_TABLE_RELA_DYN, im->rela, im->relasz, lo, hi);
		if (rc)
			return rc;
	}
	if (out->def.model == ELFTLS_MODEL_GD && !out->def.by_addend && sc->def_dtpoff_seen)
		out->def.got_off = sc->def_dtpoff;
	if (out->ref.model == ELFTLS_MODEL_GD && sc->ref_dtpoff_seen)
		out->ref.got_off = sc->ref_dtpoff;
	return 0;
}

static bool sym_acceptable(struct img *im, const GElf_Sym *s, struct elftls_info *out,
			   const char *table)
{
	if (s->st_shndx == SHN_UNDEF)
		return false;
	if (GELF_ST_TYPE(s->st_info) != STT_TLS || s->st_size != ELFTLS_SYMBOL_SIZE) {
		snprintf(out->rejected, sizeof(out->rejected),
			 "%s: %s in %s has type %u size %" PRIu64 ", expected STT_TLS (%u) "
			 "size %u",
			 im->name, ELFTLS_SYMBOL, table, GELF_ST_TYPE(s->st_info), s->st_size,
			 STT_TLS, ELFTLS_SYMBOL_SIZE);
		return false;
	}
	return true;
}

static void read_tdb(struct img *im, struct elftls_info *out)
{
	struct sym_hit ho, hm;
	const uint8_t *po, *pm;

	if (!im->dynsym)
		return;
	if (find_sym(im, im->dynsym, im->dynsym_link, im->dynsym_count, TDB_OFFSET_SYM, true,
		     &ho) ||
	    find_sym(im, im->dynsym, im->dynsym_link, im->dynsym_count, TDB_MODID_SYM, true, &hm))
		return;
	if (!ho.found || !hm.found || ho.sym.st_shndx == SHN_UNDEF ||
	    hm.sym.st_shndx == SHN_UNDEF || ho.sym.st_size != 12 || hm.sym.st_size != 12)
		return;
	po = vaddr_bytes(im, ho.sym.st_value, 12);
	pm = vaddr_bytes(im, hm.sym.st_value, 12);
	if (!po || !pm)
		return;
	memcpy(out->tdb_l_tls_offset, po, 12);
	memcpy(out->tdb_l_tls_modid, pm, 12);
	out->has_tdb = true;
}

static int classify(struct img *im, struct elftls_info *out)
{
	struct scan_ctx sc;
	struct sym_hit hit;
	int rc;

	memset(&sc, 0, sizeof(sc));
	rc = check_ehdr(im, out);
	if (rc)
		return rc;
	im->elf = elf_memory((char *)(uintptr_t)im->p, im->size);
	if (!im->elf) {
		scf_errf(im->err, im->errlen, "%s: libelf: %s", im->name, elf_errmsg(-1));
		return -EBADMSG;
	}
	rc = check_sections(im);
	if (rc)
		return rc;
	rc = read_segments(im, out);
	if (rc)
		return rc;
	rc = read_dynamic(im, out);
	if (rc)
		return rc;
	out->executable = out->e_type == ET_EXEC || out->pie;

	rc = find_symtabs(im);
	if (rc)
		return rc;

	if (im->dynsym) {
		rc = find_sym(im, im->dynsym, im->dynsym_link, im->dynsym_count, ELFTLS_SYMBOL,
			      true, &hit);
		if (rc)
			return rc;
		if (hit.found && sym_acceptable(im, &hit.sym, out, ".dynsym")) {
			out->defines = true;
			out->sym_value = hit.sym.st_value;
			sc.def_index = hit.index;
		} else if (hit.found && hit.sym.st_shndx == SHN_UNDEF) {
			out->references = true;
			sc.ref_index = hit.index;
		}
	}
	if (!out->defines && !out->references && im->symtab) {
		rc = find_sym(im, im->symtab, im->symtab_link, im->symtab_count, ELFTLS_SYMBOL,
			      true, &hit);
		if (rc)
			return rc;
		if (hit.found && sym_acceptable(im, &hit.sym, out, ".symtab")) {
			out->defines = true;
			out->sym_in_symtab = true;
			out->sym_value = hit.sym.st_value;
		}
	}
	if (out->defines) {
		/* S is an offset inside the PT_TLS block. Some linkers store st_value as the
		 * address in old objects; accept only an offset that fits the block. */
		if (!out->has_tls) {
			scf_errf(im->err, im->errlen, "%s: defines %s but has no PT_TLS segment",
				 im->name, ELFTLS_SYMBOL);
			return -EBADMSG;
		}
		if (out->sym_value > out->tls_memsz ||
		    ELFTLS_SYMBOL_SIZE > out->tls_memsz - out->sym_value) {
			scf_errf(im->err, im->errlen,
				 "%s: %s st_value %" PRIu64 " + %u exceeds PT_TLS p_memsz %" PRIu64,
				 im->name, ELFTLS_SYMBOL, out->sym_value, ELFTLS_SYMBOL_SIZE,
				 out->tls_memsz);
			return -EBADMSG;
		}
		out->rejected[0] = '\0';
		sc.match_addend = true;
		sc.s = out->sym_value;
	}
	if ((out->defines || out->references) && im->dynsym) {
		rc = scan_relocs(im, out, &sc);
		if (rc)
			return rc;
	}
	read_tdb(im, out);
	return 0;
}

int elftls_from_memory(const void *img, size_t len, const char *name, struct elftls_info *out,
		       char *err, size_t errlen)
{
	struct img im;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&im, 0, sizeof(im));
	im.p = img;
	im.size = len;
	im.name = name ? name : "ELF image";
	im.err = err;
	im.errlen = errlen;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		scf_errf(err, errlen, "%s: libelf: %s", im.name, elf_errmsg(-1));
		return -ENOSYS;
	}
	rc = classify(&im, out);
	if (im.elf)
		elf_end(im.elf);
	free(im.ph);
	return rc;
}

/* Maps (or, for files mmap refuses, reads) the whole file st describes. */
static int load_fd(int fd, const struct stat *st, const char *name, void **img, size_t *len,
		   bool *mapped, char *err, size_t errlen)
{
	void *p;

	if (!S_ISREG(st->st_mode)) {
		scf_errf(err, errlen, "%s: not a regular file", name);
		return -ENOEXEC;
	}
	if (st->st_size <= 0) {
		scf_errf(err, errlen, "%s: empty file", name);
		return -ENODATA;
	}
	if ((uint64_t)st->st_size > SIZE_MAX / 2) {
		scf_errf(err, errlen, "%s: file of %lld bytes is too large", name,
			 (long long)st->st_size);
		return -EFBIG;
	}
	p = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p != MAP_FAILED) {
		*img = p;
		*len = (size_t)st->st_size;
		*mapped = true;
		return 0;
	}
	p = malloc((size_t)st->st_size);
	if (!p) {
		scf_errf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	for (size_t done = 0; done < (size_t)st->st_size;) {
		ssize_t r = pread(fd, (uint8_t *)p + done, (size_t)st->st_size - done, (off_t)done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int saved = r < 0 ? errno : EIO;

			scf_errf(err, errlen, "%s: read at byte %zu: %s", name, done,
				 r < 0 ? strerror(saved) : "unexpected end of file");
			free(p);
			return -saved;
		}
		done += (size_t)r;
	}
	*img = p;
	*len = (size_t)st->st_size;
	*mapped = false;
	return 0;
}

int elftls_from_fd(int fd, const struct stat *st, const char *name, struct elftls_info *out,
		   char *err, size_t errlen)
{
	void *img = NULL;
	size_t len = 0;
	bool mapped = false;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = load_fd(fd, st, name, &img, &len, &mapped, err, errlen);
	if (rc)
		return rc;
	rc = elftls_from_memory(img, len, name, out, err, errlen);
	if (mapped)
		munmap(img, len);
	else
		free(img);
	return rc;
}

int elftls_open_module(const char *path, const char **name, struct stat *st,
		       struct elftls_info *out, char *err, size_t errlen)
{
	int fd, rc;

	memset(out, 0, sizeof(*out));
	if (!*name)
		*name = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		scf_errf(err, errlen, "%s: open %s: %s", *name, path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, st)) {
		rc = -errno;
		scf_errf(err, errlen, "%s: fstat: %s", *name, strerror(-rc));
		close(fd);
		return rc;
	}
	return fd;
}

int elftls_from_file(const char *path, const char *name, struct elftls_info *out, char *err,
		     size_t errlen)
{
	struct stat st;
	int fd, rc;

	fd = elftls_open_module(path, &name, &st, out, err, errlen);
	if (fd < 0)
		return fd;
	rc = elftls_from_fd(fd, &st, name, out, err, errlen);
	close(fd);
	return rc;
}

const char *elftls_model_name(enum elftls_model m)
{
	switch (m) {
	case ELFTLS_MODEL_TLSDESC:
		return "TLSDESC";
	case ELFTLS_MODEL_GD:
		return "general-dynamic";
	case ELFTLS_MODEL_IE:
		return "initial-exec";
	case ELFTLS_MODEL_NONE:
		break;
	}
	return "none";
}

const char *elftls_table_name(enum elftls_table t)
{
	switch (t) {
	case ELFTLS_TABLE_RELA_DYN:
		return ".rela.dyn";
	case ELFTLS_TABLE_RELA_PLT:
		return ".rela.plt";
	case ELFTLS_TABLE_NONE:
		break;
	}
	return "none";
}
