"""The embedding model as an ONNX Runtime session: about 1.5-2x the torch throughput on this CPU, and a
process that only queries never imports torch (hundreds of MB less resident memory).

The ONNX file is derived at run time from the sentence-transformers folder (offline: the bundled model
needs no network) into a cache folder, once per machine and model variant: the whole sentence-
transformers pipeline (transformer, pooling, normalization) is traced, so the vectors match torch's.
Optional int8 weights come from ONNX Runtime's dynamic quantization (uint8 weights: on AVX2 without
VNNI the signed variant lost more quality in our measurement). Nothing derived is committed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from kenning.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

EXPORT_VERSION = "2"  # bump when the exported graph changes, so old caches are not reused
_FP32 = "model.onnx"
_INT8 = "model.uint8.onnx"
_INFO = "info.json"


def default_cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(base).expanduser() / "kenning" / "models"


def artefact_dir(location: str, cache_root: Path) -> Path:
    """The cache folder of one model folder: named by its path and weights' size and mtime, so a changed
    model (or a new export format) gets a fresh export."""
    stamp = [EXPORT_VERSION, str(Path(location).resolve())]
    for weights in sorted(Path(location).glob("*.safetensors")) + sorted(Path(location).glob("*.bin")):
        info = weights.stat()
        stamp.append(f"{weights.name}:{info.st_size}:{info.st_mtime_ns}")
    digest = hashlib.blake2b("|".join(stamp).encode(), digest_size=8).hexdigest()
    return cache_root / f"{Path(location).name}-{digest}"


def ensure_exported(location: str, cache_root: Path, quantize: bool) -> Path:
    """The ONNX file for `location` (exported, and quantized, on first use); returns its path."""
    folder = artefact_dir(location, cache_root)
    if not (folder / _FP32).is_file():
        _export(location, folder)
    if quantize and not (folder / _INT8).is_file():
        _quantize(folder)
    return folder / (_INT8 if quantize else _FP32)


def _export(location: str, folder: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    log.info("exporting %s to ONNX under %s (once per machine)", location, folder)
    model = SentenceTransformer(location, device="cpu").eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            out = self.model({"input_ids": input_ids, "attention_mask": attention_mask})["sentence_embedding"]
            return torch.nn.functional.normalize(out, dim=1)

    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=folder.parent))
    try:
        ids = torch.ones((2, 8), dtype=torch.long)
        mask = torch.ones((2, 8), dtype=torch.long)
        mask[1, 5:] = 0  # a padded row, so the trace keeps the masking path
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about shapes: the test compares vectors instead
            torch.onnx.export(
                Pooled(), (ids, mask), str(work / _FP32), dynamo=False, opset_version=17,
                input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                              "embedding": {0: "batch"}},
            )
        model.tokenizer.backend_tokenizer.save(str(work / "tokenizer.json"))
        info = {"max_seq_length": model.max_seq_length, "dimension": model.get_embedding_dimension()}
        (work / _INFO).write_text(json.dumps(info))
        _publish(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _quantize(folder: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    work = Path(tempfile.mkdtemp(prefix=".quantize-", dir=folder))
    quiet = logging.getLogger()  # the quantizer logs advice about pre-processing on the root logger
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(folder / _FP32), str(work / _INT8), weight_type=QuantType.QUInt8)
        os.replace(work / _INT8, folder / _INT8)  # atomic: a reader never sees half a file
    finally:
        quiet.setLevel(level)
        shutil.rmtree(work, ignore_errors=True)


def _publish(work: Path, folder: Path) -> None:
    """Move a finished export into place; another process that got there first wins."""
    try:
        os.rename(work, folder)
    except OSError:
        if not (folder / _FP32).is_file():
            raise


class OnnxEncoder:
    """Tokenizer + ONNX Runtime sessions; `encode` takes one batch and returns unit vectors.

    Two sessions over one file, each made on first use. The default one runs on every core, with
    ONNX Runtime's worker threads spinning between operators: the fastest for a batch (2-11% over
    not spinning, three rounds of 1,600 texts) and for one text alone (an exists probe's text:
    5.4-6.3 ms against 8.3-8.6 ms on one thread). `one_thread=True` runs on one thread with no pool, for an encode beside other CPU
    work: spinning workers would hold both cores just when search's lexical query needs one
    (docs/benchmarks.md, "Search latency")."""

    def __init__(self, model_file: Path, max_tokens: int, threads: int = 0) -> None:
        from tokenizers import Tokenizer

        folder = model_file.parent
        info = json.loads((folder / _INFO).read_text())
        self.model_file = model_file
        self.threads = threads
        self.max_seq_length = min(max_tokens, info["max_seq_length"] or max_tokens)
        self.dimension = int(info["dimension"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_seq_length)
        pad = self.tokenizer.token_to_id("[PAD]")
        self.tokenizer.enable_padding(pad_id=pad if pad is not None else 0)
        self._sessions: dict[bool, object] = {}
        self._lock = threading.Lock()

    def encode(self, texts: list[str], one_thread: bool = False) -> np.ndarray:
        import numpy as np

        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        return self._session(one_thread).run(None, {"input_ids": ids, "attention_mask": mask})[0]

    def _session(self, one_thread: bool):
        with self._lock:
            session = self._sessions.get(one_thread)
            if session is None:
                session = self._sessions[one_thread] = self._new_session(one_thread)
            return session

    def _new_session(self, one_thread: bool):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = 1 if one_thread else self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # its warnings about unused initializers are noise to a user
        try:
            return ort.InferenceSession(str(self.model_file), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # ONNX Runtime's own errors (InvalidProtobuf, NoSuchFile...) derive from Exception
            raise ConfigError(f"ONNX Runtime cannot load {self.model_file}: {e}; delete that folder to export"
                              " the model again, or set embed_backend = 'torch'") from e
