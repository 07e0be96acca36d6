/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * target_memory.h - read another process's memory.
 *
 * process_vm_readv() first; /proc/PID/mem with pread() when process_vm_readv is not usable
 * (ENOSYS, EPERM under some LSMs). A short read is an error (-EFAULT) whose message names the
 * first address that could not be read. A reader can also be built on a callback so that tests
 * feed a synthetic address space.
 */
#ifndef SPANCAP_TARGET_MEMORY_H
#define SPANCAP_TARGET_MEMORY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tmem;

/*
 * A read callback: copies len bytes at addr into buf and returns how many bytes it copied
 * (fewer than len at the end of readable memory), or a negative errno.
 */
typedef ssize_t (*tmem_read_fn)(void *ctx, uint64_t addr, void *buf, size_t len);

/* Opens a reader on pid. Returns NULL with errno set (the process may be gone: ESRCH). */
struct tmem *tmem__open(pid_t pid, char *err, size_t errlen);
/* Opens a reader whose reads go to fn(ctx, ...). */
struct tmem *tmem__open_cb(tmem_read_fn fn, void *ctx);
void tmem__free(struct tmem *m);
pid_t tmem__pid(const struct tmem *m); /* 0 for a callback reader */

/* Reads exactly len bytes at addr. Returns 0, -EFAULT (short read or unmapped), -ESRCH, ... */
int tmem__read(struct tmem *m, uint64_t addr, void *buf, size_t len, char *err, size_t errlen);
int tmem__rd64(struct tmem *m, uint64_t addr, uint64_t *out, char *err, size_t errlen);
int tmem__rd32(struct tmem *m, uint64_t addr, uint32_t *out, char *err, size_t errlen);

#endif /* SPANCAP_TARGET_MEMORY_H */
