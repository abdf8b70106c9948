"""Search rows (lexical words, clone bands, texts to embed) computed in the parser workers equal
what the search-preparation pass computes from the files, and the fast paths keep the plain
definitions' results."""

from __future__ import annotations

import hashlib
import random
import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import copy_stdlib
from kenning.indexer.extract import parse_source
from kenning.store import embedded_text
from kenning.store import lexical, minhash, search_rows
from kenning.service import Service
from kenning.service import exists as probe_module
from kenning.service.search_preparation import prepare_texts
from kenning.settings import Settings


def _search_tables(conn: sqlite3.Connection) -> tuple[list, list, list]:
    return (
        conn.execute("SELECT rowid, name_terms, signature, docstring, body FROM symbols_fts ORDER BY rowid").fetchall(),
        conn.execute("SELECT symbol_id, text_hash, text FROM symbol_texts ORDER BY symbol_id").fetchall(),
        conn.execute("SELECT symbol_id, band FROM symbol_bands ORDER BY symbol_id, band").fetchall(),
    )


def test_rows_from_the_workers_equal_those_prepared_from_the_files(tmp_path):
    # More files than the pool threshold, so the rows come from worker processes.
    root = copy_stdlib(tmp_path / "proj", "email", "json", "asyncio", "xml", "idlelib", "textwrap.py")
    service = Service.from_settings(Settings.load(root, workers=2))
    report = service.index()
    assert report.files_indexed > 150
    from_workers = _search_tables(service.store.conn)
    assert len(from_workers[0]) == len(from_workers[1]) == report.symbols
    assert any(body for *_, body in from_workers[0]) and from_workers[2]

    with service.store.sql_transaction() as conn:
        conn.execute("DELETE FROM symbol_texts")
        conn.execute("DELETE FROM symbol_bands")
        conn.execute("UPDATE symbols_fts SET body = ''")
    assert prepare_texts(service.settings, service.store) == report.symbols
    assert _search_tables(service.store.conn) == from_workers


def _body_terms_by_definition(source: str) -> str:
    seen: dict[str, None] = {}
    for word in lexical.split_identifier(source):
        if len(word) > 1 and not word.isdigit():
            seen.setdefault(word, None)
            if len(seen) >= lexical.BODY_TERM_LIMIT:
                break
    return " ".join(seen)


_SOURCE_ALPHABET = st.sampled_from(list("aAbBzZ_09 .\n()-xyHTTPServer") + ["\u00e9", "\u0663", "\u00b2", "\u00c0"])


@given(st.text(_SOURCE_ALPHABET, max_size=300))
@settings(max_examples=300, deadline=None)
def test_body_terms_are_split_identifier_words(source):
    assert lexical.body_terms(source) == _body_terms_by_definition(source)


def test_body_words_come_from_the_lines_tree_sitter_counts():
    # A form feed or a lone carriage return ends a line for str.splitlines, not for tree-sitter:
    # counting lines that way would hand each later definition its neighbour's words.
    data = b"def first():\n    alpha_value = 1\n\x0c\ndef second():\n    x = 'a\rb'\n    beta_value = 2\n"
    second = next(s for s in parse_source("m.py", data, "python").symbols if s.name == "second")
    words = search_rows.body_words(search_rows.file_lines(data), second.start_line, second.end_line).split()
    assert words == ["def", "second", "beta", "value"]


