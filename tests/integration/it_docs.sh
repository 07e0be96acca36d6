#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The documents the project cites exist: check_doc_refs.py reads the comments of the sources
# (C, shell, Python, Lua, Makefile) and the Markdown of docs/ and the READMEs, and fails for a
# cited document, section or repository path that is missing, or a citation that leaves the
# repository. First it is run on two small trees made here, one whose citations hold and one
# with a missing document, a missing section and a path outside the repository, so that a
# checker that stopped finding citations would fail this suite too. Prints TAP. Usage:
# it_docs.sh [BUILD_DIR] (the build is not used).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CHECK=$here/check_doc_refs.py
. "$here/suite_lib.sh"
TAP_DETAIL_LINES=40
suite_tmpdir
need_commands python3

# A tree whose citations hold.
good=$tmp/good
mkdir -p "$good/docs" "$good/capture"
printf '# A\n\n## 1. One\n\n### 1.2 One two\n' >"$good/docs/A.md"
printf '/* See docs/A.md section 1 and docs/A.md 1.2; capture/x.c is this file. */\n' \
	>"$good/capture/x.c"
if python3 "$CHECK" "$good" >"$tmp/good.out" 2>&1 && grep -q '^ok .* docs/A.md has a section 1.2' \
	"$tmp/good.out"; then
	ok "a tree whose citations hold passes, its sections found"
else
	not_ok "a tree whose citations hold passes, its sections found" "$tmp/good.out"
fi

# The same tree, broken three ways.
bad=$tmp/bad
cp -r "$good" "$bad"
printf '# See docs/A.md section 3, docs/B.md and /elsewhere/docs/C.md.\n' >"$bad/capture/y.sh"
python3 "$CHECK" "$bad" >"$tmp/bad.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] &&
	grep -q '^not ok .* docs/A.md has a section 3 (cited at capture/y.sh:1)' "$tmp/bad.out" &&
	grep -q '^not ok .* docs/B.md exists (cited at capture/y.sh:1)' "$tmp/bad.out" &&
	grep -q '^not ok .* /elsewhere/docs/C.md is inside the repository' "$tmp/bad.out"; then
	ok "a missing document, a missing section and an outside path each fail"
else
	not_ok "a missing document, a missing section and an outside path each fail" \
		"exit $rc; $(cat "$tmp/bad.out")"
fi

# The repository itself.
tap_from "" python3 "$CHECK" "$root"
tap_end
