"""Encoding in one background thread, ahead of the code that needs the vectors.

Ingest is encode, write, encode, write... The encoder does not hold the GIL while it works
(ONNX Runtime's ``run``; an API embedder's network wait), so the main thread can open the store,
plan, and write the previous batch to Chroma meanwhile. One worker thread runs the batches in the
order they were submitted.

Batches may be ``guess``-ed before the caller knows it will need them (ingest guesses that the
store holds none of the page's chunks, and starts encoding while the store opens): guesses are
the batches the caller expects to ask for first, in order. A ``take`` of the next guessed texts
gets that guess; any other ``take`` means the guess was wrong, and every guess left is
cancelled (one already running finishes and is thrown away), so a wrong guess costs at most
the batches encoded before the caller knew better.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

import numpy as np

from .embeddings import Embedder


class EncodeAhead:
    def __init__(self, embedder: Embedder, batch_size: int = 32) -> None:
        self.embedder = embedder
        self.batch_size = batch_size
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="profile-agent-encode")
        self._guesses: deque[tuple[tuple[str, ...], Future[np.ndarray]]] = deque()

    def warm(self) -> None:
        """Load the encoder in the worker now, if it has something to load (``warm``)."""
        warm = getattr(self.embedder, "warm", None)
        if callable(warm):
            self._pool.submit(warm)

    def _submit(self, texts: Sequence[str]) -> Future[np.ndarray]:
        return self._pool.submit(self.embedder.embed, list(texts), self.batch_size)

    def guess(self, texts: Sequence[str]) -> None:
        """Start encoding ``texts``, expected to be asked for (after earlier guesses)."""
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

    def close(self) -> None:
        """Cancel what has not started and wait for the batch that has (one batch at most)."""
        self.drop_guesses()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> EncodeAhead:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
