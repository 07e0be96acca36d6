// SPDX-License-Identifier: BSD-2-Clause
/*
 * record_codec.c - encoding and decoding of spancap records (record_layout.h).
 *
 * Decoding works on untrusted bytes: lengths are compared, never pointers, and every field is
 * copied out with memcpy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include "spancap_file.h"
#include "format_internal.h"

/* ---- builder --------------------------------------------------------------------------------- */

void scf_rb_begin(struct scf_rec_builder *b, void *buf, size_t bufsz, uint16_t type,
		  uint16_t flags, const void *body, size_t body_len)
{
	struct scf_rec_hdr h = { .type = type, .flags = flags, .body_len = (uint16_t)body_len };

	b->buf = buf;
	b->cap = bufsz < SCF_REC_MAX ? bufsz : SCF_REC_MAX;
	b->len = 0;
	b->truncated = false;
	b->overflow = false;
	if (body_len > UINT16_MAX || sizeof(h) + body_len > b->cap) {
		b->overflow = true;
		return;
	}
	memcpy(b->buf, &h, sizeof(h));
	if (body_len)
		memcpy(b->buf + sizeof(h), body, body_len);
	b->len = sizeof(h) + body_len;
}

static size_t rb_room(const struct scf_rec_builder *b)
{
	if (b->overflow || b->len + sizeof(struct scf_item_hdr) > b->cap)
		return 0;
	return b->cap - b->len - sizeof(struct scf_item_hdr);
}

static void rb_put_item(struct scf_rec_builder *b, uint16_t tag, const void *data, size_t len)
{
	struct scf_item_hdr ih = { .tag = tag, .len = (uint16_t)len };

	memcpy(b->buf + b->len, &ih, sizeof(ih));
	if (len)
		memcpy(b->buf + b->len + sizeof(ih), data, len);
	b->len += sizeof(ih) + len;
}

void scf_rb_item(struct scf_rec_builder *b, uint16_t tag, const void *data, size_t len)
{
	size_t room;

	if (b->overflow)
		return;
	room = rb_room(b);
	if (b->len + sizeof(struct scf_item_hdr) > b->cap) {
		b->truncated = true;
		return;
	}
	if (len > room) {
		len = room;
		b->truncated = true;
	}
	rb_put_item(b, tag, data, len);
}

void scf_rb_item_whole(struct scf_rec_builder *b, uint16_t tag, const void *data, size_t len)
{
	if (b->overflow)
		return;
	if (b->len + sizeof(struct scf_item_hdr) > b->cap || len > rb_room(b)) {
		b->truncated = true;
		return;
	}
	rb_put_item(b, tag, data, len);
}

void scf_rb_item_str(struct scf_rec_builder *b, uint16_t tag, const char *s)
{
	if (s)
		scf_rb_item(b, tag, s, strlen(s));
}

void scf_rb_item_strlist(struct scf_rec_builder *b, uint16_t tag, const char *const *v, size_t n)
{
	struct scf_item_hdr ih = { .tag = tag };
	size_t start, room, used = 0, i;

	if (b->overflow)
		return;
	if (b->len + sizeof(ih) > b->cap) {
		b->truncated = true;
		return;
	}
	start = b->len;
	room = rb_room(b);
	for (i = 0; i < n; i++) {
		size_t sl = strlen(v[i]);
		uint16_t l16;

		if (sl > UINT16_MAX || 2 + sl > room - used) {
			b->truncated = true;
			break;
		}
		l16 = (uint16_t)sl;
		memcpy(b->buf + start + sizeof(ih) + used, &l16, 2);
		memcpy(b->buf + start + sizeof(ih) + used + 2, v[i], sl);
		used += 2 + sl;
	}
	ih.len = (uint16_t)used;
	memcpy(b->buf + start, &ih, sizeof(ih));
	b->len = start + sizeof(ih) + used;
}

