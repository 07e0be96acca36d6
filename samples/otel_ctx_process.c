// SPDX-License-Identifier: BSD-2-Clause
/*
 * Process-wide state of the writer: the resource attributes, the append-only key map and the
 * published OTEP 4719 mapping. One mutex serializes every writer of this state (OTEP 4947
 * requires a single writer of the process context); key lookups are lock-free.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otel_ctx_internal.h"

struct kv_copy {
	char *key;
	enum otel_ctx_value_type type;
	char *str;
	bool boolean;
	int64_t integer;
	double dbl;
};

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* Everything below is written under state_lock. */
static struct kv_copy *resource;
static size_t n_resource;
static struct kv_copy *extra; /* ProcessContext.attributes besides threadlocal.* */
static size_t n_extra;
static unsigned int publish_flags; /* OTEL_CTX_PUBLISH_* of the last publication */
static struct otel_ctx_mapping mapping;
static uint8_t *payload; /* referenced by the published header */
static size_t payload_len;
static uint8_t *orphan_payload; /* left by a fork child handler, freed on the next call */
static char last_error[256];

/*
 * The key map: names[i] is written before key_count grows past i (release), so a reader
 * that loads key_count (acquire) may read names[0 .. count-1] without the lock.
 */
static char *key_names[OTEL_CTX_KEYS_MAX];
static unsigned int key_count;

static void set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&state_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&state_lock);
}

/* The child has no OTEL_CTX mapping (MADV_DONTFORK): it must publish its own. */
static void atfork_child(void)
{
	otel_ctx_mapping_forget(&mapping);
	if (payload) {
		orphan_payload = payload;
		payload = NULL;
		payload_len = 0;
	}
	pthread_mutex_unlock(&state_lock);
}

static void register_atfork(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static void free_orphan(void)
{
	free(orphan_payload);
	orphan_payload = NULL;
}

static void free_resource(struct kv_copy *kv, size_t n)
{
	size_t i;

	if (!kv)
		return;
	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].str);
	}
	free(kv);
}

static void kv_view(const struct kv_copy *c, size_t n, struct otel_ctx_kv *kvs)
{
	for (size_t i = 0; i < n; i++) {
		kvs[i].key = c[i].key;
		kvs[i].type = c[i].type;
		switch (c[i].type) {
		case OTEL_CTX_VALUE_STRING:
			kvs[i].v.str = c[i].str;
			break;
		case OTEL_CTX_VALUE_BOOL:
			kvs[i].v.boolean = c[i].boolean;
			break;
		case OTEL_CTX_VALUE_INT:
			kvs[i].v.integer = c[i].integer;
			break;
		case OTEL_CTX_VALUE_DOUBLE:
			kvs[i].v.dbl = c[i].dbl;
			break;
		}
	}
}

/*
 * Encodes the payload for the given resource, extra attributes and the first n_keys keys (plus
 * extra_key as key n_keys when not NULL; no key map at all when with_keys is false). On
 * success *out / *out_len own the bytes.
 */
static int encode_payload(const struct kv_copy *res, size_t n_res, const struct kv_copy *ex,
			  size_t n_ex, bool with_keys, const char *extra_key, uint8_t **out,
			  size_t *out_len)
{
	struct otel_ctx_kv kvs[64], exs[64];
	char *keys[OTEL_CTX_KEYS_MAX];
	struct otel_pb pb;
	size_t n_keys = key_count;
	int err;

	if (n_res > sizeof(kvs) / sizeof(kvs[0]) || n_ex > sizeof(exs) / sizeof(exs[0]))
		return -E2BIG;
	kv_view(res, n_res, kvs);
	kv_view(ex, n_ex, exs);
	memcpy(keys, key_names, n_keys * sizeof(keys[0]));
	if (extra_key)
		keys[n_keys++] = (char *)extra_key;

	otel_pb_init(&pb);
	err = otel_ctx_payload_encode(&pb, kvs, n_res, exs, n_ex, with_keys ? keys : NULL, n_keys);
	if (err) {
		otel_pb_release(&pb);
		return err;
	}
	*out = otel_pb_take(&pb, out_len);
	return 0;
}

