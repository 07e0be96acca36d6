/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * syscall_fmt.h - strace-like rendering of one syscall event: "openat(AT_FDCWD, "/etc/hosts",
 * O_RDONLY) = 3", descriptors decorated with what they refer to ("read(3</etc/hosts>, ...)").
 */
#ifndef ANA_SYSCALL_FMT_H
#define ANA_SYSCALL_FMT_H

#include <stddef.h>

#include "analysis.h"

/* The call with its arguments, "name(args)", into buf. A pid argument of a process in another
 * pid namespace shows the host pid it names: "kill(2 [host 4125], 15)" ("[host ?]": unknown). */
char *ana_fmt_call(char *buf, size_t sz, const struct ana_event *ev);
/* The result: "3", "0x7f..." (mmap, brk), "-1 ENOENT", or "?" when no exit was seen; a pid
 * result in another pid namespace "1 [host 4123]" or "2 [host ?]" (ana_syscall_host_pid). */
char *ana_fmt_ret(char *buf, size_t sz, const struct ana_event *ev);
/* "ENOENT", or "E123" for a number without a name. */
const char *ana_fmt_errno(char *buf, size_t sz, int err);
/* "SIGSEGV" for 11 (the captured host's numbering: Linux x86_64), "SIGRTMIN+2", "SIG99". */
const char *ana_fmt_signal(char *buf, size_t sz, int sig);
/* For a wait(2) status of a death by signal: "SIGKILL", "SIGSEGV, core dumped"; "" otherwise. */
const char *ana_fmt_killed(char *buf, size_t sz, int32_t status);

#endif /* ANA_SYSCALL_FMT_H */
