"""``serve``: the HTTP API and the web page under uvicorn."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from ._common import StoreOpt, err, handle_errors

app = typer.Typer()

LOOPBACK = "127.0.0.1"


@app.command()
@handle_errors
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = LOOPBACK,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to bind.")] = 8000,
    store: StoreOpt = None,
) -> None:
    """The HTTP API (/api, OpenAPI at /docs) and the web page (/), over the same store."""
    import uvicorn

    from agent.settings import load_settings
    from interface.http import create_app

    settings = load_settings(store_dir=store)
    if settings.api_token is None and not _is_loopback(host):
        err.print(
            f"PROFILE_AGENT_API_TOKEN is not set: serving on {LOOPBACK} only, not {host!r} "
            "(set the token to accept writes from other machines)",
            highlight=False,
        )
        host = LOOPBACK
    elif settings.api_token is None:
        err.print(
            f"PROFILE_AGENT_API_TOKEN is not set: writes are open to local users; binding "
            f"{host} only",
            highlight=False,
        )
    err.print(
        f"profile-agent on http://{host}:{port}/ (API docs /docs), store "
        f"{settings.store_config().describe()}",
        highlight=False,
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
