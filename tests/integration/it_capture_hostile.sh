#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# spancap against spancap-hostile-writer, whose threads publish broken OTEP 4947 records (a TLS
# pointer to an unmapped page, a valid flag flipping as fast as it can, attrs_data_size 65535,
# attributes or header running into a PROT_NONE page, an odd record address). spancap must keep
# running and exit cleanly, count the failed reads, and never record anything but the one
# context the writer really publishes, and that one only where it is readable. Prints TAP.
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/suite_lib.sh"
suite_tmpdir

mkfifo "$tmp/ctl"
"$BUILD/spancap" -w "$tmp/cap.pcapng.zst" -- "$BUILD/samples/spancap-hostile-writer" --all \
	--duration 3 --truth "$tmp/truth.jsonl" <"$tmp/ctl" >"$tmp/out" 2>&1 &
cap=$!
exec 7>"$tmp/ctl"
sleep 2
exec 7>&- # EOF on stdin: the writer's threads stop holding and it exits
wait "$cap"
rc=$?

python3 - "$rc" "$tmp/cap.pcapng.zst" "$tmp/truth.jsonl" "$tmp/out" "$here" <<'PY'
import json
import struct
import sys

rc, cap, truth_path, out_path, here = sys.argv[1:6]
sys.path.insert(0, here)
from tap_report import Tap
import check_capture_truth as capture_file  # the independent FORMAT.md decoder

TRACE = bytes([0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
               0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36]).hex()
SPAN = bytes([0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]).hex()
F_CTX, F_CTX_FAULT = 0x1, 0x10
tap = Tap()
report = tap.report


out = open(out_path).read()
report(rc == "0", "spancap exits 0 after the hostile writer exits", out[-500:])
cases = {}
try:
    for line in open(truth_path):
        t = json.loads(line)
        if t["type"] == "thread":
            cases[t["tid"]] = t["case"]
except (OSError, ValueError) as e:
    report(False, "the hostile writer logged its threads", e)
report(len(cases) == 6, "the hostile writer ran its 6 cases (%s)" % ", ".join(sorted(cases.values())))

per_case = {c: {"syscalls": 0, "ctx": 0, "fault": 0, "wrong": []} for c in cases.values()}
ctx_records = {}
end_seen = False
for ts, rtype, flags, body, items in capture_file.records(cap):
    if rtype == 9:
        end_seen = True
    if rtype == 5:
        pid, tid = struct.unpack_from("<II", body, 0)
        if tid in cases:
            ctx_records.setdefault(cases[tid], []).append(
                (flags, body[33], struct.unpack_from("<H", body, 34)[0], len(items.get(21, b""))))
    if rtype != 6:
        continue
    tid = struct.unpack_from("<I", body, 64)[0]
    if tid not in cases:
        continue
    c = per_case[cases[tid]]
    c["syscalls"] += 1
    c["fault"] += bool(flags & F_CTX_FAULT)
    if flags & F_CTX:
        c["ctx"] += 1
        ids = (body[80:96].hex(), body[96:104].hex())
        if ids != (TRACE, SPAN):
            c["wrong"].append("%s/%s" % ids)

report(end_seen, "the capture ends with an END record (clean stop)")
wrong = ["%s: %s" % (k, w) for k, v in per_case.items() for w in v["wrong"]]
report(not wrong, "no syscall of any hostile thread carries a context other than the one "
       "published", "\n".join(wrong))
for case in ("garbage", "cross-header"):
    c = per_case.get(case, {"syscalls": 0, "ctx": 0, "fault": 0})
    report(c["syscalls"] > 0 and c["ctx"] == 0 and c["fault"] > 0,
           "%s: %d syscalls, none with a context, %d flagged as a failed context read" %
           (case, c["syscalls"], c["fault"]))
c = per_case.get("misaligned", {"syscalls": 0, "ctx": 0})
report(c["syscalls"] > 0 and c["ctx"] == 0,
       "misaligned: an odd record address is not a context (%d syscalls, %d with one)" %
       (c["syscalls"], c["ctx"]))
for case in ("oversize", "cross-attrs", "toggle"):
    c = per_case.get(case, {"syscalls": 0, "ctx": 0})
    report(c["syscalls"] > 0 and (c["ctx"] > 0 or case == "toggle"),
           "%s: %d syscalls, %d with the published context" % (case, c["syscalls"], c["ctx"]))
over = ctx_records.get("oversize", [])
report(any(f & 1 and size == 65535 and n_raw <= 612 for f, valid, size, n_raw in over),
       "oversize: its context record says attrs_data_size 65535, keeps at most 612 bytes and is "
       "flagged truncated", over)
cross = ctx_records.get("cross-attrs", [])
report(all(n_raw == 0 for _f, _v, _s, n_raw in cross) and cross,
       "cross-attrs: the header is recorded, the unreadable attributes are not", cross)
print("1..%d" % tap.n)
sys.exit(1 if tap.failed else 0)
PY
