"""``parse URL`` / ``ingest URL`` against a local HTTP server the test starts: the page, and
each way a fetch must fail (status, type, size, redirects, time) with one clear line."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from interface.cli import app
from retrieval.errors import TransientError, UserError
from retrieval.fetch import fetch_page, load_url

PAGE = """<!DOCTYPE html><html><head><title>Ada Byron | Publications</title></head><body>
<h1>Publications</h1>
<ul>
<li><b>Sparse graphs and their spectra</b><br>Ada Byron, Kai Sun<br>NeurIPS, 2022</li>
<li><b>Counting walks on expanders</b><br>Ada Byron, Lin Wu<br>COLT, 2021</li>
</ul></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/pubs.html":
            self._send(200, PAGE.encode())
        elif path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/pubs.html")
            self.end_headers()
        elif path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif path == "/paper.pdf":
            self._send(200, b"%PDF-1.4 ...", "application/pdf")
        elif path == "/big":
            self._send(200, b"<html>" + b"x" * 5000 + b"</html>")
        elif path == "/slow":
            time.sleep(2)
            self._send(200, PAGE.encode())
        elif path == "/error":
            self._send(503, b"busy")
        else:
            self._send(404, b"not found")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_url_is_fetched_and_read(server: str) -> None:
    [prof] = load_url(f"{server}/moved")  # one redirect is followed
    assert prof.source_path == f"{server}/pubs.html"
    assert prof.source_format == "html-page"
    assert prof.name == "Ada Byron"
    assert [p.title for p in prof.papers] == [
        "Sparse graphs and their spectra",
        "Counting walks on expanders",
    ]
    assert prof.id.startswith("127-0-0-1")


@pytest.mark.parametrize(
    ("path", "kw", "error", "message"),
    [
        ("/missing", {}, UserError, "answered 404"),
        ("/paper.pdf", {}, UserError, "content type 'application/pdf'"),
        ("/big", {"max_bytes": 1000}, UserError, "over 0.0 MB"),
        ("/loop", {}, UserError, "more than 5 redirects"),
        ("/slow", {"timeout_s": 0.5}, TransientError, "no answer within 0.5 s"),
        ("/error", {}, TransientError, "answered 503"),
    ],
)
def test_fetch_failures_are_one_clear_error(
    server: str, path: str, kw: dict[str, float], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        fetch_page(f"{server}{path}", **kw)  # type: ignore[arg-type]


def test_cli_parse_and_ingest_a_url(server: str, tmp_path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["parse", f"{server}/pubs.html", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["name"] == "Ada Byron"
    res = runner.invoke(app, ["parse", f"{server}/paper.pdf"])
    assert res.exit_code == 2 and "application/pdf" in res.stderr
    assert "Traceback" not in res.output
    res = runner.invoke(
        app,
        ["ingest", f"{server}/pubs.html", "--store", str(tmp_path / "store"), "--json",
         "--name", "A. Byron"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)[0]["name"] == "A. Byron"