void scf_rb_flags(struct scf_rec_builder *b, uint16_t flags)
{
	struct scf_rec_hdr h;

	if (b->overflow)
		return;
	memcpy(&h, b->buf, sizeof(h));
	h.flags |= flags;
	memcpy(b->buf, &h, sizeof(h));
}

bool scf_rb_truncated(const struct scf_rec_builder *b)
{
	return b->truncated;
}

size_t scf_rb_end(struct scf_rec_builder *b)
{
	struct scf_rec_hdr h;

	if (b->overflow)
		return 0;
	memcpy(&h, b->buf, sizeof(h));
	h.len = (uint16_t)b->len;
	memcpy(b->buf, &h, sizeof(h));
	return b->len;
}

/* ---- socket addresses ------------------------------------------------------------------------ */

size_t scf_sockaddr_encode(const void *sa, size_t salen, uint8_t *out)
{
	struct scf_sockaddr_hdr h = { 0 };
	sa_family_t fam;

	if (salen < sizeof(fam))
		return 0;
	memcpy(&fam, sa, sizeof(fam));
	h.family = fam;
	switch (fam) {
	case AF_INET: {
		struct sockaddr_in in;

		if (salen < sizeof(in))
			return 0;
		memcpy(&in, sa, sizeof(in));
		h.port = ntohs(in.sin_port);
		memcpy(out, &h, sizeof(h));
		memcpy(out + 4, &in.sin_addr, 4);
		return 8;
	}
	case AF_INET6: {
		struct sockaddr_in6 in6;

		if (salen < sizeof(in6))
			return 0;
		memcpy(&in6, sa, sizeof(in6));
		h.port = ntohs(in6.sin6_port);
		memcpy(out, &h, sizeof(h));
		memcpy(out + 4, &in6.sin6_addr, 16);
		memcpy(out + 20, &in6.sin6_scope_id, 4);
		return 24;
	}
	case AF_UNIX: {
		size_t n = salen - sizeof(fam);
		const uint8_t *path = (const uint8_t *)sa + sizeof(fam);

		if (n > sizeof(((struct sockaddr_un *)0)->sun_path))
			n = sizeof(((struct sockaddr_un *)0)->sun_path);
		/* A pathname address ends at its NUL; an abstract one (leading 0) is all bytes. */
		if (n && path[0]) {
			const uint8_t *nul = memchr(path, 0, n);

			if (nul)
				n = (size_t)(nul - path);
		}
		memcpy(out, &h, sizeof(h));
		memcpy(out + 4, path, n);
		return 4 + n;
	}
	default: {
		size_t n = salen - sizeof(fam);

		if (n > SCF_SOCKADDR_MAX - 4)
			n = SCF_SOCKADDR_MAX - 4;
		memcpy(out, &h, sizeof(h));
		memcpy(out + 4, (const uint8_t *)sa + sizeof(fam), n);
		return 4 + n;
	}
	}
}

int scf_sockaddr_decode(const uint8_t *data, size_t len, struct scf_sockaddr *sa)
{
	struct scf_sockaddr_hdr h;

	memset(sa, 0, sizeof(*sa));
	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, data, sizeof(h));
	sa->family = h.family;
	sa->port = h.port;
	switch (h.family) {
	case SCF_AF_INET:
		if (len < 8)
			return -EBADMSG;
		memcpy(sa->addr, data + 4, 4);
		break;
	case SCF_AF_INET6:
		if (len < 24)
			return -EBADMSG;
		memcpy(sa->addr, data + 4, 16);
		memcpy(&sa->scope_id, data + 20, 4);
		break;
	default:
		sa->path = data + 4;
		sa->path_len = (uint16_t)(len - 4);
		break;
	}
	return 0;
}

/* Copies bytes as printable text: other bytes become '?'. */
static size_t put_printable(char *buf, size_t bufsz, size_t at, const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && at + 1 < bufsz; i++)
		buf[at++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	if (bufsz)
		buf[at < bufsz ? at : bufsz - 1] = 0;
	return at;
}

