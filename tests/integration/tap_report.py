# SPDX-License-Identifier: BSD-2-Clause
"""TAP lines for the integration checkers (check_*.py and the Python parts of it_*.sh)."""


class Tap:
    """Numbered TAP lines: report() prints "ok N - DESC" or "not ok N - DESC" and, for a
    failure, the first max_detail lines of DETAIL (an iterable of lines, or a string or an
    exception split into lines) as "#   " comments. n counts the tests, failed the failures."""

    def __init__(self, max_detail=10):
        self.n = 0
        self.failed = 0
        self.max_detail = max_detail

    def report(self, ok, desc, detail=()):
        self.n += 1
        print(("ok %d - %s" if ok else "not ok %d - %s") % (self.n, desc))
        if not ok:
            self.failed += 1
            if isinstance(detail, str) or not hasattr(detail, "__iter__"):
                lines = str(detail).splitlines()
            else:
                lines = [str(line) for line in detail]
            for line in lines[:self.max_detail]:
                print("#   " + line)
