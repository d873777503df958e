"""Scale benchmark: a synthetic store of N papers over M profiles, embedded and server mode.

    uv run python -m benchmarks.scale_bench [--papers 100000] [--profiles 2000] [--mode both]

Generates papers deterministically (seeded): one profile of ``--big`` papers (2,000) and the
rest spread evenly over the other profiles, each paper one chunk; every other profile gives an
arXiv code per paper (four fields in turn), the big one on every other paper. The vectors are
PRECOMPUTED synthetic ones (a unit centroid per profile plus noise, normalised), not encoder outputs: at
100k papers the encoder would dominate the run, so it is timed separately on a sample of the
same synthetic abstracts and the time it would add is extrapolated (`encoder`).

For each store, (a) the embedded persistent Chroma and (b) a Chroma server the benchmark starts
itself (`chroma run` on a free loopback port, stopped at the end), it reports: ingest throughput
through ``VectorStore.add_chunks``/``put_profile`` (the calls `ingest` makes), RSS at 25/50/75/
100% of the papers (streamed: a batch of chunks is generated, written, dropped), search latency
p50/p95 of ``VectorStore.query`` with the profile filter that `search` uses, with and without
the identity filter (and on the big profile, whose chunks are more than ``VectorStore.query``
ranks exactly, so the index answers), and the latency of an offline report (`summarize`) of the
big profile, built (the store's report cache is off), with ``--phases`` also its steps one by
one (evidence, topics, identities, novelty). The papers skip `ingest`'s encoder and identity
steps; what the identity step does for every page it writes, bringing the reference index
(``agent.analysis.reference``: other profiles' papers and phrase counts, kept beside the
store) in step, is run once after the papers are in and timed on its own (`reference_index`;
it includes the per-paper text analysis, quarantine and candidate phrases, that ingest does).
The report is then what a user gets after `ingest`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from agent.settings import Settings
from agent.workspace import Workspace
from retrieval.embed_local import MiniLMEncoder
from retrieval.models import Chunk, Paper, Profile
from retrieval.store import VectorStore

# Every report here is built: the store's report cache (agent.reporting.cache) is off.
os.environ.setdefault("PROFILE_AGENT_REPORT_CACHE", "0")

DIM = 384
_TOPICS = [
    "graph",
    "neural",
    "network",
    "quantum",
    "circuit",
    "sparse",
    "attention",
    "robust",
    "control",
    "spectral",
    "clustering",
    "federated",
    "learning",
    "causal",
    "inference",
    "protein",
    "folding",
    "diffusion",
    "model",
    "language",
    "model",
    "reinforcement",
    "learning",
    "kernel",
    "method",
    "bayesian",
    "optimisation",
    "compressed",
    "sensing",
    "topology",
    "optimisation",
    "low",
    "power",
    "analog",
    "memristor",
    "crossbar",
    "photonic",
    "interconnect",
    "image",
    "segmentation",
    "speech",
    "recognition",
    "fluid",
    "dynamics",
    "turbulence",
    "closure",
    "market",
    "microstructure",
    "game",
    "theory",
    "privacy",
    "auditing",
    "program",
    "synthesis",
    "type",
    "inference",
    "sat",
    "solving",
    "motion",
    "planning",
]
_FILLER = [
    "we",
    "propose",
    "method",
    "results",
    "show",
    "novel",
    "approach",
    "that",
    "improves",
    "over",
    "prior",
    "work",
    "on",
    "several",
    "benchmarks",
    "using",
    "simple",
    "efficient",
    "scalable",
    "framework",
    "based",
    "analysis",
    "experiments",
    "data",
    "performance",
    "model",
    "task",
    "study",
    "problem",
    "evaluation",
    "accuracy",
    "demonstrate",
    "present",
    "new",
    "design",
]


def _rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _peak_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def profile_sizes(papers: int, profiles: int, big: int) -> list[int]:
    big = min(big, papers)
    rest, others = papers - big, max(profiles - 1, 1)
    return [big] + [rest // others + (1 if i < rest % others else 0) for i in range(others)]


# Every other profile gives an arXiv code per paper (as an arXiv listing does), one field
# each in turn; the big profile (0) gives one on every other paper, so a report of it both
# predicts categories (nearest coded papers) and scores novelty (field papers).
_CODES = ["cs.LG", "math.CO", "physics.optics", "q-bio.NC"]


def _codes(i: int, pos: int) -> list[str]:
    if i == 0:
        return [_CODES[0]] if pos % 2 else []
    return [_CODES[(i // 2) % len(_CODES)]] if i % 2 == 0 else []


def synth_profile(i: int, n: int, rng: random.Random) -> tuple[Profile, np.ndarray]:
    """Profile ``i`` with ``n`` papers, and its papers' unit vectors (one row each)."""
    topics = rng.sample(_TOPICS, 6)
    papers = []
    for pos in range(1, n + 1):
        words = [
            rng.choice(topics) if rng.random() < 0.4 else rng.choice(_FILLER) for _ in range(45)
        ]
        title = " ".join(rng.sample(topics, 3)).capitalize()
        abstract = " ".join(words).capitalize() + "."
        pid = hashlib.sha1(f"{i}:{pos}:{title}".encode()).hexdigest()[:16]
        papers.append(
            Paper(
                id=pid,
                position=pos,
                title=title,
                abstract=abstract,
                year=2000 + pos % 25,
                categories=_codes(i, pos),
                source_line=pos,
                identity_id=f"id{pos % 2}",
            )
        )
    profile = Profile(
        id=f"synth_{i:05d}",
        name=f"Researcher {i:05d}",
        source_format="synthetic",
        content_hash=hashlib.sha256(f"synth{i}".encode()).hexdigest(),
        papers=papers,
    )
    nrng = np.random.default_rng(i)
    centroid = nrng.standard_normal(DIM).astype(np.float32)
    vecs = centroid / np.linalg.norm(centroid) + 0.08 * nrng.standard_normal((n, DIM)).astype(
        np.float32
    )
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return profile, vecs


