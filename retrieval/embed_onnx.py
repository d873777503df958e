"""all-MiniLM-L6-v2 as an ONNX Runtime graph built from the packaged safetensors weights.

The graph is built here with the ``onnx`` helper API (no export from torch, nothing downloaded)
and uses ONNX Runtime's fused transformer kernels where they are the fast ones: ``Attention``
(QKV projection, scaled dot-product with the padding mask and softmax in one op) and
``BiasGelu`` (exact erf GELU). The residual + bias + LayerNorm steps are plain ``Add`` and
``LayerNormalization``: ONNX Runtime's fused ``SkipLayerNormalization`` CPU kernel took 14% of
the encoder's time against 4% for the plain ops (measured with ONNX Runtime's profiler on 8 x
256-token batches; the whole graph is 13% faster). Mean pooling and L2 normalisation are in the
graph too, so one ``run`` returns the sentence-transformers vectors.

Building takes about a second, so the serialised graph is cached in the user cache directory
under the SHA-256 of the weights (and the builder's version): a changed weights file or a
changed builder gets a fresh graph, never a stale one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

# Bump when the graph below changes: cached graphs of older versions are then ignored.
GRAPH_VERSION = 2
_OPSET = 18
_MS_DOMAIN = "com.microsoft"


def cache_dir() -> Path:
    """Where built graphs are kept (``PROFILE_AGENT_CACHE_DIR`` overrides the user cache dir)."""
    override = os.environ.get("PROFILE_AGENT_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("profile-agent"))


def weights_digest(path: Path) -> str:
    """SHA-256 of the weights file, remembered per (path, size, mtime) so a start re-reads
    90 MB only when the file changed."""
    st = path.stat()
    stamp = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    memo_path = cache_dir() / "weights-digests.json"
    try:
        memo = json.loads(memo_path.read_text())
    except (OSError, ValueError):
        memo = {}
    if isinstance(memo, dict) and isinstance(memo.get(stamp), str):
        return memo[stamp]
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    memo = {stamp: digest}  # one weights file in use at a time; keep the memo tiny
    _write_atomic(memo_path, json.dumps(memo).encode())
    return digest


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file + rename; silently skip if unwritable
    (a cache is an optimisation, not a requirement)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        pass


def build_graph(model_path: Path, cfg: dict[str, Any]) -> bytes:
    """The serialised ONNX model for the BERT encoder + mean pooling + L2 normalisation.

    Inputs: ``input_ids`` int64 [batch, seq], ``attention_mask`` int32 [batch, seq] (right
    padding). Output: ``embeddings`` float32 [batch, hidden], unit rows.
    """
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    w = load_file(str(model_path / "model.safetensors"))
    hidden = int(cfg["hidden_size"])
    heads = int(cfg["num_attention_heads"])
    layers = int(cfg["num_hidden_layers"])
    eps = float(cfg["layer_norm_eps"])
    inits: list[Any] = []
    nodes: list[Any] = []

    def init(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def linear(key: str) -> tuple[np.ndarray, np.ndarray]:
        # torch Linear stores [out, in]; MatMul wants [in, out].
        return w[key + ".weight"].T.astype(np.float32), w[key + ".bias"].astype(np.float32)

    def node(op: str, inputs: list[str], out: str, domain: str = "", **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [out], name=out, domain=domain, **attrs))
        return out

    def residual_norm(value: str, bias: str, residual: str, norm: str, out: str) -> str:
        """LayerNorm(value + bias + residual), the residual step after attention and FFN."""
        biased = node("Add", [value, bias], f"{out}_biased")
        summed = node("Add", [biased, residual], f"{out}_sum")
        return node(
            "LayerNormalization", [summed, f"{norm}_w", f"{norm}_b"], out, axis=-1, epsilon=eps
        )

    # Embeddings: word + position (+ token type 0, folded into the position table) -> LayerNorm.
    e = "embeddings."
    init("word_emb", w[e + "word_embeddings.weight"].astype(np.float32))
    init(
        "pos_type_emb",
        (w[e + "position_embeddings.weight"] + w[e + "token_type_embeddings.weight"][0]).astype(
            np.float32
        ),
    )
    init("zero_1d", np.array([0], dtype=np.int64))
    init("one_1d", np.array([1], dtype=np.int64))
    init("two_1d", np.array([2], dtype=np.int64))
    node("Shape", ["input_ids"], "ids_shape")
    node("Slice", ["ids_shape", "one_1d", "two_1d"], "seq_len")
    node("Slice", ["pos_type_emb", "zero_1d", "seq_len", "zero_1d"], "pos_rows")
    node("Gather", ["word_emb", "input_ids"], "tok_rows")
    node("Add", ["tok_rows", "pos_rows"], "emb_sum")
    init("emb_ln_w", w[e + "LayerNorm.weight"].astype(np.float32))
    init("emb_ln_b", w[e + "LayerNorm.bias"].astype(np.float32))
    x = node(
        "LayerNormalization", ["emb_sum", "emb_ln_w", "emb_ln_b"], "emb_out", axis=-1, epsilon=eps
    )

    for i in range(layers):
        p = f"encoder.layer.{i}."
        qw, qb = linear(p + "attention.self.query")
        kw, kb = linear(p + "attention.self.key")
        vw, vb = linear(p + "attention.self.value")
        init(f"l{i}_qkv_w", np.concatenate([qw, kw, vw], axis=1))
        init(f"l{i}_qkv_b", np.concatenate([qb, kb, vb]))
        ctx = node(
            "Attention",
            [x, f"l{i}_qkv_w", f"l{i}_qkv_b", "attention_mask"],
            f"l{i}_ctx",
            domain=_MS_DOMAIN,
            num_heads=heads,
        )
        ow, ob = linear(p + "attention.output.dense")
        init(f"l{i}_ao_w", ow)
        init(f"l{i}_ao_b", ob)
        init(f"l{i}_ln1_w", w[p + "attention.output.LayerNorm.weight"].astype(np.float32))
        init(f"l{i}_ln1_b", w[p + "attention.output.LayerNorm.bias"].astype(np.float32))
        proj = node("MatMul", [ctx, f"l{i}_ao_w"], f"l{i}_attn_proj")
        x = residual_norm(proj, f"l{i}_ao_b", x, f"l{i}_ln1", f"l{i}_attn_out")
        iw, ib = linear(p + "intermediate.dense")
        init(f"l{i}_in_w", iw)
        init(f"l{i}_in_b", ib)
        inter = node("MatMul", [x, f"l{i}_in_w"], f"l{i}_inter_mm")
        inter = node("BiasGelu", [inter, f"l{i}_in_b"], f"l{i}_inter", domain=_MS_DOMAIN)
        fw, fb = linear(p + "output.dense")
        init(f"l{i}_out_w", fw)
        init(f"l{i}_out_b", fb)
        init(f"l{i}_ln2_w", w[p + "output.LayerNorm.weight"].astype(np.float32))
        init(f"l{i}_ln2_b", w[p + "output.LayerNorm.bias"].astype(np.float32))
        ffn = node("MatMul", [inter, f"l{i}_out_w"], f"l{i}_ffn")
        x = residual_norm(ffn, f"l{i}_out_b", x, f"l{i}_ln2", f"l{i}_out")

    # Mean pooling over real tokens, then L2 normalisation (as sentence-transformers does).
    init("axis1", np.array([1], dtype=np.int64))
    init("axis2", np.array([2], dtype=np.int64))
    init("tiny_count", np.array(1e-9, dtype=np.float32))
    init("tiny_norm", np.array(1e-12, dtype=np.float32))
    node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    node("Unsqueeze", ["mask_f", "axis2"], "mask_3d")
    node("Mul", [x, "mask_3d"], "masked")
    node("ReduceSum", ["masked", "axis1"], "summed", keepdims=0)
    node("ReduceSum", ["mask_f", "axis1"], "count", keepdims=1)
    node("Max", ["count", "tiny_count"], "count_safe")
    node("Div", ["summed", "count_safe"], "pooled")
    node("ReduceL2", ["pooled", "axis1"], "norm", keepdims=1)
    node("Max", ["norm", "tiny_norm"], "norm_safe")
    node("Div", ["pooled", "norm_safe"], "embeddings")

    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT32, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", hidden])],
        initializer=inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", _OPSET), helper.make_opsetid(_MS_DOMAIN, 1)],
        producer_name="profile-agent",
    )
    model.ir_version = 8
    return model.SerializeToString()


def graph_file(model_path: Path, cfg: dict[str, Any]) -> Path | bytes:
    """The cached graph for these weights, built on first use; the bytes if it cannot be cached."""
    digest = weights_digest(model_path / "model.safetensors")
    target = cache_dir() / "onnx" / f"minilm-{digest[:16]}-g{GRAPH_VERSION}.onnx"
    if target.is_file():
        return target
    data = build_graph(model_path, cfg)
    _write_atomic(target, data)
    return target if target.is_file() else data


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def make_session(model_path: Path, cfg: dict[str, Any], threads: int | None = None):
    """An ONNX Runtime CPU session for the encoder graph (``onnxruntime.InferenceSession``)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    env_threads = os.environ.get("PROFILE_AGENT_ENCODER_THREADS", "").strip()
    opts.intra_op_num_threads = threads or (int(env_threads) if env_threads.isdigit() else 0)
    opts.intra_op_num_threads = opts.intra_op_num_threads or available_cores()
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    # Idle workers sleep instead of spinning: on a shared or busy machine spinning threads
    # steal the cores the work needs (benchmarks/encoder_bench.py measures the setting).
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    src = graph_file(model_path, cfg)
    if isinstance(src, Path):
        try:
            return ort.InferenceSession(
                str(src), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        except Exception:  # a damaged cache file (ORT raises its own types): build afresh
            src.unlink(missing_ok=True)
            src = build_graph(model_path, cfg)
    return ort.InferenceSession(src, sess_options=opts, providers=["CPUExecutionProvider"])
