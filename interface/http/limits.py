"""A size limit on every request body but an upload's (which has its own, see
``routes/profiles.py``): a chat question or a list of corrections is small, and a body is
read whole before it is parsed, so a huge one (or an endless chunked one) is refused as it
streams in."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 1024 * 1024
UPLOAD = ("POST", "/api/profiles")
# Past the limit, up to this much more is still read (and thrown away) before the 413: a
# server that closes with unread bytes resets the connection, and the client may lose the
# answer that says why. Anything larger is cut off (the client may then see a reset).
DRAIN = 8 * 1024 * 1024


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"].rstrip("/")) == UPLOAD:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes + DRAIN:
            await self._refuse(send)
            return
        # Read the body here, counting, then hand it on: it is small by then.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await drain(receive, message, size, self.max_bytes + DRAIN)
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        """Answer 413 (the body has been drained or is past draining)."""
        message = (
            f"the request body is over {self.max_bytes // 1024} KB; a question or a list of "
            "corrections is far smaller (pages go to POST /api/profiles)"
        )
        body = json.dumps(
            {"error": {"type": "PayloadTooLarge", "message": message, "status": 413}}
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def drain(receive: Receive, last: Message, size: int, up_to: int) -> None:
    """Read and drop the rest of a refused body, until it ends or ``up_to`` bytes in all."""
    while last["type"] == "http.request" and last.get("more_body", False) and size <= up_to:
        last = await receive()
        size += len(last.get("body", b""))
