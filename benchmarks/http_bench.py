"""HTTP benchmark: the API and the web page served by a real local uvicorn server.

    uv run python -m benchmarks.http_bench [--store DIR] [--seeds DIR] [--repeat N]

Ingests the seed pages into a temporary store (or uses --store as it is), then measures on
the profile with the most papers:
  report_p50/p95_s     offline report over HTTP (format=json), the server's report cache OFF
                       (every request builds the report), sequential requests
  report_cached_p95_s  the same with the cache on (the default): repeat requests until a write
  search_p50/p95_ms    search with 10 concurrent clients, 20 queries each (paper titles)
  first_paint_s        first contentful paint of the profile page in headless Chromium
                       (/usr/bin/chromium), cold (cache off) and warm
Targets (issue 12): report p95 < 1 s, search p95 < 100 ms, first paint < 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from agent.settings import HttpSettings, Settings, default_seeds_dir
from agent.workspace import Workspace
from interface.http import create_app
from tests.http_server import serving

# Every report here is built: the store's report cache (agent.reporting.cache) is off.
os.environ.setdefault("PROFILE_AGENT_REPORT_CACHE", "0")

FAST = HttpSettings(rate_per_minute=1_000_000, rate_burst=100_000)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_report(base: str, ref: str, n: int) -> list[float]:
    with httpx.Client(base_url=base, timeout=120) as http:

        def one() -> None:
            http.get(f"/api/profiles/{ref}/report").raise_for_status()

        one()  # the first request also loads the analysis code
        return [timed(one) for _ in range(n)]


def bench_search(base: str, ref: str, queries: list[str]) -> list[float]:
    def client(offset: int) -> list[float]:
        with httpx.Client(base_url=base, timeout=60) as http:
            out = []
            for i in range(20):
                q = queries[(offset + i) % len(queries)]
                start = time.perf_counter()
                resp = http.get(f"/api/profiles/{ref}/search", params={"q": q, "k": 5})
                resp.raise_for_status()
                out.append(time.perf_counter() - start)
            return out

    with ThreadPoolExecutor(10) as pool:
        return [t for chunk in pool.map(client, range(0, 100, 10)) for t in chunk]


def first_paint(base: str, ref: str, chromium: str) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        page = browser.new_page()
        page.goto(f"{base}/p/{ref}", wait_until="load", timeout=300_000)
        fcp = page.evaluate(FCP_JS)
        browser.close()
    return float(fcp) / 1000


# First contentful paint, ms from navigation start; buffered, so an entry that came before this
# script ran still counts.
FCP_JS = """() => new Promise((resolve) => {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') resolve(e.startTime);
  }).observe({ type: 'paint', buffered: true });
  setTimeout(() => resolve(-1), 5000);
})"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, help="an existing store (default: ingest the seeds)")
    ap.add_argument("--seeds", type=Path, default=default_seeds_dir())
    ap.add_argument("--repeat", type=int, default=20, help="report requests")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if store is None:
            store = Path(tmp) / "store"
            ws = Workspace(Settings(store_dir=store, seeds_dir=args.seeds, chroma_host=None))
            paths = sorted(p for p in args.seeds.iterdir() if p.is_file())
            ws.ingest_many([p for path in paths for p in ws.parse(path)])
        settings = Settings(store_dir=store, chroma_host=None, http=FAST)
        ws = Workspace(settings)
        biggest = max(ws.profiles(), key=lambda r: (r.papers, r.id))
        queries = [p.title or (p.abstract or "")[:80] for p in ws.resolve(biggest.id).papers]
        print(f"profile {biggest.id}: {biggest.papers} papers, {biggest.chunks} chunks")
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        results: dict[str, float] = {}
        with serving(create_app(settings, report_cache=0)) as base:
            cold = bench_report(base, biggest.id, args.repeat)
            results["report_p50_s"] = statistics.median(cold)
            results["report_p95_s"] = pct(cold, 0.95)
            found = shutil.which(args.chromium) or args.chromium
            results["first_paint_cold_s"] = first_paint(base, biggest.id, found)
        with serving(create_app(settings)) as base:
            warm = bench_report(base, biggest.id, args.repeat)
            results["report_cached_p95_s"] = pct(warm, 0.95)
            searches = bench_search(base, biggest.id, queries)
            results["search_p50_ms"] = 1000 * statistics.median(searches)
            results["search_p95_ms"] = 1000 * pct(searches, 0.95)
            results["first_paint_warm_s"] = first_paint(base, biggest.id, found)
        for key, value in results.items():
            print(f"{key:22s} {value:.3f}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
