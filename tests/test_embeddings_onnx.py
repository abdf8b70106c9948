"""The ONNX Runtime backend: exported offline from the bundled model folder into a cache, vectors equal to
torch's, and a process that only embeds never imports torch once the export exists."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from conftest import STDLIB
from kenning.embedding.encoder import Embedder
from kenning.store.embedded_text import embedding_text


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Real symbol texts of very different lengths, so batches are padded."""
    import ast

    source = (STDLIB / "textwrap.py").read_text()
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            segment = ast.get_source_segment(source, node)
            out.append(embedding_text(segment.splitlines()[0], ast.get_docstring(node) or "", segment))
    return out + ["x", "split a paragraph into lines"]


def test_onnx_vectors_match_torch_and_int8_stays_close(model_cache, texts, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    onnx = Embedder(backend="onnx", cache_dir=model_cache, batch_size=8).encode(texts)
    torch = Embedder(backend="torch", batch_size=8).encode(texts)
    int8 = Embedder(backend="onnx", quantize=True, cache_dir=model_cache, batch_size=8).encode(texts)

    assert onnx.shape == torch.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-4)
    assert (onnx * torch).sum(axis=1).min() > 0.9999
    assert (int8 * torch).sum(axis=1).mean() > 0.95
    # The export lives in the cache folder given, not in the package or the project.
    assert sorted(p.name for p in next(model_cache.iterdir()).iterdir()) == [
        "info.json", "model.onnx", "model.uint8.onnx", "tokenizer.json"]


def test_cached_vectors_are_shared_only_between_equal_variants():
    assert Embedder(backend="onnx").key == Embedder(backend="torch").key  # fp32: the same vectors
    keys = {Embedder(backend="onnx", quantize=True).key, Embedder(backend="torch", quantize=True).key,
            Embedder(backend="onnx").key, Embedder(backend="onnx", max_tokens=256).key}
    assert len(keys) == 4


def test_embedding_with_the_export_in_place_never_imports_torch(model_cache, texts):
    Embedder(backend="onnx", cache_dir=model_cache).encode(texts[:1])  # the export exists from here on
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from kenning.embedding.encoder import Embedder
        vectors = Embedder(backend="onnx", cache_dir=Path({str(model_cache)!r})).encode(["wrap text to a width"])
        print(vectors.shape, "torch" in sys.modules, "transformers" in sys.modules)
    """)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["(1,", "384)", "False", "False"]


def test_one_thread_encodes_give_the_same_vectors_as_the_default_session(model_cache, texts):
    """Search embeds its query on the one-thread session beside its lexical query; exists and indexing use
    the default one. Both must place a text at the same point, or a query would miss what an index holds."""
    embedder = Embedder(backend="onnx", quantize=True, cache_dir=model_cache, batch_size=8)
    pooled = embedder.encode(texts)
    alone = embedder.encode(texts, one_thread=True)
    assert (pooled * alone).sum(axis=1).min() > 0.99999


def test_an_unreadable_onnx_file_is_a_clear_configuration_error(model_cache, texts, tmp_path):
    from kenning.errors import ConfigError
    from kenning.embedding import onnx_model

    Embedder(backend="onnx", cache_dir=model_cache).encode(texts[:1])  # a good export to copy
    broken = tmp_path / "broken"
    broken.mkdir()
    exported = next(model_cache.iterdir())
    for name in ("info.json", "tokenizer.json"):
        (broken / name).write_bytes((exported / name).read_bytes())
    (broken / "model.onnx").write_bytes((exported / "model.onnx").read_bytes()[:4096])  # cut short: a full disk
    encoder = onnx_model.OnnxEncoder(broken / "model.onnx", 64)
    with pytest.raises(ConfigError, match="cannot load .*model.onnx.*delete that folder"):
        encoder.encode(["wrap text to a width"])
