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
from itertools import chain
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
    """(seeds, odd multipliers), one per permutation of 32-bit shingle hashes: 32-bit arithmetic
    runs several times faster than 64-bit in numpy, and two distinct minima still collide with
    odds of 2**-32. numpy is imported on first use."""
    import numpy as np

    rng = np.random.default_rng(20240611)  # fixed: band values must be stable across runs
    seeds = rng.integers(1, 2**32, size=BANDS * ROWS, dtype=np.uint32)
    multipliers = rng.integers(1, 2**32, size=BANDS * ROWS, dtype=np.uint32) | np.uint32(1)
    return seeds, multipliers


# Odd multipliers weighing a shingle's token hashes by position, and a band's values (plus its
# index) into its key; fixed for the same reason as the permutations.
_SHINGLE_WEIGHTS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93)
_BAND_WEIGHTS = (0xA0761D6478BD642F, 0xE7037ED1A0B428DB, 0x8EBC6AF09C88C6E3, 0x589965CC75374CC3, 0x1D8E4E27C47D124F)


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


def multiset_jaccard(a: Counter[bytes], b: Counter[bytes]) -> float:
    """Shared occurrences over all occurrences: sum of the smaller counts over sum of the larger."""
    if not a or not b:
        return 0.0
    shared = sum(min(a[key], b[key]) for key in a.keys() & b.keys())
    return shared / (a.total() + b.total() - shared)


def band_keys(shape: str) -> list[int]:
    """One signed 64-bit key per band (the band index is mixed in), or none for short shapes."""
    return band_keys_many([shape])[0]


def band_keys_many(shapes: list[str]) -> list[list[int]]:
    """band_keys of each shape, computed together in a few numpy calls."""
    import numpy as np

    words = [shape.split() for shape in shapes]
    long_enough = [i for i, tokens in enumerate(words) if len(tokens) >= MIN_TOKENS]
    out: list[list[int]] = [[] for _ in shapes]
    if not long_enough:
        return out
    signatures = _signatures([words[i] for i in long_enough]).astype(np.uint64)
    values = signatures.reshape(len(long_enough), BANDS, ROWS)
    weights = np.array(_BAND_WEIGHTS, dtype=np.uint64)
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps by design
        keys = (values * weights[:ROWS]).sum(axis=2, dtype=np.uint64)
        keys += np.arange(BANDS, dtype=np.uint64) * weights[ROWS]
        keys = _finalize(keys)
    for i, row in zip(long_enough, keys.view(np.int64).tolist()):
        out[i] = row
    return out


def _signatures(token_lists: list[list[str]]) -> np.ndarray:
    """One MinHash signature (a row) per token list of at least SHINGLE tokens: for each permutation,
    the minimum over the list's shingles of the permuted shingle hash. A repeated shingle cannot
    lower a minimum, so every occurrence goes in, without a set per definition."""
    import numpy as np

    seeds, multipliers = _permutations()
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    tokens = np.fromiter(map(_TOKEN_HASHES.__getitem__, chain.from_iterable(token_lists)), dtype=np.uint64,
                         count=int(lengths.sum()))
    shingles = (_shingle_hashes(tokens) >> np.uint64(32)).astype(np.uint32)
    # Drop the shingles that run from one list into the next: the last SHINGLE - 1 starts of each.
    ends = np.cumsum(lengths)
    crossing = (ends[:, None] - np.arange(1, SHINGLE, dtype=np.int64)[None, :]).ravel()
    keep = np.ones(len(shingles), dtype=bool)
    keep[crossing[crossing < len(shingles)]] = False
    shingles = shingles[keep]
    starts = ends - lengths - (SHINGLE - 1) * np.arange(len(token_lists), dtype=np.int64)
    out = np.empty((BANDS * ROWS, len(token_lists)), dtype=np.uint32)
    # A block of lists at a time bounds the (permutations x shingles) matrix, a row per permutation.
    first = 0
    while first < len(token_lists):
        last = max(int(np.searchsorted(starts, starts[first] + _SHINGLES_PER_BLOCK, side="right")), first + 1)
        begin, end = starts[first], starts[last] if last < len(token_lists) else len(shingles)
        with np.errstate(over="ignore"):  # multiply-xorshift, one seed per permutation; wraps by design
            mixed = (shingles[None, begin:end] ^ seeds[:, None]) * multipliers[:, None]
            mixed ^= mixed >> np.uint32(16)
        out[:, first:last] = np.minimum.reduceat(mixed, starts[first:last] - begin, axis=1)
        first = last
    return out.T


def _shingle_hashes(tokens: np.ndarray) -> np.ndarray:
    """One hash per SHINGLE consecutive token hashes, by position."""
    import numpy as np

    count = len(tokens) - SHINGLE + 1
    with np.errstate(over="ignore"):
        mixed = np.zeros(max(count, 0), dtype=np.uint64)
        for k, weight in enumerate(_SHINGLE_WEIGHTS[:SHINGLE]):
            mixed += tokens[k:k + count] * np.uint64(weight)
        return _finalize(mixed)


def _finalize(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: every input bit reaches every output bit."""
    import numpy as np

    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


_SHINGLES_PER_BLOCK = 1 << 15  # columns of the mixing matrix per block: 8 MB


class _TokenHashes(dict):
    """token -> 64-bit hash, computed on first sight. Shapes hold few distinct tokens (keywords,
    operators, I/S/N), so this stays small; it is cleared if it ever grows past a bound."""

    def __missing__(self, token: str) -> int:
        if len(self) >= 1 << 16:
            self.clear()
        value = self[token] = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
        return value


_TOKEN_HASHES = _TokenHashes()


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
