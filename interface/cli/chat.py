"""Chat commands: ``ask`` (one question) and ``chat`` (a REPL with history)."""

from __future__ import annotations

import sys
from typing import Annotated, Literal

import typer

from retrieval.cleaning import terminal_safe
from retrieval.errors import ProfileAgentError, UserError

from ._common import JsonOpt, StoreOpt, err, handle_errors, out, workspace

app = typer.Typer()

ProfileArg = Annotated[str, typer.Argument(help="Profile id, owner name or id prefix.")]
IdentityOpt = Annotated[
    str | None,
    typer.Option("--identity", help="On a mixed page: the person to ask about (e.g. I2)."),
]
LLMOpt = Annotated[
    str | None,
    typer.Option("--llm", help="Answerer: offline (default) or openai.", show_default=False),
]
SessionOpt = Annotated[
    str | None,
    typer.Option(
        "--session", help="Session id: follow-ups see its earlier turns (kept in the store)."
    ),
]


def _llm(llm: str | None) -> Literal["offline", "openai"] | None:
    if llm is None:
        return None
    if llm == "offline":
        return "offline"
    if llm == "openai":
        return "openai"
    raise UserError(f"--llm {llm!r} is not an answerer; use 'offline' or 'openai'")


@app.command()
@handle_errors
def ask(
    profile: ProfileArg,
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    identity: IdentityOpt = None,
    llm: LLMOpt = None,
    session: SessionOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer one question about a researcher's papers, cited ([P3], [page]) and verified."""
    from agent.chat import to_json, to_markdown

    ws = workspace(store)
    stream = None if as_json else _streamer()
    answer = ws.ask(profile, question, identity, _llm(llm), session, on_token=stream)
    if stream is not None and answer.llm == "openai":
        err.print()  # end the streamed draft; the verified answer follows on stdout
    for warning in answer.warnings:
        err.print(f"warning: {warning}", highlight=False, markup=False)
    sys.stdout.write(to_json(answer) if as_json else terminal_safe(to_markdown(answer)))


def _streamer():
    def on_token(text: str) -> None:
        # A model's text is untrusted: an escape sequence in it must not reach the terminal.
        err.print(terminal_safe(text), end="", style="dim", highlight=False, markup=False)

    return on_token


@app.command()
@handle_errors
def chat(
    profile: ProfileArg,
    identity: IdentityOpt = None,
    llm: LLMOpt = None,
    session: SessionOpt = None,
    store: StoreOpt = None,
) -> None:
    """Chat about a researcher's work. Commands: /identity I2, /sources, /history, /exit."""
    from agent.chat import new_session_id, to_markdown

    ws = workspace(store)
    prof = ws.resolve(profile)
    session_id = session or new_session_id()
    choice = _llm(llm)
    ctx = ws.chat_context(prof.id)
    who = prof.name or prof.id
    out.print(
        f"Chat about {who} (session {session_id}). Ask about the papers; /exit to leave.",
        highlight=False,
        markup=False,
    )
    if ctx.mixed and ctx.identities:
        people = "; ".join(f"{i.id}: {i.label}" for i in ctx.identities.identities)
        out.print(
            f"This page mixes people ({people}). /identity ID to pick one.",
            highlight=False,
            markup=False,
        )
    last = None
    sources: dict[str, str] = {}
    history: list[tuple[str, str]] = []
    while True:
        try:
            line = input("> ") if sys.stdin.isatty() else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            break
        if line == "":  # EOF on a pipe
            break
        line = line.strip()
        if not line:
            continue
        if line in ("/exit", "/quit"):
            break
        if line.startswith("/identity"):
            parts = line.split()
            wanted = parts[1] if len(parts) > 1 else None
            known = [i.id for i in ctx.identities.identities] if ctx.identities else []
            if wanted is not None and wanted not in known:
                err.print(
                    f"error: no identity {wanted!r} here (identities: {', '.join(known) or 'none: one person'})",
                    highlight=False,
                    markup=False,
                )
                continue
            identity = wanted
            out.print(f"identity: {identity or 'primary'}", highlight=False, markup=False)
            continue
        if line == "/sources":
            refs = sources
            for label, text in refs.items():
                out.print(terminal_safe(f"[{label}] {text}"), highlight=False, markup=False)
            if not refs:
                out.print("no sources yet", highlight=False, markup=False)
            continue
        if line == "/history":
            for q, a in history:
                out.print(f"Q: {q}\nA: {a}", highlight=False, markup=False)
            continue
        if line.startswith("/"):
            out.print(
                "commands: /identity ID, /sources, /history, /exit", highlight=False, markup=False
            )
            continue
        try:
            last = ws.ask(
                prof.id,
                line,
                identity,
                choice,
                session_id,
                on_token=_streamer(),
            )
        except ProfileAgentError as exc:  # one bad turn does not end the chat
            err.print(f"error: {terminal_safe(str(exc))}", highlight=False, markup=False)
            continue
        except KeyboardInterrupt:  # Ctrl-C stops this answer, as in a shell; again to leave
            err.print("\n(answer interrupted)", highlight=False, markup=False)
            continue
        sources = last.references or sources
        if last.llm == "openai":
            err.print()
        for warning in last.warnings:
            err.print(f"warning: {warning}", highlight=False, markup=False)
        out.print(
            terminal_safe(to_markdown(last, sources=False).rstrip()), highlight=False, markup=False
        )
        history.append((line, last.text))
    out.print("bye", highlight=False, markup=False)
