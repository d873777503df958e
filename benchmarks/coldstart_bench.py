"""Cold-start benchmark: `profile-agent summarize PROFILE` on a stored profile, fresh processes.

    uv run python -m benchmarks.coldstart_bench [--seeds DIR] [--profile REF] [--runs N]

Ingests the seed pages into a temporary store, then starts `profile-agent summarize` in a new
process N times and reports the median time until the first line of the report reaches stdout,
the total time, and the CPU seconds (user + sys) of the child, which are what an idle machine
would see as wall time, so they are printed beside the load average.

Three cases. `stored_report` is the default behaviour for a profile summarized before, with
nothing written to the store since: the report is read from the store's report cache
(agent.reporting.cache) and neither Chroma nor the analysis is loaded. The `built_*` cases set
PROFILE_AGENT_REPORT_CACHE=0, as the first `summarize` after an ingest is: `built_warm_vector_cache`
has the encoder outputs every report needs (topic prototypes, drafted sentences) on disk from an
earlier run, so the encoder is not loaded; `built_no_vector_cache` also sets
PROFILE_AGENT_EMBED_CACHE=0, so the ONNX session is made and those texts are encoded. All have
bytecode written, the ONNX graph cache built and the report stored by an untimed first run. `python -X importtime -m interface.cli summarize ...`
shows where the import time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agent.settings import default_seeds_dir

CLI = str(Path(sys.executable).parent / "profile-agent")
HEAVY = ("chromadb", "onnxruntime", "onnx", "langchain_core", "openai", "tokenizers", "torch")


def child_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(seconds to the first stdout line, seconds to exit, child CPU seconds)."""
    cpu0 = child_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout
    first = proc.stdout.readline()
    t_first = time.perf_counter() - t0
    proc.stdout.read()
    if proc.wait() != 0 or not first:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {proc.returncode})")
    return t_first, time.perf_counter() - t0, child_cpu() - cpu0


def measure(cmd: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    run_once(cmd, env)  # untimed: bytecode, graph cache (and vectors, where cached)
    got = [run_once(cmd, env) for _ in range(runs)]
    med = statistics.median
    return {
        "first_line_s": round(med(g[0] for g in got), 3),
        "total_s": round(med(g[1] for g in got), 3),
        "cpu_s": round(med(g[2] for g in got), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, default=default_seeds_dir())
    ap.add_argument("--profile", default=None, help="profile to summarize (default: first named)")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    paths = sorted(p for p in args.seeds.iterdir() if p.is_file() and not p.name.startswith("."))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        store = str(Path(tmp) / "store")
        subprocess.run(
            [CLI, "ingest", *map(str, paths), "--store", store, "--json"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        ref = args.profile
        if ref is None:
            out = subprocess.run(
                [CLI, "profiles", "--store", store, "--json"],
                check=True,
                env=env,
                capture_output=True,
                text=True,
            ).stdout
            rows = json.loads(out)
            ref = next((r["name"] for r in rows if r.get("name")), rows[0]["id"])
        cmd = [CLI, "summarize", ref, "--store", store]
        stored = measure(cmd, env, args.runs)
        built = {**env, "PROFILE_AGENT_REPORT_CACHE": "0"}
        warm = measure(cmd, built, args.runs)
        cold = measure(cmd, {**built, "PROFILE_AGENT_EMBED_CACHE": "0"}, args.runs)
    probe = (
        "import sys, interface.cli; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"  # what merely starting the CLI loads
    )
    heavy_at_start = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    ).stdout.strip()
    result = {
        "load_avg_1_5_15_before": [round(x, 2) for x in load_before],
        "load_avg_1_5_15_after": [round(x, 2) for x in os.getloadavg()],
        "profile": ref,
        "runs": args.runs,
        "summarize_stored_report": stored,
        "summarize_built_warm_vector_cache": warm,
        "summarize_built_no_vector_cache": cold,
        "heavy_modules_imported_by_cli_start": heavy_at_start,
        "target": "first_line_s < 1.5 on an idle 2-core machine (cpu_s is that figure's proxy)",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