def chunks_of(profile: Profile) -> list[Chunk]:
    return [
        Chunk(
            id=f"{profile.id}-{p.id}-0",
            profile_id=profile.id,
            paper_id=p.id,
            position=p.position,
            index=0,
            text=f"{p.title}\n{p.abstract}",
            year=p.year,
            identity_id=p.identity_id,
        )
        for p in profile.papers
    ]


def stream(sizes: list[int], seed: int) -> Iterator[tuple[Profile, np.ndarray]]:
    rng = random.Random(seed)
    for i, n in enumerate(sizes):
        yield synth_profile(i, n, rng)


def ingest(store: VectorStore, sizes: list[int], batch: int, server_pid: int | None) -> dict:
    total = sum(sizes)
    marks = {int(total * f / 4): f"{25 * f}%" for f in (1, 2, 3, 4)}
    rss: dict[str, dict[str, float]] = {}
    pending: list[Chunk] = []
    pending_vecs: list[np.ndarray] = []
    pending_profiles: list[Profile] = []
    done = 0
    t0 = time.perf_counter()

    def flush() -> None:
        if pending:
            store.add_chunks(pending, np.concatenate(pending_vecs))
        for prof in pending_profiles:  # records last: a record means its chunks are complete
            store.put_profile(prof, len(prof.papers))
        pending.clear()
        pending_vecs.clear()
        pending_profiles.clear()

    next_mark = sorted(marks)
    for profile, vecs in stream(sizes, seed=7):
        pending.extend(chunks_of(profile))
        pending_vecs.append(vecs)
        pending_profiles.append(profile)
        done += len(profile.papers)
        if len(pending) >= batch:
            flush()
        while next_mark and done >= next_mark[0]:
            flush()
            row = {"client_rss_mb": _rss_mb()}
            if server_pid:
                row["server_rss_mb"] = _rss_mb(server_pid)
            rss[marks[next_mark.pop(0)]] = row
    flush()
    seconds = time.perf_counter() - t0
    return {
        "papers": total,
        "seconds": round(seconds, 2),
        "papers_per_s": round(total / seconds, 1),
        "rss_at": rss,
    }