def test_body_terms_stop_at_the_limit():
    words = ["".join(chr(97 + n // 26 ** k % 26) for k in range(3)) for n in range(lexical.BODY_TERM_LIMIT + 50)]
    source = " ".join(f"{word}Tail" for word in words)
    assert lexical.body_terms(source) == _body_terms_by_definition(source)
    assert len(lexical.body_terms(source).split()) == lexical.BODY_TERM_LIMIT


_MASK = (1 << 64) - 1


def _finalized(x: int) -> int:
    """splitmix64's finalizer, one integer at a time."""
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _band_keys_by_definition(shape: str) -> list[int]:
    """MinHash bands as minhash.py states them, one shingle, permutation and band at a time: a token's
    hash is 8 bytes of its blake2b, a shingle's the top 32 bits of the finalized position-weighted sum
    of its tokens', permuted by 32-bit multiply-xorshift,
    a band's key the finalized weighted sum of its ROWS minima plus its index."""
    tokens = [int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little") for t in shape.split()]
    shingle_hashes = {
        _finalized(sum(w * t for w, t in zip(minhash._SHINGLE_WEIGHTS, tokens[i:i + minhash.SHINGLE])) & _MASK) >> 32
        for i in range(len(tokens) - minhash.SHINGLE + 1)
    }
    seeds, multipliers = minhash._permutations()
    minima = []
    for seed, multiplier in zip(seeds.tolist(), multipliers.tolist()):
        values = []
        for h in shingle_hashes:
            mixed = ((h ^ seed) * multiplier) & 0xFFFFFFFF
            values.append(mixed ^ (mixed >> 16))
        minima.append(min(values))
    keys = []
    for band in range(minhash.BANDS):
        rows = minima[band * minhash.ROWS:(band + 1) * minhash.ROWS]
        total = sum(w * v for w, v in zip(minhash._BAND_WEIGHTS, rows)) + band * minhash._BAND_WEIGHTS[minhash.ROWS]
        key = _finalized(total & _MASK)
        keys.append(key - (1 << 64) if key >= 1 << 63 else key)
    return keys


_SHAPE = st.lists(st.sampled_from(["I", "S", "N", "(", ")", "=", "return", "if", "def", ":"]), max_size=40).map(" ".join)


@given(st.lists(_SHAPE, max_size=5))
@settings(max_examples=60, deadline=None)
def test_batched_band_keys_equal_one_signature_at_a_time(shapes):
    batched = minhash.band_keys_many(shapes)
    assert batched == [minhash.band_keys(shape) for shape in shapes]
    for shape, keys in zip(shapes, batched):
        if len(shape.split()) < minhash.MIN_TOKENS:
            assert keys == []
            continue
        assert keys == _band_keys_by_definition(shape)
        assert len(set(keys)) == minhash.BANDS


def test_band_keys_of_many_long_shapes_span_blocks_unchanged():
    # Enough shingles for several blocks of the mixing matrix, with a block edge inside a shape.
    rng = random.Random(3)
    alphabet = ["I", "S", "N", "(", ")", "=", "return", "if", "def", ":", "for", "in", "."]
    shapes = [" ".join(rng.choices(alphabet, k=rng.randrange(12, 2_000))) for _ in range(100)]
    assert sum(len(shape.split()) for shape in shapes) > 2 * minhash._SHINGLES_PER_BLOCK
    assert minhash.band_keys_many(shapes) == [minhash.band_keys(shape) for shape in shapes]


_PARSER = '''\
def read_config_file(path, encoding="utf-8"):
    """Read a configuration file into a dictionary.

    Blank lines and comments are skipped."""
    settings = {}
    with open(path, encoding=encoding) as handle:
        for line in handle:
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


def parse_http_header(raw_header):
    name, _, value = raw_header.partition(":")
    return name.strip().lower(), value.strip()
'''


def test_a_symbol_is_embedded_as_signature_summary_and_its_code_words_and_a_probe_the_same_way(tmp_path):
    (tmp_path / "config.py").write_text(_PARSER)
    service = Service.from_settings(Settings.load(tmp_path, embed_on_index=False))
    service.index()
    texts = dict(service.store.conn.execute(
        "SELECT s.name, t.text FROM symbols s JOIN symbol_texts t ON t.symbol_id = s.id"))
    # Split identifier words, each once, in first use (the name's words first); a summary keeps few.
    assert texts["parse_http_header"] == (
        "def parse_http_header(raw_header): def parse http header raw name value partition return strip lower")
    assert texts["read_config_file"] == (
        'def read_config_file(path, encoding="utf-8"): Read a configuration file into a dictionary.'
        " def config path encoding utf settings with open as handle for line in key value partition")
    assert len(texts["read_config_file"].split(". ", 1)[1].split()) == embedded_text.TEXT_WORDS_WITH_SUMMARY

    # An exists probe of the same code is embedded from the same text, whatever the file around it.
    probe = _PARSER.split("\n\n\n")[1]
    assert embedded_text.embedding_text(*probe_module._probe("import re\n\n\n" + probe, "python")[:3]) == texts["parse_http_header"]
