/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * syscall_list.h - the one table of syscall knowledge: for every x86_64 syscall number (the
 * kernel's arch/x86/entry/syscalls/syscall_64.tbl, common and 64 entries; the x32 entries
 * 512..547 are another ABI) its name, class, flags, argument kinds and entry decoding.
 *
 * A plain X-macro header, with no include and no type, so that every reader of recorded data
 * compiles the same rows: the BPF program (bpf/spancap.bpf.c: which arguments it reads into
 * items, what it always records), the capture's -e selection, the analyzer (classes, flags,
 * how the timeline prints arguments, the syscall numbers its replay handles) and, through
 * dissector/lua_tables.c, the Wireshark dissector's table. Records carry their ABI
 * (record_layout.h, enum scf_syscall_abi); the table is that of SCF_ABI_X86_64, the only ABI
 * the capture writes today: other ABIs are recorded and read by number, and shown as
 * syscall_NNN (abi i386 and aarch64 numbers are not named). See formats/FORMAT.md 5.6.
 *
 * SCF_SYSCALL_LIST(X) calls X(nr, name, class, flags, args, decode) once per syscall, in
 * number order:
 *   nr      the x86_64 number
 *   name    the kernel's name, a bare word: X uses it only as #name or SCF_NR_##name
 *   class   one of SCF_CLASS_* without its prefix: every syscall is in exactly one class, which
 *           the reports group by (time per class) and which %CLASS selects
 *   flags   SCF_SC_* below, or 0
 *   args    the arguments as the timeline prints them, one letter each (NULL: "..."):
 *             d fd   D dirfd   p PATH item   P PATH2 item   a SOCKADDR item   v ARGV item
 *             f FD_PAIR item   i signed   u unsigned   x hex   o O_* flags   m mode (octal)
 *             F fcntl command   A address family   T socket type   b buffer or pointer
 *             n a pid (tid, process group) in the caller's pid namespace, printed signed
 *   decode  what the BPF program reads at entry or exit into the record's items (argument
 *           indexes from 0), one of:
 *             NONE         nothing but the six arguments
 *             PATH0        PATH from the string at arg 0 (PATH1: at arg 1)
 *             PATH0_PATH1  PATH at arg 0, PATH2 at arg 1 (PATH1_PATH3, PATH0_PATH2 alike)
 *             EXEC0        PATH at arg 0, ARGV from the array at arg 1 (EXEC1: args 1 and 2)
 *             ADDR1        SOCKADDR from arg 1, its length the value of arg 2 (ADDR4: 4, 5)
 *             ADDR_OUT1    at exit, SOCKADDR from arg 1, its length *arg 2 (ADDR_OUT4: 4, 5)
 *             MSG1         SOCKADDR from the msg_name of the struct msghdr at arg 1
 *             MSG_OUT1     the same at exit, with the length the kernel set
 *             FDS_OUT0     at exit, FD_PAIR from the int[2] at arg 0 (FDS_OUT3: at arg 3)
 */
#ifndef SCF_SYSCALL_LIST_H
#define SCF_SYSCALL_LIST_H

/* Classes: a partition of the syscalls (enum order is the reports' order). */
#define SCF_CLASS_FILE 0
#define SCF_CLASS_NET 1
#define SCF_CLASS_PROCESS 2
#define SCF_CLASS_MEMORY 3
#define SCF_CLASS_TIME 4  /* clocks, timers and sleeps */
#define SCF_CLASS_SYNC 5  /* futexes and waiting for readiness (poll, select, epoll) */
#define SCF_CLASS_IPC 6	  /* pipes, System V and POSIX IPC */
#define SCF_CLASS_OTHER 7
#define SCF_CLASS_MAX 8

/* Flags: what a call does with its descriptor arguments and result. */
#define SCF_SC_FD0 0x01	  /* args[0] is a descriptor the call works on */
#define SCF_SC_FD4 0x02	  /* args[4] is a descriptor (mmap) */
#define SCF_SC_READ 0x04  /* a result > 0 is a count of bytes read or received */
#define SCF_SC_WRITE 0x08 /* a result > 0 is a count of bytes written or sent */
#define SCF_SC_OPEN 0x10  /* opens the PATH item: a result >= 0 is a new descriptor */
#define SCF_SC_SYNC 0x20  /* flushes data to storage */
#define SCF_SC_PATH 0x40  /* works on the PATH item (stat, unlink, ...) */
/* a result > 0 is a pid (or tid, process group, session) in the caller's pid namespace */
#define SCF_SC_PIDRET 0x80
/* The process tree (fork, exec, exit): recorded whatever the selection. */
#define SCF_SC_LIFE 0x100
/* Groups that cut across classes, selected as %fd, %signal and %ids. */
#define SCF_SC_GROUP_FD 0x200	  /* makes, duplicates or closes descriptors */
#define SCF_SC_GROUP_SIGNAL 0x400 /* signals and their masks */
#define SCF_SC_GROUP_IDS 0x800	  /* user, group and capability changes */