def reference_index(ws: Workspace, papers: int) -> dict:
    """Bring the reference index in step with the store, as ingest's identity step does."""
    from agent.analysis.reference import ReferenceIndex, index_path

    t0 = time.perf_counter()
    index = ReferenceIndex(index_path(ws.store))
    try:
        profiles = index.sync(ws.store, ws.embedder, ws.store.list_profiles())
    finally:
        index.close()
    seconds = time.perf_counter() - t0
    return {
        "profiles": profiles,
        "seconds": round(seconds, 2),
        "papers_per_s": round(papers / seconds, 1),
        "client_rss_mb": _rss_mb(),
    }


def search_latency(store: VectorStore, sizes: list[int], queries: int) -> dict:
    rng = random.Random(11)
    nrng = np.random.default_rng(11)
    plain, ident = [], []
    for _ in range(queries):
        i = rng.randrange(len(sizes))
        c = np.random.default_rng(i).standard_normal(DIM).astype(np.float32)
        q = c / np.linalg.norm(c) + 0.08 * nrng.standard_normal(DIM).astype(np.float32)
        q /= np.linalg.norm(q)
        where = {"profile_id": f"synth_{i:05d}"}
        t0 = time.perf_counter()
        store.query(q, k=15, where=where)  # what `search` asks for k=5
        plain.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        store.query(q, k=15, where={"$and": [where, {"identity_id": f"id{i % 2}"}]})
        ident.append(time.perf_counter() - t0)

    def pct(xs: list[float]) -> dict[str, float]:
        qs = statistics.quantiles(xs, n=20)
        return {"p50_ms": round(statistics.median(xs) * 1000, 1), "p95_ms": round(qs[18] * 1000, 1)}

    big = []
    for _ in range(max(queries // 10, 20)):
        q = nrng.standard_normal(DIM).astype(np.float32)
        q /= np.linalg.norm(q)
        t0 = time.perf_counter()
        store.query(q, k=15, where={"profile_id": "synth_00000"})
        big.append(time.perf_counter() - t0)

    return {
        "queries": queries,
        "profile_filter": pct(plain),
        "identity_filter": pct(ident),
        # The big profile has more chunks than VectorStore.query searches exactly: HNSW.
        f"big_profile_filter_{sizes[0]}_chunks": pct(big),
    }


def report_latency(settings: Settings, profile_id: str, papers: int, phases: bool) -> dict:
    ws = Workspace(settings)
    ws.embedder.embed(["warm up"])  # encoder loaded outside the timed call, as in a session
    out: dict = {"profile": profile_id, "papers": papers}
    if phases:
        # The report's steps one by one, with the calls build_report makes (cold: the first
        # run in a process reads the analysis memo from disk, or computes it).
        from agent.analysis.evidence import gather_evidence
        from agent.analysis.novelty import assess, corpus_papers
        from agent.analysis.topics import analyse
        from agent.identities.assignment import identities_of

        profile = ws.resolve(profile_id)
        steps: dict[str, float] = {}
        t0 = time.perf_counter()
        page = gather_evidence(ws.store, ws.embedder, profile)
        steps["evidence_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        analysis = analyse(page, ws.embedder)
        steps["topics_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        identities_of(ws.store, page, analysis)
        steps["identities_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        assess(
            page,
            analysis.topics.per_paper,
            corpus_papers(ws.store.reference_papers()),
            profile.metrics,
        )
        steps["novelty_s"] = time.perf_counter() - t0
        out["phases"] = {k: round(v, 2) for k, v in steps.items()}
    t0 = time.perf_counter()
    report = ws.summarize(profile_id)
    out["seconds"] = round(time.perf_counter() - t0, 2)
    assert report is not None
    return out


def encoder_sample(sizes: list[int], sample: int) -> dict:
    enc = MiniLMEncoder()
    profile, _ = synth_profile(0, sample, random.Random(3))
    texts = [c.text for c in chunks_of(profile)]
    enc.embed(texts[:8])
    t0 = time.perf_counter()
    enc.embed(texts)
    per_s = sample / (time.perf_counter() - t0)
    return {
        "sample_papers": sample,
        "papers_per_s": round(per_s, 1),
        "extrapolated_s_for_all": round(sum(sizes) / per_s, 1),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(path: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("chroma run exited at start") from None
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("chroma run did not open its port within 60 s")


def _progress(mode: str, step: str, figures: dict) -> None:
    """Each step's figures on stderr as they come (a long run shows what it has so far)."""
    print(f"{mode} {step}: {json.dumps(figures)}", file=sys.stderr, flush=True)


def run_mode(mode: str, args: argparse.Namespace, sizes: list[int], tmp: Path) -> dict:
    from agent.analysis.reference import index_path

    server = None
    settings = Settings(store_dir=tmp / f"store-{mode}")
    index_files: list[Path] = []
    try:
        if mode == "server":
            server, port = start_server(tmp / "server-data")
            settings = Settings(store_dir=tmp / "unused", chroma_host="127.0.0.1", chroma_port=port)
        ws = Workspace(settings)
        store = ws.store
        if mode == "server" and (path := index_path(store)) is not None:
            index_files = [path.with_name(path.name + tail) for tail in ("", "-wal", "-shm")]
        out: dict = {"mode": mode}
        out["ingest"] = ingest(store, sizes, args.batch, server.pid if server else None)
        _progress(mode, "ingest", out["ingest"])
        if not args.no_report:
            out["reference_index"] = reference_index(ws, sum(sizes))
            _progress(mode, "reference_index", out["reference_index"])
        out["search"] = search_latency(store, sizes, args.queries)
        _progress(mode, "search", out["search"])
        if not args.no_report:
            out["report"] = report_latency(settings, "synth_00000", sizes[0], args.phases)
            _progress(mode, "report", out["report"])
        out["client_peak_rss_mb"] = _peak_mb()
        if server:
            out["server_peak_rss_mb"] = _peak_mb(server.pid)
        return out
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        for path in index_files:  # a server's index is in the user cache dir; its server is gone
            path.unlink(missing_ok=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--profiles", type=int, default=2000)
    ap.add_argument("--big", type=int, default=2000, help="papers of the profile reported on")
    ap.add_argument("--mode", choices=("embedded", "server", "both"), default="both")
    ap.add_argument("--batch", type=int, default=4000, help="chunks per store write")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--encoder-sample", type=int, default=256)
    ap.add_argument("--no-report", action="store_true")
    ap.add_argument("--phases", action="store_true", help="also time the report's steps one by one")
    args = ap.parse_args()
    sizes = profile_sizes(args.papers, args.profiles, args.big)
    result: dict = {
        "load_avg_1_5_15_before": [round(x, 2) for x in os.getloadavg()],
        "papers": sum(sizes),
        "profiles": len(sizes),
        "vectors": "precomputed synthetic (not encoder outputs); encoder timed separately",
        "encoder": encoder_sample(sizes, args.encoder_sample),
    }
    modes = ("embedded", "server") if args.mode == "both" else (args.mode,)
    with tempfile.TemporaryDirectory() as tmp:
        result["runs"] = [run_mode(m, args, sizes, Path(tmp)) for m in modes]
    result["load_avg_1_5_15_after"] = [round(x, 2) for x in os.getloadavg()]
    result["targets"] = {
        "server search p95": "< 100 ms",
        "report of the big profile": "< 10 s",
        "ingest RSS": "flat from 25% to 100%",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
