"""Where one process's CPU goes when kenning indexes the standard library, stage by stage.

The parse-only floor of bench_index.py is tree-sitter parsing alone. This script times, over
the same copy of the stdlib and in one process (CPU seconds, `time.process_time`, best of
`--rounds`):

- parse: `Parser.parse` of every file (the floor's work);
- query: one pass of the shipped tags patterns plus kenning's import/inheritance patterns over
  each parsed tree (`QueryCursor.matches`), the least any tags-based extractor does;
- extract: the whole of `parse_source` (parse, query, definitions, references, fingerprints);
- search rows: `search_rows.for_file` (body words, clone bands, texts to embed) after it;
- store: SQLite alone writing the rows a cold index keeps into an empty index with kenning's
  schema, copied table by table with `INSERT ... SELECT` from a finished index (secondary indexes
  dropped for the load and built after, as a cold index does), so no Python touches a row: the
  least any indexer that stores these rows spends. "store, code index" is the files, symbols and
  references alone (what `kenning symbol/callers/impact/map` read); "store" adds the search
  tables (lexical rows, texts to embed, clone bands).

Parse, query and store are each unavoidable for an index that answers what kenning's does; their
sum against parse alone bounds what "within 1.5x of the parse-only floor" allows on this machine.

    .venv/bin/python benchmarks/bench_index_stages.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench_index import REPO, copy_stdlib, corpus_files

sys.path.insert(0, str(REPO))
from tree_sitter import QueryCursor  # noqa: E402

from kenning.indexer.extract import parse_source  # noqa: E402
from kenning.indexer.languages import compiled, new_parser  # noqa: E402
from kenning.store import search_rows  # noqa: E402
from kenning.store.index_store import DB_NAME, IndexStore  # noqa: E402
from kenning.store.writes import Writes  # noqa: E402

# Tables a cold index fills, in an order that writes every parent row before its children.
CODE_TABLES = ("files", "symbols", "refs")
STORED_TABLES = (*CODE_TABLES, "symbol_texts", "symbol_bands")
FTS_COLUMNS = "rowid, name_terms, signature, docstring, body"


def stages(files: list[tuple[str, str, bytes]]) -> dict[str, float]:
    spent = dict.fromkeys(("parse", "query", "extract", "search rows"), 0.0)
    for path, language, data in files:
        started = time.process_time()
        tree = new_parser(language).parse(data)
        parsed_at = time.process_time()
        QueryCursor(compiled(language).patterns).matches(tree.root_node)
        queried_at = time.process_time()
        parsed = parse_source(path, data, language)
        extracted_at = time.process_time()
        search_rows.for_file(parsed, data)
        done_at = time.process_time()
        spent["parse"] += parsed_at - started
        spent["query"] += queried_at - parsed_at
        spent["extract"] += extracted_at - queried_at
        spent["search rows"] += done_at - extracted_at
    return spent


def index_once(root: Path) -> Path:
    """A cold kenning index of `root` without embeddings; returns its database."""
    from kenning.service import Service
    from kenning.settings import Settings

    service = Service.from_settings(Settings.load(root, embed_on_index=False))
    service.index()
    service.close()
    return root / ".kenning" / "index" / DB_NAME


def store_seconds(finished: Path, workdir: Path, tables: tuple[str, ...], lexical_rows: bool) -> tuple[float, dict[str, int]]:
    """CPU seconds for SQLite to copy these tables of a finished index (and its lexical rows) into an
    empty one (see the module docstring)."""
    target = workdir / f"store-{time.monotonic_ns()}"
    store = IndexStore(target)
    conn = store.conn
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("ATTACH DATABASE ? AS done", (str(finished),))
    counts = {table: conn.execute(f"SELECT count(*) FROM done.{table}").fetchone()[0] for table in tables}
    started = time.process_time()
    with store.sql_transaction() as tx, Writes(tx, store.path).indexes_deferred():
        for table in tables:
            tx.execute(f"INSERT INTO main.{table} SELECT * FROM done.{table}")
        if lexical_rows:
            tx.execute(f"INSERT INTO main.symbols_fts ({FTS_COLUMNS}) SELECT {FTS_COLUMNS} FROM done.symbols_fts")
    seconds = time.process_time() - started
    store.close()
    shutil.rmtree(target, ignore_errors=True)
    return seconds, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3, help="best of this many passes over the corpus")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kenning-stages-"))
    try:
        root = copy_stdlib(workdir)
        files = [(path, language, (root / path).read_bytes()) for path, language, _ in corpus_files(root)]
        best: dict[str, float] = {}
        for _ in range(args.rounds):
            for stage, seconds in stages(files).items():
                best[stage] = min(best.get(stage, seconds), seconds)
        finished = index_once(root)
        counts: dict[str, int] = {}
        for _ in range(args.rounds):
            seconds, _ = store_seconds(finished, workdir, CODE_TABLES, lexical_rows=False)
            best["store, code index"] = min(best.get("store, code index", seconds), seconds)
            seconds, counts = store_seconds(finished, workdir, STORED_TABLES, lexical_rows=True)
            best["store"] = min(best.get("store", seconds), seconds)
        parse = best["parse"]
        print(f"{len(files):,} files, one process, CPU seconds (best of {args.rounds}); rows stored: "
              + ", ".join(f"{table} {n:,}" for table, n in counts.items()) + "\n")
        print("| stage | CPU s | x parse |\n|---|---:|---:|")
        for stage, seconds in best.items():
            print(f"| {stage} | {seconds:.2f} | {seconds / parse:.2f} |")
        for label, stored in (("code index", best["store, code index"]), ("with search tables", best["store"])):
            least = parse + best["query"] + stored
            print(f"| parse + query + store, {label} (the least such an index costs) | {least:.2f} | {least / parse:.2f} |")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