/* Publishes or updates with new_payload, which becomes owned by the state. */
static int install_payload(uint8_t *new_payload, size_t new_len)
{
	const char *step = "?";
	uint8_t *old = payload;
	int err;

	if (!mapping.hdr) {
		err = otel_ctx_mapping_publish(&mapping, new_payload, (uint32_t)new_len,
					       publish_flags & OTEL_CTX_PUBLISH_NO_PRCTL, &step);
		if (err) {
			set_error("otel_ctx: publishing the process context failed at %s: %s", step,
				  strerror(-err));
			free(new_payload);
			return err;
		}
	} else {
		otel_ctx_mapping_update(&mapping, new_payload, (uint32_t)new_len,
					publish_flags & OTEL_CTX_PUBLISH_NO_PRCTL);
	}
	/* The header no longer points at the old payload; a racing reader sees the new stamp. */
	payload = new_payload;
	payload_len = new_len;
	free(old);
	return 0;
}

static int copy_resource(const struct otel_ctx_kv *res, size_t n, struct kv_copy **out,
			 bool is_extra)
{
	struct kv_copy *kv;
	size_t i, j;

	*out = NULL;
	if (n > 64) {
		set_error("otel_ctx: %zu resource attributes, at most 64", n);
		return -E2BIG;
	}
	if (n == 0)
		return 0;
	kv = calloc(n, sizeof(*kv));
	if (!kv)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!res[i].key || !res[i].key[0] ||
		    (res[i].type == OTEL_CTX_VALUE_STRING && !res[i].v.str) ||
		    res[i].type < OTEL_CTX_VALUE_STRING || res[i].type > OTEL_CTX_VALUE_DOUBLE) {
			set_error("otel_ctx: resource attribute %zu: empty key, bad type or NULL "
				  "string",
				  i);
			goto err_free;
		}
		if (is_extra && !strncmp(res[i].key, "threadlocal.", 12)) {
			set_error("otel_ctx: extra attribute %zu: '%s' is reserved", i,
				  res[i].key);
			goto err_free;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(res[i].key, res[j].key) == 0) {
				set_error("otel_ctx: resource attribute %zu duplicates key '%s'", i,
					  res[i].key);
				goto err_free;
			}
		}
		kv[i].key = strdup(res[i].key);
		kv[i].type = res[i].type;
		if (!kv[i].key)
			goto err_nomem;
		switch (res[i].type) {
		case OTEL_CTX_VALUE_STRING:
			kv[i].str = strdup(res[i].v.str);
			if (!kv[i].str)
				goto err_nomem;
			break;
		case OTEL_CTX_VALUE_BOOL:
			kv[i].boolean = res[i].v.boolean;
			break;
		case OTEL_CTX_VALUE_INT:
			kv[i].integer = res[i].v.integer;
			break;
		case OTEL_CTX_VALUE_DOUBLE:
			kv[i].dbl = res[i].v.dbl;
			break;
		}
	}
	*out = kv;
	return 0;

err_nomem:
	free_resource(kv, n);
	set_error("otel_ctx: out of memory copying resource attributes");
	return -ENOMEM;
err_free:
	free_resource(kv, n);
	return -EINVAL;
}

int otel_ctx_process_publish_ex(const struct otel_ctx_kv *res, size_t n,
				const struct otel_ctx_kv *ex, size_t n_ex, unsigned int flags)
{
	struct kv_copy *kv = NULL, *exv = NULL;
	unsigned int old_flags;
	uint8_t *buf;
	size_t len;
	int err;

	if ((n && !res) || (n_ex && !ex) ||
	    (flags & ~(OTEL_CTX_PUBLISH_NO_PRCTL | OTEL_CTX_PUBLISH_NO_KEY_MAP)))
		return -EINVAL;
	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&state_lock);
	free_orphan();
	err = copy_resource(res, n, &kv, false);
	if (!err)
		err = copy_resource(ex, n_ex, &exv, true);
	if (err)
		goto err_free;
	err = encode_payload(kv, n, exv, n_ex, !(flags & OTEL_CTX_PUBLISH_NO_KEY_MAP), NULL, &buf,
			     &len);
	if (err) {
		set_error("otel_ctx: encoding the payload failed: %s", strerror(-err));
		goto err_free;
	}
	old_flags = publish_flags;
	publish_flags = flags;
	err = install_payload(buf, len);
	if (err) {
		publish_flags = old_flags;
		goto err_free;
	}
	free_resource(resource, n_resource);
	resource = kv;
	n_resource = n;
	free_resource(extra, n_extra);
	extra = exv;
	n_extra = n_ex;
	pthread_mutex_unlock(&state_lock);
	return 0;

err_free:
	free_resource(kv, n);
	free_resource(exv, n_ex);
	pthread_mutex_unlock(&state_lock);
	return err;
}

int otel_ctx_process_publish(const struct otel_ctx_kv *res, size_t n)
{
	return otel_ctx_process_publish_ex(res, n, NULL, 0, 0);
}

