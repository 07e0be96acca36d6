#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Check that every document and repository path the project cites exists.

    check_doc_refs.py ROOT

Reads the comments of the sources under ROOT (*.c, *.h, *.sh, *.py with its docstrings, *.lua,
Makefile, *.mk) and the whole text of the Markdown files in docs/ and of the top-level and
samples/ READMEs, and finds:
  - Markdown documents, by path ("docs/STYLE.md", "formats/FORMAT.md") or by a name that only
    one file of the tree has ("FORMAT.md"); a path resolves from ROOT, or in a Markdown file
    from that file's folder;
  - the sections cited with them ("docs/STYLE.md section 5", "sections 2 and 3", "sections 3
    to 6", "FORMAT.md 5.10", "Section 4.3 of FORMAT.md"), which must be headings of that
    document ("## 3. ...", "### 5.10 ...");
  - other repository paths with an extension ("capture/resolver/elf_tls.c"; a glob such as
    "tests/fixtures/tlsfix_*.c" must match a file), build products (.o, .a, .so) excepted;
  - citations that leave the repository (an absolute path or ../ to a Markdown file).
Prints TAP: one line per document, section and path cited (naming where it is cited), and
exits 1 when one is missing.
"""
import glob
import os
import re
import subprocess
import sys

TOP_DIRS = "bpf|capture|analyze|formats|samples|tests|bench|dissector|man|docs"
NUM = r"\d+(?:\.\d+)*"
NUM_LIST = NUM + r"(?:\s*(?:,|and|to|-|–)\s*" + NUM + r")*"
MD_RE = re.compile(r"(?<![\w/.$}-])((?:[\w.-]+/)*[\w-][\w.-]*\.md)(?![\w/-])")
PATH_RE = re.compile(r"(?<![\w/.$}-])((?:" + TOP_DIRS + r")/[\w./*-]*[\w*/])")
OUTSIDE_RE = re.compile(r"(?:^|[\s(`'\"])((?:\.\./|/)[\w./-]*\.md)\b")
SECTION_AFTER = re.compile(r"['’]?s?,?\s*\(?(?:[Ss]ections?|§)\s+(" + NUM_LIST + ")")
DOTTED_AFTER = re.compile(r"\s+(\d+\.\d+(?:\.\d+)*(?:\s*(?:,|and|-)\s*" + NUM + r")*)")
SECTION_BEFORE = re.compile(r"[Ss]ections?\s+(" + NUM_LIST + r")\s+of\s+$")
HEADING = re.compile(r"^#{1,6}\s+(" + NUM + r")(?:[.\s]|$)")

results = []  # (ok, description, detail)


def tracked_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "--cached", "--others",
                              "--exclude-standard", "-z"], capture_output=True, check=True)
        names = [n for n in out.stdout.decode().split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for d, dirs, files in os.walk(root):
            dirs[:] = [x for x in dirs if x not in (".git", "build")]
            names += [os.path.relpath(os.path.join(d, f), root) for f in files]
    return sorted(n for n in names if os.path.exists(os.path.join(root, n)))


def c_comments(text):
    """Yields (line, text) for each line of C comments; strings and characters are skipped."""
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            yield line, text[i + 2:j]
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j
            for k, part in enumerate(text[i + 2:j].split("\n")):
                yield line + k, re.sub(r"^\s*\*(?!/)", "", part)
            line += text.count("\n", i, j)
            i = j + 2
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            if j < n and text[j] == "\n":
                i = j
        else:
            i += 1


def hash_comments(text, docstrings):
    """Yields (line, text) for '#' comments (a '#' starting the line or after a blank), and for
    Python docstrings when asked."""
    in_doc = None
    for no, raw in enumerate(text.split("\n"), 1):
        if docstrings:
            if in_doc:
                end = raw.find(in_doc)
                yield no, raw if end < 0 else raw[:end]
                if end >= 0:
                    in_doc = None
                continue
            m = re.match(r'\s*(?:[rRuU]?)("""|\'\'\')', raw)
            if m:
                rest = raw[m.end():]
                end = rest.find(m.group(1))
                yield no, rest if end < 0 else rest[:end]
                if end < 0:
                    in_doc = m.group(1)
                continue
        m = re.search(r"(?:^|\s)#(?!!)(.*)$", raw)
        if m:
            yield no, m.group(1)


def lua_comments(text):
    for no, raw in enumerate(text.split("\n"), 1):
        m = re.search(r"(?:^|\s)--(.*)$", raw)
        if m:
            yield no, m.group(1)


def blocks(lines):
    """Joins comment lines that follow each other into (first line, [(line, offset)], text)."""
    cur, start_no, prev = [], None, None
    for no, t in lines:
        if prev is not None and no != prev + 1 and no != prev:
            yield start_no, cur
            cur = []
        if not cur:
            start_no = no
        cur.append((no, t.strip()))
        prev = no
    if cur:
        yield start_no, cur


