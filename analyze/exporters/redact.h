/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * redact.h - rewrites spancap records for sharing: the strings, addresses and ids of the chosen
 * classes become stable pseudonyms (a keyed hash: the same value gives the same pseudonym
 * everywhere in one run, or in every run given the same key), so the analysis reads the same.
 * The classes and exactly what each covers are listed in spancap-analyze --help (filter).
 */
#ifndef ANA_REDACT_H
#define ANA_REDACT_H

#include <stddef.h>
#include <stdint.h>

#include "spancap_file.h"

enum ana_redact_class {
	ANA_REDACT_PATHS = 0x01, /* PATH, PATH2, EXE, CGROUP, TLS_MODULE, paths in REASON */
	ANA_REDACT_ARGV = 0x02,	 /* every argv and capture command-line string */
	ANA_REDACT_ENV = 0x04,	 /* the VALUE of NAME=VALUE argv and command-line strings */
	ANA_REDACT_ATTRS = 0x08, /* resource, process and thread-context attribute values */
	ANA_REDACT_ADDRS = 0x10, /* IPv4, IPv6 and unix socket addresses (family, port kept) */
	ANA_REDACT_HOST = 0x20,	 /* hostname, kernel build string, boot id, capture id */
	ANA_REDACT_NAMES = 0x40, /* comm and thread names, executable path */
	ANA_REDACT_IDS = 0x80,	 /* trace and span ids */
};
/* What --redact without a list means: everything but the ids. */
#define ANA_REDACT_DEFAULT 0x7f

/* Parses "paths,argv,..." ("all": every class but ids). Returns 0, or -EINVAL with the bad word
 * in bad (badsz bytes). */
int ana_redact_parse(const char *list, unsigned int *classes, char *bad, size_t badsz);
/* A comma-separated list of the classes set, into buf. */
const char *ana_redact_names(unsigned int classes, char *buf, size_t bufsz);

struct ana_redactor;

/* key: any string (the same key gives the same pseudonyms in every run); NULL draws a random
 * key for this run. NULL with errno on error. */
/*
 * The keyed hash behind every pseudonym: SipHash-2-4 (Aumasson and Bernstein) with the key
 * k0, k1 of the message d, p[0..n-1]. Public for its reference test vectors.
 */
uint64_t ana_redact_siphash(uint64_t k0, uint64_t k1, uint8_t d, const void *p, size_t n);

struct ana_redactor *ana_redactor__new(unsigned int classes, const char *key);
void ana_redactor__free(struct ana_redactor *r);

/*
 * Encodes rec into buf (bufsz bytes, at least SCF_REC_MAX) with the classes of r redacted; r
 * NULL copies it unchanged. Items a redactor does not know are dropped (a newer writer's item
 * may hold anything). Returns the record length, or 0 when the record cannot be encoded.
 */
size_t ana_redact_record(struct ana_redactor *r, const struct scf_record *rec, uint8_t *buf,
			 size_t bufsz);

#endif /* ANA_REDACT_H */
