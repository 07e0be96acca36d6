/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The demo's deliberate system calls. Each one is issued as a raw syscall(2) (so its name is
 * the same under glibc and musl) and logged to the truth log as an "op" line carrying the
 * context that was active: kernel-style return value (-errno on failure), errno, the path or
 * the 127.0.0.1:port peer, and CLOCK_REALTIME start/end.
 */
#ifndef DEMO_OPS_H
#define DEMO_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "demo_truth.h"

/* The context active on the thread, as hex ids; empty strings when none. */
struct demo_ctx_ids {
	char trace_id[33];
	char span_id[17];
};

struct demo_oplog {
	struct demo_truth *truth;
	const struct demo_ctx_ids *ctx;
	pid_t pid;
	pid_t tid;
	unsigned long n_ops;
	unsigned long n_failed;
};

uint64_t demo_realtime_ns(void);
/* Symbolic name of an errno value ("ENOENT"), or "" for 0. */
const char *demo_errno_name(int err);

/* All return the kernel's result: >= 0, or -errno. */
long demo_op_openat(struct demo_oplog *l, int dirfd, const char *path, int flags, int mode);
long demo_op_read(struct demo_oplog *l, int fd, const char *what, void *buf, size_t n);
long demo_op_write(struct demo_oplog *l, int fd, const char *what, const void *buf, size_t n);
long demo_op_fsync(struct demo_oplog *l, int fd, const char *what);
long demo_op_close(struct demo_oplog *l, int fd, const char *what);
long demo_op_unlinkat(struct demo_oplog *l, int dirfd, const char *path, int flags);
long demo_op_mkdirat(struct demo_oplog *l, int dirfd, const char *path, int mode);
long demo_op_getpid(struct demo_oplog *l);
long demo_op_nanosleep(struct demo_oplog *l, uint64_t ns);

/* TCP over 127.0.0.1 only. */
long demo_op_tcp_socket(struct demo_oplog *l);
long demo_op_set_rcvtimeo(struct demo_oplog *l, int fd, int ms);
long demo_op_bind_loopback(struct demo_oplog *l, int fd, int port);
long demo_op_listen(struct demo_oplog *l, int fd, int backlog);
/* Returns the bound port (>0) or -errno. */
long demo_op_local_port(struct demo_oplog *l, int fd);
long demo_op_connect_loopback(struct demo_oplog *l, int fd, int port);
long demo_op_accept(struct demo_oplog *l, int fd);
long demo_op_shutdown(struct demo_oplog *l, int fd);

/*
 * fork + exec through raw syscalls: pipe2(O_CLOEXEC), clone(SIGCHLD), execve in the child
 * (logged with the child's pid), the parent's close/read of the pipe (reads the child's
 * execve errno, EOF when execve succeeded), then wait4. Returns the child's exit status
 * (0..255), 256 + signal when killed, or -errno when a step in the parent failed.
 */
int demo_op_spawn(struct demo_oplog *l, const char *path, char *const argv[]);

#endif /* DEMO_OPS_H */