def scan_units(root, names):
    """Yields (file, joined text, function offset -> line) for every comment block or
    Markdown paragraph."""
    for name in names:
        base = os.path.basename(name)
        if name.endswith(".md"):
            if not (name.startswith("docs/") or name in ("README.md", "samples/README.md")):
                continue
            kind = "md"
        elif name.endswith((".c", ".h")):
            kind = "c"
        elif name.endswith((".sh", ".mk")) or base == "Makefile":
            kind = "hash"
        elif name.endswith(".py"):
            kind = "py"
        elif name.endswith(".lua"):
            kind = "lua"
        else:
            continue
        try:
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        if kind == "md":
            src = enumerate(text.split("\n"), 1)
            src = ((no, t) for no, t in src if t.strip() and not t.startswith("```"))
        elif kind == "c":
            src = c_comments(text)
        elif kind == "lua":
            src = lua_comments(text)
        else:
            src = hash_comments(text, kind == "py")
        for _, parts in blocks(src):
            joined, marks = "", []
            for no, t in parts:
                marks.append((len(joined), no))
                joined += t + " "

            def line_at(off, marks=marks):
                ln = marks[0][1]
                for o, no in marks:
                    if o > off:
                        break
                    ln = no
                return ln

            yield name, joined, line_at


def expand(numlist):
    out = []
    toks = re.findall(NUM + r"|to|-|–", numlist)
    i = 0
    while i < len(toks):
        t = toks[i]
        if i + 2 < len(toks) and toks[i + 1] in ("to", "-", "–") and t.isdigit() and \
                toks[i + 2].isdigit():
            out += [str(k) for k in range(int(t), int(toks[i + 2]) + 1)]
            i += 3
            continue
        if t not in ("to", "-", "–"):
            out.append(t)
        i += 1
    return out


def headings(path):
    found = set()
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            m = HEADING.match(raw)
            if m:
                found.add(m.group(1))
    return found


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    names = tracked_files(root)
    by_base = {}
    for n in names:
        by_base.setdefault(os.path.basename(n), []).append(n)
    cites = {}  # (key, kind) -> list of "file:line"

    def cite(key, where):
        cites.setdefault(key, []).append(where)

    for name, text, line_at in scan_units(root, names):
        here = os.path.dirname(name)
        for m in OUTSIDE_RE.finditer(text):
            cite(("outside", m.group(1), None), "%s:%d" % (name, line_at(m.start(1))))
        for m in MD_RE.finditer(text):
            ref, where = m.group(1), "%s:%d" % (name, line_at(m.start(1)))
            if "/" in ref:
                cands = [ref]
                if name.endswith(".md"):
                    cands.append(os.path.normpath(os.path.join(here, ref)))
                target = next((c for c in cands if os.path.isfile(os.path.join(root, c))),
                              None)
            else:
                same = by_base.get(ref, [])
                local = os.path.normpath(os.path.join(here, ref))
                if name.endswith(".md") and local in same:
                    same = [local]
                target = same[0] if len(same) == 1 else None
                if len(same) > 1:
                    cite(("ambiguous", ref, ", ".join(same)), where)
                    continue
            if target is None:
                cite(("missing", ref, None), where)
                continue
            cite(("doc", target, None), where)
            secs = []
            after = text[m.end():m.end() + 60]
            a = SECTION_AFTER.match(after) or DOTTED_AFTER.match(after)
            if a:
                secs += expand(a.group(1))
            b = SECTION_BEFORE.search(text[max(0, m.start() - 40):m.start()])
            if b:
                secs += expand(b.group(1))
            for s in secs:
                cite(("section", target, s), where)
        for m in PATH_RE.finditer(text):
            ref = m.group(1).rstrip(".")
            nxt = text[m.end():m.end() + 1]
            last = ref.rstrip("/").rsplit("/", 1)[-1]
            if ref.endswith(".md") or nxt == "<":
                continue
            if ref.endswith("/") or "." not in last or last.endswith((".o", ".a", ".so")):
                continue  # folders, programs, build products: not checked
            cite(("path", ref, None), "%s:%d" % (name, line_at(m.start(1))))

    heads = {}
    n_docs = 0
    for (kind, ref, extra), where in sorted(cites.items(), key=lambda kv: kv[0][:2] +
                                            (kv[0][2] or "",)):
        first = where[0] + ("" if len(where) == 1 else " and %d more" % (len(where) - 1))
        detail = "\n".join(where)
        if kind == "doc":
            n_docs += ref.startswith("docs/")
            results.append((True, "%s exists (cited at %s)" % (ref, first), detail))
        elif kind == "section":
            if ref not in heads:
                heads[ref] = headings(os.path.join(root, ref))
            ok = extra in heads[ref]
            results.append((ok, "%s has a section %s (cited at %s)" % (ref, extra, first),
                            detail if ok else "headings numbered: " +
                            " ".join(sorted(heads[ref])) + "\n" + detail))
        elif kind == "missing":
            results.append((False, "%s exists (cited at %s)" % (ref, first), detail))
        elif kind == "ambiguous":
            results.append((False, "%s names one file (cited at %s)" % (ref, first),
                            "files of that name: " + extra + "\n" + detail))
        elif kind == "outside":
            results.append((False, "%s is inside the repository (cited at %s)" % (ref, first),
                            detail))
        elif kind == "path":
            if "*" in ref:
                ok = bool(glob.glob(os.path.join(root, ref)))
            else:
                ok = os.path.exists(os.path.join(root, ref))
            results.append((ok, "%s exists (cited at %s)" % (ref, first), detail))
    results.insert(0, (n_docs > 0, "the scan finds citations of docs/", ""))

    failed = 0
    for i, (ok, desc, detail) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, desc))
        if not ok:
            failed += 1
            for d in detail.split("\n"):
                print("#   " + d)
    print("1..%d" % len(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
