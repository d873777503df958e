"""Runs sentence-transformers for ``encoder_bench`` in a scratch venv (never the project's).

Protocol on stdin/stdout, one JSON object a line, so the benchmark can interleave rounds of
this encoder with rounds of ours: first line ``{"model": PATH, "sets": {NAME: [TEXTS]}, "threads": N or null}``,
answered ``{"ready": ..., "load_s": S}``; then each line ``{"set": NAME, "vectors": BOOL}``,
answered ``{"seconds": S, "vectors": [[...]] or null}``. Imports nothing of the project.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    t0 = time.perf_counter()
    import torch
    from sentence_transformers import SentenceTransformer

    first = json.loads(sys.stdin.readline())
    if first.get("threads"):
        torch.set_num_threads(int(first["threads"]))
    model = SentenceTransformer(first["model"], device="cpu")
    sets = first["sets"]
    model.encode(next(iter(sets.values()))[:8])  # warm up outside the timed rounds
    print(
        json.dumps(
            {
                "ready": f"torch {torch.__version__}, threads {torch.get_num_threads()}",
                "load_s": time.perf_counter() - t0,
            }
        ),
        flush=True,
    )
    for line in sys.stdin:
        req = json.loads(line)
        texts = sets[req["set"]]
        t = time.perf_counter()
        vecs = model.encode(texts, batch_size=32, normalize_embeddings=False)
        seconds = time.perf_counter() - t
        out = vecs.tolist() if req.get("vectors") else None
        print(json.dumps({"seconds": seconds, "vectors": out}), flush=True)


if __name__ == "__main__":
    main()
