// SPDX-License-Identifier: BSD-2-Clause
/*
 * syscall_info.c - the rows of syscall_list.h as a table indexed by number, the class names, and
 * the one selection syntax of both binaries (spancap -e, spancap-analyze --syscall).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spancap_file.h"

#define INFO_ROW(nr, nm, c, f, a, decode) [nr] = { #nm, SCF_CLASS_##c, (f), (a) },

static const struct scf_syscall_info table[SCF_SYSCALL_NR_MAX] = {
	SCF_SYSCALL_LIST(INFO_ROW)
};

static const char *const class_names[SCF_CLASS_MAX] = {
	[SCF_CLASS_FILE] = "file",     [SCF_CLASS_NET] = "net",   [SCF_CLASS_PROCESS] = "process",
	[SCF_CLASS_MEMORY] = "memory", [SCF_CLASS_TIME] = "time", [SCF_CLASS_SYNC] = "sync",
	[SCF_CLASS_IPC] = "ipc",       [SCF_CLASS_OTHER] = "other",
};

/* The groups that cut across classes, and %all. */
static const struct {
	const char *name;
	uint16_t flag; /* 0: every number */
} groups[] = {
	{ "fd", SCF_SC_GROUP_FD },
	{ "signal", SCF_SC_GROUP_SIGNAL },
	{ "ids", SCF_SC_GROUP_IDS },
	{ "all", 0 },
};

const struct scf_syscall_info *scf_syscall_info(unsigned int nr)
{
	if (nr >= SCF_SYSCALL_NR_MAX || !table[nr].name)
		return NULL;
	return &table[nr];
}

const char *scf_syscall_name(unsigned int nr, char *buf, size_t bufsz)
{
	const struct scf_syscall_info *si = scf_syscall_info(nr);

	if (si)
		return si->name;
	snprintf(buf, bufsz, "syscall_%u", nr);
	return buf;
}

int scf_syscall_lookup(const char *name)
{
	unsigned long v;
	char *end;

	for (unsigned int nr = 0; nr < SCF_SYSCALL_NR_MAX; nr++)
		if (table[nr].name && !strcmp(table[nr].name, name))
			return (int)nr;
	if (!strncmp(name, "syscall_", 8) && name[8] >= '0' && name[8] <= '9') {
		v = strtoul(name + 8, &end, 10);
		if (!*end && v < 65536)
			return (int)v;
	}
	return -ENOENT;
}

const char *scf_class_name(unsigned int cls)
{
	return cls < SCF_CLASS_MAX ? class_names[cls] : "?";
}

int scf_class_lookup(const char *name)
{
	for (int i = 0; i < SCF_CLASS_MAX; i++)
		if (!strcmp(class_names[i], name))
			return i;
	return -ENOENT;
}

unsigned int scf_syscall_count(void)
{
	unsigned int n = 0;

	for (unsigned int nr = 0; nr < SCF_SYSCALL_NR_MAX; nr++)
		n += table[nr].name != NULL;
	return n;
}

const char *scf_syscall_select_names(void)
{
	return "%file %net %process %memory %time %sync %ipc %other %fd %signal %ids %all";
}

static void set_bit(uint64_t bits[SCF_SYSCALL_SEL_WORDS], unsigned int nr)
{
	bits[nr / 64] |= 1ull << (nr % 64);
}

/* The index of a group, or -1. */
static int group_lookup(const char *name)
{
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		if (!strcmp(groups[g].name, name))
			return (int)g;
	return -1;
}

/* A %NAME: a class or a group. Returns 0, or -ENOENT. */
static int add_class(const char *name, uint64_t bits[SCF_SYSCALL_SEL_WORDS])
{
	int cls = scf_class_lookup(name), g = group_lookup(name);

	if (cls < 0 && g < 0)
		return -ENOENT;
	for (unsigned int nr = 0; nr < SCF_SYSCALL_NR_MAX; nr++) {
		if (cls >= 0 ? table[nr].name && table[nr].cls == cls
			     : !groups[g].flag || (table[nr].flags & groups[g].flag))
			set_bit(bits, nr);
	}
	return 0;
}

int scf_syscall_select(const char *spec, uint64_t bits[SCF_SYSCALL_SEL_WORDS], char *err,
		       size_t errlen)
{
	char w[64];
	size_t n;
	int nr;

	for (const char *p = spec;; p += n + 1) {
		n = strcspn(p, ",");
		if (!n || n >= sizeof(w)) {
			snprintf(err, errlen, "bad syscall selection '%s' at offset %zu: %s", spec,
				 (size_t)(p - spec), n ? "word too long" : "empty word");
			return -EINVAL;
		}
		memcpy(w, p, n);
		w[n] = 0;
		if (w[0] == '%') {
			if (add_class(w + 1, bits)) {
				snprintf(err, errlen,
					 "bad syscall selection '%s' at offset %zu: no class or "
					 "group '%s' (%s)",
					 spec, (size_t)(p - spec), w, scf_syscall_select_names());
				return -EINVAL;
			}
		} else {
			nr = scf_syscall_lookup(w);
			if (nr < 0 || nr >= SCF_SYSCALL_NR_MAX) {
				snprintf(err, errlen,
					 "bad syscall selection '%s' at offset %zu: '%s' is not an "
					 "x86_64 syscall name%s",
					 spec, (size_t)(p - spec), w,
					 scf_class_lookup(w) >= 0 || group_lookup(w) >= 0
						 ? " (a class or group takes a %: %NAME)"
						 : "");
				return -EINVAL;
			}
			set_bit(bits, (unsigned int)nr);
		}
		if (!p[n])
			break;
	}
	return 0;
}