size_t scf_sockaddr_format(const struct scf_sockaddr *sa, char *buf, size_t bufsz)
{
	char ip[INET6_ADDRSTRLEN];
	int n;

	if (!bufsz)
		return 0;
	switch (sa->family) {
	case SCF_AF_INET:
		inet_ntop(AF_INET, sa->addr, ip, sizeof(ip));
		n = snprintf(buf, bufsz, "%s:%u", ip, sa->port);
		break;
	case SCF_AF_INET6:
		inet_ntop(AF_INET6, sa->addr, ip, sizeof(ip));
		n = snprintf(buf, bufsz, "[%s]:%u", ip, sa->port);
		break;
	case SCF_AF_UNIX:
		if (sa->path_len == 0)
			n = snprintf(buf, bufsz, "unix:(unnamed)");
		else if (sa->path[0] == 0) {
			n = snprintf(buf, bufsz, "unix:@");
			if (n > 0 && (size_t)n < bufsz)
				n = (int)put_printable(buf, bufsz, (size_t)n, sa->path + 1,
						       sa->path_len - 1u);
		} else {
			n = snprintf(buf, bufsz, "unix:");
			if (n > 0 && (size_t)n < bufsz)
				n = (int)put_printable(buf, bufsz, (size_t)n, sa->path, sa->path_len);
		}
		break;
	default:
		n = snprintf(buf, bufsz, "family%u", sa->family);
		break;
	}
	if (n < 0)
		return 0;
	return (size_t)n < bufsz ? (size_t)n : bufsz - 1;
}

/* ---- parsing --------------------------------------------------------------------------------- */

int scf_record_parse(const void *buf, size_t len, struct scf_record *rec, char *err, size_t errlen)
{
	const uint8_t *p = buf;
	struct scf_rec_hdr h;
	size_t off;

	if (len < sizeof(h)) {
		scf_errf(err, errlen, "record of %zu bytes is shorter than its 8-byte header", len);
		return -EBADMSG;
	}
	memcpy(&h, p, sizeof(h));
	if (h.len != len) {
		scf_errf(err, errlen, "record header says %u bytes but its block holds %zu", h.len,
			 len);
		return -EBADMSG;
	}
	if ((size_t)h.body_len > len - sizeof(h)) {
		scf_errf(err, errlen, "record body of %u bytes overruns the %zu-byte record",
			 h.body_len, len);
		return -EBADMSG;
	}
	/* The item chain must tile the rest of the record exactly. */
	off = sizeof(h) + h.body_len;
	while (off < len) {
		struct scf_item_hdr ih;

		if (len - off < sizeof(ih)) {
			scf_errf(err, errlen,
				 "record type %u: %zu stray bytes at record offset %zu, too few for an item header",
				 h.type, len - off, off);
			return -EBADMSG;
		}
		memcpy(&ih, p + off, sizeof(ih));
		if ((size_t)ih.len > len - off - sizeof(ih)) {
			scf_errf(err, errlen,
				 "record type %u: item tag %u at record offset %zu declares %u bytes, %zu remain",
				 h.type, ih.tag, off, ih.len, len - off - sizeof(ih));
			return -EBADMSG;
		}
		off += sizeof(ih) + ih.len;
	}
	rec->type = h.type;
	rec->flags = h.flags;
	rec->len = h.len;
	rec->body_len = h.body_len;
	rec->body = p + sizeof(h);
	rec->items = p + sizeof(h) + h.body_len;
	rec->items_len = (uint32_t)(len - sizeof(h) - h.body_len);
	return 0;
}

int scf_record_body(const struct scf_record *rec, void *out, size_t out_size, size_t min_size,
		    char *err, size_t errlen)
{
	size_t n = rec->body_len < out_size ? rec->body_len : out_size;

	if (rec->body_len < min_size) {
		scf_errf(err, errlen,
			 "%s record at offset %" PRIu64 ": body of %u bytes, at least %zu expected",
			 scf_rec_type_name(rec->type), rec->offset, rec->body_len, min_size);
		return -EBADMSG;
	}
	memcpy(out, rec->body, n);
	if (n < out_size)
		memset((uint8_t *)out + n, 0, out_size - n);
	return 0;
}

