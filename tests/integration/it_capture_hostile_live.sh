#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# spancap against hostile processes that race it (it_capture_hostile.sh covers the static broken
# records): spancap-hostile-writer --swap (the TLS pointer cycling through two good records and
# five bad pointers, a syscall under each), --churn (threads that attach a context on their
# stack, make a few syscalls and exit with it attached, 8 at a time) and --pctx-rewrite (the
# OTEP 4719 context republished in a loop), in one process; then the same writer executed from
# copies of its binary with a corrupted ELF (section headers overwritten, section headers past
# the end of the file, otel_thread_ctx_v1 outside the TLS segment in .symtab, an absurd symbol
# size, a PT_TLS whose file offset is past the end of the file).
#
# spancap must exit cleanly with an END record, count the failed context reads, and record no
# context the writer did not publish (its truth log lists each one), nor a process context mixing
# two publications. Prints TAP.
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/suite_lib.sh"
suite_tmpdir
writer="$BUILD/samples/spancap-hostile-writer"

# Each racing loop of the writer stops after HOSTILE_OPS operations (getppid calls, threads,
# publications) if the 3 s hold has not ended it first, so that a faster machine records no more.
OPS=${HOSTILE_OPS:-100000}

# run NAME EXE ARGS...: capture EXE ARGS under spancap; the writer holds ~3 s (stdin open).
run() {
	local name=$1
	shift
	mkfifo "$tmp/$name.ctl"
	"$BUILD/spancap" -w "$tmp/$name.pcapng.zst" -- "$@" --duration 20 --max-ops "$OPS" \
		--truth "$tmp/$name.truth" <"$tmp/$name.ctl" >"$tmp/$name.out" 2>&1 &
	local cap=$!
	exec 7>"$tmp/$name.ctl"
	sleep 3
	exec 7>&-
	wait "$cap"
	echo $? >"$tmp/$name.rc"
}

run races "$writer" --swap --churn --pctx-rewrite

