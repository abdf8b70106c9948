"""Symbol vectors in Chroma: embedded under the index folder, or a Chroma server via `chroma_url`.

Vectors are keyed by the hash of the text they embed, so identical texts share one vector and
a re-index of unchanged code adds nothing. We always pass our own vectors: Chroma's default
embedding function downloads a model at run time, so collections are created without one.
chromadb itself is imported on first use (it takes seconds).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from kenning.errors import ConfigError, StorageError

if TYPE_CHECKING:  # numpy loads with the first vector, not with every command
    import numpy as np


log = logging.getLogger(__name__)

_ADD_BATCH = 4_000  # below Chroma's maximum batch size


def collection_name(embedder_key: str, root: Path, kind: str = "symbols") -> str:
    """One collection per project, kind ('symbols', 'decisions') and embedding variant (a shared server
    holds many projects)."""
    digest = hashlib.blake2b(f"{root}|{embedder_key}".encode(), digest_size=8).hexdigest()
    return f"kenning-{kind}-{digest}"


class VectorStore:
    def __init__(self, index_dir: Path, collection: str, chroma_url: str | None = None) -> None:
        self.path = index_dir / "chroma"
        self.name = collection
        self.chroma_url = chroma_url
        self._collection = None

    @property
    def identity(self) -> str:
        """Where the vectors live: switching `chroma_url` means the new place starts empty."""
        return f"{self.name}@{self.chroma_url or 'embedded'}"

    @property
    def collection(self):
        if self._collection is None:
            try:
                client = self._client()
                self._collection = client.get_or_create_collection(
                    self.name, embedding_function=None, metadata={"hnsw:space": "cosine"}
                )
            except ConfigError:
                raise
            except Exception as e:  # chromadb raises many kinds; all mean "unusable"
                where = self.chroma_url or str(self.path)
                raise StorageError(f"cannot open the vector store at {where}: {e}") from e
        return self._collection

    def _client(self):
        import chromadb

        settings = chromadb.Settings(anonymized_telemetry=False)
        if not self.chroma_url:
            self.path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(self.path), settings=settings)
        url = urlparse(self.chroma_url if "://" in self.chroma_url else f"http://{self.chroma_url}")
        if not url.hostname:
            raise ConfigError(f"chroma_url {self.chroma_url!r} is not a URL like http://host:8000")
        https = url.scheme == "https"
        return chromadb.HttpClient(host=url.hostname, port=url.port or (443 if https else 8000), ssl=https,
                                   settings=settings)

    def add(self, ids: list[str], vectors: np.ndarray) -> None:
        try:
            for start in range(0, len(ids), _ADD_BATCH):
                self.collection.upsert(ids=ids[start:start + _ADD_BATCH],
                                       embeddings=vectors[start:start + _ADD_BATCH])
        except StorageError:
            raise
        except Exception as e:
            raise StorageError(f"cannot write vectors to {self.name}: {e}") from e

    def delete(self, ids: list[str]) -> None:
        try:
            for start in range(0, len(ids), _ADD_BATCH):
                self.collection.delete(ids=ids[start:start + _ADD_BATCH])
        except StorageError:
            raise
        except Exception as e:
            raise StorageError(f"cannot delete vectors from {self.name}: {e}") from e

    def query(self, vector: np.ndarray, limit: int) -> list[tuple[str, float]]:
        """(id, cosine similarity), best first."""
        try:
            # No count() first: Chroma 1.x answers a short or empty collection with fewer ids, and
            # the extra call was a fifth of a search on a 50k-symbol index.
            found = self.collection.query(query_embeddings=[vector], n_results=limit, include=["distances"])
        except StorageError:
            raise
        except Exception as e:
            raise StorageError(f"cannot query the vector store {self.name}: {e}") from e
        return [(i, 1.0 - float(d)) for i, d in zip(found["ids"][0], found["distances"][0])]

    def count(self) -> int:
        try:
            return self.collection.count()
        except StorageError:
            raise
        except Exception as e:
            raise StorageError(f"cannot count the vectors in {self.name}: {e}") from e

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors by id (missing ids are left out)."""
        if not ids:
            return {}
        try:
            got = self.collection.get(ids=ids, include=["embeddings"])
        except StorageError:
            raise
        except Exception as e:
            raise StorageError(f"cannot read vectors from {self.name}: {e}") from e
        import numpy as np

        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"])}