void scf_items_begin(const struct scf_record *rec, struct scf_item_iter *it)
{
	it->p = rec->items;
	it->left = rec->items_len;
}

int scf_items_next(struct scf_item_iter *it, uint16_t *tag, const uint8_t **data, uint16_t *len)
{
	struct scf_item_hdr ih;

	if (it->left < sizeof(ih))
		return 0;
	memcpy(&ih, it->p, sizeof(ih));
	if ((size_t)ih.len > it->left - sizeof(ih)) /* only on records not checked by parse */
		return 0;
	*tag = ih.tag;
	*data = it->p + sizeof(ih);
	*len = ih.len;
	it->p += sizeof(ih) + ih.len;
	it->left -= sizeof(ih) + ih.len;
	return 1;
}

int scf_record_item(const struct scf_record *rec, uint16_t tag, const uint8_t **data,
		    uint16_t *len)
{
	struct scf_item_iter it;
	uint16_t t;

	scf_items_begin(rec, &it);
	while (scf_items_next(&it, &t, data, len) == 1)
		if (t == tag)
			return 1;
	return 0;
}

void scf_strlist_begin(struct scf_strlist_iter *it, const uint8_t *data, size_t len)
{
	it->p = data;
	it->left = len;
}

int scf_strlist_next(struct scf_strlist_iter *it, const uint8_t **s, uint16_t *len)
{
	uint16_t n;

	if (it->left == 0)
		return 0;
	if (it->left < 2)
		return -EBADMSG;
	n = scf_get16(it->p);
	if ((size_t)n > it->left - 2)
		return -EBADMSG;
	*s = it->p + 2;
	*len = n;
	it->p += 2 + (size_t)n;
	it->left -= 2 + (size_t)n;
	return 1;
}

void scf_attrs_begin(struct scf_attr_iter *it, const uint8_t *data, size_t len)
{
	it->p = data;
	it->left = len;
}

int scf_attrs_next(struct scf_attr_iter *it, struct scf_attr *a)
{
	struct scf_attr_hdr h;
	size_t need;

	if (it->left == 0)
		return 0;
	if (it->left < sizeof(h))
		return -EBADMSG;
	memcpy(&h, it->p, sizeof(h));
	need = sizeof(h) + (size_t)h.key_len + (size_t)h.val_len;
	if (need > it->left)
		return -EBADMSG;
	if (h.type < SCF_VAL_STRING || h.type > SCF_VAL_BYTES)
		return -EBADMSG;
	if ((h.type == SCF_VAL_BOOL && h.val_len != 1) ||
	    ((h.type == SCF_VAL_INT || h.type == SCF_VAL_DOUBLE) && h.val_len != 8))
		return -EBADMSG;
	a->type = h.type;
	a->key = it->p + sizeof(h);
	a->key_len = h.key_len;
	a->val = a->key + h.key_len;
	a->val_len = h.val_len;
	it->p += need;
	it->left -= need;
	return 1;
}

int scf_attrs_append(uint8_t *buf, size_t cap, size_t *len, uint8_t type, const void *key,
		     size_t key_len, const void *val, size_t val_len)
{
	struct scf_attr_hdr h = { .type = type };

	if (key_len > UINT16_MAX || val_len > UINT16_MAX || *len > cap ||
	    sizeof(h) + key_len + val_len > cap - *len)
		return -ENOSPC;
	h.key_len = (uint16_t)key_len;
	h.val_len = (uint16_t)val_len;
	memcpy(buf + *len, &h, sizeof(h));
	if (key_len)
		memcpy(buf + *len + sizeof(h), key, key_len);
	if (val_len)
		memcpy(buf + *len + sizeof(h) + key_len, val, val_len);
	*len += sizeof(h) + key_len + val_len;
	return 0;
}

/* ---- names ----------------------------------------------------------------------------------- */

#define NAME_OF(table, v) ((v) < sizeof(table) / sizeof(table[0]) && table[v] ? table[v] : "unknown")