# Corrupted copies of the writer: the loader ignores section headers and the symbol tables of an
# executable's own TLS variable, so each still runs; the resolver must not believe them.
python3 - "$writer" "$tmp" <<'PY'
import random, struct, sys
src, out = sys.argv[1], sys.argv[2]
img = bytearray(open(src, 'rb').read())
shoff, = struct.unpack_from('<Q', img, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', img, 0x3a)

def sections(b):
    secs = []
    for i in range(shnum):
        o = shoff + i * shentsize
        name, stype, flags, addr, off, size, link, info, align, entsize = \
            struct.unpack_from('<IIQQQQIIQQ', b, o)
        secs.append((stype, off, size, link, entsize))
    return secs

def patch_symbol(b, types, fn):
    secs = sections(b)
    for stype, off, size, link, entsize in secs:
        if stype not in types or entsize != 24:
            continue
        stroff = secs[link][1]
        for k in range(size // 24):
            so = off + 24 * k
            name = struct.unpack_from('<I', b, so)[0]
            end = b.index(0, stroff + name)
            if b[stroff + name:end] == b'otel_thread_ctx_v1':
                fn(b, so)

variants = {}
b = bytearray(img)
rnd = random.Random(4947)
for i in range(shoff, shoff + shnum * shentsize):
    b[i] = rnd.randrange(256)
variants['shdrs-garbage'] = b
b = bytearray(img)
struct.pack_into('<Q', b, 0x28, len(b) + 4096)
struct.pack_into('<HH', b, 0x3c, 0xffff, 0xfffe)
variants['shdrs-past-eof'] = b
# .symtab only: the executable's TPOFF64 relocation goes through .dynsym, which the loader uses.
b = bytearray(img)
patch_symbol(b, (2,), lambda b, so: struct.pack_into('<Q', b, so + 8, 0x7ffff000))
variants['symtab-outside-tls'] = b
b = bytearray(img)
patch_symbol(b, (2, 11), lambda b, so: struct.pack_into('<Q', b, so + 16, 1 << 40))
variants['sym-huge-size'] = b
# PT_TLS with a file offset past the end: ld.so copies the TLS image from p_vaddr, not p_offset.
b = bytearray(img)
phoff, = struct.unpack_from('<Q', b, 0x20)
phentsize, phnum = struct.unpack_from('<HH', b, 0x36)
for i in range(phnum):
    if struct.unpack_from('<I', b, phoff + i * phentsize)[0] == 7:  # PT_TLS
        struct.pack_into('<Q', b, phoff + i * phentsize + 8, len(b) + (1 << 20))
variants['tls-offset-past-eof'] = b
for name, b in variants.items():
    if b == img:
        sys.exit('corruption %s changed nothing' % name)
    open('%s/%s' % (out, name), 'wb').write(b)
PY
elfs="shdrs-garbage shdrs-past-eof symtab-outside-tls sym-huge-size tls-offset-past-eof"
for v in $elfs; do
	chmod 0755 "$tmp/$v"
	run "$v" "$tmp/$v" --swap
done

# The check streams each capture and keeps per-case counters, the PROCESS records read (at most
# one per publication: --max-ops) and wrong contexts: 36 MB peak for the suite (2026-12-06).
python3 - "$tmp" "$here" $elfs <<'PY'
import json
import struct
import sys

tmp, here = sys.argv[1:3]
elfs = sys.argv[3:]
sys.path.insert(0, here)
from tap_report import Tap
import check_capture_truth as capture_file  # the independent FORMAT.md decoder

F_CTX, F_CTX_FAULT = 0x1, 0x10
tap = Tap()
report = tap.report


def attrs(b):
    out = {}
    o = 0
    while o + 6 <= len(b):
        t, _r, kl, vl = struct.unpack_from("<BBHH", b, o)
        key = b[o + 6:o + 6 + kl].decode("utf-8", "replace")
        val = b[o + 6 + kl:o + 6 + kl + vl]
        out[key] = struct.unpack("<q", val)[0] if t == 3 and vl == 8 else \
            val.decode("utf-8", "replace") if t == 1 else val
        o += 6 + kl + vl
    return out


def load(name):
    """Returns (rc, output, truth lines, facts of the capture) for one run."""
    rc = open("%s/%s.rc" % (tmp, name)).read().strip()
    out = open("%s/%s.out" % (tmp, name)).read()
    truth = [json.loads(l) for l in open("%s/%s.truth" % (tmp, name))]
    pid = next((t["pid"] for t in truth if t["type"] == "ready"), None)
    published = {(t["trace"], t["span"]) for t in truth if t["type"] == "published"}
    cases = {t["tid"]: t["case"] for t in truth if t["type"] == "thread"}
    f = {"end": None, "sys": 0, "ctx": {}, "wrong": [], "fault": 0, "procs": [],
         "by_case": {}}
    for ts, rtype, flags, body, items in capture_file.records(
            "%s/%s.pcapng.zst" % (tmp, name)):
        if rtype == 9:
            cnt = items.get(23, b"")
            f["end"] = {}
            for o in range(0, len(cnt), 16):  # per-CPU entries: summed by id
                cid, _cpu, v = struct.unpack_from("<IIQ", cnt, o)
                f["end"][cid] = f["end"].get(cid, 0) + v
        elif rtype == 2 and struct.unpack_from("<I", body, 0)[0] == pid:
            f["procs"].append((body[25], attrs(items.get(10, b"")),
                               items.get(14, b"").decode("utf-8", "replace")))
        elif rtype == 6 and struct.unpack_from("<I", body, 68)[0] == pid:
            tid = struct.unpack_from("<I", body, 64)[0]
            case = cases.get(tid, "churn")
            c = f["by_case"].setdefault(case, {"sys": 0, "ctx": set(), "fault": 0, "nctx": 0})
            c["sys"] += 1
            f["sys"] += 1
            if flags & F_CTX_FAULT:
                c["fault"] += 1
                f["fault"] += 1
            if flags & F_CTX:
                ids = (body[80:96].hex(), body[96:104].hex())
                c["nctx"] += 1
                c["ctx"].add(ids)
                if ids not in published:
                    f["wrong"].append("tid %d (%s): %s/%s" % ((tid, case) + ids))
    return rc, out, truth, published, f


rc, out, truth, published, f = load("races")
report(rc == "0" and f["end"] is not None,
       "races: spancap exits 0 with an END record", out[-600:])
report(not f["wrong"], "races: every recorded context is one the writer published (%d published, "
       "%d syscalls of the process)" % (len(published), f["sys"]), "\n".join(f["wrong"]))
sw = f["by_case"].get("swap", {"sys": 0, "ctx": set(), "fault": 0, "nctx": 0})
report(len(sw["ctx"]) == 2 and sw["fault"] > 0 and sw["nctx"] < sw["sys"],
       "swap: %d syscalls, %d with context A or B (%d distinct), %d flagged as failed reads" %
       (sw["sys"], sw["nctx"], len(sw["ctx"]), sw["fault"]))
ch = f["by_case"].get("churn", {"sys": 0, "ctx": set(), "nctx": 0})
nthreads = sum(1 for t in truth if t["type"] == "published") - 2
report(len(ch["ctx"]) > 0, "churn: %d short-lived threads published, %d of their contexts "
       "recorded (%d syscalls with one)" % (nthreads, len(ch["ctx"]), ch["nctx"]))
end = f["end"] or {}
report(end.get(5, 0) > 0 and end.get(5, 0) >= f["fault"],
       "races: END counts the context read faults (%s; %d flagged syscalls)" %
       (end.get(5), f["fault"]))
pubs = next((t["publications"] for t in truth if t["type"] == "pctx"), 0)
gens, torn = [], []
for status, res, reason in f["procs"]:
    if "hostile.generation" not in res:
        continue
    g = res["hostile.generation"]
    gens.append(g)
    want = "g%d-%s" % (g, "x" * (g % 200))
    if res.get("hostile.check") != want or res.get("service.name") != \
            "spancap-hostile-writer" or not 0 < g <= pubs:
        torn.append("%r" % res)
report(gens and not torn,
       "pctx-rewrite: %d publications, %d read by spancap (generations %s..%s), none torn" %
       (pubs, len(gens), min(gens or [0]), max(gens or [0])), "\n".join(torn))

for v in elfs:
    rc, out, truth, published, f = load(v)
    sw = f["by_case"].get("swap", {"sys": 0, "ctx": set(), "nctx": 0})
    statuses = sorted({"%d:%s" % (s, r[:70]) for s, _a, r in f["procs"]})
    report(rc == "0" and f["end"] is not None and sw["sys"] > 0 and not f["wrong"],
           "malformed ELF %s: spancap exits 0 with an END, %d syscalls, %d with a published "
           "context, none other (ctx status: %s)" % (v, sw["sys"], sw["nctx"],
                                                     "; ".join(statuses)),
           out[-600:] + "\n".join(f["wrong"]))
print("1..%d" % tap.n)
sys.exit(1 if tap.failed else 0)
PY
