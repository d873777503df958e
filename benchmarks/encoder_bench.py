"""Encoder benchmark: ours against sentence-transformers, side by side in one run.

    uv run python -m benchmarks.encoder_bench [--seeds DIR] [--repeat N] [--st-python PY]

Measured on this machine in this one run, rounds interleaved (ST, ours, ST, ours...) so a
change in the machine's load hits both alike:
  encoder_vs_st  = (chunks/s of our encoder) / (chunks/s of sentence-transformers), on the
                   chunk texts of the seed pages                               target >= 1.2
  ingest_vs_st   = (papers/s of `profile-agent ingest FILES` from a cold process into an
                   empty store) / (papers/s of sentence-transformers encoding the same papers'
                   title + abstract, model already loaded)                      target >= 1.0
  vectors        = cosine per text of ours against the golden reference and against the
                   sentence-transformers vectors of this run                   target >= 0.9999

sentence-transformers runs in a scratch virtualenv outside the project (CPU torch 2.13.0 from
the local wheel, `pip install torch==2.13.0 sentence-transformers`), built on first use in the
user cache directory; `--st-python` points at an existing one instead. Nothing of torch enters
the project's environment. The ingest subprocesses run with PROFILE_AGENT_EMBED_CACHE=0 (no
cached vectors: every chunk is encoded) after one untimed run that writes bytecode and builds
the ONNX graph cache, as an installed tool would have them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from agent.settings import Settings, default_seeds_dir
from agent.workspace import Workspace
from retrieval.chunking import chunk_profile
from retrieval.embed_local import MiniLMEncoder, model_dir
from retrieval.embed_onnx import available_cores, cache_dir

REFERENCE = Path(__file__).resolve().parent.parent / "tests" / "data" / "minilm_reference.json"
WORKER = Path(__file__).resolve().parent / "st_worker.py"
ROOT = Path(__file__).resolve().parent.parent


def st_python(explicit: Path | None) -> Path | None:
    """A Python with CPU torch + sentence-transformers, outside the project (built if needed)."""
    if explicit:
        return explicit
    venv = cache_dir() / "bench-st-venv"
    py = venv / "bin" / "python"
    probe = [str(py), "-c", "import sentence_transformers, torch"]
    if py.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return py
    print(f"building a scratch venv for sentence-transformers in {venv} (once)", file=sys.stderr)
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(venv)],
        [str(py), "-m", "pip", "install", "-q", "torch==2.13.0", "sentence-transformers"],
    ]
    for step in steps:
        if subprocess.run(step).returncode != 0:
            print("could not build it; the sentence-transformers side is skipped", file=sys.stderr)
            return None
    return py


class STWorker:
    """sentence-transformers in its own process, driven one round at a time."""

    def __init__(self, python: Path, sets: dict[str, list[str]], threads: int | None) -> None:
        self.proc = subprocess.Popen(
            [str(python), str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.ready = self._ask({"model": str(model_dir()), "sets": sets, "threads": threads})

    def _ask(self, req: dict) -> dict:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the sentence-transformers worker exited")
        return json.loads(line)

    def encode(self, name: str, vectors: bool = False) -> dict:
        return self._ask({"set": name, "vectors": vectors})

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def cold_ingest(paths: list[Path], env: dict[str, str]) -> float:
    """Wall seconds of `profile-agent ingest FILES` in a fresh process into an empty store."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [str(Path(sys.executable).parent / "profile-agent"), "ingest", *map(str, paths)]
        cmd += ["--store", str(Path(tmp) / "store"), "--json"]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, default=default_seeds_dir())
    ap.add_argument("--repeat", type=int, default=3, help="rounds of each measurement (median)")
    ap.add_argument("--st-python", type=Path, default=None, help="Python with torch + ST")
    ap.add_argument("--no-st", action="store_true", help="skip sentence-transformers")
    ap.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for both encoders (default: each library's own, all cores)",
    )
    args = ap.parse_args()
    paths = sorted(p for p in args.seeds.iterdir() if p.is_file() and not p.name.startswith("."))
    load_before = os.getloadavg()

    enc = MiniLMEncoder(threads=args.threads or 0)  # uncached: every round really encodes
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Settings(store_dir=Path(tmp) / "store", seeds_dir=args.seeds))
        profiles = [p for path in paths for p in ws.parse(path)]
        chunking = ws.settings.chunking
    chunks = [c.text for p in profiles for c in chunk_profile(p, enc, chunking)]
    papers = [f"{pa.title}\n{pa.abstract or ''}".strip() for p in profiles for pa in p.papers]
    t0 = time.perf_counter()
    enc.embed(chunks[:8])
    ours_load_s = time.perf_counter() - t0

    python = None if args.no_st else st_python(args.st_python)
    st = STWorker(python, {"chunks": chunks, "papers": papers}, args.threads) if python else None

    env = {**os.environ, "PROFILE_AGENT_EMBED_CACHE": "0"}
    if args.threads:
        env["PROFILE_AGENT_ENCODER_THREADS"] = str(args.threads)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cold_ingest(paths, env)  # untimed: bytecode + graph cache, as an installed tool has them

    ours_s, st_s, ingest_s, st_papers_s = [], [], [], []
    ours_vecs = st_vecs = None
    for r in range(args.repeat):
        first = r == 0
        if st and r % 2 == 0:
            got = st.encode("chunks", vectors=first)
            st_s.append(got["seconds"])
            st_vecs = np.asarray(got["vectors"], dtype=np.float32) if first else st_vecs
        t0 = time.perf_counter()
        vecs = enc.embed(chunks)
        ours_s.append(time.perf_counter() - t0)
        ours_vecs = vecs if first else ours_vecs
        if st and r % 2 == 1:
            st_s.append(st.encode("chunks")["seconds"])
        if st:
            st_papers_s.append(st.encode("papers")["seconds"])
        ingest_s.append(cold_ingest(paths, env))
    ready = st.ready if st else None
    if st:
        st.close()

    ref = json.loads(REFERENCE.read_text())
    golden = enc.embed(ref["texts"])
    golden_cos = (golden * np.asarray(ref["vectors"], dtype=np.float32)).sum(axis=1)
    med = statistics.median
    n_papers = len(papers)
    result = {
        "load_avg_1_5_15_before": [round(x, 2) for x in load_before],
        "load_avg_1_5_15_after": [round(x, 2) for x in os.getloadavg()],
        "cores_available": available_cores(),
        "threads": args.threads or "library default",
        "pages": len(paths),
        "chunk_texts": len(chunks),
        "papers": n_papers,
        "repeat": args.repeat,
        "ours": {
            "engine": "onnxruntime graph built from the packaged safetensors (embed_onnx.py)",
            "first_batch_s_incl_session": round(ours_load_s, 3),
            "chunks_per_s": round(len(chunks) / med(ours_s), 2),
        },
        "golden_min_cosine": round(float(golden_cos.min()), 7),
        "target_golden_min_cosine": ">= 0.9999",
        "cold_ingest": {
            "seconds": round(med(ingest_s), 3),
            "papers_per_s": round(n_papers / med(ingest_s), 2),
            "chunks_per_s": round(len(chunks) / med(ingest_s), 2),
        },
    }
    if st:
        st_cos = (ours_vecs * st_vecs).sum(axis=1)  # type: ignore[operator]
        result["sentence_transformers"] = {
            "runtime": ready["ready"] if ready else None,
            "chunks_per_s": round(len(chunks) / med(st_s), 2),
            "papers_per_s": round(n_papers / med(st_papers_s), 2),
        }
        result["vs_st_min_cosine"] = round(float(st_cos.min()), 7)
        result["encoder_vs_st"] = round(med(st_s) / med(ours_s), 3)
        result["ingest_vs_st"] = round(med(st_papers_s) / med(ingest_s), 3)
        result["targets"] = {"encoder_vs_st": ">= 1.2", "ingest_vs_st": ">= 1.0"}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
