"""Report benchmark: offline report latency per seed, and LLM cost per report in openai mode
against a naive "every abstract in one prompt" baseline on the same profile, in one run.

    uv run python -m benchmarks.report_bench [--seeds DIR] [--repeat N]

The openai mode talks to the local OpenAI-wire test server (tests/fake_openai.py), which
counts prompt tokens as characters / 4 for every request alike, so the two prompts are
measured with the same ruler. No real API is called.

Printed per seed:
  offline_s           median seconds of `summarize` with the offline drafter (store warm)
  llm_calls           chat requests per report in openai mode
  prompt_tokens       prompt tokens per report (evidence plan: retrieval per theme)
  naive_tokens        prompt tokens of one prompt holding every abstract of the page
  tokens_vs_naive     prompt_tokens / naive_tokens
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent.drafting.llm import SCHEMA_HINT
from agent.llm import Message
from agent.llm.openai_chat import OpenAIChat
from agent.settings import LLMSettings, Settings, default_seeds_dir
from agent.templating import render_prompt
from agent.workspace import Workspace
from retrieval.models import Profile
from tests.fake_openai import FakeOpenAI

# Every report here is built: the store's report cache (agent.reporting.cache) is off.
os.environ.setdefault("PROFILE_AGENT_REPORT_CACHE", "0")


def naive_messages(profile: Profile) -> list[Message]:
    evidence = [
        {"label": p.label, "year": p.year, "title": p.title, "text": p.abstract or ""}
        for p in profile.papers
    ]
    user = render_prompt(
        "draft_user",
        subject=f"the papers listed for {profile.name or 'this page'}",
        themes=[],
        evidence=evidence,
        min_sentences=3,
        max_sentences=6,
        schema=SCHEMA_HINT,
    )
    return [Message("system", render_prompt("draft_system")), Message("user", user)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, default=default_seeds_dir())
    ap.add_argument("--repeat", type=int, default=3, help="offline runs per seed (median kept)")
    args = ap.parse_args()
    paths = sorted(p for p in args.seeds.iterdir() if p.is_file())

    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI() as server:
        settings = Settings(
            store_dir=Path(tmp) / "store",
            seeds_dir=args.seeds,
            chroma_host=None,
            openai_api_key=SecretStr("bench"),
            openai_base_url=server.base_url,
            llm=LLMSettings.model_validate({"backoff_s": 0.01}),
        )
        ws = Workspace(settings)
        profiles = [p for path in paths for p in ws.parse(path)]
        ws.ingest_many(profiles)
        ws.summarize(profiles[0].id)  # warm: encoder weights, category prototypes
        naive_chat = OpenAIChat("bench", "bench", server.base_url, max_retries=0)

        rows: list[dict[str, Any]] = []
        for profile in profiles:
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                report = ws.summarize(profile.id)
                times.append(time.perf_counter() - t0)
            llm_report = ws.summarize(profile.id, llm="openai")
            assert llm_report.drafting.used == "openai", llm_report.drafting.fallback_reason
            naive = naive_chat.complete(naive_messages(profile), max_tokens=900)
            usage = llm_report.drafting.usage
            rows.append(
                {
                    "seed": profile.id[:3],
                    "papers": len(profile.papers),
                    "offline_s": statistics.median(times),
                    "sentences": report.verification.kept + report.verification.repaired,
                    "support": report.verification.support_score,
                    "llm_calls": usage.llm_calls,
                    "shown": len(llm_report.drafting.evidence_papers),
                    "prompt_tokens": usage.prompt_tokens,
                    "naive_tokens": naive.prompt_tokens,
                }
            )

    head = (
        f"{'seed':<5}{'papers':>7}{'offline_s':>10}{'sent':>6}{'support':>9}{'llm_calls':>10}"
        f"{'shown':>7}{'prompt_tok':>11}{'naive_tok':>10}{'vs_naive':>9}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['seed']:<5}{r['papers']:>7}{r['offline_s']:>10.2f}{r['sentences']:>6}"
            f"{r['support']:>9.3f}{r['llm_calls']:>10}{r['shown']:>7}{r['prompt_tokens']:>11}"
            f"{r['naive_tokens']:>10}{r['prompt_tokens'] / r['naive_tokens']:>9.2f}"
        )
    total = sum(r["prompt_tokens"] for r in rows) / sum(r["naive_tokens"] for r in rows)
    print(f"tokens_vs_naive (all seeds) = {total:.2f}")
    print(f"offline_s median over seeds = {statistics.median(r['offline_s'] for r in rows):.2f}")


if __name__ == "__main__":
    main()
