"""Near-clone lookup: MinHash over k-token shingles of a symbol's normalized `shape`, with LSH bands.

Two definitions whose shingle sets overlap by Jaccard J agree on one MinHash value with
probability J, so on all ROWS values of a band with J**ROWS; with BANDS bands, a pair at J=0.5
shares at least one band with probability ~0.64 and a pair at J=0.8 with ~0.9999. Bands are
stored as integers in SQLite; exact Jaccard is then computed on the few candidates.

That exact comparison ignores grouping parentheses (`comparable_tokens`): formatters and people add
and drop them freely (`return (a, b)`, `for (k, v) in ...`), and in a short definition two of them
change a third of its shingles. Bands keep the raw shape, so stored bands stay valid.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING


SHINGLE = 4  # tokens per shingle
BANDS = 16
ROWS = 4
MIN_TOKENS = 12  # shorter definitions are too generic to call copies by shape
_GROUPING = frozenset({"(", ")"})
if TYPE_CHECKING:
    import numpy as np


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """(seeds, odd multipliers), one per permutation; numpy is imported on first use."""
    import numpy as np

    rng = np.random.default_rng(20240611)  # fixed: band values must be stable across runs
    seeds = rng.integers(1, 2**63, size=BANDS * ROWS, dtype=np.uint64)
    multipliers = rng.integers(1, 2**63, size=BANDS * ROWS, dtype=np.uint64) | np.uint64(1)
    return seeds, multipliers


def shingles(shape: str) -> set[bytes]:
    words = shape.split()
    if len(words) < SHINGLE:
        return {" ".join(words).encode()} if words else set()
    # The words as bytes (no UTF-8 sequence holds a space), joined SHINGLE at a time in C.
    tokens = " ".join(words).encode().split(b" ")
    return set(map(b" ".join, zip(*(tokens[k:] for k in range(SHINGLE)))))


def comparable_tokens(shape: str) -> list[str]:
    """The shape's tokens without grouping parentheses: what two near copies are compared on."""
    return [token for token in shape.split() if token not in _GROUPING]


def comparable_shingles(shape: str) -> Counter[bytes]:
    """Shingles of `comparable_tokens` with their counts, compared as multisets (`multiset_jaccard`):
    in repetitive code (ten `x=x` keyword arguments) a set holds few distinct shingles, and one edit
    would weigh as much as a third of the definition."""
    return shingle_counts(comparable_tokens(shape))


def shingle_counts(tokens: list[str]) -> Counter[bytes]:
    if len(tokens) < SHINGLE:
        return Counter([" ".join(tokens).encode()] if tokens else ())
    # Joined and split once as bytes, then glued SHINGLE at a time and counted in C: this runs on
    # every candidate of every exists query.
    words = " ".join(tokens).encode().split(b" ")
    return Counter(map(b" ".join, zip(*(words[k:] for k in range(SHINGLE)))))


def jaccard(a: set[bytes], b: set[bytes]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def multiset_jaccard(a: Counter[bytes], b: Counter[bytes]) -> float:
    """Shared occurrences over all occurrences: sum of the smaller counts over sum of the larger."""
    if not a or not b:
        return 0.0
    shared = sum(min(a[key], b[key]) for key in a.keys() & b.keys())
    return shared / (a.total() + b.total() - shared)


def signature(items: set[bytes]) -> np.ndarray:
    return _signatures([items])[0]


def _signatures(item_sets: list[set[bytes]]) -> np.ndarray:
    """One MinHash signature per set (a row each), computed in a few numpy calls for all sets."""
    import numpy as np

    seeds, multipliers = _permutations()
    known = _ITEM_HASHES.get
    hashes = np.array([known(s) or _item_hash(s) for items in item_sets for s in items], dtype=np.uint64)
    starts = np.cumsum([0] + [len(items) for items in item_sets[:-1]])
    out = np.empty((len(item_sets), BANDS * ROWS), dtype=np.uint64)
    # A block of sets at a time bounds the (items x permutations) matrix.
    for first in range(0, len(item_sets), _SETS_PER_BLOCK):
        last = min(first + _SETS_PER_BLOCK, len(item_sets))
        begin = starts[first]
        end = starts[last] if last < len(item_sets) else len(hashes)
        # Multiply-xorshift hashing, one seed per permutation; uint64 arithmetic wraps by design.
        with np.errstate(over="ignore"):
            mixed = (hashes[begin:end, None] ^ seeds[None, :]) * multipliers[None, :]
            mixed ^= mixed >> np.uint64(29)
        out[first:last] = np.minimum.reduceat(mixed, starts[first:last] - begin, axis=0)
    return out


_SETS_PER_BLOCK = 64
# Shingles recur across definitions, and hashing them is most of the cost: remember them.
_ITEM_HASHES: dict[bytes, int] = {}
_ITEM_HASH_LIMIT = 1 << 17  # ~17 MB; the whole stdlib has 33,378 distinct shingles


def _item_hash(item: bytes) -> int:
    if len(_ITEM_HASHES) >= _ITEM_HASH_LIMIT:
        _ITEM_HASHES.clear()
    value = _ITEM_HASHES[item] = int.from_bytes(hashlib.blake2b(item, digest_size=8).digest(), "little")
    return value


def band_keys(shape: str) -> list[int]:
    """One signed 64-bit key per band (the band index is mixed in), or none for short shapes."""
    return band_keys_many([shape])[0]


def band_keys_many(shapes: list[str]) -> list[list[int]]:
    """band_keys of each shape, with the signatures computed together."""
    long_enough = [i for i, shape in enumerate(shapes) if len(shape.split()) >= MIN_TOKENS]
    out: list[list[int]] = [[] for _ in shapes]
    if not long_enough:
        return out
    raw = _signatures([shingles(shapes[i]) for i in long_enough]).tobytes()
    width = ROWS * 8  # bytes of one band's values
    for row, i in enumerate(long_enough):
        base = row * BANDS * width
        out[i] = [
            int.from_bytes(hashlib.blake2b(raw[base + band * width:base + (band + 1) * width] + bytes([band]),
                                           digest_size=8).digest(), "little", signed=True)
            for band in range(BANDS)
        ]
    return out


def write_bands(conn: sqlite3.Connection, rows: Iterable[tuple[int, str]]) -> None:
    """rows: (symbol id, shape)."""
    conn.executemany(
        "INSERT INTO symbol_bands (band, symbol_id) VALUES (?, ?)",
        [(key, sid) for sid, shape in rows for key in band_keys(shape)],
    )


def candidates(conn: sqlite3.Connection, shape: str, limit: int = 200) -> list[int]:
    """Symbol ids sharing at least one band with `shape`, most shared bands first."""
    keys = band_keys(shape)
    if not keys:
        return []
    marks = ",".join("?" * len(keys))
    rows = conn.execute(
        f"SELECT symbol_id, COUNT(*) AS n FROM symbol_bands WHERE band IN ({marks})"
        " GROUP BY symbol_id ORDER BY n DESC LIMIT ?",
        (*keys, limit),
    )
    return [sid for sid, _ in rows]
