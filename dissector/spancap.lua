-- SPDX-License-Identifier: BSD-2-Clause
--
-- spancap.lua - a Wireshark / tshark dissector for spancap capture files (formats/FORMAT.md).
--
-- spancap writes pcapng with link type LINKTYPE_USER0 (147): each Enhanced Packet Block holds
-- one spancap record. This dissector registers for that encapsulation and shows the record
-- header, the fixed body of every record type of format 1.1 and every item, with filterable
-- fields. A SYSCALL_PACKED record (1.1) is shown as what a reader makes of it, a SYSCALL record
-- (spancap.type 6, spancap.packed set), its pid and ids taken by reference from the earlier
-- records of its thread in the section, as FORMAT.md 5.10 describes:
--
--   spancap.type, spancap.type_name, spancap.len, spancap.body_len, spancap.flags
--   spancap.pid, spancap.tid, spancap.trace_id, spancap.span_id, spancap.trace_flags
--   spancap.syscall (name), spancap.syscall.nr, spancap.syscall.ret, spancap.syscall.errno ...
--   spancap.path, spancap.path2, spancap.sockaddr, spancap.sockaddr_local, spancap.argv ...
--   spancap.<record>.<field> for the other body fields (spancap.process.ctx_status, ...)
--
-- Use:  tshark -X lua_script:spancap.lua -r capture.pcapng.zst -Y 'spancap.syscall == "openat"'
-- tshark 4.0 (Debian 12) stops at a zstd frame past the first 128 KiB (FORMAT.md 2.1):
--       zstd -dc capture.pcapng.zst | tshark -X lua_script:spancap.lua -r - -Y ...
-- or copy it into a Wireshark Lua plugin folder (Help > About > Folders), e.g.
-- ~/.local/lib/wireshark/plugins/.
--
-- Adding a record type is one entry in BODIES (offset, size, name, kind of each body field);
-- adding an item tag is one entry in ITEMS. Unknown record types and item tags are shown as
-- bytes, as FORMAT.md section 4.1 asks of readers. Malformed records get an expert note, never
-- a Lua error.

local spancap = Proto("spancap", "spancap record")

-- ---- value names (FORMAT.md section 5) -------------------------------------------------------

local REC_NAMES = {
	[1] = "SECTION", [2] = "PROCESS", [3] = "THREAD", [4] = "FD", [5] = "THREAD_CTX",
	[6] = "SYSCALL", [7] = "PROC_EVENT", [8] = "LOSS", [9] = "END", [10] = "SYSCALL_PACKED",
	[11] = "CLOCK",
}
local REC_SYSCALL, REC_SYSCALL_PACKED = 6, 10
local ABI = { [0] = "unknown", [1] = "x86_64", [2] = "i386", [3] = "aarch64" }
local ORIGIN = { [1] = "scan", [2] = "fork", [3] = "exec", [4] = "context or mappings changed" }
local CTX_STATUS = {
	[0] = "none", [1] = "resolved", [2] = "pending", [3] = "no symbol",
	[4] = "unsupported schema", [5] = "error", [6] = "inherited",
}
local TLS_MODEL = {
	[0] = "none", [1] = "local-exec", [2] = "initial-exec", [3] = "TLSDESC static",
	[4] = "TLSDESC dynamic", [5] = "general dynamic", [6] = "glibc link_map static",
	[7] = "glibc link_map dynamic", [8] = "musl dynamic",
}
local THREAD_EVENT = { [1] = "seen", [2] = "started", [3] = "exited", [4] = "renamed" }
local FD_KIND = {
	[0] = "unknown", [1] = "file", [2] = "directory", [3] = "pipe", [4] = "socket",
	[5] = "device", [6] = "anon inode", [7] = "memfd",
}
local PROC_EVENT_KIND = { [1] = "fork", [2] = "exec", [3] = "exit" }
local LOSS_REASON = {
	[1] = "ring buffer full", [2] = "map full", [3] = "write error", [4] = "argument read failed",
	[5] = "context read failed", [6] = "unmatched entry/exit",
}
local STOP_REASON = {
	[1] = "signal", [2] = "count reached", [3] = "duration reached", [4] = "command exited",
	[5] = "rotation", [6] = "error", [7] = "targets exited",
}
local COUNTER_NAMES = {
	[1] = "events", [2] = "ring-buffer drops", [3] = "map-full failures",
	[4] = "argument read faults", [5] = "context read faults", [6] = "write drops",
	[7] = "records", [8] = "bytes", [9] = "unmatched exits", [10] = "context records rejected",
}
local VAL_TYPE = {
	[1] = "string", [2] = "bool", [3] = "int", [4] = "double", [5] = "array", [6] = "kvlist",
	[7] = "bytes",
}
local AF = { [0] = "AF_UNSPEC", [1] = "AF_UNIX", [2] = "AF_INET", [10] = "AF_INET6" }

-- Linux errno names, for syscall results (the captured host's numbers, not this machine's).
local ERRNO = {
	[1] = "EPERM", [2] = "ENOENT", [3] = "ESRCH", [4] = "EINTR", [5] = "EIO", [6] = "ENXIO",
	[7] = "E2BIG", [8] = "ENOEXEC", [9] = "EBADF", [10] = "ECHILD", [11] = "EAGAIN",
	[12] = "ENOMEM", [13] = "EACCES", [14] = "EFAULT", [16] = "EBUSY", [17] = "EEXIST",
	[18] = "EXDEV", [19] = "ENODEV", [20] = "ENOTDIR", [21] = "EISDIR", [22] = "EINVAL",
	[23] = "ENFILE", [24] = "EMFILE", [25] = "ENOTTY", [26] = "ETXTBSY", [27] = "EFBIG",
	[28] = "ENOSPC", [29] = "ESPIPE", [30] = "EROFS", [31] = "EMLINK", [32] = "EPIPE",
	[34] = "ERANGE", [35] = "EDEADLK", [36] = "ENAMETOOLONG", [38] = "ENOSYS",
	[39] = "ENOTEMPTY", [40] = "ELOOP", [61] = "ENODATA", [62] = "ETIME", [75] = "EOVERFLOW",
	[88] = "ENOTSOCK", [90] = "EMSGSIZE", [91] = "EPROTOTYPE", [93] = "EPROTONOSUPPORT",
	[95] = "EOPNOTSUPP", [97] = "EAFNOSUPPORT", [98] = "EADDRINUSE", [99] = "EADDRNOTAVAIL",
	[100] = "ENETDOWN", [101] = "ENETUNREACH", [103] = "ECONNABORTED", [104] = "ECONNRESET",
	[105] = "ENOBUFS", [106] = "EISCONN", [107] = "ENOTCONN", [110] = "ETIMEDOUT",
	[111] = "ECONNREFUSED", [113] = "EHOSTUNREACH", [114] = "EALREADY", [115] = "EINPROGRESS",
	[125] = "ECANCELED",
}