/* Numbers at or above are not x86_64 syscalls this table can name. */
#define SCF_SYSCALL_NR_MAX 512

/* clang-format off */
#define SCF_SYSCALL_LIST(X) \
	X(0, read, FILE, SCF_SC_FD0 | SCF_SC_READ, "dbu", NONE) \
	X(1, write, FILE, SCF_SC_FD0 | SCF_SC_WRITE, "dbu", NONE) \
	X(2, open, FILE, SCF_SC_OPEN | SCF_SC_GROUP_FD, "pom", PATH0) \
	X(3, close, FILE, SCF_SC_FD0 | SCF_SC_GROUP_FD, "d", NONE) \
	X(4, stat, FILE, SCF_SC_PATH, "pb", PATH0) \
	X(5, fstat, FILE, SCF_SC_FD0, "db", NONE) \
	X(6, lstat, FILE, SCF_SC_PATH, "pb", PATH0) \
	X(7, poll, SYNC, 0, "bui", NONE) \
	X(8, lseek, FILE, SCF_SC_FD0, "dii", NONE) \
	X(9, mmap, MEMORY, SCF_SC_FD4, "buxxdx", NONE) \
	X(10, mprotect, MEMORY, 0, "bux", NONE) \
	X(11, munmap, MEMORY, 0, "bu", NONE) \
	X(12, brk, MEMORY, 0, "b", NONE) \
	X(13, rt_sigaction, PROCESS, SCF_SC_GROUP_SIGNAL, "ibbu", NONE) \
	X(14, rt_sigprocmask, PROCESS, SCF_SC_GROUP_SIGNAL, "ibbu", NONE) \
	X(15, rt_sigreturn, PROCESS, SCF_SC_GROUP_SIGNAL, "", NONE) \
	X(16, ioctl, FILE, SCF_SC_FD0, "dxx", NONE) \
	X(17, pread64, FILE, SCF_SC_FD0 | SCF_SC_READ, "dbui", NONE) \
	X(18, pwrite64, FILE, SCF_SC_FD0 | SCF_SC_WRITE, "dbui", NONE) \
	X(19, readv, FILE, SCF_SC_FD0 | SCF_SC_READ, "dbu", NONE) \
	X(20, writev, FILE, SCF_SC_FD0 | SCF_SC_WRITE, "dbu", NONE) \
	X(21, access, FILE, SCF_SC_PATH, "pi", PATH0) \
	X(22, pipe, IPC, SCF_SC_GROUP_FD, "f", FDS_OUT0) \
	X(23, select, SYNC, 0, "ibbbb", NONE) \
	X(24, sched_yield, PROCESS, 0, "", NONE) \
	X(25, mremap, MEMORY, 0, "buuxb", NONE) \
	X(26, msync, MEMORY, SCF_SC_SYNC, "bux", NONE) \
	X(27, mincore, MEMORY, 0, "bub", NONE) \
	X(28, madvise, MEMORY, 0, "bui", NONE) \
	X(29, shmget, IPC, 0, "iux", NONE) \
	X(30, shmat, IPC, 0, "ibx", NONE) \
	X(31, shmctl, IPC, 0, "iib", NONE) \
	X(32, dup, FILE, SCF_SC_FD0 | SCF_SC_GROUP_FD, "d", NONE) \
	X(33, dup2, FILE, SCF_SC_FD0 | SCF_SC_GROUP_FD, "di", NONE) \
	X(34, pause, TIME, SCF_SC_GROUP_SIGNAL, "", NONE) \
	X(35, nanosleep, TIME, 0, "bb", NONE) \
	X(36, getitimer, TIME, 0, "ib", NONE) \
	X(37, alarm, TIME, 0, "u", NONE) \
	X(38, setitimer, TIME, 0, "ibb", NONE) \
	X(39, getpid, PROCESS, SCF_SC_PIDRET, "", NONE) \
	X(40, sendfile, FILE, SCF_SC_FD0 | SCF_SC_WRITE, "ddbu", NONE) \
	X(41, socket, NET, SCF_SC_GROUP_FD, "ATi", NONE) \
	X(42, connect, NET, SCF_SC_FD0, "dau", ADDR1) \
	X(43, accept, NET, SCF_SC_FD0 | SCF_SC_GROUP_FD, "dab", ADDR_OUT1) \
	X(44, sendto, NET, SCF_SC_FD0 | SCF_SC_WRITE, "dbuxau", ADDR4) \
	X(45, recvfrom, NET, SCF_SC_FD0 | SCF_SC_READ, "dbuxab", ADDR_OUT4) \
	X(46, sendmsg, NET, SCF_SC_FD0 | SCF_SC_WRITE, "dbx", MSG1) \
	X(47, recvmsg, NET, SCF_SC_FD0 | SCF_SC_READ, "dbx", MSG_OUT1) \
	X(48, shutdown, NET, SCF_SC_FD0, "di", NONE) \
	X(49, bind, NET, SCF_SC_FD0, "dau", ADDR1) \
	X(50, listen, NET, SCF_SC_FD0, "di", NONE) \
	X(51, getsockname, NET, SCF_SC_FD0, "dbb", ADDR_OUT1) \
	X(52, getpeername, NET, SCF_SC_FD0, "dbb", ADDR_OUT1) \
	X(53, socketpair, NET, SCF_SC_GROUP_FD, "ATif", FDS_OUT3) \
	X(54, setsockopt, NET, SCF_SC_FD0, "diibu", NONE) \
	X(55, getsockopt, NET, SCF_SC_FD0, "diibb", NONE) \
	X(56, clone, PROCESS, SCF_SC_LIFE | SCF_SC_PIDRET, "xbbbx", NONE) \
	X(57, fork, PROCESS, SCF_SC_LIFE | SCF_SC_PIDRET, "", NONE) \
	X(58, vfork, PROCESS, SCF_SC_LIFE | SCF_SC_PIDRET, "", NONE) \
	X(59, execve, PROCESS, SCF_SC_LIFE, "pvb", EXEC0) \
	X(60, exit, PROCESS, SCF_SC_LIFE, "i", NONE) \
	X(61, wait4, PROCESS, SCF_SC_PIDRET, "nbxb", NONE) \
	X(62, kill, PROCESS, SCF_SC_GROUP_SIGNAL, "ni", NONE) \
	X(63, uname, OTHER, 0, "b", NONE) \
	X(64, semget, IPC, 0, "xix", NONE) \
	X(65, semop, IPC, 0, "ibu", NONE) \
	X(66, semctl, IPC, 0, "iiix", NONE) \
	X(67, shmdt, IPC, 0, "b", NONE) \
	X(68, msgget, IPC, 0, "xx", NONE) \
	X(69, msgsnd, IPC, 0, "ibux", NONE) \
	X(70, msgrcv, IPC, 0, "ibuix", NONE) \
	X(71, msgctl, IPC, 0, "iib", NONE) \
	X(72, fcntl, FILE, SCF_SC_FD0 | SCF_SC_GROUP_FD, "dFx", NONE) \
	X(73, flock, FILE, SCF_SC_FD0, "dx", NONE) \
	X(74, fsync, FILE, SCF_SC_FD0 | SCF_SC_SYNC, "d", NONE) \
	X(75, fdatasync, FILE, SCF_SC_FD0 | SCF_SC_SYNC, "d", NONE) \
	X(76, truncate, FILE, SCF_SC_PATH, "pi", PATH0) \
	X(77, ftruncate, FILE, SCF_SC_FD0, "di", NONE) \
	X(78, getdents, FILE, SCF_SC_FD0, "dbu", NONE) \
	X(79, getcwd, FILE, 0, "bu", NONE) \
	X(80, chdir, FILE, SCF_SC_PATH, "p", PATH0) \
	X(81, fchdir, FILE, SCF_SC_FD0, "d", NONE) \
	X(82, rename, FILE, SCF_SC_PATH, "pP", PATH0_PATH1) \
	X(83, mkdir, FILE, SCF_SC_PATH, "pm", PATH0) \
	X(84, rmdir, FILE, SCF_SC_PATH, "p", PATH0) \
	X(85, creat, FILE, SCF_SC_OPEN | SCF_SC_GROUP_FD, "pm", PATH0) \
	X(86, link, FILE, SCF_SC_PATH, "pP", PATH0_PATH1) \
	X(87, unlink, FILE, SCF_SC_PATH, "p", PATH0) \
	X(88, symlink, FILE, SCF_SC_PATH, "pP", PATH0_PATH1) \
	X(89, readlink, FILE, SCF_SC_PATH, "pbu", PATH0) \
	X(90, chmod, FILE, SCF_SC_PATH, "pm", PATH0) \
	X(91, fchmod, FILE, SCF_SC_FD0, "dm", NONE) \
	X(92, chown, FILE, SCF_SC_PATH, "pii", PATH0) \
	X(93, fchown, FILE, SCF_SC_FD0, "dii", NONE) \
	X(94, lchown, FILE, SCF_SC_PATH, "pii", PATH0) \
	X(95, umask, FILE, 0, "m", NONE) \
	X(96, gettimeofday, TIME, 0, "bb", NONE) \
	X(97, getrlimit, PROCESS, 0, "ib", NONE) \
	X(98, getrusage, PROCESS, 0, "ib", NONE) \
	X(99, sysinfo, OTHER, 0, "b", NONE) \
	X(100, times, TIME, 0, "b", NONE) \
	X(101, ptrace, PROCESS, 0, "inbb", NONE) \
	X(102, getuid, PROCESS, 0, "", NONE) \
	X(103, syslog, OTHER, 0, "ibi", NONE) \
	X(104, getgid, PROCESS, 0, "", NONE) \
	X(105, setuid, PROCESS, SCF_SC_GROUP_IDS, "i", NONE) \
	X(106, setgid, PROCESS, SCF_SC_GROUP_IDS, "i", NONE) \
	X(107, geteuid, PROCESS, 0, "", NONE) \
	X(108, getegid, PROCESS, 0, "", NONE) \
	X(109, setpgid, PROCESS, 0, "nn", NONE) \
	X(110, getppid, PROCESS, SCF_SC_PIDRET, "", NONE) \
	X(111, getpgrp, PROCESS, SCF_SC_PIDRET, "", NONE) \
	X(112, setsid, PROCESS, SCF_SC_PIDRET, "", NONE) \
	X(113, setreuid, PROCESS, SCF_SC_GROUP_IDS, "ii", NONE) \
	X(114, setregid, PROCESS, SCF_SC_GROUP_IDS, "ii", NONE) \
	X(115, getgroups, PROCESS, 0, "ib", NONE) \
	X(116, setgroups, PROCESS, SCF_SC_GROUP_IDS, "ib", NONE) \
	X(117, setresuid, PROCESS, SCF_SC_GROUP_IDS, "iii", NONE) \
	X(118, getresuid, PROCESS, 0, "bbb", NONE) \
	X(119, setresgid, PROCESS, SCF_SC_GROUP_IDS, "iii", NONE) \
	X(120, getresgid, PROCESS, 0, "bbb", NONE) \
	X(121, getpgid, PROCESS, SCF_SC_PIDRET, "n", NONE) \
	X(122, setfsuid, PROCESS, SCF_SC_GROUP_IDS, "i", NONE) \
	X(123, setfsgid, PROCESS, SCF_SC_GROUP_IDS, "i", NONE) \
	X(124, getsid, PROCESS, SCF_SC_PIDRET, "n", NONE) \
	X(125, capget, PROCESS, 0, "bb", NONE) \
	X(126, capset, PROCESS, SCF_SC_GROUP_IDS, "bb", NONE) \
	X(127, rt_sigpending, PROCESS, SCF_SC_GROUP_SIGNAL, "bu", NONE) \
	X(128, rt_sigtimedwait, PROCESS, SCF_SC_GROUP_SIGNAL, "bbbu", NONE) \
	X(129, rt_sigqueueinfo, PROCESS, SCF_SC_GROUP_SIGNAL, "nib", NONE) \
	X(130, rt_sigsuspend, PROCESS, SCF_SC_GROUP_SIGNAL, "bu", NONE) \
	X(131, sigaltstack, PROCESS, SCF_SC_GROUP_SIGNAL, "bb", NONE) \
	X(132, utime, FILE, SCF_SC_PATH, "pb", NONE) \
	X(133, mknod, FILE, SCF_SC_PATH, "pmx", NONE) \
	X(134, uselib, OTHER, SCF_SC_PATH, "p", NONE) \
	X(135, personality, PROCESS, 0, "x", NONE) \
	X(136, ustat, FILE, 0, "xb", NONE) \
	X(137, statfs, FILE, SCF_SC_PATH, "pb", NONE) \
	X(138, fstatfs, FILE, SCF_SC_FD0, "db", NONE) \
	X(139, sysfs, OTHER, 0, "ixx", NONE) \
	X(140, getpriority, PROCESS, 0, "ii", NONE) \
	X(141, setpriority, PROCESS, 0, "iii", NONE) \
	X(142, sched_setparam, PROCESS, 0, "nb", NONE) \
	X(143, sched_getparam, PROCESS, 0, "nb", NONE) \
	X(144, sched_setscheduler, PROCESS, 0, "nib", NONE) \
	X(145, sched_getscheduler, PROCESS, 0, "n", NONE) \
	X(146, sched_get_priority_max, PROCESS, 0, "i", NONE) \
	X(147, sched_get_priority_min, PROCESS, 0, "i", NONE) \
	X(148, sched_rr_get_interval, PROCESS, 0, "nb", NONE) \
	X(149, mlock, MEMORY, 0, "bu", NONE) \
	X(150, munlock, MEMORY, 0, "bu", NONE) \
	X(151, mlockall, MEMORY, 0, "x", NONE) \
	X(152, munlockall, MEMORY, 0, "", NONE) \
	X(153, vhangup, OTHER, 0, "", NONE) \
	X(154, modify_ldt, OTHER, 0, "ibu", NONE) \
	X(155, pivot_root, FILE, SCF_SC_PATH, "pP", NONE) \
	X(156, _sysctl, OTHER, 0, "b", NONE) \
	X(157, prctl, PROCESS, 0, "ixxxx", NONE) \
	X(158, arch_prctl, PROCESS, 0, "xx", NONE) \
	X(159, adjtimex, TIME, 0, "b", NONE) \
	X(160, setrlimit, PROCESS, 0, "ib", NONE) \
	X(161, chroot, FILE, SCF_SC_PATH, "p", PATH0) \
	X(162, sync, FILE, SCF_SC_SYNC, "", NONE) \
	X(163, acct, OTHER, SCF_SC_PATH, "p", NONE) \
	X(164, settimeofday, TIME, 0, "bb", NONE) \
	X(165, mount, FILE, SCF_SC_PATH, "pPbxb", NONE) \
	X(166, umount2, FILE, SCF_SC_PATH, "px", NONE) \
	X(167, swapon, OTHER, SCF_SC_PATH, "px", NONE) \
	X(168, swapoff, OTHER, SCF_SC_PATH, "p", NONE) \
	X(169, reboot, OTHER, 0, "xxxb", NONE) \
	X(170, sethostname, OTHER, 0, "bu", NONE) \
	X(171, setdomainname, OTHER, 0, "bu", NONE) \
	X(172, iopl, OTHER, 0, "u", NONE) \
	X(173, ioperm, OTHER, 0, "uui", NONE) \
	X(174, create_module, OTHER, 0, NULL, NONE) \
	X(175, init_module, OTHER, 0, "bub", NONE) \
	X(176, delete_module, OTHER, 0, "bx", NONE) \
	X(177, get_kernel_syms, OTHER, 0, NULL, NONE) \
	X(178, query_module, OTHER, 0, NULL, NONE) \
	X(179, quotactl, FILE, 0, "xbib", NONE) \
	X(180, nfsservctl, OTHER, 0, NULL, NONE) \
	X(181, getpmsg, OTHER, 0, NULL, NONE) \
	X(182, putpmsg, OTHER, 0, NULL, NONE) \
	X(183, afs_syscall, OTHER, 0, NULL, NONE) \
	X(184, tuxcall, OTHER, 0, NULL, NONE) \
	X(185, security, OTHER, 0, NULL, NONE) \
	X(186, gettid, PROCESS, SCF_SC_PIDRET, "", NONE) \
	X(187, readahead, FILE, SCF_SC_FD0, "diu", NONE) \
	X(188, setxattr, FILE, SCF_SC_PATH, "pbbux", NONE) \
	X(189, lsetxattr, FILE, SCF_SC_PATH, "pbbux", NONE) \
	X(190, fsetxattr, FILE, SCF_SC_FD0, "dbbux", NONE) \
	X(191, getxattr, FILE, SCF_SC_PATH, "pbbu", NONE) \
	X(192, lgetxattr, FILE, SCF_SC_PATH, "pbbu", NONE) \
	X(193, fgetxattr, FILE, SCF_SC_FD0, "dbbu", NONE) \
	X(194, listxattr, FILE, SCF_SC_PATH, "pbu", NONE) \
	X(195, llistxattr, FILE, SCF_SC_PATH, "pbu", NONE) \
	X(196, flistxattr, FILE, SCF_SC_FD0, "dbu", NONE) \
	X(197, removexattr, FILE, SCF_SC_PATH, "pb", NONE) \
	X(198, lremovexattr, FILE, SCF_SC_PATH, "pb", NONE) \
	X(199, fremovexattr, FILE, SCF_SC_FD0, "db", NONE) \
	X(200, tkill, PROCESS, SCF_SC_GROUP_SIGNAL, "ni", NONE) \
	X(201, time, TIME, 0, "b", NONE) \
	X(202, futex, SYNC, 0, "bixbbx", NONE) \
	X(203, sched_setaffinity, PROCESS, 0, "nub", NONE) \
	X(204, sched_getaffinity, PROCESS, 0, "nub", NONE) \
	X(205, set_thread_area, PROCESS, 0, "b", NONE) \
	X(206, io_setup, FILE, 0, "ub", NONE) \
	X(207, io_destroy, FILE, 0, "x", NONE) \
	X(208, io_getevents, FILE, 0, "xiibb", NONE) \
	X(209, io_submit, FILE, 0, "xib", NONE) \
	X(210, io_cancel, FILE, 0, "xbb", NONE) \
	X(211, get_thread_area, PROCESS, 0, "b", NONE) \
	X(212, lookup_dcookie, OTHER, 0, "xbu", NONE) \
	X(213, epoll_create, SYNC, SCF_SC_GROUP_FD, "i", NONE) \
	X(214, epoll_ctl_old, SYNC, 0, NULL, NONE) \
	X(215, epoll_wait_old, SYNC, 0, NULL, NONE) \
	X(216, remap_file_pages, MEMORY, 0, "buxux", NONE) \
	X(217, getdents64, FILE, SCF_SC_FD0, "dbu", NONE) \
	X(218, set_tid_address, PROCESS, 0, "b", NONE) \
	X(219, restart_syscall, OTHER, 0, "", NONE) \
	X(220, semtimedop, IPC, 0, "ibub", NONE) \
	X(221, fadvise64, FILE, SCF_SC_FD0, "diui", NONE) \
	X(222, timer_create, TIME, 0, "ibb", NONE) \
	X(223, timer_settime, TIME, 0, "ixbb", NONE) \
	X(224, timer_gettime, TIME, 0, "ib", NONE) \
	X(225, timer_getoverrun, TIME, 0, "i", NONE) \
	X(226, timer_delete, TIME, 0, "i", NONE) \
	X(227, clock_settime, TIME, 0, "ib", NONE) \
	X(228, clock_gettime, TIME, 0, "ib", NONE) \
	X(229, clock_getres, TIME, 0, "ib", NONE) \
	X(230, clock_nanosleep, TIME, 0, "ixbb", NONE) \
	X(231, exit_group, PROCESS, SCF_SC_LIFE, "i", NONE) \
	X(232, epoll_wait, SYNC, SCF_SC_FD0, "dbii", NONE) \
	X(233, epoll_ctl, SYNC, SCF_SC_FD0, "didb", NONE) \
	X(234, tgkill, PROCESS, SCF_SC_GROUP_SIGNAL, "nni", NONE) \
	X(235, utimes, FILE, SCF_SC_PATH, "pb", NONE) \
	X(236, vserver, OTHER, 0, NULL, NONE) \
	X(237, mbind, MEMORY, 0, "buibux", NONE) \
	X(238, set_mempolicy, MEMORY, 0, "ibu", NONE) \
	X(239, get_mempolicy, MEMORY, 0, "bbubx", NONE) \
	X(240, mq_open, IPC, SCF_SC_PATH, "pxmb", NONE) \
	X(241, mq_unlink, IPC, SCF_SC_PATH, "p", NONE) \
	X(242, mq_timedsend, IPC, SCF_SC_FD0, "dbuub", NONE) \
	X(243, mq_timedreceive, IPC, SCF_SC_FD0, "dbubb", NONE) \
	X(244, mq_notify, IPC, SCF_SC_FD0, "db", NONE) \
	X(245, mq_getsetattr, IPC, SCF_SC_FD0, "dbb", NONE) \
	X(246, kexec_load, OTHER, 0, "xubx", NONE) \
	X(247, waitid, PROCESS, 0, "inbxb", NONE) \
	X(248, add_key, OTHER, 0, "bbbui", NONE) \
	X(249, request_key, OTHER, 0, "bbbi", NONE) \
	X(250, keyctl, OTHER, 0, "ixxxx", NONE) \
	X(251, ioprio_set, PROCESS, 0, "iii", NONE) \
	X(252, ioprio_get, PROCESS, 0, "ii", NONE) \
	X(253, inotify_init, FILE, SCF_SC_GROUP_FD, "", NONE) \
	X(254, inotify_add_watch, FILE, SCF_SC_FD0 | SCF_SC_PATH, "dpx", NONE) \
	X(255, inotify_rm_watch, FILE, SCF_SC_FD0, "di", NONE) \
	X(256, migrate_pages, MEMORY, 0, "nubb", NONE) \
	X(257, openat, FILE, SCF_SC_OPEN | SCF_SC_GROUP_FD, "Dpom", PATH1) \
	X(258, mkdirat, FILE, SCF_SC_PATH, "Dpm", PATH1) \
	X(259, mknodat, FILE, SCF_SC_PATH, "Dpmx", PATH1) \
	X(260, fchownat, FILE, SCF_SC_PATH, "Dpiix", PATH1) \
	X(261, futimesat, FILE, SCF_SC_PATH, "Dpb", NONE) \
	X(262, newfstatat, FILE, SCF_SC_PATH, "Dpbx", PATH1) \
	X(263, unlinkat, FILE, SCF_SC_PATH, "Dpx", PATH1) \
	X(264, renameat, FILE, SCF_SC_PATH, "DpDP", PATH1_PATH3) \
	X(265, linkat, FILE, SCF_SC_PATH, "DpDPx", PATH1_PATH3) \
	X(266, symlinkat, FILE, SCF_SC_PATH, "pDP", PATH0_PATH2) \
	X(267, readlinkat, FILE, SCF_SC_PATH, "Dpbu", PATH1) \
	X(268, fchmodat, FILE, SCF_SC_PATH, "Dpm", PATH1) \
	X(269, faccessat, FILE, SCF_SC_PATH, "Dpi", PATH1) \
	X(270, pselect6, SYNC, 0, "ibbbbb", NONE) \
	X(271, ppoll, SYNC, 0, "bubbu", NONE) \
	X(272, unshare, PROCESS, 0, "x", NONE) \
	X(273, set_robust_list, SYNC, 0, "bu", NONE) \
	X(274, get_robust_list, SYNC, 0, "nbb", NONE) \
	X(275, splice, IPC, SCF_SC_FD0 | SCF_SC_READ, "dbdbux", NONE) \
	X(276, tee, IPC, SCF_SC_FD0, "ddux", NONE) \
	X(277, sync_file_range, FILE, SCF_SC_FD0 | SCF_SC_SYNC, "diix", NONE) \
	X(278, vmsplice, IPC, SCF_SC_FD0, "dbux", NONE) \
	X(279, move_pages, MEMORY, 0, "nubbbx", NONE) \
	X(280, utimensat, FILE, SCF_SC_PATH, "Dpbx", NONE) \
	X(281, epoll_pwait, SYNC, SCF_SC_FD0, "dbiibu", NONE) \
	X(282, signalfd, PROCESS, SCF_SC_GROUP_FD, "ibu", NONE) \
	X(283, timerfd_create, TIME, SCF_SC_GROUP_FD, "ix", NONE) \
	X(284, eventfd, SYNC, SCF_SC_GROUP_FD, "u", NONE) \
	X(285, fallocate, FILE, SCF_SC_FD0, "dxii", NONE) \
	X(286, timerfd_settime, TIME, SCF_SC_FD0, "dxbb", NONE) \
	X(287, timerfd_gettime, TIME, SCF_SC_FD0, "db", NONE) \
	X(288, accept4, NET, SCF_SC_FD0 | SCF_SC_GROUP_FD, "dabx", ADDR_OUT1) \
	X(289, signalfd4, PROCESS, SCF_SC_GROUP_FD, "ibux", NONE) \
	X(290, eventfd2, SYNC, SCF_SC_GROUP_FD, "ux", NONE) \
	X(291, epoll_create1, SYNC, SCF_SC_GROUP_FD, "x", NONE) \
	X(292, dup3, FILE, SCF_SC_FD0 | SCF_SC_GROUP_FD, "dio", NONE) \
	X(293, pipe2, IPC, SCF_SC_GROUP_FD, "fo", FDS_OUT0) \
	X(294, inotify_init1, FILE, SCF_SC_GROUP_FD, "x", NONE) \
	X(295, preadv, FILE, SCF_SC_FD0 | SCF_SC_READ, "dbui", NONE) \
	X(296, pwritev, FILE, SCF_SC_FD0 | SCF_SC_WRITE, "dbui", NONE) \
	X(297, rt_tgsigqueueinfo, PROCESS, SCF_SC_GROUP_SIGNAL, "nnib", NONE) \
	X(298, perf_event_open, OTHER, SCF_SC_GROUP_FD, "biiix", NONE) \
	X(299, recvmmsg, NET, SCF_SC_FD0, "dbuxb", NONE) \
	X(300, fanotify_init, FILE, SCF_SC_GROUP_FD, "xx", NONE) \
	X(301, fanotify_mark, FILE, SCF_SC_FD0, "dxxDp", NONE) \
	X(302, prlimit64, PROCESS, 0, "nibb", NONE) \
	X(303, name_to_handle_at, FILE, SCF_SC_PATH, "Dpbbx", NONE) \
	X(304, open_by_handle_at, FILE, SCF_SC_GROUP_FD, "dbo", NONE) \
	X(305, clock_adjtime, TIME, 0, "ib", NONE) \
	X(306, syncfs, FILE, SCF_SC_FD0 | SCF_SC_SYNC, "d", NONE) \
	X(307, sendmmsg, NET, SCF_SC_FD0, "dbux", NONE) \
	X(308, setns, PROCESS, SCF_SC_FD0, "dx", NONE) \
	X(309, getcpu, PROCESS, 0, "bbb", NONE) \
	X(310, process_vm_readv, MEMORY, 0, "nbubux", NONE) \
	X(311, process_vm_writev, MEMORY, 0, "nbubux", NONE) \
	X(312, kcmp, PROCESS, 0, "nnixx", NONE) \
	X(313, finit_module, OTHER, SCF_SC_FD0, "dbx", NONE) \
	X(314, sched_setattr, PROCESS, 0, "nbx", NONE) \
	X(315, sched_getattr, PROCESS, 0, "nbux", NONE) \
	X(316, renameat2, FILE, SCF_SC_PATH, "DpDPx", PATH1_PATH3) \
	X(317, seccomp, PROCESS, 0, "uxb", NONE) \
	X(318, getrandom, OTHER, 0, "bux", NONE) \
	X(319, memfd_create, MEMORY, SCF_SC_GROUP_FD, "px", NONE) \
	X(320, kexec_file_load, OTHER, 0, "ddubx", NONE) \
	X(321, bpf, OTHER, 0, "ibu", NONE) \
	X(322, execveat, PROCESS, SCF_SC_LIFE, "Dpvbx", EXEC1) \
	X(323, userfaultfd, MEMORY, SCF_SC_GROUP_FD, "x", NONE) \
	X(324, membarrier, SYNC, 0, "ixi", NONE) \
	X(325, mlock2, MEMORY, 0, "bux", NONE) \
	X(326, copy_file_range, FILE, SCF_SC_FD0 | SCF_SC_READ, "dbdbux", NONE) \
	X(327, preadv2, FILE, SCF_SC_FD0 | SCF_SC_READ, "dbuiix", NONE) \
	X(328, pwritev2, FILE, SCF_SC_FD0 | SCF_SC_WRITE, "dbuiix", NONE) \
	X(329, pkey_mprotect, MEMORY, 0, "buxi", NONE) \
	X(330, pkey_alloc, MEMORY, 0, "xx", NONE) \
	X(331, pkey_free, MEMORY, 0, "i", NONE) \
	X(332, statx, FILE, SCF_SC_PATH, "Dpxxb", PATH1) \
	X(333, io_pgetevents, FILE, 0, "xiibbb", NONE) \
	X(334, rseq, PROCESS, 0, "buxx", NONE) \
	X(335, uretprobe, OTHER, 0, "", NONE) \
	X(424, pidfd_send_signal, PROCESS, SCF_SC_FD0 | SCF_SC_GROUP_SIGNAL, "dibx", NONE) \
	X(425, io_uring_setup, FILE, SCF_SC_GROUP_FD, "ub", NONE) \
	X(426, io_uring_enter, FILE, SCF_SC_FD0, "duuxbu", NONE) \
	X(427, io_uring_register, FILE, SCF_SC_FD0, "dubu", NONE) \
	X(428, open_tree, FILE, SCF_SC_PATH, "Dpx", NONE) \
	X(429, move_mount, FILE, SCF_SC_PATH, "DpDPx", NONE) \
	X(430, fsopen, FILE, 0, "bx", NONE) \
	X(431, fsconfig, FILE, SCF_SC_FD0, "dubbi", NONE) \
	X(432, fsmount, FILE, SCF_SC_FD0, "dxx", NONE) \
	X(433, fspick, FILE, SCF_SC_PATH, "Dpx", NONE) \
	X(434, pidfd_open, PROCESS, SCF_SC_GROUP_FD, "nx", NONE) \
	X(435, clone3, PROCESS, SCF_SC_LIFE | SCF_SC_PIDRET, "bu", NONE) \
	X(436, close_range, FILE, SCF_SC_GROUP_FD, "uux", NONE) \
	X(437, openat2, FILE, SCF_SC_OPEN | SCF_SC_GROUP_FD, "Dpbu", PATH1) \
	X(438, pidfd_getfd, PROCESS, SCF_SC_FD0 | SCF_SC_GROUP_FD, "dix", NONE) \
	X(439, faccessat2, FILE, SCF_SC_PATH, "Dpix", PATH1) \
	X(440, process_madvise, MEMORY, SCF_SC_FD0, "dbuix", NONE) \
	X(441, epoll_pwait2, SYNC, SCF_SC_FD0, "dbibbu", NONE) \
	X(442, mount_setattr, FILE, SCF_SC_PATH, "Dpxbu", NONE) \
	X(443, quotactl_fd, FILE, SCF_SC_FD0, "dxib", NONE) \
	X(444, landlock_create_ruleset, PROCESS, 0, "bux", NONE) \
	X(445, landlock_add_rule, PROCESS, SCF_SC_FD0, "dibx", NONE) \
	X(446, landlock_restrict_self, PROCESS, SCF_SC_FD0, "dx", NONE) \
	X(447, memfd_secret, MEMORY, 0, "x", NONE) \
	X(448, process_mrelease, MEMORY, SCF_SC_FD0, "dx", NONE) \
	X(449, futex_waitv, SYNC, 0, "buxbi", NONE) \
	X(450, set_mempolicy_home_node, MEMORY, 0, "buux", NONE) \
	X(451, cachestat, FILE, SCF_SC_FD0, "dbbx", NONE) \
	X(452, fchmodat2, FILE, SCF_SC_PATH, "Dpmx", PATH1) \
	X(453, map_shadow_stack, MEMORY, 0, "bux", NONE) \
	X(454, futex_wake, SYNC, 0, "bxix", NONE) \
	X(455, futex_wait, SYNC, 0, "bxxxbi", NONE) \
	X(456, futex_requeue, SYNC, 0, "bxii", NONE) \
	X(457, statmount, FILE, 0, "bbux", NONE) \
	X(458, listmount, FILE, 0, "bbux", NONE) \
	X(459, lsm_get_self_attr, PROCESS, 0, "ibbx", NONE) \
	X(460, lsm_set_self_attr, PROCESS, 0, "ibux", NONE) \
	X(461, lsm_list_modules, PROCESS, 0, "bbx", NONE) \
	X(462, mseal, MEMORY, 0, "bux", NONE) \
	X(463, setxattrat, FILE, SCF_SC_PATH, "Dpxbbu", NONE) \
	X(464, getxattrat, FILE, SCF_SC_PATH, "Dpxbbu", NONE) \
	X(465, listxattrat, FILE, SCF_SC_PATH, "Dpxbu", NONE) \
	X(466, removexattrat, FILE, SCF_SC_PATH, "Dpxb", NONE) \
	X(467, open_tree_attr, FILE, SCF_SC_PATH, "Dpxbu", NONE) \
	X(468, file_getattr, FILE, SCF_SC_PATH, "Dpbux", NONE) \
	X(469, file_setattr, FILE, SCF_SC_PATH, "Dpbux", NONE)

/* clang-format on */

/* SCF_NR_openat == 257: the numbers by name, as the kernel's __NR_openat. */
#define SCF_NR_ENUM_ROW(nr, name, cls, flags, args, decode) SCF_NR_##name = nr,
enum scf_syscall_nr { SCF_SYSCALL_LIST(SCF_NR_ENUM_ROW) };
#undef SCF_NR_ENUM_ROW

#endif /* SCF_SYSCALL_LIST_H */