const char *scf_rec_type_name(unsigned int type)
{
	static const char *const names[] = {
		[SCF_REC_SECTION] = "section",	   [SCF_REC_PROCESS] = "process",
		[SCF_REC_THREAD] = "thread",	   [SCF_REC_FD] = "fd",
		[SCF_REC_THREAD_CTX] = "thread_ctx", [SCF_REC_SYSCALL] = "syscall",
		[SCF_REC_PROC_EVENT] = "proc_event", [SCF_REC_LOSS] = "loss",
		[SCF_REC_END] = "end",		   [SCF_REC_SYSCALL_PACKED] = "syscall_packed",
		[SCF_REC_CLOCK] = "clock",
	};
	return NAME_OF(names, type);
}

const char *scf_item_tag_name(unsigned int tag)
{
	static const char *const names[] = {
		[SCF_ITEM_PATH] = "path",
		[SCF_ITEM_PATH2] = "path2",
		[SCF_ITEM_SOCKADDR] = "sockaddr",
		[SCF_ITEM_SOCKADDR_LOCAL] = "sockaddr_local",
		[SCF_ITEM_ARGV] = "argv",
		[SCF_ITEM_FD_PAIR] = "fd_pair",
		[SCF_ITEM_NAME] = "name",
		[SCF_ITEM_EXE] = "exe",
		[SCF_ITEM_CGROUP] = "cgroup",
		[SCF_ITEM_RESOURCE_ATTRS] = "resource_attrs",
		[SCF_ITEM_EXTRA_ATTRS] = "extra_attrs",
		[SCF_ITEM_SCHEMA_VERSION] = "schema_version",
		[SCF_ITEM_KEY_MAP] = "key_map",
		[SCF_ITEM_REASON] = "reason",
		[SCF_ITEM_HOSTNAME] = "hostname",
		[SCF_ITEM_KERNEL_RELEASE] = "kernel_release",
		[SCF_ITEM_KERNEL_VERSION] = "kernel_version",
		[SCF_ITEM_MACHINE] = "machine",
		[SCF_ITEM_TOOL_VERSION] = "tool_version",
		[SCF_ITEM_CMDLINE] = "cmdline",
		[SCF_ITEM_ATTRS_RAW] = "attrs_raw",
		[SCF_ITEM_EXE_HOST] = "exe_host",
		[SCF_ITEM_TLS_MODULE] = "tls_module",
		[SCF_ITEM_COUNTERS] = "counters",
	};
	return NAME_OF(names, tag);
}

const char *scf_tls_model_name(unsigned int model)
{
	static const char *const names[] = {
		[SCF_TLS_NONE] = "none",
		[SCF_TLS_LOCAL_EXEC] = "local-exec",
		[SCF_TLS_INITIAL_EXEC] = "initial-exec",
		[SCF_TLS_TLSDESC_STATIC] = "tlsdesc-static",
		[SCF_TLS_TLSDESC_DYNAMIC] = "tlsdesc-dynamic",
		[SCF_TLS_GENERAL_DYNAMIC] = "general-dynamic",
		[SCF_TLS_LINK_MAP_STATIC] = "link-map-static",
		[SCF_TLS_LINK_MAP_DYNAMIC] = "link-map-dynamic",
		[SCF_TLS_MUSL_DYNAMIC] = "musl-dynamic",
	};
	return NAME_OF(names, model);
}

const char *scf_ctx_status_name(unsigned int status)
{
	static const char *const names[] = {
		[SCF_CTX_NONE] = "none",	       [SCF_CTX_RESOLVED] = "resolved",
		[SCF_CTX_PENDING] = "pending",	       [SCF_CTX_NO_SYMBOL] = "no-symbol",
		[SCF_CTX_UNSUPPORTED] = "unsupported", [SCF_CTX_ERROR] = "error",
		[SCF_CTX_INHERITED] = "inherited",
	};
	return NAME_OF(names, status);
}

