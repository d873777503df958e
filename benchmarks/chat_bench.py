"""Chat benchmark: offline answer latency with a warm store, over the chat suite's questions
(evals/chat_cases), and the abstention trade-off of the support bar.

    uv run python -m benchmarks.chat_bench [--store DIR] [--repeat N] [--sweep]

The store is the given one (ingested if needed) or a fresh temporary one with the seeds. "Warm"
means each profile's chat context (evidence, identities, keyword index) is built once before
timing, as in a REPL or an API process; every question then starts a fresh session (follow-ups
join their question's session).

Printed: per-answer latency p50 / p95 / max over all questions and repeats, by route; with
``--sweep``, the suite's abstention accuracy and required-citation recall for other values of
the support bar (offline.MIN_COVERAGE), which is how the bar was calibrated.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from agent.chat import offline
from agent.settings import Settings, default_seeds_dir
from agent.workspace import Workspace
from evals.chat import gate_chat, load_chat_suite, run_chat_suite


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, default=default_seeds_dir())
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sweep", action="store_true", help="also sweep the support bar")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or Path(tmp) / "store"
        ws = Workspace(Settings(store_dir=store, seeds_dir=args.seeds, chroma_host=None))
        cases = load_chat_suite()
        refs = {}
        for case in cases:
            [profile] = ws.parse(args.seeds / case.seed)
            ws.ingest_many([profile])
            refs[case.id] = profile.id
            ws.chat_context(profile.id)  # warm
        times: dict[str, list[float]] = defaultdict(list)
        for r in range(args.repeat):
            for case in cases:
                sessions: dict[str, str] = {}
                for i, q in enumerate(case.questions):
                    sid = sessions[q.after] if q.after else f"bench-{r}-{case.id}-{i}"
                    sessions[q.id] = sid
                    t0 = time.perf_counter()
                    answer = ws.ask(refs[case.id], q.ask, identity_id=q.identity, session_id=sid)
                    times[answer.route].append(time.perf_counter() - t0)
        every = [t for ts in times.values() for t in ts]
        print(f"answers: {len(every)} ({len(every) // args.repeat} questions x {args.repeat})")
        print(
            f"latency s: p50 {statistics.median(every):.3f}  p95 {_pct(every, 0.95):.3f}  "
            f"max {max(every):.3f}"
        )
        for route, ts in sorted(times.items()):
            print(
                f"  {route:10s} n={len(ts):3d}  p50 {statistics.median(ts):.3f}  "
                f"p95 {_pct(ts, 0.95):.3f}"
            )
        if args.sweep:
            keep = offline.MIN_COVERAGE
            for bar in (0.3, 0.4, 0.5, 0.6, 0.7):
                offline.MIN_COVERAGE = bar
                res = gate_chat(run_chat_suite(ws, cases))
                o = res.overall
                print(
                    f"MIN_COVERAGE {bar:.1f}: abstention {o['chat.abstention_accuracy']:.3f}  "
                    f"required_recall {o.get('chat.required_recall', 0):.3f}  "
                    f"precision {o.get('chat.citation_precision', 0):.3f}"
                )
            offline.MIN_COVERAGE = keep


if __name__ == "__main__":
    main()