-- x86_64 syscall names (the kernel's syscall_64.tbl, as analyze/engine/syscall_table.c).
local SYSCALLS_X86_64 = {
	[0] = "read", [1] = "write", [2] = "open", [3] = "close", [4] = "stat", [5] = "fstat",
	[6] = "lstat", [7] = "poll", [8] = "lseek", [9] = "mmap", [10] = "mprotect", [11] = "munmap",
	[12] = "brk", [13] = "rt_sigaction", [14] = "rt_sigprocmask", [15] = "rt_sigreturn",
	[16] = "ioctl", [17] = "pread64", [18] = "pwrite64", [19] = "readv", [20] = "writev",
	[21] = "access", [22] = "pipe", [23] = "select", [24] = "sched_yield", [25] = "mremap",
	[26] = "msync", [27] = "mincore", [28] = "madvise", [29] = "shmget", [30] = "shmat",
	[31] = "shmctl", [32] = "dup", [33] = "dup2", [34] = "pause", [35] = "nanosleep",
	[36] = "getitimer", [37] = "alarm", [38] = "setitimer", [39] = "getpid", [40] = "sendfile",
	[41] = "socket", [42] = "connect", [43] = "accept", [44] = "sendto", [45] = "recvfrom",
	[46] = "sendmsg", [47] = "recvmsg", [48] = "shutdown", [49] = "bind", [50] = "listen",
	[51] = "getsockname", [52] = "getpeername", [53] = "socketpair", [54] = "setsockopt",
	[55] = "getsockopt", [56] = "clone", [57] = "fork", [58] = "vfork", [59] = "execve",
	[60] = "exit", [61] = "wait4", [62] = "kill", [63] = "uname", [64] = "semget", [65] = "semop",
	[66] = "semctl", [67] = "shmdt", [68] = "msgget", [69] = "msgsnd", [70] = "msgrcv",
	[71] = "msgctl", [72] = "fcntl", [73] = "flock", [74] = "fsync", [75] = "fdatasync",
	[76] = "truncate", [77] = "ftruncate", [78] = "getdents", [79] = "getcwd", [80] = "chdir",
	[81] = "fchdir", [82] = "rename", [83] = "mkdir", [84] = "rmdir", [85] = "creat",
	[86] = "link", [87] = "unlink", [88] = "symlink", [89] = "readlink", [90] = "chmod",
	[91] = "fchmod", [92] = "chown", [93] = "fchown", [94] = "lchown", [95] = "umask",
	[96] = "gettimeofday", [97] = "getrlimit", [98] = "getrusage", [99] = "sysinfo",
	[100] = "times", [101] = "ptrace", [102] = "getuid", [103] = "syslog", [104] = "getgid",
	[105] = "setuid", [106] = "setgid", [107] = "geteuid", [108] = "getegid", [109] = "setpgid",
	[110] = "getppid", [111] = "getpgrp", [112] = "setsid", [113] = "setreuid", [114] = "setregid",
	[115] = "getgroups", [116] = "setgroups", [117] = "setresuid", [118] = "getresuid",
	[119] = "setresgid", [120] = "getresgid", [121] = "getpgid", [122] = "setfsuid",
	[123] = "setfsgid", [124] = "getsid", [125] = "capget", [126] = "capset",
	[127] = "rt_sigpending", [128] = "rt_sigtimedwait", [129] = "rt_sigqueueinfo",
	[130] = "rt_sigsuspend", [131] = "sigaltstack", [132] = "utime", [133] = "mknod",
	[134] = "uselib", [135] = "personality", [136] = "ustat", [137] = "statfs", [138] = "fstatfs",
	[139] = "sysfs", [140] = "getpriority", [141] = "setpriority", [142] = "sched_setparam",
	[143] = "sched_getparam", [144] = "sched_setscheduler", [145] = "sched_getscheduler",
	[146] = "sched_get_priority_max", [147] = "sched_get_priority_min",
	[148] = "sched_rr_get_interval", [149] = "mlock", [150] = "munlock", [151] = "mlockall",
	[152] = "munlockall", [153] = "vhangup", [154] = "modify_ldt", [155] = "pivot_root",
	[156] = "_sysctl", [157] = "prctl", [158] = "arch_prctl", [159] = "adjtimex",
	[160] = "setrlimit", [161] = "chroot", [162] = "sync", [163] = "acct", [164] = "settimeofday",
	[165] = "mount", [166] = "umount2", [167] = "swapon", [168] = "swapoff", [169] = "reboot",
	[170] = "sethostname", [171] = "setdomainname", [172] = "iopl", [173] = "ioperm",
	[174] = "create_module", [175] = "init_module", [176] = "delete_module",
	[177] = "get_kernel_syms", [178] = "query_module", [179] = "quotactl", [180] = "nfsservctl",
	[181] = "getpmsg", [182] = "putpmsg", [183] = "afs_syscall", [184] = "tuxcall",
	[185] = "security", [186] = "gettid", [187] = "readahead", [188] = "setxattr",
	[189] = "lsetxattr", [190] = "fsetxattr", [191] = "getxattr", [192] = "lgetxattr",
	[193] = "fgetxattr", [194] = "listxattr", [195] = "llistxattr", [196] = "flistxattr",
	[197] = "removexattr", [198] = "lremovexattr", [199] = "fremovexattr", [200] = "tkill",
	[201] = "time", [202] = "futex", [203] = "sched_setaffinity", [204] = "sched_getaffinity",
	[205] = "set_thread_area", [206] = "io_setup", [207] = "io_destroy", [208] = "io_getevents",
	[209] = "io_submit", [210] = "io_cancel", [211] = "get_thread_area", [212] = "lookup_dcookie",
	[213] = "epoll_create", [214] = "epoll_ctl_old", [215] = "epoll_wait_old",
	[216] = "remap_file_pages", [217] = "getdents64", [218] = "set_tid_address",
	[219] = "restart_syscall", [220] = "semtimedop", [221] = "fadvise64", [222] = "timer_create",
	[223] = "timer_settime", [224] = "timer_gettime", [225] = "timer_getoverrun",
	[226] = "timer_delete", [227] = "clock_settime", [228] = "clock_gettime",
	[229] = "clock_getres", [230] = "clock_nanosleep", [231] = "exit_group", [232] = "epoll_wait",
	[233] = "epoll_ctl", [234] = "tgkill", [235] = "utimes", [236] = "vserver", [237] = "mbind",
	[238] = "set_mempolicy", [239] = "get_mempolicy", [240] = "mq_open", [241] = "mq_unlink",
	[242] = "mq_timedsend", [243] = "mq_timedreceive", [244] = "mq_notify",
	[245] = "mq_getsetattr", [246] = "kexec_load", [247] = "waitid", [248] = "add_key",
	[249] = "request_key", [250] = "keyctl", [251] = "ioprio_set", [252] = "ioprio_get",
	[253] = "inotify_init", [254] = "inotify_add_watch", [255] = "inotify_rm_watch",
	[256] = "migrate_pages", [257] = "openat", [258] = "mkdirat", [259] = "mknodat",
	[260] = "fchownat", [261] = "futimesat", [262] = "newfstatat", [263] = "unlinkat",
	[264] = "renameat", [265] = "linkat", [266] = "symlinkat", [267] = "readlinkat",
	[268] = "fchmodat", [269] = "faccessat", [270] = "pselect6", [271] = "ppoll",
	[272] = "unshare", [273] = "set_robust_list", [274] = "get_robust_list", [275] = "splice",
	[276] = "tee", [277] = "sync_file_range", [278] = "vmsplice", [279] = "move_pages",
	[280] = "utimensat", [281] = "epoll_pwait", [282] = "signalfd", [283] = "timerfd_create",
	[284] = "eventfd", [285] = "fallocate", [286] = "timerfd_settime", [287] = "timerfd_gettime",
	[288] = "accept4", [289] = "signalfd4", [290] = "eventfd2", [291] = "epoll_create1",
	[292] = "dup3", [293] = "pipe2", [294] = "inotify_init1", [295] = "preadv", [296] = "pwritev",
	[297] = "rt_tgsigqueueinfo", [298] = "perf_event_open", [299] = "recvmmsg",
	[300] = "fanotify_init", [301] = "fanotify_mark", [302] = "prlimit64",
	[303] = "name_to_handle_at", [304] = "open_by_handle_at", [305] = "clock_adjtime",
	[306] = "syncfs", [307] = "sendmmsg", [308] = "setns", [309] = "getcpu",
	[310] = "process_vm_readv", [311] = "process_vm_writev", [312] = "kcmp",
	[313] = "finit_module", [314] = "sched_setattr", [315] = "sched_getattr", [316] = "renameat2",
	[317] = "seccomp", [318] = "getrandom", [319] = "memfd_create", [320] = "kexec_file_load",
	[321] = "bpf", [322] = "execveat", [323] = "userfaultfd", [324] = "membarrier",
	[325] = "mlock2", [326] = "copy_file_range", [327] = "preadv2", [328] = "pwritev2",
	[329] = "pkey_mprotect", [330] = "pkey_alloc", [331] = "pkey_free", [332] = "statx",
	[333] = "io_pgetevents", [334] = "rseq", [335] = "uretprobe", [424] = "pidfd_send_signal",
	[425] = "io_uring_setup", [426] = "io_uring_enter", [427] = "io_uring_register",
	[428] = "open_tree", [429] = "move_mount", [430] = "fsopen", [431] = "fsconfig",
	[432] = "fsmount", [433] = "fspick", [434] = "pidfd_open", [435] = "clone3",
	[436] = "close_range", [437] = "openat2", [438] = "pidfd_getfd", [439] = "faccessat2",
	[440] = "process_madvise", [441] = "epoll_pwait2", [442] = "mount_setattr",
	[443] = "quotactl_fd", [444] = "landlock_create_ruleset", [445] = "landlock_add_rule",
	[446] = "landlock_restrict_self", [447] = "memfd_secret", [448] = "process_mrelease",
	[449] = "futex_waitv", [450] = "set_mempolicy_home_node", [451] = "cachestat",
	[452] = "fchmodat2", [453] = "map_shadow_stack", [454] = "futex_wake", [455] = "futex_wait",
	[456] = "futex_requeue", [457] = "statmount", [458] = "listmount", [459] = "lsm_get_self_attr",
	[460] = "lsm_set_self_attr", [461] = "lsm_list_modules", [462] = "mseal", [463] = "setxattrat",
	[464] = "getxattrat", [465] = "listxattrat", [466] = "removexattrat", [467] = "open_tree_attr",
	[468] = "file_getattr", [469] = "file_setattr",
}

-- ---- fields ----------------------------------------------------------------------------------

local F = {}
local function add_field(key, pf)
	F[key] = pf
	return pf
end

add_field("type", ProtoField.uint16("spancap.type", "Record type", base.DEC, REC_NAMES))
add_field("type_name", ProtoField.string("spancap.type_name", "Record type name"))
add_field("len", ProtoField.uint16("spancap.len", "Record length", base.DEC))
add_field("body_len", ProtoField.uint16("spancap.body_len", "Body length", base.DEC))
add_field("flags", ProtoField.uint16("spancap.flags", "Flags", base.HEX))
add_field("syscall", ProtoField.string("spancap.syscall", "Syscall"))
add_field("errno", ProtoField.string("spancap.syscall.errno", "Error"))
add_field("item", ProtoField.bytes("spancap.item", "Item"))
add_field("item_len", ProtoField.uint16("spancap.item.len", "Length", base.DEC))
add_field("item_data", ProtoField.bytes("spancap.item.data", "Data"))

-- Field kinds: u8 u16 u32 u64 s32 s64 (little-endian integers), hex8/hex16 (shown in hex),
-- id (bytes shown as hex: trace and span ids), raw (reserved bytes).
local MAKERS = {
	u8 = function(a, l, vs) return ProtoField.uint8(a, l, base.DEC, vs) end,
	u16 = function(a, l, vs) return ProtoField.uint16(a, l, base.DEC, vs) end,
	u32 = function(a, l, vs) return ProtoField.uint32(a, l, base.DEC, vs) end,
	u64 = function(a, l) return ProtoField.uint64(a, l, base.DEC) end,
	s32 = function(a, l) return ProtoField.int32(a, l, base.DEC) end,
	s64 = function(a, l) return ProtoField.int64(a, l, base.DEC) end,
	hex8 = function(a, l) return ProtoField.uint8(a, l, base.HEX) end,
	hex16 = function(a, l) return ProtoField.uint16(a, l, base.HEX) end,
	hex32 = function(a, l) return ProtoField.uint32(a, l, base.HEX) end,
	id = function(a, l) return ProtoField.bytes(a, l, base.NONE) end,
	raw = function(a, l) return ProtoField.bytes(a, l, base.NONE) end,
}
local SIZES = { u8 = 1, u16 = 2, u32 = 4, u64 = 8, s32 = 4, s64 = 8, hex8 = 1, hex16 = 2,
	hex32 = 4 }

-- Fields several record types share keep one name (spancap.pid, spancap.trace_id ...).
local SHARED = { pid = true, tid = true, trace_id = true, span_id = true, trace_flags = true }

-- Record bodies: { offset, size, name, kind, value names }. Section 5 of FORMAT.md.
local BODIES = {
	[1] = { min = 80, {0, 2, "format_major", "u16"}, {2, 2, "format_minor", "u16"},
		{4, 4, "section_index", "u32"}, {8, 8, "capture_start_ns", "u64"},
		{16, 8, "section_start_ns", "u64"}, {24, 8, "boot_to_wall_ns", "s64"},
		{32, 4, "ncpus", "u32"}, {36, 4, "page_size", "u32"}, {40, 16, "capture_id", "id"},
		{56, 16, "boot_id", "id"}, {72, 1, "syscall_abi", "u8", ABI} },
	[2] = { min = 64, {0, 4, "pid", "u32"}, {4, 4, "ppid", "u32"}, {8, 4, "uid", "u32"},
		{12, 4, "gid", "u32"}, {16, 8, "start_ns", "u64"}, {24, 1, "origin", "u8", ORIGIN},
		{25, 1, "ctx_status", "u8", CTX_STATUS}, {26, 1, "tls_model", "u8", TLS_MODEL},
		{28, 4, "ctx_version", "u32"}, {32, 8, "ctx_published_ns", "u64"},
		{40, 8, "tls_tp_offset", "s64"}, {48, 8, "tls_module_id", "u64"},
		{56, 8, "tls_module_offset", "u64"}, {64, 4, "ns_pid", "u32"},
		{68, 1, "ns_level", "u8"}, {72, 8, "pidns_inode", "u64"} },
	[3] = { min = 32, {0, 4, "pid", "u32"}, {4, 4, "tid", "u32"}, {8, 8, "start_ns", "u64"},
		{16, 8, "exit_ns", "u64"}, {24, 1, "event", "u8", THREAD_EVENT} },
	[4] = { min = 24, {0, 4, "pid", "u32"}, {4, 4, "fd", "s32"}, {8, 1, "kind", "u8", FD_KIND},
		{9, 1, "sock_type", "u8"}, {10, 2, "sock_proto", "u16"},
		{12, 4, "open_flags", "hex32"}, {16, 8, "inode", "u64"} },
	[5] = { min = 40, {0, 4, "pid", "u32"}, {4, 4, "tid", "u32"}, {8, 16, "trace_id", "id"},
		{24, 8, "span_id", "id"}, {32, 1, "trace_flags", "hex8"}, {33, 1, "valid", "u8"},
		{34, 2, "attrs_size", "u16"} },
	[6] = { min = 104, {0, 8, "duration_ns", "u64"}, {8, 8, "ret", "s64"},
		{16, 8, "arg0", "u64"}, {24, 8, "arg1", "u64"}, {32, 8, "arg2", "u64"},
		{40, 8, "arg3", "u64"}, {48, 8, "arg4", "u64"}, {56, 8, "arg5", "u64"},
		{64, 4, "tid", "u32"}, {68, 4, "pid", "u32"}, {72, 2, "nr", "u16"},
		{74, 2, "cpu", "u16"}, {76, 1, "abi", "u8", ABI}, {77, 1, "trace_flags", "hex8"},
		{80, 16, "trace_id", "id"}, {96, 8, "span_id", "id"} },
	[7] = { min = 24, {0, 4, "pid", "u32"}, {4, 4, "tid", "u32"}, {8, 4, "ppid", "u32"},
		{12, 1, "kind", "u8", PROC_EVENT_KIND}, {16, 4, "exit_status", "s32"} },
	[8] = { min = 40, {0, 8, "window_start_ns", "u64"}, {8, 8, "window_end_ns", "u64"},
		{16, 8, "count", "u64"}, {24, 4, "cpu", "u32"}, {28, 2, "reason", "u16", LOSS_REASON},
		{32, 4, "pid", "u32"} },
	[9] = { min = 40, {0, 8, "end_ns", "u64"}, {8, 8, "records", "u64"},
		{16, 8, "events_lost", "u64"}, {24, 8, "syscalls", "u64"},
		{32, 1, "stop_reason", "u8", STOP_REASON}, {33, 1, "clean", "u8"} },
	[11] = { min = 24, {0, 8, "boot_ns", "u64"}, {8, 8, "boot_to_wall_ns", "s64"},
		{16, 8, "uncertainty_ns", "u64"} },
}

-- Flag bits per record type (FORMAT.md 5.5, 5.6).
local FLAG_NAMES = {
	[5] = { [0x0001] = "TRUNCATED" },
	[6] = { [0x0001] = "CTX", [0x0002] = "NO_EXIT", [0x0004] = "TRUNCATED",
		[0x0008] = "ARG_FAULT", [0x0010] = "CTX_FAULT", [0x0020] = "CTX_CHANGED" },
	[10] = { [0x0001] = "CTX", [0x0002] = "NO_EXIT", [0x0004] = "TRUNCATED",
		[0x0008] = "ARG_FAULT", [0x0010] = "CTX_FAULT", [0x0020] = "CTX_CHANGED",
		[0x1000] = "TRACE", [0x2000] = "SPAN", [0x4000] = "PROC" },
}

add_field("packed", ProtoField.bool("spancap.packed", "Stored packed (SYSCALL_PACKED)"))

for type, body in pairs(BODIES) do
	local rec = string.lower(REC_NAMES[type])
	for _, d in ipairs(body) do
		local name, kind = d[3], d[4]
		local abbr = "spancap." .. rec .. "." .. name
		if SHARED[name] then
			abbr = "spancap." .. name
		end
		if rec == "syscall" and (name == "nr" or name == "ret") then
			abbr = "spancap.syscall." .. name -- spancap.syscall itself is the name
		end
		if not F[abbr] then
			add_field(abbr, MAKERS[kind](abbr, name, d[5]))
		end
		d.field = F[abbr]
		assert(kind == "id" or kind == "raw" or SIZES[kind] == d[2], abbr)
	end
end

-- Items: tag -> { name, kind }. Kinds: string, strlist, sockaddr, fdpair, attrs, attrs_raw,
-- counters. Section 4.3 of FORMAT.md.
local ITEMS = {
	[1] = { "path", "string" }, [2] = { "path2", "string" }, [3] = { "sockaddr", "sockaddr" },
	[4] = { "sockaddr_local", "sockaddr" }, [5] = { "argv", "strlist" },
	[6] = { "fd_pair", "fdpair" }, [7] = { "name", "string" }, [8] = { "exe", "string" },
	[9] = { "cgroup", "string" }, [10] = { "resource_attrs", "attrs" },
	[11] = { "extra_attrs", "attrs" }, [12] = { "schema_version", "string" },
	[13] = { "key_map", "strlist" }, [14] = { "reason", "string" },
	[15] = { "hostname", "string" }, [16] = { "kernel_release", "string" },
	[17] = { "kernel_version", "string" }, [18] = { "machine", "string" },
	[19] = { "tool_version", "string" }, [20] = { "cmdline", "strlist" },
	[21] = { "attrs_raw", "attrs_raw" }, [22] = { "tls_module", "string" },
	[23] = { "counters", "counters" }, [24] = { "exe_host", "string" },
}
local TAG_NAMES = {}
for tag, it in pairs(ITEMS) do
	TAG_NAMES[tag] = string.upper(it[1])
	if it[2] == "string" or it[2] == "strlist" or it[2] == "sockaddr" then
		add_field(it[1], ProtoField.string("spancap." .. it[1], it[1]))
	elseif it[2] == "fdpair" then
		add_field(it[1], ProtoField.int32("spancap." .. it[1], it[1], base.DEC))
	end
end
add_field("sa_family", ProtoField.uint16("spancap.sockaddr.family", "Family", base.DEC, AF))
add_field("sa_port", ProtoField.uint16("spancap.sockaddr.port", "Port", base.DEC))
add_field("sa_ipv4", ProtoField.ipv4("spancap.sockaddr.ipv4", "IPv4 address"))
add_field("sa_ipv6", ProtoField.ipv6("spancap.sockaddr.ipv6", "IPv6 address"))
add_field("sa_scope", ProtoField.uint32("spancap.sockaddr.scope_id", "Scope id", base.DEC))
add_field("sa_raw", ProtoField.bytes("spancap.sockaddr.data", "Address bytes"))
add_field("attr_key", ProtoField.string("spancap.attr.key", "Key"))
add_field("attr_type", ProtoField.uint8("spancap.attr.type", "Type", base.DEC, VAL_TYPE))
add_field("attr_value", ProtoField.string("spancap.attr.value", "Value"))
add_field("raw_key", ProtoField.uint8("spancap.attrs_raw.key_index", "Key index", base.DEC))
add_field("raw_value", ProtoField.bytes("spancap.attrs_raw.value", "Value"))
add_field("cnt_id", ProtoField.uint32("spancap.counter.id", "Counter", base.DEC, COUNTER_NAMES))
add_field("cnt_cpu", ProtoField.uint32("spancap.counter.cpu", "CPU", base.HEX))
add_field("cnt_value", ProtoField.uint64("spancap.counter.value", "Value", base.DEC))

add_field("item_tag", ProtoField.uint16("spancap.item.tag", "Tag", base.DEC, TAG_NAMES))
spancap.fields = (function()
	local list = {}
	for _, pf in pairs(F) do list[#list + 1] = pf end
	return list
end)()

local ex_malformed = ProtoExpert.new("spancap.malformed", "Malformed spancap record",
	expert.group.MALFORMED, expert.severity.ERROR)
local ex_failed = ProtoExpert.new("spancap.failed", "Syscall failed",
	expert.group.RESPONSE_CODE, expert.severity.NOTE)
spancap.experts = { ex_malformed, ex_failed }

-- ---- dissection ------------------------------------------------------------------------------

local function hex(range)
	return range:bytes():tohex():lower()
end

local function syscall_name(abi, nr)
	if abi == 1 and SYSCALLS_X86_64[nr] then
		return SYSCALLS_X86_64[nr]
	end
	return "syscall_" .. nr
end

-- Adds the fixed fields of a body; returns a table of the values by name.
local function dissect_body(tree, tvb, off, body_len, spec)
	local v = {}
	for _, d in ipairs(spec) do
		local o, n, name, kind = d[1], d[2], d[3], d[4]
		if o + n <= body_len then -- fields past a short (older) body read as absent
			local r = tvb(off + o, n)
			if kind == "id" or kind == "raw" then
				tree:add(d.field, r)
				v[name] = hex(r)
			else
				tree:add_le(d.field, r)
				if n == 8 then
					v[name] = kind == "s64" and r:le_int64() or r:le_uint64()
				elseif kind == "s32" then
					v[name] = r:le_int()
				else
					v[name] = r:le_uint()
				end
			end
		end
	end
	return v
end

local function sockaddr_text(tvb, off, n)
	local family, port = tvb(off, 2):le_uint(), tvb(off + 2, 2):le_uint()
	if family == 2 and n >= 8 then
		local a = tvb(off + 4, 4)
		return string.format("%d.%d.%d.%d:%d", a(0, 1):uint(), a(1, 1):uint(), a(2, 1):uint(),
			a(3, 1):uint(), port)
	elseif family == 10 and n >= 20 then
		local parts = {}
		for i = 0, 7 do
			parts[#parts + 1] = string.format("%x", tvb(off + 4 + 2 * i, 2):uint())
		end
		return "[" .. table.concat(parts, ":") .. "]:" .. port
	elseif family == 1 then
		if n == 4 then
			return "unix:(unnamed)"
		end
		local first = tvb(off + 4, 1):uint()
		if first == 0 then
			return "unix:@" .. (n > 5 and tvb(off + 5, n - 5):string() or "")
		end
		return "unix:" .. tvb(off + 4, n - 4):string()
	end
	return "family " .. family
end

local function dissect_sockaddr(tree, tvb, off, n, field)
	if n < 4 then
		tree:add_proto_expert_info(ex_malformed, "socket address shorter than 4 bytes")
		return nil
	end
	local text = sockaddr_text(tvb, off, n)
	local t = tree:add(field, tvb(off, n), text)
	t:add_le(F.sa_family, tvb(off, 2))
	t:add_le(F.sa_port, tvb(off + 2, 2))
	local family = tvb(off, 2):le_uint()
	if family == 2 and n >= 8 then
		t:add(F.sa_ipv4, tvb(off + 4, 4))
	elseif family == 10 and n >= 24 then
		t:add(F.sa_ipv6, tvb(off + 4, 16))
		t:add_le(F.sa_scope, tvb(off + 20, 4))
	elseif n > 4 then
		t:add(F.sa_raw, tvb(off + 4, n - 4))
	end
	return text
end

local function dissect_strlist(tree, tvb, off, n, field)
	local p, first = 0, nil
	while p < n do
		if n - p < 2 then
			tree:add_proto_expert_info(ex_malformed, "string list: stray byte")
			return first
		end
		local l = tvb(off + p, 2):le_uint()
		if l > n - p - 2 then
			tree:add_proto_expert_info(ex_malformed,
				"string list: length overruns the item")
			return first
		end
		local s = l > 0 and tvb(off + p + 2, l):string() or ""
		tree:add(field, tvb(off + p, l + 2), s)
		first = first or s
		p = p + 2 + l
	end
	return first
end

local function attr_value_text(tvb, off, typ, l)
	if l == 0 then
		return ""
	elseif typ == 1 or typ == 7 then
		return tvb(off, l):string()
	elseif typ == 2 then
		return tvb(off, 1):uint() ~= 0 and "true" or "false"
	elseif typ == 3 and l == 8 then
		return tostring(tvb(off, 8):le_int64())
	elseif typ == 4 and l == 8 then
		return tostring(tvb(off, 8):le_float())
	end
	return "(" .. l .. " bytes)"
end

local function dissect_attrs(tree, tvb, off, n, depth)
	local p = 0
	while p < n do
		if n - p < 6 then
			tree:add_proto_expert_info(ex_malformed, "attribute list: incomplete entry")
			return
		end
		local typ = tvb(off + p, 1):uint()
		local kl, vl = tvb(off + p + 2, 2):le_uint(), tvb(off + p + 4, 2):le_uint()
		if kl + vl > n - p - 6 then
			tree:add_proto_expert_info(ex_malformed,
				"attribute list: entry overruns the item")
			return
		end
		local key = kl > 0 and tvb(off + p + 6, kl):string() or ""
		local voff = off + p + 6 + kl
		local t = tree:add(spancap, tvb(off + p, 6 + kl + vl),
			"Attribute " .. key .. " (" .. (VAL_TYPE[typ] or typ) .. ")")
		t:add(F.attr_type, tvb(off + p, 1))
		t:add(F.attr_key, kl > 0 and tvb(off + p + 6, kl) or tvb(off + p + 2, 2), key)
		if (typ == 5 or typ == 6) and depth < 4 then
			if vl > 0 then
				dissect_attrs(t, tvb, voff, vl, depth + 1)
			end
		else
			local text = attr_value_text(tvb, voff, typ, vl)
			t:add(F.attr_value, vl > 0 and tvb(voff, vl) or tvb(off + p + 4, 2), text)
			t:append_text(" = " .. text)
		end
		p = p + 6 + kl + vl
	end
end

local function dissect_attrs_raw(tree, tvb, off, n)
	local p = 0
	while n - p >= 2 do -- OTEP 4947: parsing stops at an incomplete entry
		local l = tvb(off + p + 1, 1):uint()
		if l > n - p - 2 then
			break
		end
		local t = tree:add(spancap, tvb(off + p, 2 + l), "Entry")
		t:add(F.raw_key, tvb(off + p, 1))
		if l > 0 then
			t:add(F.raw_value, tvb(off + p + 2, l))
		end
		p = p + 2 + l
	end
end

local function dissect_counters(tree, tvb, off, n)
	if n % 16 ~= 0 then
		tree:add_proto_expert_info(ex_malformed, "counter list: not a multiple of 16 bytes")
	end
	for p = 0, n - 16, 16 do
		local t = tree:add(spancap, tvb(off + p, 16), "Counter")
		t:add_le(F.cnt_id, tvb(off + p, 4))
		t:add_le(F.cnt_cpu, tvb(off + p + 4, 4))
		t:add_le(F.cnt_value, tvb(off + p + 8, 8))
		t:append_text(": " .. (COUNTER_NAMES[tvb(off + p, 4):le_uint()] or "?") .. " = " ..
			tostring(tvb(off + p + 8, 8):le_uint64()))
	end
end

-- Adds one item; returns its tag name and a short text for the Info column.
local function dissect_item(tree, tvb, off, tag, n)
	local it = ITEMS[tag]
	local t = tree:add(F.item, tvb(off, 4 + n))
	t:set_text("Item " .. (it and string.upper(it[1]) or ("tag " .. tag)) .. " (" .. n ..
		" bytes)")
	t:add_le(F.item_tag, tvb(off, 2))
	t:add_le(F.item_len, tvb(off + 2, 2))
	local d = off + 4
	if not it then
		if n > 0 then
			t:add(F.item_data, tvb(d, n))
		end
		return nil
	end
	local kind, field = it[2], F[it[1]]
	if kind == "string" then
		local s = n > 0 and tvb(d, n):string() or ""
		t:add(field, n > 0 and tvb(d, n) or tvb(off + 2, 2), s)
		return s
	elseif n == 0 then
		return nil
	elseif kind == "strlist" then
		return dissect_strlist(t, tvb, d, n, field)
	elseif kind == "sockaddr" then
		return dissect_sockaddr(t, tvb, d, n, field)
	elseif kind == "fdpair" then
		if n ~= 8 then
			t:add_proto_expert_info(ex_malformed, "FD_PAIR is not 8 bytes")
			return nil
		end
		t:add_le(field, tvb(d, 4))
		t:add_le(field, tvb(d + 4, 4))
		return "[" .. tvb(d, 4):le_int() .. ", " .. tvb(d + 4, 4):le_int() .. "]"
	elseif kind == "attrs" then
		dissect_attrs(t, tvb, d, n, 1)
	elseif kind == "attrs_raw" then
		dissect_attrs_raw(t, tvb, d, n)
	elseif kind == "counters" then
		dissect_counters(t, tvb, d, n)
	end
	return nil
end

local function flags_text(type, flags)
	local names = FLAG_NAMES[type]
	if not names or flags == 0 then
		return string.format("0x%04x", flags)
	end
	local set = {}
	for bit = 0, 15 do
		local m = 2 ^ bit
		if math.floor(flags / m) % 2 == 1 then
			set[#set + 1] = names[m] or string.format("0x%04x", m)
		end
	end
	return string.format("0x%04x (%s)", flags, table.concat(set, "|"))
end

-- ---- SYSCALL_PACKED (FORMAT.md 5.10) ------------------------------------------------------
-- A packed record refers to the pid, abi and ids of earlier records of its thread in the same
-- section. Wireshark's first pass dissects frames in order: the table of slots is kept then,
-- and each frame's unpacked body is remembered by frame number, so that later dissections of
-- the frame (tshark -2, -V, clicking around) show the same values without the table.

local SLOTS = 4096
local slots = {}    -- slot -> { tid, pid, abi, ctx = { trace, tflags, span } }
local unpacked = {} -- frame number -> hex of the SYSCALL body, or false and an error text
local unpack_err = {}

function spancap.init()
	slots, unpacked, unpack_err = {}, {}, {}
end

local U64_MAX16, U64_MAX32 = UInt64(65535), UInt64(4294967295)

-- Unsigned LEB128 of at most 10 bytes; returns the UInt64 and the next offset, or nil.
local function varint(tvb, off, stop)
	local v = UInt64(0)
	for i = 0, 9 do
		if off >= stop then
			return nil
		end
		local b = tvb(off, 1):uint()
		off = off + 1
		if i == 9 and b > 1 then
			return nil
		end
		v = v:bor(UInt64(b % 128):lshift(7 * i))
		if b < 128 then
			return v, off
		end
	end
	return nil
end

local function unzigzag(u)
	local h = u:rshift(1)
	if u:band(UInt64(1)) == UInt64(1) then
		return h:bnot()
	end
	return h
end

-- The n low bytes of a UInt64, little-endian, as hex.
local function le_hex(u, n)
	local h, out = u:tohex(), {}
	for i = 8, 9 - n, -1 do
		out[#out + 1] = h:sub(2 * i - 1, 2 * i)
	end
	return table.concat(out)
end

local function bit(flags, m)
	return math.floor(flags / m) % 2 == 1
end

-- Unpacks the body at off into the 104-byte SYSCALL body (hex), updating the slot table;
-- returns nil and the reason when the record is corrupt.
local function unpack_syscall(tvb, off, body_len, flags)
	local stop, f = off + body_len, {}
	if bit(flags, 0x8000) then
		return nil, "reserved flag 0x8000 set"
	end
	for _, name in ipairs({ "duration", "ret", "cpu", "tid", "nr" }) do
		f[name], off = varint(tvb, off, stop)
		if not f[name] then
			return nil, "bad or cut varint in " .. name
		end
	end
	if f.cpu > U64_MAX16 or f.nr > U64_MAX16 or f.tid > U64_MAX32 then
		return nil, "cpu, nr or tid out of range"
	end
	local tid = f.tid:tonumber()
	local slot = slots[tid % SLOTS]
	local holds = slot ~= nil and slot.tid == tid
	local pid, abi
	if bit(flags, 0x4000) then
		local p
		p, off = varint(tvb, off, stop)
		if not p or p > U64_MAX32 or off >= stop then
			return nil, "bad or cut pid and abi"
		end
		pid, abi = p:tonumber(), tvb(off, 1):uint()
		off = off + 1
	elseif holds then
		pid, abi = slot.pid, slot.abi
	else
		return nil, "pid by reference to thread " .. tid .. ", not seen in this section"
	end
	if off >= stop then
		return nil, "body cut before arg_mask"
	end
	local mask = tvb(off, 1):uint()
	off = off + 1
	if mask >= 64 then
		return nil, "arg_mask bits 6-7 set"
	end
	local args = {}
	for i = 0, 5 do
		if bit(mask, 2 ^ i) then
			local a
			a, off = varint(tvb, off, stop)
			if not a then
				return nil, "bad or cut varint in args[" .. i .. "]"
			end
			args[#args + 1] = le_hex(unzigzag(a), 8)
		else
			args[#args + 1] = "0000000000000000"
		end
	end
	local ctx = bit(flags, 0x0001)
	local trace, tflags, span = string.rep("0", 32), 0, string.rep("0", 16)
	if not ctx and (bit(flags, 0x1000) or bit(flags, 0x2000)) then
		return nil, "TRACE or SPAN without CTX"
	end
	if ctx then
		local have = holds and slot.ctx
		if bit(flags, 0x1000) then
			if stop - off < 17 then
				return nil, "body cut in trace_id"
			end
			trace, tflags = hex(tvb(off, 16)), tvb(off + 16, 1):uint()
			off = off + 17
		elseif have then
			trace, tflags = slot.ctx.trace, slot.ctx.tflags
		else
			return nil, "trace id by reference to thread " .. tid .. " without a context"
		end
		if bit(flags, 0x2000) then
			if stop - off < 8 then
				return nil, "body cut in span_id"
			end
			span = hex(tvb(off, 8))
		elseif have then
			span = slot.ctx.span
		else
			return nil, "span id by reference to thread " .. tid .. " without a context"
		end
	end
	if not holds then
		slot = { tid = tid }
		slots[tid % SLOTS] = slot
	end
	slot.pid, slot.abi = pid, abi
	if ctx then
		slot.ctx = { trace = trace, tflags = tflags, span = span }
	end
	return le_hex(f.duration, 8) .. le_hex(unzigzag(f.ret), 8) .. table.concat(args) ..
		le_hex(UInt64(tid), 4) .. le_hex(UInt64(pid), 4) .. le_hex(f.nr, 2) ..
		le_hex(f.cpu, 2) .. string.format("%02x%02x", abi, tflags) .. "0000" .. trace .. span
end

-- The unpacked body of this frame's packed record, computed once, in the first pass.
local function packed_body(tvb, pinfo, body_len, flags)
	local n = pinfo.number
	if unpacked[n] == nil and not pinfo.visited then
		local body, why = unpack_syscall(tvb, 8, body_len, flags)
		unpacked[n], unpack_err[n] = body or false, why
	end
	if unpacked[n] == nil then
		return nil, "not unpacked: the first, in-order pass did not see this frame"
	end
	return unpacked[n] or nil, unpack_err[n]
end

-- Info column: what a reader of the record wants first.
local function info_text(type, v, items, pinfo)
	local name = REC_NAMES[type] or ("type " .. type)
	if (type == REC_SYSCALL or type == REC_SYSCALL_PACKED) and v.syscall_name then
		local s = v.syscall_name .. "(" .. (items.path and ('"' .. items.path .. '"') or
			(items.sockaddr or "")) .. ")"
		if v.no_exit then
			s = s .. " = ?"
		elseif v.errno then
			s = s .. " = -1 " .. v.errno
		else
			s = s .. " = " .. tostring(v.ret)
		end
		s = string.format("%u/%u %s", v.pid or 0, v.tid or 0, s)
		if v.ctx then
			s = s .. " trace=" .. v.trace_id .. " span=" .. v.span_id
		end
		return s
	elseif type == 5 then
		return string.format("THREAD_CTX %u/%u trace=%s span=%s%s", v.pid or 0, v.tid or 0,
			v.trace_id or "", v.span_id or "", v.valid == 1 and "" or " (detached)")
	elseif type == 2 then
		return string.format("PROCESS %u %s (%s)", v.pid or 0, items.name or "",
			CTX_STATUS[v.ctx_status or 0] or "?")
	elseif type == 3 or type == 7 then
		return string.format("%s %u/%u %s", name, v.pid or 0, v.tid or 0, items.name or "")
	elseif type == 1 then
		return "SECTION " .. (items.hostname or "") .. " " .. (items.tool_version or "")
	end
	return name
end

function spancap.dissector(tvb, pinfo, tree)
	local len = tvb:len()
	pinfo.cols.protocol = "spancap"
	local root = tree:add(spancap, tvb())
	if len < 8 then
		root:add_proto_expert_info(ex_malformed, "record shorter than its 8-byte header")
		pinfo.cols.info = "malformed spancap record"
		return len
	end
	local type, rlen = tvb(0, 2):le_uint(), tvb(2, 2):le_uint()
	local body_len, flags = tvb(4, 2):le_uint(), tvb(6, 2):le_uint()
	if type == REC_SYSCALL_PACKED then
		-- what a reader makes of it: a SYSCALL record (FORMAT.md 5.10, "Unpacking")
		root:add(F.type, tvb(0, 2), REC_SYSCALL):append_text(" (stored as SYSCALL_PACKED, 10)")
		root:add(F.packed, tvb(0, 2), true)
	else
		root:add_le(F.type, tvb(0, 2))
	end
	root:add(F.type_name, tvb(0, 2), REC_NAMES[type] or ("unknown (" .. type .. ")"))
	root:add_le(F.len, tvb(2, 2))
	root:add_le(F.body_len, tvb(4, 2))
	root:add_le(F.flags, tvb(6, 2)):set_text("Flags: " .. flags_text(type, flags))
	root:append_text(": " .. (REC_NAMES[type] or ("type " .. type)))
	if rlen ~= len or body_len > len - 8 then
		root:add_proto_expert_info(ex_malformed, string.format(
			"record length %d, body %d, packet %d bytes", rlen, body_len, len))
		pinfo.cols.info = "malformed spancap record"
		return len
	end
	local spec = BODIES[type]
	local v = {}
	local stvb, soff = tvb, 8 -- where the SYSCALL body is: here, or unpacked
	if type == 1 and not pinfo.visited then
		slots = {} -- a section never refers to the one before it
	end
	if type == REC_SYSCALL_PACKED then
		local body = root:add(spancap, tvb(8, body_len), "Packed body (" .. body_len .. " bytes)")
		local h, why = packed_body(tvb, pinfo, body_len, flags)
		if h then
			stvb, soff = ByteArray.new(h):tvb("Unpacked SYSCALL body"), 0
			local ub = root:add(spancap, stvb(), "Unpacked SYSCALL body (104 bytes)")
			v = dissect_body(ub, stvb, 0, 104, BODIES[REC_SYSCALL])
		else
			body:add_proto_expert_info(ex_malformed, "SYSCALL_PACKED: " .. (why or "corrupt"))
		end
	elseif spec then
		local body = root:add(spancap, tvb(8, body_len), "Body (" .. body_len .. " bytes)")
		if body_len < spec.min then
			body:add_proto_expert_info(ex_malformed, string.format(
				"%s body of %d bytes, at least %d expected", REC_NAMES[type], body_len,
				spec.min))
		end
		v = dissect_body(body, tvb, 8, body_len, spec)
	elseif body_len > 0 then
		root:add(F.item_data, tvb(8, body_len)):set_text("Body of an unknown record type")
	end
	if (type == REC_SYSCALL or type == REC_SYSCALL_PACKED) and v.nr then
		v.syscall_name = syscall_name(v.abi or 0, v.nr)
		root:add(F.syscall, stvb(soff + 72, 2), v.syscall_name)
		v.no_exit = math.floor(flags / 2) % 2 == 1
		v.ctx = flags % 2 == 1
		local ret = v.ret and tonumber(tostring(v.ret)) or 0
		if not v.no_exit and ret < 0 and ret >= -4095 then
			v.errno = ERRNO[-ret] or ("E" .. -ret)
			root:add(F.errno, stvb(soff + 8, 8), v.errno)
			root:add_proto_expert_info(ex_failed, v.syscall_name .. " failed: " .. v.errno)
		end
	end
	local items, off = {}, 8 + body_len
	while off < len do
		if len - off < 4 then
			root:add_proto_expert_info(ex_malformed, string.format(
				"%d stray bytes after the last item", len - off))
			break
		end
		local tag, n = tvb(off, 2):le_uint(), tvb(off + 2, 2):le_uint()
		if n > len - off - 4 then
			root:add_proto_expert_info(ex_malformed, string.format(
				"item tag %d of %d bytes overruns the record at offset %d", tag, n,
				off))
			break
		end
		local text = dissect_item(root, tvb, off, tag, n)
		if ITEMS[tag] and text and not items[ITEMS[tag][1]] then
			items[ITEMS[tag][1]] = text -- the first item of a tag is the one that counts
		end
		off = off + 4 + n
	end
	pinfo.cols.info = info_text(type, v, items, pinfo)
	return len
end

DissectorTable.get("wtap_encap"):add(wtap_encaps.USER0, spancap)
