"""The HTTP API through a real local server over a copy of the seeded store: every endpoint,
errors as JSON with the CLI's messages and codes, security rules, and concurrent load."""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from agent.settings import HttpSettings, LLMSettings
from agent.workspace import Workspace
from interface.http import create_app
from retrieval.errors import ProfileAgentError
from tests.conftest import SEED
from tests.fake_openai import FakeOpenAI
from tests.http_server import FAST, copy_store, serving, settings_for, wait_for_job

pytestmark = pytest.mark.server

MIXED = SEED["000"].stem  # a page that mixes people (see tests/test_identities.py)


@pytest.fixture(scope="module")
def store(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_store(seeded_store, tmp_path_factory.mktemp("http"))


@pytest.fixture(scope="module")
def client(store: Path) -> Iterator[httpx.Client]:
    with (
        serving(create_app(settings_for(store))) as base,
        httpx.Client(base_url=base, timeout=300) as http,
    ):
        yield http


def _error(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()["error"]
    assert body["status"] == status
    return body["message"]


def _cli_message(store: Path, call) -> str:  # type: ignore[no-untyped-def]
    """What the library raises (and the CLI prints) for the same request."""
    ws = Workspace(settings_for(store))
    with pytest.raises(ProfileAgentError) as info:
        call(ws)
    return str(info.value)


def test_health_and_listing(client: httpx.Client):
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["profiles"] >= 5
    assert health["writes_need_token"] is False
    rows = client.get("/api/profiles").json()
    assert {p.stem for p in SEED.values()} <= {r["id"] for r in rows}
    one = client.get(f"/api/profiles/{SEED['003'].stem}").json()
    assert one["id"] == SEED["003"].stem and len(one["papers"]) > 0
    assert client.get("/openapi.json").json()["paths"]["/api/profiles/{ref}/report"]


def test_unknown_profile_is_404_with_the_cli_message(client: httpx.Client, store: Path):
    message = _error(client.get("/api/profiles/nobody-here/report"), 404)
    assert message == _cli_message(store, lambda ws: ws.resolve("nobody-here"))
    assert _error(client.get("/api/nothing"), 404).startswith("no route")


def test_report_formats(client: httpx.Client):
    ref = SEED["002"].stem
    report = client.get(f"/api/profiles/{ref}/report").json()
    assert report["profile_id"] == ref and re.search(r"\[P\d+", report["blurb"])
    md = client.get(f"/api/profiles/{ref}/report", params={"format": "md"})
    assert (
        md.headers["content-type"].startswith("text/markdown") and report["blurb"][:40] in md.text
    )
    html = client.get(f"/api/profiles/{ref}/report", params={"format": "html"}).text
    # The standalone page carries its plots inline and links every citation to its paper.
    assert html.count("<svg") >= 2 and "<script" not in html
    for label in {r["label"] for r in report["references"]}:
        assert f'href="#{label}"' in html and f'id="{label}"' in html
    assert "Content-Security-Policy" in client.get(f"/p/{ref}").headers
    assert _error(client.get(f"/api/profiles/{ref}/report", params={"format": "xml"}), 422)


def test_llm_report_on_an_offline_server_needs_the_token(client: httpx.Client):
    message = _error(client.get(f"/api/profiles/{SEED['003'].stem}/report?llm=openai"), 403)
    assert "PROFILE_AGENT_API_TOKEN" in message and "PROFILE_AGENT_LLM__PROVIDER" in message


def test_search(client: httpx.Client):
    ref = SEED["002"].stem
    out = client.get(
        f"/api/profiles/{ref}/search", params={"q": "neural architecture search", "k": 3}
    )
    hits = out.json()["hits"]
    assert len(hits) == 3 and all(h["label"].startswith("P") for h in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert _error(client.get(f"/api/profiles/{ref}/search", params={"q": "x", "k": 0}), 422)


def test_upload_ingests_in_a_job_and_names_never_become_paths(client: httpx.Client, store: Path):
    data = SEED["003"].read_bytes()
    resp = client.post(
        "/api/profiles", files={"file": ("../../../tmp/evil name.txt", data, "text/plain")}
    )
    assert resp.status_code == 202, resp.text
    out = resp.json()
    assert out["profiles"] == ["evil-name"] and resp.headers["location"] == out["poll"]
    job = wait_for_job(client, out["job"]["id"])
    assert job["status"] == "done" and job["total"] and job["done"] == job["total"]
    stored = client.get("/api/profiles/evil-name").json()
    assert stored["source_path"] == "evil-name.txt"
    original = next(r for r in client.get("/api/profiles").json() if r["id"] == SEED["003"].stem)
    assert job["result"][0]["chunks"] == original["chunks"]
    # Uploading the same page again is an idempotent no-op.
    again = client.post("/api/profiles", files={"file": ("evil name.txt", data, "text/plain")})
    assert wait_for_job(client, again.json()["job"]["id"])["result"][0]["unchanged"] is True


def test_json_profile_and_bad_inputs(client: httpx.Client):
    body = {
        "profile": {
            "name": "Ada Example",
            "papers": [
                {"title": "Sparse attention for long documents", "year": 2021},
                {"title": "Retrieval-augmented summarisation", "year": 2022},
            ],
        },
        "filename": "ada.json",
    }
    resp = client.post("/api/profiles", json=body)
    assert resp.status_code == 202, resp.text
    assert wait_for_job(client, resp.json()["job"]["id"])["status"] == "done"
    assert client.get("/api/profiles/Ada Example").json()["name"] == "Ada Example"
    nul = client.post("/api/profiles", files={"file": ("x.txt", b"Title\n\x00oops", "text/plain")})
    assert "x.txt:2: binary file" in _error(nul, 422)
    png = client.post("/api/profiles", files={"file": ("x.png", b"\x89PNG", "image/png")})
    assert "image/png" in _error(png, 415)
    form = client.post("/api/profiles", content=b"hello", headers={"content-type": "text/csv"})
    assert _error(form, 415)
    assert "exactly one" in _error(client.post("/api/profiles", json={}), 400)
    assert "not an http(s) URL" in _error(
        client.post("/api/profiles", json={"url": "file:///etc/passwd"}), 400
    )


def test_url_is_fetched_in_the_job(client: httpx.Client, store: Path):
    """A page served by a local web server (tests never reach the network). By default the
    server refuses to fetch from its own network; a server set up to allow it fetches."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(SEED["003"].parent))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]  # keep output clean
    private = settings_for(store, http=FAST.model_copy(update={"fetch_private": True}))
    with (
        ThreadingHTTPServer(("127.0.0.1", 0), handler) as web,
        serving(create_app(private)) as base,
        httpx.Client(base_url=base, timeout=300) as trusting,
    ):
        threading.Thread(target=web.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{web.server_address[1]}/{SEED['003'].name}"
        refused = wait_for_job(
            client, client.post("/api/profiles", json={"url": url}).json()["job"]["id"]
        )
        resp = trusting.post("/api/profiles", json={"url": url})
        assert resp.status_code == 202, resp.text
        job = wait_for_job(trusting, resp.json()["job"]["id"])
        missing = trusting.post("/api/profiles", json={"url": url + ".nothing"})
        failed = wait_for_job(trusting, missing.json()["job"]["id"])
        web.shutdown()
    assert refused["status"] == "failed", refused
    assert "private or local address" in refused["error"]["message"]
    assert job["status"] == "done", job
    [result] = job["result"]
    stored = client.get(f"/api/profiles/{result['profile_id']}").json()
    assert len(stored["papers"]) == result["papers"] > 0
    assert failed["status"] == "failed" and "404" in failed["error"]["message"]


def test_untrusted_page_text_is_escaped_and_links_filtered(client: httpx.Client):
    evil = "<script>alert(1)</script> Graph learning with $\\mathbb{Z}^d$ symmetry"
    papers = [
        {
            "title": evil,
            "abstract": "We study graph learning on lattices.",
            "url": "javascript:alert(1)",
            "year": 2020,
        },
        {
            "title": "Graph learning at scale",
            "abstract": "Graph learning for large lattices.",
            "url": "https://example.org/p2",
            "year": 2021,
        },
        {
            "title": "Lattice graphs",
            "abstract": "Graph learning of lattice symmetry.",
            "year": 2022,
        },
    ]
    resp = client.post(
        "/api/profiles",
        json={"profile": {"name": "Eve <b>X</b>", "papers": papers}, "filename": "eve.json"},
    )
    assert wait_for_job(client, resp.json()["job"]["id"])["status"] == "done"
    for html in (
        client.get("/p/eve").text,
        client.get("/api/profiles/eve/report", params={"format": "html"}).text,
    ):
        assert "<script>alert" not in html and "<b>X</b>" not in html
        assert "javascript:" not in html  # only http(s)/mailto links are rendered
    page = client.get("/p/eve").text
    assert "&lt;script&gt;" in page and "ℤ^d" in page  # LaTeX shown as readable text


def test_identities_and_corrections(client: httpx.Client):
    before = client.get(f"/api/profiles/{MIXED}/identities").json()
    groups = before["identities"]["identities"]
    assert before["identities"]["mixed"] and len(groups) >= 2
    a, b = groups[0]["papers"][0]["label"], groups[1]["papers"][0]["label"]
    after = client.post(f"/api/profiles/{MIXED}/corrections", json={"together": [[a, b]]}).json()
    together = [
        i for i in after["identities"]["identities"] if {p["label"] for p in i["papers"]} >= {a, b}
    ]
    assert len(together) == 1 and after["identities"]["corrections_applied"]
    assert after["corrections"]["together"] == [[a, b]]
    # "not the same person" overrides the earlier "same person" for the pair.
    apart = client.post(f"/api/profiles/{MIXED}/corrections", json={"apart": [[a, b]]}).json()
    assert apart["corrections"] == {"together": [], "apart": [[a, b]]}
    owner = {p["label"]: i["id"] for i in apart["identities"]["identities"] for p in i["papers"]}
    assert owner[a] != owner[b]
    reset = client.post(f"/api/profiles/{MIXED}/corrections", json={"replace": True}).json()
    assert reset["identities"]["identities"] == before["identities"]["identities"]
    bad = client.post(f"/api/profiles/{MIXED}/corrections", json={"together": [["P1", "P999"]]})
    assert "P999" in _error(bad, 400)


def _events(resp: httpx.Response) -> list[tuple[str, dict]]:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/event-stream")
    out = []
    for block in resp.text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((fields["event"], json.loads(fields["data"])))
    return out


def test_chat_streams_a_cited_answer_and_keeps_the_session(client: httpx.Client):
    ref = SEED["002"].stem
    events = _events(
        client.post("/api/chat", json={"profile": ref, "question": "What is FT-NAS about?"})
    )
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "session" and kinds[-1] == "answer" and "error" not in kinds
    session = events[0][1]["session_id"]
    answer = events[-1][1]
    assert re.search(r"\[P\d+", answer["text"]), answer["text"]
    assert answer["answer"]["session_id"] == session and answer["answer"]["profile_id"] == ref
    cited = set(answer["answer"]["papers"])
    assert cited and cited <= {
        f"P{p['position']}" for p in client.get(f"/api/profiles/{ref}").json()["papers"]
    }
    follow = _events(
        client.post(
            "/api/chat",
            json={"profile": ref, "question": "When was it published?", "session_id": session},
        )
    )
    assert follow[0][1]["session_id"] == session and follow[-1][0] == "answer"
    assert "nobody" in _error(
        client.post("/api/chat", json={"profile": "nobody", "question": "x"}), 404
    )
    assert _error(client.post("/api/chat", json={"profile": ref}), 422)


def test_cors_is_off_by_default(client: httpx.Client):
    resp = client.options(
        "/api/profiles",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in resp.headers


def test_token_rate_limit_and_upload_limit(store: Path):
    settings = settings_for(
        store,
        api_token="s3cret",
        max_file_bytes=4000,
        http=HttpSettings(rate_per_minute=1, rate_burst=2),
    )
    with serving(create_app(settings)) as base, httpx.Client(base_url=base, timeout=300) as http:
        page = {"file": ("p.txt", SEED["003"].read_bytes()[:3000], "text/plain")}
        assert "Bearer" in _error(http.post("/api/profiles", files=page), 401)
        wrong = http.post("/api/profiles", files=page, headers={"Authorization": "Bearer nope"})
        assert _error(wrong, 401)
        big = {"file": ("p.txt", SEED["003"].read_bytes()[:9000], "text/plain")}
        too_big = http.post("/api/profiles", files=big, headers={"Authorization": "Bearer s3cret"})
        assert "PROFILE_AGENT_MAX_FILE_BYTES" in _error(too_big, 413)
        assert http.get("/api/health").json()["writes_need_token"] is True
        url = f"/api/profiles/{SEED['003'].stem}/report"
        assert [http.get(url).status_code for _ in range(2)] == [200, 200]
        limited = http.get(url)
        assert "retry in" in _error(limited, 429) and int(limited.headers["retry-after"]) >= 1


def test_concurrent_reads_during_two_ingests(client: httpx.Client, store: Path):
    """20 report/search requests while 2 uploads ingest: all succeed, nothing lost or doubled."""
    uploads = {"load-a": SEED["000"], "load-b": SEED["003"]}  # the two smallest pages
    jobs = []
    for name, path in uploads.items():
        resp = client.post(
            "/api/profiles", files={"file": (f"{name}.txt", path.read_bytes(), "text/plain")}
        )
        assert resp.status_code == 202, resp.text
        jobs.append(resp.json()["job"]["id"])
    refs = [SEED[k].stem for k in ("000", "002", "003")]

    def read(i: int) -> int:
        ref = refs[i % len(refs)]
        if i % 2:
            return client.get(
                f"/api/profiles/{ref}/search", params={"q": "learning", "k": 3}
            ).status_code
        return client.get(f"/api/profiles/{ref}/report", params={"format": "json"}).status_code

    with ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(read, range(20)))
        running = [client.get(f"/api/jobs/{j}").json()["status"] for j in jobs]
    assert codes == [200] * 20
    assert all(wait_for_job(client, j)["status"] == "done" for j in jobs), running
    rows = client.get("/api/profiles").json()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    by_id = {r["id"]: r for r in rows}
    for name, path in uploads.items():
        assert by_id[name]["chunks"] == by_id[path.stem]["chunks"]
        assert by_id[name]["papers"] == by_id[path.stem]["papers"]
    ws = Workspace(settings_for(store))
    assert ws.store.chunks.count() == sum(r["chunks"] for r in rows)
    for name in uploads:
        assert len(ws.store.chunk_metadata(name)) == by_id[name]["chunks"]


def test_llm_report_runs_as_a_job(store: Path):
    """An LLM report is a background job (202, poll, then the result in any format), drafted
    by the local OpenAI-wire server."""
    with FakeOpenAI() as fake:
        settings = settings_for(
            store,
            openai_api_key="test-key",
            openai_base_url=fake.base_url,
            llm=LLMSettings(provider="openai", backoff_s=0.01, timeout_s=5.0, max_retries=1),
        )
        with (
            serving(create_app(settings)) as base,
            httpx.Client(base_url=base, timeout=300) as http,
        ):
            ref = SEED["003"].stem
            resp = http.get(f"/api/profiles/{ref}/report", params={"llm": "openai", "format": "md"})
            assert resp.status_code == 202, resp.text
            out = resp.json()
            early = http.get(out["result"])
            job = wait_for_job(http, out["job"]["id"])
            assert job["status"] == "done" and job["kind"] == "report"
            assert early.status_code in (200, 409)  # 409 while the job was still running
            md = http.get(out["result"])
            assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
            report = http.get(f"/api/jobs/{job['id']}/result").json()
            assert report["drafting"]["used"] == "openai" and report["blurb"] in md.text
        assert len(fake.chat_requests()) >= 1


def test_serve_binds_loopback_without_a_token(monkeypatch: pytest.MonkeyPatch, store: Path):
    import uvicorn
    from typer.testing import CliRunner

    from interface.cli import app as cli

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.delenv("PROFILE_AGENT_API_TOKEN", raising=False)
    result = CliRunner().invoke(
        cli, ["serve", "--host", "0.0.0.0", "--port", "8123", "--store", str(store)]
    )
    assert result.exit_code == 0, result.output
    assert calls == [{"host": "127.0.0.1", "port": 8123, "log_level": "warning"}]
    assert "PROFILE_AGENT_API_TOKEN is not set: serving on 127.0.0.1 only" in result.output
    monkeypatch.setenv("PROFILE_AGENT_API_TOKEN", "t")
    assert (
        CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--store", str(store)]).exit_code
        == 0
    )
    assert calls[-1]["host"] == "0.0.0.0"
