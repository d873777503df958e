"""Encoding in one background thread, ahead of the code that needs the vectors.

Ingest is encode, write, encode, write... A local encoder does not hold the GIL while it works
(ONNX Runtime's ``run``), so the main thread can open the store, plan, and write the previous
batch to Chroma meanwhile. One worker thread runs the batches in the order they were submitted.
An embedder that is not ``local`` (an API) is called in the caller's thread, as it was: a
network call with retries could not be interrupted in a worker (Ctrl-C would wait for it), and
page text goes out only when the caller asks for it.

Batches may be ``guess``-ed before the caller knows it will need them (ingest guesses that the
store holds none of the page's chunks, and starts encoding while the store opens): guesses are
the batches the caller expects to ask for first, in order. A ``take`` of the next guessed texts
gets that guess; any other ``take`` means the guess was wrong, and every guess left is
cancelled (one already running finishes and is thrown away), so a wrong guess costs at most
the batches encoded before the caller knew better.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

import numpy as np

from .embeddings import Embedder


class EncodeAhead:
    def __init__(self, embedder: Embedder, batch_size: int = 32) -> None:
        self.embedder = embedder
        self.batch_size = batch_size
        self.ahead = bool(getattr(embedder, "local", False))
        self._pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="profile-agent-encode")
            if self.ahead
            else None
        )
        self._guesses: deque[tuple[tuple[str, ...], Future[np.ndarray]]] = deque()

    def then(self, work: Callable[[], object]) -> None:
        """Run ``work`` in the worker after what is queued (``close`` waits for it; an error
        in it is dropped: it only prepares what its caller would otherwise do itself).
        Nothing to prepare ahead without a worker."""
        if self._pool is not None:
            self._pool.submit(work)

    def _submit(self, texts: Sequence[str]) -> Future[np.ndarray]:
        if self._pool is not None:
            return self._pool.submit(self.embedder.embed, list(texts), self.batch_size)
        done: Future[np.ndarray] = Future()  # in this thread, now: errors raise here
        done.set_result(self.embedder.embed(list(texts), self.batch_size))
        return done

    def guess(self, texts: Sequence[str]) -> None:
        """Start encoding ``texts``, expected to be asked for (after earlier guesses); only
        with a worker (a local encoder)."""
        if self._pool is not None:
            self._guesses.append((tuple(texts), self._submit(texts)))

    def take(self, texts: Sequence[str]) -> Future[np.ndarray]:
        """The vectors of ``texts`` (rows in order), to come: the next guess if it holds
        exactly these texts, else a new batch (and the guesses are dropped)."""
        if self._guesses and self._guesses[0][0] == tuple(texts):
            return self._guesses.popleft()[1]
        self.drop_guesses()
        return self._submit(texts)

    def drop_guesses(self) -> None:
        for _, future in self._guesses:
            future.cancel()
        self._guesses.clear()

    def close(self, cancel: bool = False) -> None:
        """Wait for the worker to finish what is queued; with ``cancel`` (leaving on an error),
        only for the batch being encoded: the rest is cancelled."""
        self.drop_guesses()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)

    def __enter__(self) -> EncodeAhead:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(cancel=exc_type is not None)
