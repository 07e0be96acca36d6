// SPDX-License-Identifier: BSD-2-Clause
/*
 * syscall_select.c - the syscall classes of spancap -e, defined once here, and the name table
 * (generated at build time from the C library's asm/unistd_64.h into syscall_names.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "syscall_select.h"

static const struct {
	const char *name;
	int nr;
} names[] = {
#include "syscall_names.h"
};

/* Always recorded, whatever -e says: they build the process tree. */
static const char *const lifecycle[] = {
	"clone", "clone3", "fork", "vfork", "execve", "execveat", "exit", "exit_group", NULL,
};

static const char *const class_file[] = {
	"open", "openat", "openat2", "creat", "close", "close_range", "read", "write", "pread64",
	"pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2", "lseek",
	"stat", "fstat", "lstat", "newfstatat", "statx", "access", "faccessat", "faccessat2",
	"truncate", "ftruncate", "rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir",
	"mkdirat", "rmdir", "link", "linkat", "symlink", "symlinkat", "readlink", "readlinkat",
	"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
	"chdir", "fchdir", "chroot", "mknod", "mknodat", "getdents64", "fsync", "fdatasync",
	"sync_file_range", "fallocate", "sendfile", "splice", "tee", "copy_file_range",
	"fcntl", "flock", "utimensat", NULL,
};
static const char *const class_net[] = {
	"socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "sendto",
	"recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "getsockname",
	"getpeername", "setsockopt", "getsockopt", NULL,
};
static const char *const class_process[] = {
	"clone", "clone3", "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4",
	"waitid", "kill", "tkill", "tgkill", "prctl", "setsid", "setpgid", "ptrace",
	"pidfd_open", "pidfd_send_signal", "unshare", "setns", NULL,
};
/* Calls that create, duplicate or destroy descriptors. */
static const char *const class_fd[] = {
	"open", "openat", "openat2", "creat", "close", "close_range", "dup", "dup2", "dup3",
	"fcntl", "pipe", "pipe2", "socket", "socketpair", "accept", "accept4", "eventfd",
	"eventfd2", "epoll_create", "epoll_create1", "timerfd_create", "signalfd", "signalfd4",
	"memfd_create", "inotify_init", "inotify_init1", "pidfd_open", "pidfd_getfd", NULL,
};
static const char *const class_mem[] = {
	"mmap", "munmap", "mprotect", "mremap", "brk", "madvise", "msync", "mlock", "mlock2",
	"munlock", "mlockall", "munlockall", NULL,
};
static const char *const class_signal[] = {
	"kill", "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
	"rt_sigqueueinfo", "rt_tgsigqueueinfo", "rt_sigsuspend", "rt_sigtimedwait",
	"rt_sigpending", "sigaltstack", "pause", "pidfd_send_signal", NULL,
};
static const char *const class_ids[] = {
	"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
	"setfsgid", "setgroups", "capset", NULL,
};

static const struct {
	const char *name;
	const char *const *calls; /* NULL: every syscall */
} classes[] = {
	{"file", class_file},	  {"net", class_net}, {"process", class_process},
	{"fd", class_fd},	  {"mem", class_mem}, {"signal", class_signal},
	{"ids", class_ids},	  {"all", NULL},
};

const char *syscall_select_classes(void)
{
	return "file, net, process, fd, mem, signal, ids, all";
}

int syscall_select_nr(const char *name)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i].name, name))
			return names[i].nr;
	return -1;
}

static void set_nr(uint64_t bits[SC_SEL_WORDS], int nr)
{
	if (nr >= 0 && nr < SC_NR_MAX)
		bits[nr / 64] |= 1ull << (nr % 64);
}

/* Names the running kernel's headers lack (a newer call) are skipped in a class. */
static void set_list(uint64_t bits[SC_SEL_WORDS], const char *const *list)
{
	for (; *list; list++)
		set_nr(bits, syscall_select_nr(*list));
}

static int add_word(const char *w, uint64_t bits[SC_SEL_WORDS])
{
	int nr;

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (strcmp(classes[i].name, w))
			continue;
		if (!classes[i].calls)
			memset(bits, 0xff, SC_SEL_WORDS * sizeof(bits[0]));
		else
			set_list(bits, classes[i].calls);
		return 0;
	}
	nr = syscall_select_nr(w);
	if (nr < 0 || nr >= SC_NR_MAX)
		return -EINVAL;
	set_nr(bits, nr);
	return 0;
}

int syscall_select_parse(const char *spec, uint64_t bits[SC_SEL_WORDS], char *err,
			 size_t errlen)
{
	char w[64];
	size_t n;

	for (const char *p = spec;; p += n + 1) {
		n = strcspn(p, ",");
		if (!n || n >= sizeof(w)) {
			snprintf(err, errlen, "bad syscall selection '%s' at offset %zu: %s", spec,
				 (size_t)(p - spec), n ? "word too long" : "empty word");
			return -EINVAL;
		}
		memcpy(w, p, n);
		w[n] = 0;
		if (add_word(w, bits)) {
			snprintf(err, errlen,
				 "bad syscall selection '%s': '%s' is neither a class (%s) nor an "
				 "x86_64 syscall name",
				 spec, w, syscall_select_classes());
			return -EINVAL;
		}
		if (!p[n])
			break;
	}
	set_list(bits, lifecycle);
	return 0;
}
