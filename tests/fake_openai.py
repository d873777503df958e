"""A real local HTTP server that speaks the OpenAI wire format, with scripted faults.

Embeddings are deterministic: a hashed bag of words, so similar texts get similar vectors.
Faults are queued per endpoint: ``server.fail("/v1/embeddings", 429)`` makes the next request
to that endpoint answer 429; ``server.fail(path, "hang")`` delays past the client's timeout; ``"drop"`` breaks a streamed
reply halfway. Chat requests with ``stream: true`` are answered as server-sent events.

Chat completions answer with queued replies (``server.reply(text)``), or, when none is queued,
with a well-behaved draft built from the evidence in the prompt: the first sentence of each of
the first evidence items, citing its label. That is what a grounded model would write.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DIM = 64


def bag_of_words_vector(text: str) -> list[float]:
    vec = [0.0] * DIM
    for word in re.findall(r"[a-z]+", text.lower()):
        h = int(hashlib.md5(word.encode()).hexdigest(), 16)
        vec[h % DIM] += 1.0 if (h >> 8) % 2 else -1.0
    return vec if any(vec) else [1.0] + [0.0] * (DIM - 1)


CHAT = "/v1/chat/completions"
_EVIDENCE_HEAD = re.compile(r"^\[(P\d+)\](?: \(\d{4}\))?(?: .*)?$")


def evidence_items(prompt: str) -> list[tuple[str, str]]:
    """(label, text) of each evidence item in a drafter prompt."""
    block = prompt.split("<<<EVIDENCE", 1)[-1].split("EVIDENCE>>>", 1)[0]
    items: list[tuple[str, str]] = []
    lines = block.strip().splitlines()
    for i, line in enumerate(lines):
        m = _EVIDENCE_HEAD.match(line.strip())
        if m:
            body = next((ln for ln in lines[i + 1 :] if ln.strip()), "")
            items.append((m.group(1), body.strip()))
    return items


def grounded_draft(prompt: str, n: int = 4) -> str:
    sentences = []
    for label, text in evidence_items(prompt)[:n]:
        first = re.split(r"(?<=[.!?])\s+", text)[0].rstrip(".")
        first = re.sub(r"^We\b", "The authors", first)
        first = re.sub(r"\bwe\b", "the authors", first)
        sentences.append({"text": first + ".", "citations": [label]})
    return json.dumps({"sentences": sentences})


class FakeOpenAI:
    def __init__(self) -> None:
        self.replies: deque[str] = deque()
        self.faults: dict[str, deque[int | str]] = defaultdict(deque)
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.hang_s = 5.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                path = self.path
                server.requests.append((path, body))
                fault = server.faults[path].popleft() if server.faults[path] else None
                if fault == "hang":
                    time.sleep(server.hang_s)
                    fault = None
                if isinstance(fault, int):
                    self._send(fault, {"error": {"message": f"injected {fault}", "type": "fault"}})
                    return
                if path.endswith("/embeddings"):
                    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    data = [
                        {"object": "embedding", "index": i, "embedding": bag_of_words_vector(t)}
                        for i, t in enumerate(inputs)
                    ]
                    self._send(
                        200,
                        {
                            "object": "list",
                            "data": data,
                            "model": body.get("model"),
                            "usage": {"prompt_tokens": 1, "total_tokens": 1},
                        },
                    )
                    return
                if path == CHAT:
                    prompt = "\n".join(m["content"] for m in body["messages"])
                    text = server.replies.popleft() if server.replies else grounded_draft(prompt)
                    used = max(1, len(prompt) // 4)
                    if body.get("stream"):
                        self._stream(text, used, body.get("model"), fault == "drop")
                        return
                    self._send(
                        200,
                        {
                            "id": f"chatcmpl-{len(server.requests)}",
                            "object": "chat.completion",
                            "created": 0,
                            "model": body.get("model"),
                            "choices": [
                                {
                                    "index": 0,
                                    "message": {"role": "assistant", "content": text},
                                    "finish_reason": "stop",
                                }
                            ],
                            "usage": {
                                "prompt_tokens": used,
                                "completion_tokens": max(1, len(text) // 4),
                                "total_tokens": used + max(1, len(text) // 4),
                            },
                        },
                    )
                    return
                self._send(404, {"error": {"message": f"no route {path}"}})

            def _stream(self, text: str, used: int, model: str | None, drop: bool) -> None:
                """Server-sent events, one chunk per word, usage last (``stream_options``);
                ``drop`` closes the connection halfway through."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                words = re.findall(r"\S+\s*", text)
                base = {
                    "id": "chatcmpl-s",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": model,
                }
                for i, word in enumerate(words):
                    if drop and i == len(words) // 2:
                        self.wfile.write(b"data: {not json\n\n")
                        self.wfile.flush()
                        return
                    chunk = {
                        **base,
                        "choices": [
                            {"index": 0, "delta": {"content": word}, "finish_reason": None}
                        ],
                    }
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                done = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                usage = {
                    **base,
                    "choices": [],
                    "usage": {
                        "prompt_tokens": used,
                        "completion_tokens": max(1, len(text) // 4),
                        "total_tokens": used + max(1, len(text) // 4),
                    },
                }
                for payload in (done, usage):
                    self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def fail(self, path: str, *faults: int | str) -> None:
        self.faults[path].extend(faults)

    def reply(self, *texts: str) -> None:
        """Queue chat replies (raw assistant text), used before the grounded default."""
        self.replies.extend(texts)

    def chat_requests(self) -> list[dict[str, Any]]:
        return [body for path, body in self.requests if path == CHAT]

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
