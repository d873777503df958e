"""Hardening of the HTTP API and chat: requests from other web pages and other host names,
paid models chosen by a request, bodies without a length, errors mapped by type and told
without internals, a slow answer that must not hold up writes, clients that go away, and the
page's hostile-text surfaces. Tests start their own local servers; nothing leaves the machine."""

from __future__ import annotations

import json
import logging
import re
import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from agent.chat import llm as chat_llm
from agent.llm.base import Completion, Message
from agent.llm.scripted import ScriptedChat
from agent.settings import LLMSettings
from interface.http import create_app
from interface.http.errors import status_for
from interface.http.ratelimit import RateLimiter
from retrieval.errors import (
    AmbiguousRefError,
    InputFileError,
    InputTooLargeError,
    NotFoundError,
)
from tests.conftest import SEED
from tests.http_server import FAST, copy_store, serving, settings_for, wait_for_job

pytestmark = pytest.mark.server

REF = SEED["003"].stem
MIXED = SEED["000"].stem
ANSWER = "The authors propose AesopAgent, an agent-driven system for story-to-video [P3]."


@pytest.fixture(scope="module")
def store(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_store(seeded_store, tmp_path_factory.mktemp("hard-http"))


@pytest.fixture(scope="module")
def base(store: Path) -> Iterator[str]:
    """A tokenless server, as ``profile-agent serve`` runs by default."""
    with serving(create_app(settings_for(store, max_file_bytes=4000))) as url:
        yield url


@pytest.fixture
def http(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=120) as client:
        yield client


def _error(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()["error"]
    assert body["status"] == status
    return str(body["message"])


def _page(n: int = 3) -> dict[str, object]:
    papers = [
        {"title": f"Graph networks for molecules, part {i}", "abstract": "We study graphs."}
        for i in range(n)
    ]
    return {"profile": {"name": "Ada Example", "papers": papers}, "filename": "ada.json"}


# -- who may call a server without a token ----------------------------------------------------


def test_host_header_must_name_the_loopback(http: httpx.Client, base: str):
    """DNS rebinding: a page on evil.example that resolves to 127.0.0.1 still sends its own
    name as Host; a tokenless server answers loopback names only."""
    port = base.rsplit(":", 1)[1]
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.nip.io:{port}"):
        message = _error(http.get("/api/health", headers={"Host": host}), 403)
        assert host in message and "PROFILE_AGENT_API_TOKEN" in message
        assert _error(http.get("/", headers={"Host": host}), 403)
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"LOCALHOST:{port}", "[::1]"):
        assert http.get("/api/health", headers={"Host": host}).status_code == 200, host


def test_writes_from_other_web_pages_are_refused(http: httpx.Client, base: str):
    own = base  # http://127.0.0.1:PORT, what the server's own page sends
    evil = {"Origin": "https://evil.example"}
    message = _error(http.post("/api/profiles", json=_page(), headers=evil), 403)
    assert "'https://evil.example'" in message and "CORS_ORIGINS" in message
    for origin in ("null", own.replace("127.0.0.1", "localhost"), own + "1", "http://[::1"):
        resp = http.post(
            "/api/chat", json={"profile": REF, "question": "x"}, headers={"Origin": origin}
        )
        assert resp.status_code == 403, origin
    assert _error(
        http.post(
            f"/api/profiles/{MIXED}/corrections",
            json={"replace": True},
            headers={"Sec-Fetch-Site": "cross-site"},
        ),
        403,
    )
    # Reads of the API from another site too (a paid report is a GET); the page itself may
    # be opened from a link anywhere.
    assert _error(http.get(f"/api/profiles/{REF}/report", headers=evil), 403)
    assert _error(http.get("/api/profiles", headers={"Sec-Fetch-Site": "same-site"}), 403)
    assert http.get(f"/p/{REF}", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200
    # The server's own page, and clients that are not browsers, are served.
    mine = http.post("/api/profiles", json=_page(), headers={"Origin": own})
    assert mine.status_code == 202, mine.text
    assert wait_for_job(http, mine.json()["job"]["id"])["status"] == "done"
    same = {"Sec-Fetch-Site": "same-origin"}
    assert http.post("/api/profiles", json=_page(), headers=same).status_code == 202


def test_listed_origins_and_token_servers(store: Path):
    """An origin listed in CORS_ORIGINS may call; with a token the token is the check."""
    listed = settings_for(
        store, http=FAST.model_copy(update={"cors_origins": ["https://app.example"]})
    )
    token = settings_for(store, api_token="s3cret")
    with serving(create_app(listed)) as a, serving(create_app(token)) as b:
        ok = httpx.get(f"{a}/api/profiles", headers={"Origin": "https://app.example"})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"]
        assert (
            httpx.get(f"{a}/api/profiles", headers={"Origin": "https://x.example"}).status_code
            == 403
        )
        evil = {"Origin": "https://evil.example", "Host": "profiles.example.org"}
        assert httpx.get(f"{b}/api/health", headers=evil).status_code == 200
        refused = httpx.post(f"{b}/api/profiles", json=_page(), headers=evil)
        assert refused.status_code == 401  # no token: refused, by the token check


# -- paid models ------------------------------------------------------------------------------


def test_a_request_cannot_choose_a_paid_model(http: httpx.Client, store: Path):
    message = _error(http.get(f"/api/profiles/{REF}/report", params={"llm": "openai"}), 403)
    assert "PROFILE_AGENT_LLM__PROVIDER=openai" in message and "API token" in message
    chat = http.post("/api/chat", json={"profile": REF, "question": "x", "llm": "openai"})
    assert "paid model" in _error(chat, 403)
    assert http.get(f"/api/profiles/{REF}/report", params={"llm": "offline"}).status_code == 200
    with serving(create_app(settings_for(store, api_token="s3cret"))) as b:
        url = f"{b}/api/profiles/{REF}/report?llm=openai"
        assert httpx.get(url).status_code == 403
        # With the token the choice is allowed: it then fails on the missing key, by name.
        keyed = httpx.get(url, headers={"Authorization": "Bearer s3cret"})
        assert "OPENAI_API_KEY" in _error(keyed, 503)


# -- bodies -----------------------------------------------------------------------------------


def _send_chunked(
    base: str, ctype: str, total: int, path: str = "/api/profiles"
) -> tuple[int, bytes | None]:
    """POST a body of ``total`` bytes without a Content-Length, chunk by chunk, until the
    server answers; the bytes sent by then, and the answer (None: the connection was reset
    before it could be read, as a server that stops reading an endless body may do)."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {ctype}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    sock.sendall(head.encode())
    chunk = b"a" * 16384
    sent = 0
    answer = b""
    try:
        while sent < total and not select.select([sock], [], [], 0)[0]:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        if sent >= total:
            sock.sendall(b"0\r\n\r\n")
        while not answer.rstrip().endswith(b"}"):
            part = sock.recv(65536)
            if not part:
                break
            answer += part
    except ConnectionError:
        return sent, answer or None
    finally:
        sock.close()
    return sent, answer


UPLOAD_JSON = "application/json"
UPLOAD_FORM = "multipart/form-data; boundary=x"


@pytest.mark.parametrize(
    ("ctype", "path"),
    [
        (UPLOAD_JSON, "/api/profiles"),
        (UPLOAD_FORM, "/api/profiles"),
        (UPLOAD_JSON, "/api/chat"),
        (UPLOAD_JSON, f"/api/profiles/{MIXED}/corrections"),
    ],
)
def test_a_body_without_length_is_refused_at_the_limit(base: str, ctype: str, path: str):
    """A few MB over the limit: a clean 413 that says why. An endless body: cut off while it
    streams (the upload limit here is 4 KB + 64 KB of form overhead; other bodies 1 MB)."""
    sent, answer = _send_chunked(base, ctype, 3 * 1024 * 1024, path)
    assert answer is not None and answer.startswith(b"HTTP/1.1 413"), answer
    message = b"PROFILE_AGENT_MAX_FILE_BYTES" if path == "/api/profiles" else b"over 1024 KB"
    assert message in answer
    total = 500 * 1024 * 1024
    sent, answer = _send_chunked(base, ctype, total, path)
    assert sent < total // 10, sent
    assert answer is None or answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_declared_body_over_the_limit_is_refused(http: httpx.Client):
    huge = json.dumps({"profile": REF, "question": "x", "identity": "I" * 2_000_000})
    for path in ("/api/chat", f"/api/profiles/{MIXED}/corrections"):
        resp = http.post(path, content=huge, headers={"content-type": "application/json"})
        assert "POST /api/profiles" in _error(resp, 413)


def test_malformed_json_names_the_line_and_column(http: httpx.Client):
    body = b'{"text": "Title",\n  "filename": oops}'
    message = _error(
        http.post("/api/profiles", content=body, headers={"content-type": "application/json"}),
        400,
    )
    assert "line 2 column 15" in message and "errors.pydantic.dev" not in message
    extra = _error(http.post("/api/profiles", json={"txt": "x"}), 400)
    assert "txt: Extra inputs are not permitted" in extra
    deep = b"[" * 20_000
    assert "recursion" in _error(
        http.post("/api/profiles", content=deep, headers={"content-type": "application/json"}),
        400,
    )
    # A file names its own lines; a profile sent as a JSON object has none but its field path.
    bad = b'{"name": "A",\n "papers": [\n {"title": "x",\n "year": }]}'
    assert "bad.json:4:" in _error(
        http.post("/api/profiles", files={"file": ("bad.json", bad, "application/json")}), 422
    )
    wrong = {"profile": {"name": "A", "papers": [{"title": "x", "year": "abc"}]}}
    message = _error(http.post("/api/profiles", json=wrong), 422)
    assert "papers.0.year" in message and not re.search(r"\.json:\d+:", message)


# -- errors -----------------------------------------------------------------------------------


def test_status_codes_follow_the_exception_type(http: httpx.Client):
    assert status_for(AmbiguousRefError("nothing to match on")) == 409
    assert status_for(NotFoundError("this text matches several things")) == 404
    assert status_for(InputTooLargeError("x.txt", "big")) == 413
    assert status_for(InputFileError("x.txt", "over the 1.0 MB limit, says the text")) == 422
    resp = http.get("/api/profiles/0")  # every seed id starts with 0
    assert (
        "matches several" in _error(resp, 409)
        and resp.json()["error"]["type"] == "AmbiguousRefError"
    )


def test_an_internal_error_tells_an_id_not_the_details(
    store: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
):
    app = create_app(settings_for(store))
    state = app.state.profile_agent

    def broken() -> None:
        raise RuntimeError("secret /home/someone/.config detail")

    monkeypatch.setattr(state.workspace, "profiles", broken)
    client = TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="interface.http.errors"):
        resp = client.get("/api/profiles")
    assert resp.status_code == 500
    error = resp.json()["error"]
    assert "secret" not in resp.text and "RuntimeError" not in resp.text
    assert (
        error["request_id"] in error["message"]
        and resp.headers["x-request-id"] == error["request_id"]
    )
    assert error["request_id"] in caplog.text and "secret /home/someone" in caplog.text
    job = state.jobs.submit("report", "x", lambda progress: broken())
    while state.jobs.get(job.id).finished is None:
        time.sleep(0.01)
    failed = state.jobs.get(job.id).error
    assert failed["status"] == 500 and "secret" not in json.dumps(failed)


def test_the_rate_limiter_forgets_clients(monkeypatch: pytest.MonkeyPatch):
    clock = [1000.0]
    monkeypatch.setattr("interface.http.ratelimit.time.monotonic", lambda: clock[0])
    limiter = RateLimiter(per_minute=60, burst=2, max_clients=500)
    for i in range(5000):
        assert limiter.check(f"10.0.{i // 256}.{i % 256}") is None
    assert len(limiter) <= 500
    assert [limiter.check("hot") for _ in range(3)][:2] == [None, None]
    assert limiter.check("hot") is not None  # still limited: the client just seen is kept
    clock[0] += 120  # every bucket has refilled: nothing worth keeping
    limiter.check("late")
    assert len(limiter) == 1


# -- chat -------------------------------------------------------------------------------------


class GatedChat(ScriptedChat):
    """A model that answers only when the test lets it."""

    def __init__(self, *replies: str) -> None:
        super().__init__(*replies)
        self.asked = threading.Event()
        self.go = threading.Event()

    def complete(self, messages: list[Message], max_tokens: int) -> Completion:
        self.asked.set()
        assert self.go.wait(60), "the test never released the model"
        return super().complete(messages, max_tokens)


def _llm_server(store: Path, monkeypatch: pytest.MonkeyPatch, model: GatedChat):
    monkeypatch.setattr(chat_llm, "build_chat_model", lambda settings: model)
    settings = settings_for(
        store, openai_api_key="unused", llm=LLMSettings(provider="openai", max_retries=1)
    )
    return serving(create_app(settings))


def _events(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((fields["event"], json.loads(fields["data"])))
    return out


def test_a_slow_answer_does_not_block_writes_or_other_chats(
    store: Path, monkeypatch: pytest.MonkeyPatch
):
    model = GatedChat(ANSWER)
    with (
        _llm_server(store, monkeypatch, model) as url,
        httpx.Client(base_url=url, timeout=120) as http,
    ):
        slow: dict[str, httpx.Response] = {}
        body = {"profile": REF, "question": "What does AesopAgent do?", "session_id": "slow-1"}
        thread = threading.Thread(target=lambda: slow.update(r=http.post("/api/chat", json=body)))
        thread.start()
        assert model.asked.wait(60)
        # While the model is thinking: an ingest finishes, another chat is answered...
        up = http.post("/api/profiles", json=_page(4) | {"filename": "while-chat.json"})
        assert wait_for_job(http, up.json()["job"]["id"], timeout=60)["status"] == "done"
        other = http.post("/api/chat", json={"profile": REF, "question": "When?", "llm": "offline"})
        assert _events(other.text)[-1][0] == "answer"
        # ...and a second question on the busy session is refused, not interleaved.
        again = http.post("/api/chat", json=body)
        assert "still answering" in _error(again, 409)
        model.go.set()
        thread.join(60)
    kinds = [kind for kind, _ in _events(slow["r"].text)]
    assert kinds[0] == "session" and kinds[-1] == "answer" and "token" in kinds


def test_a_client_leaving_mid_stream_leaks_nothing(store: Path, monkeypatch: pytest.MonkeyPatch):
    model = GatedChat(*[ANSWER] * 4)
    with _llm_server(store, monkeypatch, model) as url:
        app_threads = {t.ident for t in threading.enumerate()}
        body = {"profile": REF, "question": "What does AesopAgent do?", "session_id": "gone-1"}
        with (
            httpx.Client(base_url=url, timeout=60) as http,
            http.stream("POST", "/api/chat", json=body) as resp,
        ):
            assert next(resp.iter_lines()) == "event: session"
            assert model.asked.wait(60)
        # the connection is closed here, the answer not yet written
        model.go.set()
        deadline = time.monotonic() + 30
        while any(t.name == "chat-gone-1" for t in threading.enumerate()):
            assert time.monotonic() < deadline, "the chat turn never ended"
            time.sleep(0.05)
        with httpx.Client(base_url=url, timeout=60) as http:
            follow = http.post("/api/chat", json=body | {"question": "And what else?"})
            events = _events(follow.text)
        assert events[-1][0] == "answer", events  # the session is free again
        leftover = [
            t
            for t in threading.enumerate()
            if t.ident not in app_threads and t.name.startswith("chat-")
        ]
        assert leftover == []


def test_concurrent_corrections_all_land(http: httpx.Client):
    before = http.get(f"/api/profiles/{MIXED}/identities").json()
    labels = sorted(
        {p["label"] for i in before["identities"]["identities"] for p in i["papers"]},
        key=lambda s: int(s[1:]),
    )[:8]
    pairs = [labels[i : i + 2] for i in range(0, 8, 2)]
    codes: list[int] = []
    threads = [
        threading.Thread(
            target=lambda p=pair: codes.append(
                http.post(f"/api/profiles/{MIXED}/corrections", json={"apart": [p]}).status_code
            )
        )
        for pair in pairs
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert codes == [200] * 4
    stored = http.get(f"/api/profiles/{MIXED}/identities").json()["corrections"]["apart"]
    assert sorted(map(sorted, stored)) == sorted(map(sorted, pairs))
    http.post(f"/api/profiles/{MIXED}/corrections", json={"replace": True})


def test_chat_requests_that_cannot_be_answered(http: httpx.Client):
    assert "empty" in _error(http.post("/api/chat", json={"profile": REF, "question": "  \n"}), 400)
    long = http.post("/api/chat", json={"profile": REF, "question": "graph " * 20_000})
    assert "question" in _error(long, 422)
    bad = http.post("/api/chat", json={"profile": REF, "question": "x", "session_id": "../../etc"})
    assert "session_id" in _error(bad, 422)
    # An unknown session id starts that session; one of another profile is refused.
    fresh = _events(
        http.post(
            "/api/chat", json={"profile": REF, "question": "Graphs?", "session_id": "new-1"}
        ).text
    )
    assert fresh[0][1]["session_id"] == "new-1" and fresh[-1][0] == "answer"
    other = http.post(
        "/api/chat", json={"profile": MIXED, "question": "Graphs?", "session_id": "new-1"}
    )
    kind, data = _events(other.text)[-1]
    assert (
        kind == "error" and "another session id" in data["message"] and "--" not in data["message"]
    )


# -- methods and hostile text ------------------------------------------------------------------


def test_methods(http: httpx.Client):
    head = http.head("/api/health")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-type"]
    assert http.head(f"/p/{REF}").status_code == 200
    assert _error(http.options("/api/profiles"), 405)
    assert _error(http.request("DELETE", f"/api/profiles/{REF}"), 405)
    assert _error(http.request("PATCH", "/api/health"), 405)


def test_query_parameters_with_nul_unicode_and_length(http: httpx.Client):
    url = f"/api/profiles/{REF}/search"
    assert http.get(url, params={"q": "graph\x00 \u202e networks \ud7ff"}).status_code == 200
    assert "q" in _error(http.get(url, params={"q": "graph " * 1000}), 422)
    assert _error(http.get(url, params={"q": "   "}), 400)
    assert http.get("/api/profiles/%00").status_code == 404
    assert _error(http.get("/api/profiles/..%2F..%2Fetc%2Fpasswd"), 404).startswith("no route")


def test_hostile_page_text_stays_text_on_the_web_page(http: httpx.Client):
    papers = [
        {
            "title": "</script><img src=x onerror=alert(1)> Graph nets",
            "abstract": "We study graph networks for molecules.",
            "url": " JaVaScRiPt:alert(1)",
            "authors": ['x" onmouseover="alert(1)', "<b>Bob</b>"],
            "year": 2020,
        },
        {
            "title": "Graph nets at scale",
            "abstract": "Graph networks at scale.",
            "url": "data:text/html,<script>alert(1)</script>",
            "year": 2021,
        },
        {
            "title": "Graph nets three",
            "abstract": "Graph networks three.",
            "url": "java\tscript:alert(1)",
            "year": 2022,
        },
        {
            "title": "Graph nets four",
            "abstract": "Graph networks four.",
            "url": "vbscript:msgbox",
            "year": 2023,
        },
    ]
    name = "Eve </script><script>alert(1)</script>"
    resp = http.post(
        "/api/profiles", json={"profile": {"name": name, "papers": papers}, "filename": "eve2.json"}
    )
    assert wait_for_job(http, resp.json()["job"]["id"])["status"] == "done"
    for html in (
        http.get("/p/eve2").text,
        http.get("/api/profiles/eve2/report", params={"format": "html"}).text,
    ):
        tags = re.findall(r"<script[^>]*>", html)
        assert all('src="/static/' in t or 'type="application/json"' in t for t in tags), tags
        assert not re.search(r'<img|" onmouseover="|<b>Bob', html)
        assert not re.search(r"(?i)href=\"\s*(javascript|data:text|vbscript|java\s)", html)
    data = re.search(r'id="page-data">(.*?)</script>', http.get("/p/eve2").text, re.S)
    assert data and "</" not in data.group(1)  # the embedded JSON cannot close its script tag
