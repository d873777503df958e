"""Identity clustering at scale: a synthetic 2,000-paper profile built by repeating the seed
papers with perturbed co-authors, clustered in one run; prints seconds and peak memory.

    uv run python -m benchmarks.identity_bench [--papers 2000] [--seeds DIR]

The seed pages are parsed and embedded once (that is ingest's job, not clustering's); each
copy of a paper keeps its text vector plus a little noise, and its co-authors are perturbed:
each non-owner author is kept with probability 0.6 and otherwise replaced by a fresh name
(one shared by a few copies), so co-author links are as sparse and noisy as on real pages.
Target: clustering (category prediction included) in under 60 s on this 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from agent.analysis.evidence import Evidence, PaperEvidence
from agent.analysis.topics import analyse
from agent.identities.clustering import assign_identities
from agent.settings import Settings, default_seeds_dir
from agent.workspace import Workspace
from retrieval.models import Profile


def synthetic(ws: Workspace, paths: list[Path], n: int, seed: int = 7) -> Evidence:
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    profiles = [p for path in paths for p in ws.parse(path)]
    ws.ingest_many(profiles)
    vectors = ws.store.paper_vectors([p.id for p in profiles])
    base = [(prof, paper) for prof in profiles for paper in prof.papers]
    owner = "Sam Lee"
    papers: list[PaperEvidence] = []
    for i in range(n):
        prof, paper = base[i % len(base)]
        authors = [
            owner
            if a == prof.name
            else (a if rng.random() < 0.6 else f"Coauthor {rng.randrange(n // 3)}")
            for a in paper.authors
        ]
        vec = vectors[(prof.id, paper.id)] + noise.normal(0, 0.02, 384).astype(np.float32)
        copy = paper.model_copy(
            update={"id": f"s{i}", "position": i + 1, "authors": authors, "identity_id": None}
        )
        papers.append(
            PaperEvidence(
                copy,
                "synthetic",
                paper.text(),
                vec / np.linalg.norm(vec),
                profile_name=owner,
                abstract=paper.abstract or "",
            )
        )
    profile = Profile(
        id="synthetic", name=owner, source_format="json", papers=[p.paper for p in papers]
    )
    return Evidence(profile, papers)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=2000)
    ap.add_argument("--seeds", type=Path, default=default_seeds_dir())
    args = ap.parse_args()
    paths = sorted(p for p in args.seeds.iterdir() if p.is_file())
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Settings(store_dir=Path(tmp) / "store", seeds_dir=args.seeds))
        evidence = synthetic(ws, paths, args.papers)
        ws.embedder.embed(["warm up"])  # weights loaded outside the timed section

        tracemalloc.start()
        t0 = time.perf_counter()
        analysis = analyse(evidence, ws.embedder)
        t1 = time.perf_counter()
        result = assign_identities(evidence, analysis.topics.per_paper, None, analysis.topics_of)
        t2 = time.perf_counter()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sizes = sorted((len(i.papers) for i in result.identities), reverse=True)
    print(f"papers                 = {args.papers}")
    print(f"analysis_s             = {t1 - t0:.2f}  (categories + keyphrases)")
    print(f"clustering_s           = {t2 - t1:.2f}")
    print(f"total_s                = {t2 - t0:.2f}  (target < 60)")
    print(f"peak_traced_mb         = {peak / 2**20:.1f}  (Python allocations during the run)")
    print(f"max_rss_mb             = {rss_mb:.0f}  (whole process, encoder weights included)")
    print(f"identities             = {len(result.identities)}  largest: {sizes[:8]}")
    print(f"mixed                  = {result.mixed}  people >= {result.people}")


if __name__ == "__main__":
    main()