int otel_ctx_process_unpublish(void)
{
	int err = 0;

	pthread_mutex_lock(&state_lock);
	free_orphan();
	if (!mapping.hdr) {
		err = -ENOENT;
	} else {
		otel_ctx_mapping_unmap(&mapping);
		free(payload);
		payload = NULL;
		payload_len = 0;
	}
	pthread_mutex_unlock(&state_lock);
	return err;
}

void otel_ctx_process_reset(void)
{
	unsigned int i, n;

	otel_ctx_process_unpublish();
	pthread_mutex_lock(&state_lock);
	free_resource(resource, n_resource);
	resource = NULL;
	n_resource = 0;
	free_resource(extra, n_extra);
	extra = NULL;
	n_extra = 0;
	publish_flags = 0;
	n = __atomic_load_n(&key_count, __ATOMIC_ACQUIRE);
	__atomic_store_n(&key_count, 0, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++) {
		free(key_names[i]);
		key_names[i] = NULL;
	}
	last_error[0] = '\0';
	pthread_mutex_unlock(&state_lock);
}

int otel_ctx_process_info(struct otel_ctx_process_info *info)
{
	int err = 0;

	if (!info)
		return -EINVAL;
	pthread_mutex_lock(&state_lock);
	if (!mapping.hdr) {
		err = -ENOENT;
	} else {
		info->mapping = mapping.hdr;
		info->mapping_size = mapping.size;
		info->payload = payload;
		info->payload_size = (uint32_t)payload_len;
		info->published_at_ns =
		    __atomic_load_n(&mapping.hdr->published_at_ns, __ATOMIC_RELAXED);
		info->publications = mapping.publications;
		info->memfd = mapping.memfd;
		info->named = mapping.named;
	}
	pthread_mutex_unlock(&state_lock);
	return err;
}

void otel_ctx_process_error(char *buf, size_t len)
{
	if (!buf || !len)
		return;
	pthread_mutex_lock(&state_lock);
	snprintf(buf, len, "%s", last_error);
	pthread_mutex_unlock(&state_lock);
}

static int key_lookup(const char *name, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (strcmp(key_names[i], name) == 0)
			return (int)i;
	}
	return -ENOENT;
}

int otel_ctx_key_resolve(const char *name)
{
	unsigned int count;
	uint8_t *buf = NULL;
	size_t len = 0;
	char *copy;
	int idx, err;

	if (!name || !name[0] || strnlen(name, OTEL_CTX_KEY_NAME_MAX + 1) > OTEL_CTX_KEY_NAME_MAX)
		return -EINVAL;
	idx = key_lookup(name, __atomic_load_n(&key_count, __ATOMIC_ACQUIRE));
	if (idx >= 0)
		return idx;

	pthread_mutex_lock(&state_lock);
	free_orphan();
	count = key_count;
	idx = key_lookup(name, count); /* another thread may have appended it meanwhile */
	if (idx >= 0)
		goto out_unlock;
	if (count >= OTEL_CTX_KEYS_MAX) {
		set_error("otel_ctx: key map full (%u keys), cannot add '%s'", count, name);
		idx = -ENOSPC;
		goto out_unlock;
	}
	copy = strdup(name);
	if (!copy) {
		idx = -ENOMEM;
		goto out_unlock;
	}
	if (mapping.hdr) {
		/*
		 * Encode first: the key becomes visible only once readers can resolve it, so this
		 * payload carries the key map even after an update that left it out.
		 */
		publish_flags &= ~OTEL_CTX_PUBLISH_NO_KEY_MAP;
		err = encode_payload(resource, n_resource, extra, n_extra, true, copy, &buf, &len);
		if (err) {
			set_error("otel_ctx: encoding the payload for key '%s' failed: %s", name,
				  strerror(-err));
			free(copy);
			idx = err;
			goto out_unlock;
		}
		install_payload(buf, len); /* an update cannot fail */
	}
	key_names[count] = copy;
	__atomic_store_n(&key_count, count + 1, __ATOMIC_RELEASE);
	idx = (int)count;
out_unlock:
	pthread_mutex_unlock(&state_lock);
	return idx;
}

int otel_ctx_key_index(const char *name)
{
	return otel_ctx_key_resolve(name);
}

unsigned int otel_ctx_key_count(void)
{
	return __atomic_load_n(&key_count, __ATOMIC_ACQUIRE);
}

const char *otel_ctx_key_name(unsigned int idx)
{
	if (idx >= __atomic_load_n(&key_count, __ATOMIC_ACQUIRE))
		return NULL;
	return key_names[idx];
}
