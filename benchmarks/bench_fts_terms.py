"""What the lexical query costs on a large index, and what leaving out its most common words would change.

kenning's lexical search is one FTS5 OR-query of every word of the query, ranked by bm25; on long
natural-language queries over a large index most of its time is scoring the many rows that common words
match. This times the query as kenning sends it against the same query without the words that occur in more
than `--df` of the rows (the two rarest are kept when none is rarer), and says how much of the top 10 stays.
A measurement for deciding, not a shipped variant: the quality cost must come from the search benchmarks.

    .venv/bin/python benchmarks/bench_fts_terms.py --tree /tmp/load150/tree [--queries 40] [--df 0.02]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_scale import probes  # noqa: E402

from kenning.store import lexical  # noqa: E402

WEIGHTS = "6.0, 2.0, 1.5, 1.0"  # lexical._WEIGHTS, the ranking kenning uses


def timed(db: sqlite3.Connection, expression: str) -> tuple[float, list[int]]:
    started = time.perf_counter()
    rows = db.execute(f"SELECT rowid, -bm25(symbols_fts, {WEIGHTS}) AS s FROM symbols_fts WHERE symbols_fts MATCH ?"
                      " ORDER BY s DESC LIMIT 100", (expression,)).fetchall()
    return time.perf_counter() - started, [row[0] for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, required=True, help="an indexed tree (kenning index TREE)")
    parser.add_argument("--queries", type=int, default=40, help="docstring first sentences used as queries")
    parser.add_argument("--df", type=float, default=0.02, help="leave out words in more than this share of rows")
    args = parser.parse_args()
    db = sqlite3.connect(f"file:{args.tree / '.kenning/index/index.sqlite3'}?mode=ro", uri=True)
    db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, symbols_fts, 'row')")
    rows = db.execute("SELECT COUNT(*) FROM symbols_fts").fetchone()[0]
    queries = [q for q in probes(args.tree, args.queries * 2)[0] if len(q) > 3][:args.queries]
    full, pruned, kept = [], [], []
    for query in queries:
        expression = lexical.match_expression(query)
        if not expression:
            continue
        words = [w.strip('"') for w in expression.split(" OR ")]
        share = {w: (db.execute("SELECT doc FROM vocab WHERE term = ?", (w,)).fetchone() or (0,))[0] / rows
                 for w in words}
        rare = [w for w in words if share[w] < args.df] or sorted(words, key=share.get)[:2]
        seconds, top = timed(db, expression)
        seconds_rare, top_rare = timed(db, " OR ".join(f'"{w}"' for w in rare))
        full.append(seconds)
        pruned.append(seconds_rare)
        kept.append(len(set(top[:10]) & set(top_rare[:10])) / max(1, len(top[:10])))
    p95 = lambda xs: sorted(xs)[int(0.95 * len(xs))] * 1000  # noqa: E731
    print(f"{rows} rows, {len(full)} queries")
    print(f"every word:            p50 {statistics.median(full) * 1000:.1f} ms, p95 {p95(full):.1f} ms")
    print(f"words under {args.df:.0%} of rows: p50 {statistics.median(pruned) * 1000:.1f} ms, p95 {p95(pruned):.1f} ms,"
          f" top 10 kept {statistics.mean(kept):.2f}")


if __name__ == "__main__":
    main()
