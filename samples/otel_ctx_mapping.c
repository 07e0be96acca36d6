// SPDX-License-Identifier: BSD-2-Clause
/*
 * OTEP 4719 mapping: the publication and update protocols for the OTEL_CTX header.
 * The caller (otel_ctx_process.c) serializes every call with its mutex.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "otel_ctx_internal.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PR_SET_VMA_ANON_NAME
#define PR_SET_VMA_ANON_NAME 0
#endif

/* A CLOCK_BOOTTIME stamp, non-zero and strictly after the previous one. */
static uint64_t next_timestamp(struct otel_ctx_mapping *m)
{
	struct timespec ts;
	uint64_t now = 0;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) == 0)
		now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (now <= m->last_ts)
		now = m->last_ts + 1;
	m->last_ts = now;
	return now;
}

static void store_timestamp(struct otel_ctx_header *hdr, uint64_t ts)
{
	/* An aligned 64-bit store: readers see the old or the new value, never a mix. */
	__atomic_store_n(&hdr->published_at_ns, ts, __ATOMIC_RELAXED);
}

static bool name_mapping(struct otel_ctx_mapping *m)
{
	return prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)m->hdr, m->size,
		     (unsigned long)"OTEL_CTX") == 0;
}

static void *map_memfd(size_t size)
{
	void *p;
	int fd;

	fd = memfd_create("OTEL_CTX", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
	if (fd < 0 && errno == EINVAL) /* kernels before 6.3 reject MFD_NOEXEC_SEAL */
		fd = memfd_create("OTEL_CTX", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return MAP_FAILED;
	if (ftruncate(fd, (off_t)size) != 0) {
		close(fd);
		return MAP_FAILED;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd); /* the mapping keeps the memfd alive and visible in /proc/PID/maps */
	return p;
}

int otel_ctx_mapping_publish(struct otel_ctx_mapping *m, const void *payload, uint32_t size,
			     bool no_prctl, const char **step)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;
	int err;

	m->size = page > 0 ? (size_t)page : 4096;
	m->memfd = true;
	p = map_memfd(m->size);
	if (p == MAP_FAILED) {
		m->memfd = false;
		p = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			*step = "mmap";
			return -errno;
		}
	}
	m->hdr = p;
	if (madvise(p, m->size, MADV_DONTFORK) != 0) {
		*step = "madvise(MADV_DONTFORK)";
		err = -errno;
		goto err_unmap;
	}

	memcpy(m->hdr->signature, OTEL_CTX_SIGNATURE, 8);
	m->hdr->version = OTEL_CTX_VERSION;
	m->hdr->payload_size = size;
	m->hdr->payload = (uint64_t)(uintptr_t)payload;
	atomic_thread_fence(memory_order_seq_cst);
	store_timestamp(m->hdr, next_timestamp(m));
	atomic_thread_fence(memory_order_seq_cst);

	/* A memfd is found by its own name; the anonymous fallback has only the prctl one. */
	m->named = no_prctl && m->memfd ? false : name_mapping(m);
	if (!m->named && !m->memfd) {
		/* Neither a memfd name nor an anon name: readers could never find it. */
		*step = "prctl(PR_SET_VMA_ANON_NAME) on the anonymous fallback";
		err = -errno;
		goto err_unmap;
	}
	m->publications = 1;
	return 0;

err_unmap:
	otel_ctx_mapping_unmap(m);
	return err;
}

void otel_ctx_mapping_update(struct otel_ctx_mapping *m, const void *payload, uint32_t size,
			     bool no_prctl)
{
	uint64_t ts = next_timestamp(m);

	store_timestamp(m->hdr, 0);
	atomic_thread_fence(memory_order_seq_cst);
	m->hdr->payload = (uint64_t)(uintptr_t)payload;
	m->hdr->payload_size = size;
	atomic_thread_fence(memory_order_seq_cst);
	store_timestamp(m->hdr, ts);
	atomic_thread_fence(memory_order_seq_cst);
	/* unconditionally, as the spec requires, unless the caller asked for a memfd-only writer */
	m->named = no_prctl && m->memfd ? m->named : name_mapping(m);
	m->publications++;
}

void otel_ctx_mapping_unmap(struct otel_ctx_mapping *m)
{
	if (m->hdr)
		munmap(m->hdr, m->size);
	otel_ctx_mapping_forget(m);
}

void otel_ctx_mapping_forget(struct otel_ctx_mapping *m)
{
	uint64_t last = m->last_ts;

	memset(m, 0, sizeof(*m));
	m->last_ts = last; /* a later publication still gets a newer stamp */
}
