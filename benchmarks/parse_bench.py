"""Parse benchmark: seconds to read each dev page (file to Profile: HTML render, general reader,
owner, coverage check), median of N runs, wall clock and this process's CPU time (the CPU time
is what to compare on a shared, loaded machine). Target: the 73-paper HTML page (shubham-tulsiani) < 1 s.

    uv run python -m benchmarks.parse_bench [--pages DIR] [--repeat N] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from agent.settings import default_seeds_dir
from retrieval.parse import load_profiles

TARGET_S = 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--pages", type=Path, default=default_seeds_dir().parent / "dev-pages")
    ap.add_argument("--repeat", type=int, default=5, help="runs per page (median kept)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args()
    rows = []
    for page_dir in sorted(p for p in args.pages.iterdir() if p.is_dir()):
        page = next(iter(sorted(page_dir.glob("page.*"))), None)
        if page is None:
            continue
        runs, cpu = [], []
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            profile = load_profiles(page, allow_partial=True)[0]
            runs.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        rows.append(
            {
                "page": page_dir.name,
                "bytes": page.stat().st_size,
                "papers": len(profile.papers),
                "median_s": round(statistics.median(runs), 4),
                "max_s": round(max(runs), 4),
                "cpu_s": round(statistics.median(cpu), 4),
            }
        )
    slowest = max(rows, key=lambda r: r["median_s"])
    biggest = max(rows, key=lambda r: r["papers"])
    summary = {
        "pages": rows,
        "largest_page": biggest["page"],
        "largest_page_s": biggest["median_s"],
        "slowest_page": slowest["page"],
        "slowest_s": slowest["median_s"],
        "target_s": TARGET_S,
        "meets_target": slowest["median_s"] < TARGET_S,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"{'page':24s} {'bytes':>8s} {'papers':>6s} {'median s':>9s} {'max s':>7s} {'cpu s':>7s}")
    for r in rows:
        print(
            f"{r['page']:24s} {r['bytes']:8d} {r['papers']:6d} {r['median_s']:9.4f} "
            f"{r['max_s']:7.4f} {r['cpu_s']:7.4f}"
        )
    print(
        f"largest page {biggest['page']} ({biggest['papers']} papers): {biggest['median_s']:.3f} s; "
        f"slowest {slowest['page']}: {slowest['median_s']:.3f} s (target < {TARGET_S:g} s)"
    )


if __name__ == "__main__":
    main()
