// SPDX-License-Identifier: BSD-2-Clause
/* target_memory.c - process_vm_readv with a /proc/PID/mem fallback. */
#include "target_memory.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "resolve_internal.h"

struct tmem {
	pid_t pid;
	int mem_fd;	 /* /proc/PID/mem, opened on first fallback; -1 until then */
	bool use_pread;	 /* process_vm_readv failed with ENOSYS/EPERM once */
	tmem_read_fn fn; /* callback reader, or NULL */
	void *ctx;
};

struct tmem *tmem__open(pid_t pid, char *err, size_t errlen)
{
	struct tmem *m;
	char path[64];

	if (pid <= 0) {
		scf_errf(err, errlen, "invalid pid %d", (int)pid);
		errno = EINVAL;
		return NULL;
	}
	/* Fail early on a process that does not exist. */
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (access(path, F_OK)) {
		int saved = errno == ENOENT ? ESRCH : errno;

		scf_errf(err, errlen, "%s: %s", path, strerror(saved));
		errno = saved;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		scf_errf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	m->pid = pid;
	m->mem_fd = -1;
	return m;
}

struct tmem *tmem__open_cb(tmem_read_fn fn, void *ctx)
{
	struct tmem *m;

	if (!fn) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->mem_fd = -1;
	m->fn = fn;
	m->ctx = ctx;
	return m;
}

void tmem__free(struct tmem *m)
{
	if (!m)
		return;
	if (m->mem_fd >= 0)
		close(m->mem_fd);
	free(m);
}

pid_t tmem__pid(const struct tmem *m)
{
	return m->pid;
}

/* Returns bytes read (possibly short) or -errno. */
static ssize_t read_some(struct tmem *m, uint64_t addr, void *buf, size_t len)
{
	if (m->fn)
		return m->fn(m->ctx, addr, buf, len);
	if (!m->use_pread) {
		struct iovec local = {.iov_base = buf, .iov_len = len};
		struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
		ssize_t r = process_vm_readv(m->pid, &local, 1, &remote, 1, 0);

		if (r >= 0)
			return r;
		if (errno != ENOSYS && errno != EPERM)
			return -errno;
		m->use_pread = true;
	}
	if (m->mem_fd < 0) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/mem", (int)m->pid);
		m->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (m->mem_fd < 0)
			return -errno;
	}
	/* /proc/PID/mem takes the address as the file offset; it must fit in off_t. */
	if (addr > (uint64_t)INT64_MAX)
		return -EFAULT;
	for (;;) {
		ssize_t r = pread(m->mem_fd, buf, len, (off_t)addr);

		if (r >= 0)
			return r;
		if (errno != EINTR)
			return errno == EIO ? -EFAULT : -errno;
	}
}

int tmem__read(struct tmem *m, uint64_t addr, void *buf, size_t len, char *err, size_t errlen)
{
	size_t done = 0;

	if (len && addr > UINT64_MAX - (len - 1)) {
		scf_errf(err, errlen, "read of %zu bytes at 0x%" PRIx64 " wraps the address space",
			 len, addr);
		return -EFAULT;
	}
	while (done < len) {
		ssize_t r = read_some(m, addr + done, (uint8_t *)buf + done, len - done);

		if (r < 0) {
			scf_errf(err, errlen,
				 "pid %d: read of %zu bytes at 0x%" PRIx64 " failed at 0x%" PRIx64
				 ": %s",
				 (int)m->pid, len, addr, addr + done, strerror((int)-r));
			return (int)r;
		}
		if (r == 0) {
			scf_errf(err, errlen,
				 "pid %d: short read: %zu of %zu bytes at 0x%" PRIx64 ", 0x%" PRIx64
				 " is not readable",
				 (int)m->pid, done, len, addr, addr + done);
			return -EFAULT;
		}
		done += (size_t)r;
	}
	return 0;
}

int tmem__rd64(struct tmem *m, uint64_t addr, uint64_t *out, char *err, size_t errlen)
{
	uint8_t b[8];
	int rc = tmem__read(m, addr, b, sizeof(b), err, errlen);

	if (!rc)
		*out = scf_get64(b);
	return rc;
}

int tmem__rd32(struct tmem *m, uint64_t addr, uint32_t *out, char *err, size_t errlen)
{
	uint8_t b[4];
	int rc = tmem__read(m, addr, b, sizeof(b), err, errlen);

	if (!rc)
		*out = scf_get32(b);
	return rc;
}
