/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * byte_order.h - the one reader and writer of little-endian integers at any alignment, for
 * formats/ (the file format is little-endian: formats/FORMAT.md) and for capture/, whose
 * parsers read little-endian ELF files and the memory of processes on x86_64 and arm64.
 * memcpy into a local, never a cast into the buffer; the conversion is free on those hosts.
 */
#ifndef SPANCAP_BYTE_ORDER_H
#define SPANCAP_BYTE_ORDER_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t scf_get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static inline uint32_t scf_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t scf_get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline void scf_put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void scf_put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

#endif /* SPANCAP_BYTE_ORDER_H */
