#!/usr/bin/env python3
"""Latency ratios of two configurations run in the same passes, with bootstrap intervals.

usage: paired_ratio.py BASE_PREFIX COND_PREFIX PASSES

BASE_PREFIX.N and COND_PREFIX.N (N = 1..PASSES) hold one request latency per line, of pass N
of each configuration (the passes interleave the two). Prints one line:

  pooled_p50 lo hi pooled_p99 lo hi median_p99 lo hi passes

pooled_pQ: the Q quantile of every request of the condition's passes over the base's;
median_p99: the median over passes of the per-pass p99 ratio, the estimate least moved by a
pass the host disturbed in one configuration only. lo and hi bound a 90% interval from 2000
draws of the passes with replacement (the same draw for both configurations, so a disturbed
host moves both). A pass missing in either configuration is left out. Quantiles are the
nearest rank, as latency_of() in run_bench.sh takes them.
"""
import random
import sys


def quantile(sorted_values, q):
    n = len(sorted_values)
    i = int(n * q + 0.5)
    return sorted_values[max(1, min(n, i)) - 1]


def load(path):
    try:
        with open(path) as f:
            v = sorted(float(x) for x in f if x.strip())
    except OSError:
        return None
    return v or None


def estimates(base, cond, passes):
    pb = sorted(x for p in passes for x in base[p])
    pc = sorted(x for p in passes for x in cond[p])
    per = sorted(quantile(cond[p], 0.99) / quantile(base[p], 0.99) for p in passes)
    mid = len(per) // 2
    median = per[mid] if len(per) % 2 else (per[mid - 1] + per[mid]) / 2
    return (quantile(pc, 0.50) / quantile(pb, 0.50), quantile(pc, 0.99) / quantile(pb, 0.99),
            median)


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    base_prefix, cond_prefix, n = argv[1], argv[2], int(argv[3])
    base, cond = {}, {}
    for p in range(1, n + 1):
        b, c = load("%s.%d" % (base_prefix, p)), load("%s.%d" % (cond_prefix, p))
        if b and c:
            base[p], cond[p] = b, c
    passes = sorted(base)
    if not passes:
        print("n/a")
        return 1
    point = estimates(base, cond, passes)
    rng = random.Random(1)
    draws = [estimates(base, cond, [rng.choice(passes) for _ in passes]) for _ in range(2000)]
    out = []
    for i, value in enumerate(point):
        v = sorted(d[i] for d in draws)
        out += [value, v[int(0.05 * len(v))], v[int(0.95 * len(v)) - 1]]
    print(" ".join("%.3f" % x for x in out), len(passes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