const char *scf_loss_reason_name(unsigned int reason)
{
	static const char *const names[] = {
		[SCF_LOSS_RINGBUF_FULL] = "ringbuf-full", [SCF_LOSS_MAP_FULL] = "map-full",
		[SCF_LOSS_WRITE_ERROR] = "write-error",	  [SCF_LOSS_ARG_FAULT] = "arg-fault",
		[SCF_LOSS_CTX_FAULT] = "ctx-fault",	  [SCF_LOSS_UNMATCHED] = "unmatched",
	};
	return NAME_OF(names, reason);
}

bool scf_loss_drops_events(unsigned int reason)
{
	return reason != SCF_LOSS_ARG_FAULT && reason != SCF_LOSS_CTX_FAULT;
}

const char *scf_stop_reason_name(unsigned int reason)
{
	static const char *const names[] = {
		[SCF_STOP_SIGNAL] = "signal",	  [SCF_STOP_COUNT] = "count",
		[SCF_STOP_DURATION] = "duration", [SCF_STOP_COMMAND] = "command-exit",
		[SCF_STOP_ROTATE] = "rotate",	  [SCF_STOP_ERROR] = "error",
		[SCF_STOP_TARGETS_EXITED] = "targets-exited",
	};
	return NAME_OF(names, reason);
}

const char *scf_fd_kind_name(unsigned int kind)
{
	static const char *const names[] = {
		[SCF_FD_UNKNOWN] = "unknown", [SCF_FD_FILE] = "file",	  [SCF_FD_DIR] = "dir",
		[SCF_FD_PIPE] = "pipe",	      [SCF_FD_SOCKET] = "socket", [SCF_FD_DEVICE] = "device",
		[SCF_FD_ANON] = "anon",	      [SCF_FD_MEMFD] = "memfd",
	};
	return NAME_OF(names, kind);
}

const char *scf_counter_name(unsigned int id)
{
	static const char *const names[] = {
		[SCF_CNT_EVENTS] = "events",
		[SCF_CNT_RINGBUF_DROPS] = "ringbuf_drops",
		[SCF_CNT_MAP_FULL] = "map_full",
		[SCF_CNT_ARG_FAULTS] = "arg_faults",
		[SCF_CNT_CTX_FAULTS] = "ctx_faults",
		[SCF_CNT_WRITE_DROPS] = "write_drops",
		[SCF_CNT_RECORDS] = "records",
		[SCF_CNT_BYTES] = "bytes",
		[SCF_CNT_UNMATCHED] = "unmatched",
		[SCF_CNT_CTX_INVALID] = "ctx_invalid",
		[SCF_CNT_RING_TRIGGERS] = "ring_triggers",
		[SCF_CNT_RING_DROPPED_SECTIONS] = "ring_dropped_sections",
		[SCF_CNT_RING_DROPPED_BYTES] = "ring_dropped_bytes",
		[SCF_CNT_RING_OVERFLOWS] = "ring_overflows",
	};
	return NAME_OF(names, id);
}

size_t scf_rec_min_body(unsigned int type)
{
	static const size_t mins[] = {
		[SCF_REC_SECTION] = SCF_SECTION_MIN,	   [SCF_REC_PROCESS] = SCF_PROCESS_MIN,
		[SCF_REC_THREAD] = SCF_THREAD_MIN,	   [SCF_REC_FD] = SCF_FD_MIN,
		[SCF_REC_THREAD_CTX] = SCF_THREAD_CTX_MIN, [SCF_REC_SYSCALL] = SCF_SYSCALL_MIN,
		[SCF_REC_PROC_EVENT] = SCF_PROC_EVENT_MIN, [SCF_REC_LOSS] = SCF_LOSS_MIN,
		[SCF_REC_END] = SCF_END_MIN,	   [SCF_REC_SYSCALL_PACKED] = SCF_SYSCALL_PACKED_MIN,
		[SCF_REC_CLOCK] = SCF_CLOCK_MIN,
	};
	return type < sizeof(mins) / sizeof(mins[0]) ? mins[type] : 0;
}
