#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Compare a spancap capture of spancap-demo-service with the service's ground-truth log.

    check_capture_truth.py CAPTURE TRUTH [--min-ops N] [--sample-traces F] [--sampled-only]

The capture is read with an implementation of formats/FORMAT.md written here (zstd -d, a
pcapng walk, record decoding, packed syscalls and their ids by reference): it shares no code with spancap's own reader, so it checks the
specification as well as the capture.

For every thread, the operations of the truth log must appear, in order, among the syscall
records of that thread (same syscall, same result). Each matched record must carry exactly the
trace and span ids the truth gives (none outside spans), and its decoded path, peer address
and byte count must match.

A syscall whose record is flagged CTX_FAULT (the capture could not read the context and says
so) is counted and reported, not failed: it carries no context, never a wrong one. So is an
openat whose path is missing and whose record is flagged ARG_FAULT (read neither at the
syscall's entry nor at its exit). One window is
also told apart: between the process publishing its context (its last
prctl(PR_SET_VMA) before the capture resolved it) and the PROCESS record that says it was
resolved, the kernel cannot know where the context is yet. Syscalls entered after that record
must all carry their context; syscalls inside the window may lack it (never carry a wrong one),
are counted and reported, and the window itself must stay under --max-gap-ms (default 50).
With --sample-traces F and/or --sampled-only (the capture's own options), the operations of
the traces the sampling leaves out are taken out of the truth first, by this file's own
implementation of the sampling rule of FORMAT.md 4.4 (in_sample()): the rest must then all be
there as above (a kept trace is kept whole), the capture's SAMPLING item must state the same
rule, and the set of trace ids in its syscall and THREAD_CTX records must be exactly the set of
kept traces that made syscalls: none left out leaks in, none kept is missing.

Prints TAP lines; exits 1 on any failure.

Memory: the file is streamed (records(), one pcapng block at a time) and only the records that
match a truth operation are kept, so the peak follows the truth log, not the capture: 16 MB on
every capture of it_capture_samples, 15 MB for the decoder alone on a 5.8 M-record capture
(measured 2026-12-06); under 200 MB for any truth log below a million operations.
"""
import json
import os
import struct
import subprocess
import sys

from tap_report import Tap

# x86_64 numbers of the syscalls the demo service issues deliberately.
NR = {
    "read": 0, "write": 1, "close": 3, "fstat": 5, "lseek": 8, "pread64": 17, "pwrite64": 18,
    "nanosleep": 35, "socket": 41, "connect": 42, "accept": 43, "sendto": 44, "recvfrom": 45,
    "shutdown": 48, "bind": 49, "listen": 50, "getsockname": 51, "fork": 57, "vfork": 58,
    "execve": 59, "wait4": 61, "fsync": 74, "fdatasync": 75, "unlink": 87, "clock_nanosleep": 230,
    "openat": 257, "unlinkat": 263, "accept4": 288, "pipe2": 293, "clone": 56, "clone3": 435,
    "newfstatat": 262, "mkdirat": 258, "renameat2": 316, "dup": 32, "dup2": 33, "dup3": 292,
    "fcntl": 72, "readv": 19, "writev": 20, "sendmsg": 46, "recvmsg": 47, "getpid": 39,
}
REC_SECTION, REC_PROCESS, REC_THREAD_CTX, REC_SYSCALL, REC_SYSCALL_PACKED = 1, 2, 5, 6, 10
ITEM_SAMPLING = 25
SAMPLING_FRACTION, SAMPLING_FLAGGED = 0x01, 0x02
CTX_RESOLVED = 1
PR_SET_VMA = 0x53564D41
ITEM_PATH, ITEM_SOCKADDR = 1, 3
F_CTX = 0x0001
F_ARG_FAULT = 0x0008  # the capture could not read an argument (at entry nor exit), and says so
F_CTX_FAULT = 0x0010  # the capture could not read the thread's context, and says so


class _Blocks:
    """The pcapng blocks of a capture file, one at a time: a compressed file is decompressed by
    `zstd -dc` into a pipe and never held whole. Memory: one chunk of CHUNK bytes read from the
    file or pipe, plus one block (at most MAX_BLOCK)."""
    CHUNK = 1 << 20
    MAX_BLOCK = 1 << 20

    def __init__(self, path):
        self.path = path
        self.proc = None
        self.f = open(path, "rb", buffering=0)
        if self.f.read(4) == b"\x28\xb5\x2f\xfd":
            self.f.close()
            self.proc = subprocess.Popen(["zstd", "-q", "-d", "-c", path], bufsize=0,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.f = self.proc.stdout
        else:
            self.f.seek(0)
        self.buf = b""
        self.pos = 0
        self.eof = False

    def _have(self, n):
        """Whether n bytes are buffered from pos on, reading more as needed."""
        while len(self.buf) - self.pos < n and not self.eof:
            chunk = os.read(self.f.fileno(), max(self.CHUNK, n))
            if not chunk:
                self.eof = True
                break
            self.buf = self.buf[self.pos:] + chunk
            self.pos = 0
        return len(self.buf) - self.pos >= n

    def __iter__(self):
        """Yields (offset, block bytes); a block cut by the end of the data raises ValueError,
        fewer than 12 bytes left at the end are ignored (as a reader of whole blocks does)."""
        off = 0
        try:
            while self._have(12):
                btype, blen = struct.unpack_from("<II", self.buf, self.pos)
                if blen < 12 or blen > self.MAX_BLOCK or not self._have(blen):
                    raise ValueError("block at offset %d: length %d" % (off, blen))
                yield off, self.buf[self.pos:self.pos + blen]
                self.pos += blen
                off += blen
            self._finish()
        finally:
            self.close()

    def _finish(self):
        if self.proc is not None:
            err = self.proc.stderr.read()
            if self.proc.wait() != 0:
                raise subprocess.CalledProcessError(self.proc.returncode, "zstd -d " + self.path,
                                                    stderr=err)

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None:
            self.proc.stderr.close()
        self.f.close()


def _memory_blocks(data):
    off = 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, off)
        if blen < 12 or off + blen > len(data):
            raise ValueError("block at offset %d: length %d" % (off, blen))
        yield off, data[off:off + blen]
        off += blen


def varint(b, o, limit=(1 << 64) - 1):
    """Unsigned LEB128 at b[o:] (FORMAT.md 5.10): (value, next offset)."""
    if o < len(b) and b[o] < 0x80:  # one byte: below every limit used here
        return b[o], o + 1
    v = 0
    for i in range(10):
        if o >= len(b):
            raise ValueError("packed syscall: varint runs past the body")
        x = b[o]
        o += 1
        if i == 9 and x > 1:
            raise ValueError("packed syscall: varint overflows 64 bits")
        v |= (x & 0x7F) << (7 * i)
        if not x & 0x80:
            if v > limit:
                raise ValueError("packed syscall: value %d out of range" % v)
            return v, o
    raise ValueError("packed syscall: varint longer than 10 bytes")


def unzigzag(u):
    return (u >> 1) ^ -(u & 1)


def unpack_syscall(flags, body, slots):
    """FORMAT.md 5.10: the SYSCALL flags and 104-byte body a SYSCALL_PACKED record stands for.
    slots maps tid & 4095 to a dict: tid, pid, abi, ctx (trace_id, trace_flags, span_id) or None."""
    if flags & 0x8000:
        raise ValueError("packed syscall: reserved flags 0x%04x" % flags)
    ctx = bool(flags & F_CTX)
    if flags & 0x3000 and not ctx:
        raise ValueError("packed syscall: ids without CTX")
    dur, o = varint(body, 0)
    ret, o = varint(body, o)
    cpu, o = varint(body, o, 0xFFFF)
    tid, o = varint(body, o, 0xFFFFFFFF)
    nr, o = varint(body, o, 0xFFFF)
    slot = slots.get(tid & 4095)
    if slot is not None and slot["tid"] != tid:
        slot = None  # the slot holds another thread
    if flags & 0x4000:
        pid, o = varint(body, o, 0xFFFFFFFF)
        if o >= len(body):
            raise ValueError("packed syscall: body ends before abi")
        abi = body[o]
        o += 1
    elif slot is not None:
        pid, abi = slot["pid"], slot["abi"]
    else:
        raise ValueError("packed syscall: tid %d has no pid in this section" % tid)
    if o >= len(body):
        raise ValueError("packed syscall: body ends before arg_mask")
    mask = body[o]
    o += 1
    if mask & 0xC0:
        raise ValueError("packed syscall: arg_mask 0x%02x" % mask)
    args = [0] * 6
    for i in range(6):
        if mask & (1 << i):
            u, o = varint(body, o)
            args[i] = unzigzag(u) & ((1 << 64) - 1)
    trace, tflags, span = bytes(16), 0, bytes(8)
    old = slot["ctx"] if slot is not None else None
    if ctx:
        if flags & 0x1000:
            if o + 17 > len(body):
                raise ValueError("packed syscall: body ends inside trace_id")
            trace, tflags = bytes(body[o:o + 16]), body[o + 16]
            o += 17
        elif old is not None:
            trace, tflags = old[0], old[1]
        else:
            raise ValueError("packed syscall: tid %d has no trace_id in this section" % tid)
        if flags & 0x2000:
            if o + 8 > len(body):
                raise ValueError("packed syscall: body ends inside span_id")
            span = bytes(body[o:o + 8])
        elif old is not None:
            span = old[2]
        else:
            raise ValueError("packed syscall: tid %d has no span_id in this section" % tid)
    slots[tid & 4095] = {"tid": tid, "pid": pid, "abi": abi,
                         "ctx": (trace, tflags, span) if ctx else old}
    plain = struct.pack("<QqQQQQQQIIHHBBH", dur, unzigzag(ret), *args, tid, pid, nr, cpu, abi,
                        tflags, 0) + trace + span
    return flags & 0x0FFF, plain


def records(src):
    """Yields (ts_ns, type, flags, body, items) for each EPB, per FORMAT.md sections 3-5;
    SYSCALL_PACKED records come out as the SYSCALL records they stand for (5.10). src is a
    capture file's path (streamed: see _Blocks) or the bytes of an uncompressed pcapng stream.
    Memory, whatever the file's size: one block and the packed-id table of at most 4096 slots."""
    tsresol_ok = False
    slots = {}
    for off, blk in (_memory_blocks(src) if isinstance(src, (bytes, bytearray)) else
                     _Blocks(src)):
        btype, blen = struct.unpack_from("<II", blk, 0)
        if btype == 1:  # IDB: link type and if_tsresol
            linktype = struct.unpack_from("<H", blk, 8)[0]
            if linktype != 147:
                raise ValueError("link type %d" % linktype)
            o = 16
            while o + 4 <= blen - 4:
                code, olen = struct.unpack_from("<HH", blk, o)
                if code == 0:
                    break
                if code == 9 and blk[o + 4] == 9:
                    tsresol_ok = True
                o += 4 + ((olen + 3) & ~3)
            if not tsresol_ok:
                raise ValueError("IDB without if_tsresol 9")
        elif btype == 6:
            hi, lo, caplen, origlen = struct.unpack_from("<IIII", blk, 12)
            if caplen != origlen or 28 + caplen > blen:
                raise ValueError("EPB at %d: caplen %d origlen %d" % (off, caplen, origlen))
            rec = blk[28:28 + caplen]
            rtype, rlen, body_len, flags = struct.unpack_from("<HHHH", rec, 0)
            if rlen != caplen or 8 + body_len > rlen:
                raise ValueError("record at %d: len %d body %d caplen %d" %
                                 (off, rlen, body_len, caplen))
            items = {}
            o = 8 + body_len
            while o < rlen:
                tag, n = struct.unpack_from("<HH", rec, o)
                if o + 4 + n > rlen:
                    raise ValueError("record at %d: item overruns" % off)
                items.setdefault(tag, rec[o + 4:o + 4 + n])
                o += 4 + n
            body = rec[8:8 + body_len]
            if rtype == REC_SECTION:
                slots = {}  # ids by reference never cross a section
            elif rtype == REC_SYSCALL_PACKED:
                flags, body = unpack_syscall(flags, body, slots)
                rtype = REC_SYSCALL
            yield (hi << 32) | lo, rtype, flags, body, items


def fmt_sockaddr(b):
    fam, port = struct.unpack_from("<HH", b, 0)
    if fam == 2:
        return "%d.%d.%d.%d:%d" % (b[4], b[5], b[6], b[7], port)
    return "family%d" % fam


def sample_threshold(fraction):
    """FORMAT.md 4.4: (1 - F) * 2^56, exact for a binary64 F in (0, 1]."""
    t = (1.0 - fraction) * float(1 << 56)
    assert t == int(t), "not an integer: %r" % t
    return int(t)


def in_sample(trace_hex, trace_flags, threshold, flagged_only):
    """FORMAT.md 4.4, written from the text: a trace is kept when its W3C sampled flag is set
    (with --sampled-only) and when R, the last 7 bytes of its id read as a big-endian integer,
    is at least the threshold (with --sample-traces)."""
    if flagged_only and not trace_flags & 1:
        return False
    if threshold is not None:
        r = int.from_bytes(bytes.fromhex(trace_hex)[9:16], "big")
        return r >= threshold
    return True


def main():
    args = sys.argv[1:]
    min_ops, max_gap_ms = 1, 50.0
    threshold, flagged_only = None, False
    if "--sample-traces" in args:
        i = args.index("--sample-traces")
        threshold = sample_threshold(float(args[i + 1]))
        del args[i:i + 2]
    if "--sampled-only" in args:
        args.remove("--sampled-only")
        flagged_only = True
    sampling = threshold is not None or flagged_only
    if "--min-ops" in args:
        i = args.index("--min-ops")
        min_ops = int(args[i + 1])
        del args[i:i + 2]
    if "--max-gap-ms" in args:
        i = args.index("--max-gap-ms")
        max_gap_ms = float(args[i + 1])
        del args[i:i + 2]
    cap_path, truth_path = args
    tap = Tap(max_detail=15)
    report = tap.report

    truth = [json.loads(line) for line in open(truth_path) if line.strip()]
    ops = [t for t in truth if t["type"] == "op" and t["syscall"] in NR]
    pid = next(t["pid"] for t in truth if t["type"] == "process")
    span_flags = {t["span_id"]: t["trace_flags"] for t in truth if t["type"] == "span"}
    kept_traces, left_out = set(), set()
    if sampling:
        for o in ops:
            if not o["trace_id"]:
                continue
            if in_sample(o["trace_id"], span_flags[o["span_id"]], threshold, flagged_only):
                kept_traces.add(o["trace_id"])
            else:
                left_out.add(o["trace_id"])
        ops = [o for o in ops if not o["trace_id"] or o["trace_id"] in kept_traces]
    seen_traces = set()      # trace ids of syscall and THREAD_CTX records
    sampling_items = []      # (threshold, mode) of each SECTION record

    # Matched streaming, as the records come: each thread's truth operations in order, the next
    # one matched by the first later record of its thread with the same syscall and result
    # (others are skipped). Only matched records are kept, so memory follows the truth log,
    # not the capture (a few hundred bytes per truth operation; the demo runs of the suites log
    # at most tens of thousands of them: well under 100 MB).
    want = {}
    for o in ops:
        want.setdefault(o["tid"], []).append(o)
    nxt = {tid: 0 for tid in want}
    matched = {tid: [] for tid in want}
    threads = set()
    sections = 0
    resolved_ts = None  # first PROCESS record of the service saying "resolved"
    publish_ts = []     # exits of its prctl(PR_SET_VMA) calls
    try:
        for ts, rtype, flags, body, items in records(cap_path):
            if rtype == REC_SECTION:
                major = struct.unpack_from("<H", body, 0)[0]
                if major != 1:
                    raise ValueError("format major %d" % major)
                sections += 1
                it = items.get(ITEM_SAMPLING)
                sampling_items.append(struct.unpack_from("<QB", it, 0) if it else None)
            elif rtype == REC_THREAD_CTX:
                if body[33] == 1:
                    seen_traces.add(body[8:24].hex())
            elif rtype == REC_PROCESS:
                ppid_, status = struct.unpack_from("<I", body, 0)[0], body[25]
                if ppid_ == pid and status == CTX_RESOLVED and resolved_ts is None:
                    resolved_ts = ts
            elif rtype == REC_SYSCALL:
                if len(body) < 104:
                    raise ValueError("syscall body of %d bytes" % len(body))
                dur, ret = struct.unpack_from("<Qq", body, 0)
                args6 = struct.unpack_from("<6Q", body, 16)
                tid, rpid, nr = struct.unpack_from("<IIH", body, 64)
                threads.add(tid)
                if flags & F_CTX:
                    seen_traces.add(body[80:96].hex())
                # The publication's prctl is the signal even when it fails (EINVAL on kernels
                # without CONFIG_ANON_VMA_NAME).
                if rpid == pid and nr == 157 and args6[0] == PR_SET_VMA:
                    publish_ts.append(ts + dur)
                i = nxt.get(tid)
                if i is None or i == len(want[tid]):
                    continue
                op = want[tid][i]
                if nr != NR[op["syscall"]] or ret != (-op["errno"] if op["errno"] else op["ret"]):
                    continue
                nxt[tid] = i + 1
                matched[tid].append({
                    "ts": ts, "ret": ret, "args": args6, "pid": rpid, "nr": nr,
                    "ctx": bool(flags & F_CTX), "ctx_fault": bool(flags & F_CTX_FAULT),
                    "arg_fault": bool(flags & F_ARG_FAULT),
                    "trace": body[80:96].hex(),
                    "span": body[96:104].hex(), "path": items.get(ITEM_PATH),
                    "sa": items.get(ITEM_SOCKADDR)})
    except (ValueError, struct.error, subprocess.CalledProcessError) as e:
        report(False, "the capture decodes per FORMAT.md", e)
        print("1..%d" % tap.n)
        return 1
    report(sections >= 1, "the capture decodes per FORMAT.md (%d section(s), %d threads)" %
           (sections, len(threads)))
    report(len(ops) >= min_ops, "the truth log holds at least %d operations (%d)" %
           (min_ops, len(ops)))

    report(resolved_ts is not None, "the capture resolved the service's context")
    if resolved_ts is None:
        resolved_ts = 1 << 63
    before = [t for t in publish_ts if t <= resolved_ts]
    gap_ms = (resolved_ts - before[-1]) / 1e6 if before else 0.0
    report(gap_ms <= max_gap_ms, "the context was resolved %.2f ms after the service published "
           "it (at most %g ms)" % (gap_ms, max_gap_ms))

    missing, wrong_ctx, wrong_data, in_span, out_span = [], [], [], 0, 0
    unresolved = faulted = arg_faulted = 0
    judged = set()  # traces with an operation whose record must carry the context
    for tid in sorted(want):
        if nxt[tid] < len(want[tid]):
            op = want[tid][nxt[tid]]
            missing.append("tid %d: %s = %d (at %d)" % (
                tid, op["syscall"], -op["errno"] if op["errno"] else op["ret"], op["start_ns"]))
        for op, r in zip(want[tid], matched[tid]):
            if op["trace_id"]:
                in_span += 1
                if not r["ctx"] and r["ts"] < resolved_ts:
                    unresolved += 1  # entered before the kernel knew where to look
                elif not r["ctx"] and r["ctx_fault"]:
                    faulted += 1  # the read failed and the record says so
                else:
                    judged.add(op["trace_id"])
                    if not r["ctx"] or r["trace"] != op["trace_id"] or \
                            r["span"] != op["span_id"]:
                        wrong_ctx.append("tid %d %s: want %s/%s, got %s %s/%s" % (
                            tid, op["syscall"], op["trace_id"], op["span_id"],
                            "ctx" if r["ctx"] else "no-ctx", r["trace"], r["span"]))
            else:
                out_span += 1
                if r["ctx"]:
                    wrong_ctx.append("tid %d %s outside any span carries %s/%s" % (
                        tid, op["syscall"], r["trace"], r["span"]))
            # execve runs in the forked child, whose pid is the tid the truth logs for it.
            want_pid = op["tid"] if op["syscall"] == "execve" else pid
            if r["pid"] != want_pid:
                wrong_data.append("tid %d %s: pid %d, want %d" % (tid, op["syscall"], r["pid"],
                                                                 want_pid))
            if op["syscall"] == "openat" and op["path"]:
                got = r["path"].decode("utf-8", "replace") if r["path"] is not None else None
                if got is None and r["arg_fault"]:
                    arg_faulted += 1  # read neither at entry nor at exit, and flagged so
                elif got is None or not got.endswith(op["path"]):
                    wrong_data.append("tid %d openat: path %r, want ...%s" % (tid, got,
                                                                            op["path"]))
            if op["syscall"] == "connect" and op["peer"]:
                got = fmt_sockaddr(r["sa"]) if r["sa"] else None
                if got != op["peer"]:
                    wrong_data.append("tid %d connect: peer %s, want %s" % (tid, got,
                                                                          op["peer"]))
            if op["syscall"] in ("read", "write", "pread64", "pwrite64", "sendto", "recvfrom") \
                    and op["count"] and r["args"][2] != op["count"]:
                wrong_data.append("tid %d %s: count %d, want %d" % (tid, op["syscall"],
                                                                   r["args"][2], op["count"]))
    report(not missing, "every truth operation appears, in order, in its thread's syscall "
           "records (%d operations)" % len(ops), "\n".join(missing))
    report(not wrong_ctx, "%d syscalls inside spans carry exactly their trace and span ids "
           "(%d more entered before the context was resolved, %d more are flagged as a failed "
           "context read; none carries a wrong context); %d outside spans carry none" %
           (in_span - unresolved - faulted, unresolved, faulted, out_span),
           "\n".join(wrong_ctx))
    report(not wrong_data, "paths, peers, byte counts and pids match the truth log (%d openat "
           "paths flagged as an argument the capture could not read)" % arg_faulted,
           "\n".join(wrong_data))
    if sampling:
        mode = (SAMPLING_FRACTION if threshold is not None else 0) | \
            (SAMPLING_FLAGGED if flagged_only else 0)
        want_item = (threshold or 0, mode)
        report(sampling_items and all(it == want_item for it in sampling_items),
               "every SECTION record states the sampling: threshold 0x%014x, mode %d" %
               want_item, "items: %r" % sampling_items)
        # A kept trace whose operations all ran before the context was resolved, or whose
        # context reads all failed (both allowed above), cannot show its id.
        leaked = seen_traces - kept_traces
        lost = judged - seen_traces
        report(not leaked and not lost and judged,
               "the capture's trace ids are exactly the %d traces the sampling rule keeps "
               "(of %d with syscalls in the truth log; %d more kept ones ran only before "
               "the context was resolved or with failed context reads)" %
               (len(judged), len(kept_traces) + len(left_out), len(kept_traces - judged)),
               "\n".join(["left out but recorded: %s%s" % (
                   t, " (unknown to the truth log)" if t not in left_out else "")
                   for t in sorted(leaked)] +
                   ["kept but missing: %s" % t for t in sorted(lost)]))
    elif sampling_items and any(sampling_items):
        report(False, "no SECTION record claims a sampling", "items: %r" % sampling_items)
    print("1..%d" % tap.n)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
