/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * syscall_table.h - x86_64 syscall names, numbers and classes (from the kernel's
 * arch/x86/entry/syscalls/syscall_64.tbl, common and 64 entries; the x32 entries 512..547 are
 * another ABI), with what the analyzer needs to attribute and print each call.
 */
#ifndef ANA_SYSCALL_TABLE_H
#define ANA_SYSCALL_TABLE_H

#include <stdint.h>

enum ana_class {
	ANA_CLASS_FILE,
	ANA_CLASS_NET,
	ANA_CLASS_PROCESS,
	ANA_CLASS_MEMORY,
	ANA_CLASS_TIME, /* clocks, timers and sleeps */
	ANA_CLASS_SYNC, /* futexes and waiting for readiness (poll, select, epoll) */
	ANA_CLASS_IPC,	/* pipes, System V and POSIX IPC */
	ANA_CLASS_OTHER,
	ANA_CLASS_MAX
};

/* Flags: what a call does with its descriptor arguments and result. */
#define ANA_SC_FD0 0x01	 /* args[0] is a descriptor the call works on */
#define ANA_SC_FD4 0x02	 /* args[4] is a descriptor (mmap) */
#define ANA_SC_READ 0x04 /* a result > 0 is a count of bytes read or received */
#define ANA_SC_WRITE 0x08 /* a result > 0 is a count of bytes written or sent */
#define ANA_SC_OPEN 0x10  /* opens the PATH item: a result >= 0 is a new descriptor */
#define ANA_SC_SYNC 0x20  /* flushes data to storage */
#define ANA_SC_PATH 0x40  /* works on the PATH item (stat, unlink, ...) */
/* a result > 0 is a pid (or tid, process group, session) in the caller's pid namespace */
#define ANA_SC_PIDRET 0x80

#define ANA_SYSCALL_NR_MAX 512 /* numbers at or above are unknown on x86_64 */

struct ana_syscall_info {
	const char *name; /* NULL: no such syscall */
	uint8_t cls;	  /* enum ana_class */
	uint8_t flags;	  /* ANA_SC_* */
	/*
	 * Arguments as the timeline prints them, one letter each (NULL: printed as "..."):
	 *   d fd   D dirfd   p PATH item   P PATH2 item   a SOCKADDR item   v ARGV item
	 *   f FD_PAIR item   i signed   u unsigned   x hex   o O_* flags   m mode (octal)
	 *   F fcntl command   A address family   T socket type   b buffer or pointer
	 *   n a pid (tid, process group) in the caller's pid namespace, printed signed
	 */
	const char *args;
};

/* The entry for nr (abi SCF_ABI_X86_64), or NULL for an unknown number. */
const struct ana_syscall_info *ana_syscall_info(unsigned int nr);
/* "openat", or "syscall_NNN" written into buf for an unknown number. */
const char *ana_syscall_name(unsigned int nr, char *buf, unsigned long bufsz);
/* The number of a syscall name, or -ENOENT. */
int ana_syscall_lookup(const char *name);
/* Class name ("file", "net", ...) and lookup (-ENOENT). */
const char *ana_class_name(unsigned int cls);
int ana_class_lookup(const char *name);
/* How many numbers the table names (for tests). */
unsigned int ana_syscall_count(void);

/* x86_64 numbers the replay handles specially. */
enum {
	ANA_NR_READ = 0, ANA_NR_WRITE = 1, ANA_NR_OPEN = 2, ANA_NR_CLOSE = 3, ANA_NR_MMAP = 9,
	ANA_NR_PIPE = 22, ANA_NR_DUP = 32, ANA_NR_DUP2 = 33, ANA_NR_SENDFILE = 40,
	ANA_NR_SOCKET = 41, ANA_NR_CONNECT = 42, ANA_NR_ACCEPT = 43, ANA_NR_SENDTO = 44,
	ANA_NR_RECVFROM = 45, ANA_NR_BIND = 49, ANA_NR_SOCKETPAIR = 53, ANA_NR_CLONE = 56,
	ANA_NR_FORK = 57, ANA_NR_VFORK = 58, ANA_NR_EXECVE = 59, ANA_NR_FCNTL = 72,
	ANA_NR_CREAT = 85, ANA_NR_EPOLL_CREATE = 213, ANA_NR_OPENAT = 257, ANA_NR_SIGNALFD = 282,
	ANA_NR_TIMERFD_CREATE = 283, ANA_NR_EVENTFD = 284, ANA_NR_ACCEPT4 = 288,
	ANA_NR_SIGNALFD4 = 289, ANA_NR_EVENTFD2 = 290, ANA_NR_EPOLL_CREATE1 = 291,
	ANA_NR_DUP3 = 292, ANA_NR_PIPE2 = 293, ANA_NR_INOTIFY_INIT = 253,
	ANA_NR_INOTIFY_INIT1 = 294, ANA_NR_MEMFD_CREATE = 319, ANA_NR_EXECVEAT = 322,
	ANA_NR_CLONE3 = 435, ANA_NR_CLOSE_RANGE = 436, ANA_NR_OPENAT2 = 437,
	ANA_NR_PIDFD_OPEN = 434, ANA_NR_GETPID = 39, ANA_NR_GETPPID = 110, ANA_NR_GETTID = 186,
	ANA_NR_WAITID = 247,
};

#endif /* ANA_SYSCALL_TABLE_H */
