"""The code index in SQLite (WAL): files, symbols and references.

One process writes at a time (a lock file guards indexing); any number read. Connections are
per thread because the HTTP server answers from a thread pool.
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kenning.errors import IndexBusy, StorageError
from kenning.store import search_tables
from kenning.store.schema import MIGRATIONS, SCHEMA_VERSION
from kenning.store.boundary import storage_boundary
from kenning.store.search_reads import SearchReads
from kenning.store.writes import Writes
from kenning.models import FileRecord, Reference, Symbol

log = logging.getLogger(__name__)

DB_NAME = "index.sqlite3"
READ_CACHE_KIB = -16_384  # negative: KiB, per connection (16 MiB)
BULK_CACHE_KIB = -262_144  # 256 MiB, for the one connection an index run writes through
_RUNNING = "indexing.lock"
_SYMBOL_COLUMNS = (
    "s.qualified_name, s.name, s.kind, s.language, f.path, s.start_line, s.end_line, s.signature, "
    "s.docstring, s.parent, s.body_hash, s.fingerprint, s.shape"
)


@storage_boundary
class IndexStore:
    @staticmethod
    def exists_at(index_dir: Path) -> bool:
        """Whether an index was ever made in `index_dir` (without creating anything there)."""
        return (index_dir / DB_NAME).is_file()

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self.path = index_dir / DB_NAME
        self._local = threading.local()
        self.search = SearchReads(self)  # the search tables' questions
        try:
            index_dir.mkdir(parents=True, exist_ok=True)
            # The index is derived: keep it out of the project's git history.
            ignore = index_dir / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# kenning's derived index: rebuilt from the source tree\n*\n")
        except OSError as e:
            raise StorageError(f"cannot create the index folder {index_dir}: {e}") from e
        self._migrate()

    # -- connections -------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        # Every reader thread of a server has its own connection, and each cache is private memory:
        # keep them small (the OS page cache is shared); an index run enlarges its own (large_cache).
        conn.execute(f"PRAGMA cache_size={READ_CACHE_KIB}")
        conn.execute("PRAGMA temp_store=MEMORY")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
            self._local.counts = None

    @contextmanager
    def large_cache(self) -> Iterator[None]:
        """A large page cache for this thread's connection while it writes in bulk (B-trees stay in memory)."""
        conn = self.conn
        conn.execute(f"PRAGMA cache_size={BULK_CACHE_KIB}")
        try:
            yield
        finally:
            conn.execute(f"PRAGMA cache_size={READ_CACHE_KIB}")  # SQLite gives back the pages over the limit

    @contextmanager
    def transaction(self) -> Iterator[Writes]:
        """One write transaction, as the operations the layers above may perform (no SQL of theirs)."""
        with self.sql_transaction() as conn:
            yield Writes(conn, self.path)

    @contextmanager
    def sql_transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction as a bare connection: for the store's own modules, and for tests
        that plant the states an older kenning or a crash leaves. A busy or broken database is a
        StorageError here, at the boundary, like every other failure of the index's SQLite."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise StorageError(f"cannot write to the index at {self.path}: {e}") from e
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(e, sqlite3.Error):
                raise StorageError(f"cannot write to the index at {self.path}: {e}") from e
            raise

    def _migrate(self) -> None:
        try:
            version = self._schema_version()
            if version > SCHEMA_VERSION:
                self._set_aside(f"it has schema version {version}, newer than this kenning's {SCHEMA_VERSION}")
                version = 0
        except sqlite3.DatabaseError as e:
            self._set_aside(f"it could not be read ({e})")
            version = 0
        try:
            for number in range(version, SCHEMA_VERSION):
                with self.sql_transaction() as conn:
                    for statement in MIGRATIONS[number].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                        (str(number + 1),),
                    )
        except sqlite3.Error as e:
            raise StorageError(f"cannot initialise the index at {self.path}: {e}") from e

    def _schema_version(self) -> int:
        row = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        if row is None:
            return 0
        value = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(value[0]) if value else 0

    def _set_aside(self, why: str) -> None:
        self.close()
        aside = self.path.with_name(f"{DB_NAME}.unusable-{int(time.time())}")
        log.warning("index %s set aside as %s and rebuilt: %s", self.path, aside.name, why)
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                source.replace(Path(f"{aside}{suffix}"))

    def search_counts(self) -> tuple[int, int]:
        """(symbols, symbols with a stored vector), counted again only after a commit (another
        connection's moves data_version, this one's total_changes): every search and exists answer
        reports them, and counting 176k rows took ~20 ms."""
        conn = self.conn
        version = (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
        cached = getattr(self._local, "counts", None)
        if cached is None or cached[0] != version:
            cached = self._local.counts = (version, search_tables.search_counts(conn))
        return cached[1]

    # -- meta --------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    # -- writing -----------------------------------------------------------------------------

    def file_states(self) -> dict[str, tuple[str, int, int]]:
        """path -> (content_hash, size, mtime_ns) of every indexed file."""
        rows = self.conn.execute("SELECT path, content_hash, size, mtime_ns FROM files")
        return {path: (digest, size, mtime) for path, digest, size, mtime in rows}

    @contextmanager
    def foreign_keys_unchecked(self) -> Iterator[None]:
        """For a bulk load that writes every parent row before its children: SQLite then skips a
        lookup per row. Enter outside a transaction (SQLite ignores the switch inside one)."""
        conn = self.conn
        conn.execute("PRAGMA foreign_keys=OFF")
        try:
            yield
        finally:
            conn.execute("PRAGMA foreign_keys=ON")

    # -- reading -----------------------------------------------------------------------------

    def newest_reference_id(self) -> int:
        return self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM refs").fetchone()[0]

    def counts(self) -> dict[str, int]:
        one = lambda sql: self.conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "files": one("SELECT COUNT(*) FROM files"),
            "symbols": one("SELECT COUNT(*) FROM symbols"),
            "references": one("SELECT COUNT(*) FROM refs"),
            "edges": one("SELECT COUNT(*) FROM refs WHERE target IS NOT NULL"),
        }

    def language_counts(self) -> dict[str, int]:
        """Indexed files per language, most files first."""
        rows = self.conn.execute("SELECT language, COUNT(*) AS n FROM files GROUP BY language ORDER BY n DESC, language")
        return dict(rows.fetchall())

    def files(self) -> list[FileRecord]:
        rows = self.conn.execute(
            "SELECT path, language, module, content_hash, size, mtime_ns, parse_errors FROM files ORDER BY path"
        )
        return [FileRecord(*row) for row in rows]

    def files_indexed_since(self, timestamp: float) -> list[str]:
        rows = self.conn.execute("SELECT path FROM files WHERE indexed_at > ? ORDER BY path", (timestamp,))
        return [row[0] for row in rows]

    def symbols_named(self, name: str) -> list[Symbol]:
        """Symbols whose qualified name is `name` or ends with `.name` (any dotted suffix)."""
        last = name.rsplit(".", 1)[-1]
        rows = self.conn.execute(
            f"SELECT {_SYMBOL_COLUMNS} FROM symbols s JOIN files f ON f.id = s.file_id"
            " WHERE s.name = ? ORDER BY s.qualified_name, f.path, s.start_line",
            (last,),
        )
        return [s for s in map(_symbol, rows) if s.qualified_name == name or s.qualified_name.endswith("." + name)]

    def symbols_in_file(self, path: str) -> list[Symbol]:
        rows = self.conn.execute(
            f"SELECT {_SYMBOL_COLUMNS} FROM symbols s JOIN files f ON f.id = s.file_id"
            " WHERE f.path = ? ORDER BY s.start_line",
            (path,),
        )
        return [_symbol(row) for row in rows]

    def all_symbols(self) -> list[Symbol]:
        rows = self.conn.execute(
            f"SELECT {_SYMBOL_COLUMNS} FROM symbols s JOIN files f ON f.id = s.file_id ORDER BY s.id"
        )
        return [_symbol(row) for row in rows]

    def symbol_paths(self) -> list[tuple[str, str]]:
        """(qualified name, path) of every symbol, in index order: the graph's nodes without the rest."""
        return list(self.conn.execute(
            "SELECT s.qualified_name, f.path FROM symbols s JOIN files f ON f.id = s.file_id ORDER BY s.id"))

    def file_modules(self) -> dict[str, str]:
        """path -> module name."""
        return dict(self.conn.execute("SELECT path, module FROM files"))

    def all_references(self) -> list[tuple[int, Reference]]:
        rows = self.conn.execute(
            "SELECT r.id, f.path, r.kind, r.name, r.text, r.line, r.source, r.target, r.target_path,"
            " r.confidence FROM refs r JOIN files f ON f.id = r.file_id ORDER BY r.id"
        )
        return [(row[0], Reference(*row[1:])) for row in rows]

    # -- reading for incremental resolution ----------------------------------------------------

    def symbol_keys_in(self, paths: Iterable[str]) -> list[tuple[str, str]]:
        """(qualified_name, name) of every symbol in these files."""
        return self._chunked(
            "SELECT s.qualified_name, s.name FROM symbols s JOIN files f ON f.id = s.file_id WHERE f.path IN ({})",
            list(paths))

    def symbols_with_keys(self, qualified_names: Iterable[str], names: Iterable[str]) -> list[Symbol]:
        """Every symbol whose qualified name or short name is among these, in id order (the order
        `symbols_for_resolution` gives), with only what resolution reads."""
        select = ("SELECT s.id, s.qualified_name, s.name, s.kind, s.language, f.path, s.start_line, s.end_line,"
                  " '', '', s.parent FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.{} IN ({{}})")
        rows = {row[0]: row[1:] for column, values in (("qualified_name", qualified_names), ("name", names))
                for row in self._chunked(select.format(column), list(values))}
        return [_symbol(rows[sid]) for sid in sorted(rows)]

    # -- reading for the guard's reference checks: indexed lookups, never a scan --------------

    def symbols_with(self, column: str, values: Iterable[str]) -> list[Symbol]:
        """Symbols (without docstring, body or shape) whose `column` ('name', 'qualified_name' or 'parent')
        is one of `values`; 'parent' is read through each parent's own file, so it too stays indexed."""
        assert column in ("name", "qualified_name", "parent")
        columns = ("s.qualified_name, s.name, s.kind, s.language, f.path, s.start_line, s.end_line, s.signature,"
                   " '', s.parent")
        if column == "parent":
            sql = (f"SELECT {columns} FROM symbols p JOIN symbols s ON s.file_id = p.file_id"
                   " AND s.parent = p.qualified_name JOIN files f ON f.id = s.file_id WHERE p.qualified_name IN ({})")
        else:
            sql = f"SELECT {columns} FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.{column} IN ({{}})"
        return sorted({_symbol(row) for row in self._chunked(sql, sorted(set(values)))},
                      key=lambda s: (s.path, s.start_line, s.qualified_name))

    def names_starting(self, prefix: str, limit: int = 2_000) -> list[tuple[str, str, str, int, str]]:
        """(name, qualified name, path, line, kind) of symbols whose name starts with `prefix`, by the name index."""
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else "\U0010ffff"
        return list(self.conn.execute(
            "SELECT s.name, s.qualified_name, f.path, s.start_line, s.kind FROM symbols s JOIN files f"
            " ON f.id = s.file_id WHERE s.name >= ? AND s.name < ? LIMIT ?", (prefix, upper, limit)))

    def symbols_for_resolution(self) -> list[Symbol]:
        """Every symbol in id order, with only what resolution reads (no docstring, body or shape)."""
        rows = self.conn.execute(
            "SELECT s.qualified_name, s.name, s.kind, s.language, f.path, s.start_line, s.end_line, '', '',"
            " s.parent FROM symbols s JOIN files f ON f.id = s.file_id ORDER BY s.id"
        )
        return [_symbol(row) for row in rows]

    def files_referring(self, words: Iterable[str]) -> set[str]:
        """Paths of files with a reference whose name or text contains one of `words`."""
        paths: set[str] = set()
        words = sorted(set(words))
        for start in range(0, len(words), 200):
            chunk = words[start:start + 200]
            marks = ",".join("?" * len(chunk))
            contains = " OR ".join("instr(r.text, ?) > 0 OR instr(r.name, ?) > 0" for _ in chunk)
            rows = self.conn.execute(
                "SELECT DISTINCT f.path FROM refs r JOIN files f ON f.id = r.file_id"
                f" WHERE r.name IN ({marks}) OR {contains}", [*chunk, *(w for w in chunk for _ in (0, 1))])
            paths.update(row[0] for row in rows)
        return paths

    def name_uses(self, names: Iterable[str]) -> list[tuple[str, str, int]]:
        """(name, path, line) of every reference, of any kind, whose name is one of `names`."""
        return [tuple(row) for row in self._chunked(
            "SELECT r.name, f.path, r.line FROM refs r JOIN files f ON f.id = r.file_id WHERE r.name IN ({})",
            sorted(set(names)))]

    def used_names(self) -> dict[str, list[tuple[str, int]]]:
        """name -> [(path, line)] of every reference in the index: who mentions what, resolved or not."""
        used: dict[str, list[tuple[str, int]]] = {}
        for name, path, line in self.conn.execute(
                "SELECT r.name, f.path, r.line FROM refs r JOIN files f ON f.id = r.file_id"):
            used.setdefault(name, []).append((path, line))
        return used

    def import_texts(self) -> list[tuple[str, str, str | None]]:
        """(importing path, import as written, resolved target path) of every import."""
        return list(self.conn.execute(
            "SELECT f.path, r.text, r.target_path FROM refs r JOIN files f ON f.id = r.file_id"
            " WHERE r.kind IN ('import', 'import-type', 'import-main')"))

    def importers(self, targets: Iterable[str] | None = None) -> list[tuple[str, str, int]]:
        """(imported path, importing path, line) of every import resolved to a file (to one of `targets`)."""
        sql = ("SELECT r.target_path, f.path, r.line FROM refs r JOIN files f ON f.id = r.file_id"
               " WHERE r.kind IN ('import', 'import-type', 'import-main') AND r.target_path {}")
        if targets is None:
            return [tuple(row) for row in self.conn.execute(sql.format("IS NOT NULL"))]
        return [tuple(row) for row in self._chunked(sql.format("IN ({})"), sorted(set(targets)))]

    def relative_imports(self) -> list[tuple[str, str]]:
        """(path, text) of every import written relative to its file ('.x', '../y')."""
        return list(self.conn.execute(
            "SELECT f.path, r.text FROM refs r JOIN files f ON f.id = r.file_id"
            " WHERE r.kind IN ('import', 'import-type', 'import-main') AND r.text LIKE '.%'"))

    def references_in(self, paths: Iterable[str]) -> list[tuple[int, Reference]]:
        rows = self._chunked(
            "SELECT r.id, f.path, r.kind, r.name, r.text, r.line, r.source, r.target, r.target_path,"
            " r.confidence FROM refs r JOIN files f ON f.id = r.file_id WHERE f.path IN ({})", list(paths))
        return [(row[0], Reference(*row[1:])) for row in sorted(rows)]

    def _chunked(self, sql: str, values: list[str]) -> list[tuple]:
        rows: list[tuple] = []
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            rows.extend(self.conn.execute(sql.format(",".join("?" * len(chunk))), chunk))
        return rows

    def references_to(self, targets: list[str]) -> list[Reference]:
        return self._references("r.target", targets)

    def references_from(self, sources: list[str]) -> list[Reference]:
        return self._references("r.source", sources)

    def _references(self, column: str, values: list[str]) -> list[Reference]:
        if not values:
            return []
        marks = ",".join("?" * len(values))
        rows = self.conn.execute(
            "SELECT f.path, r.kind, r.name, r.text, r.line, r.source, r.target, r.target_path, r.confidence"
            f" FROM refs r JOIN files f ON f.id = r.file_id WHERE {column} IN ({marks})"
            " ORDER BY f.path, r.line",
            values,
        )
        return [Reference(*row) for row in rows]

    def resolved_edges(self) -> list[tuple[str, str | None, str, str, str]]:
        """(file path, source symbol or None, target, target path or '', kind) of every resolved reference."""
        rows = self.conn.execute(
            "SELECT f.path, r.source, r.target, COALESCE(r.target_path, ''), r.kind"
            " FROM refs r JOIN files f ON f.id = r.file_id WHERE r.target IS NOT NULL"
        )
        return list(rows)

    def dependency_edges(self, min_confidence: float) -> list[tuple[str, int, str, str, str | None, str | None, float]]:
        """(path, line, kind, text, target, target_path, confidence) of every import, and of every call,
        base or implementation resolved into another file with at least `min_confidence`; type-only
        and `__main__` kinds included (see models.REFERENCE_KINDS)."""
        rows = self.conn.execute(
            "SELECT f.path, r.line, r.kind, r.text, r.target, r.target_path, r.confidence FROM refs r"
            " JOIN files f ON f.id = r.file_id"
            # The first condition is the refs_dependency index's own, word for word, so SQLite reads
            # that index instead of every reference.
            " WHERE (r.kind IN ('import', 'import-type', 'import-main')"
            " OR (r.kind IN ('call', 'inherit', 'implement', 'call-main', 'inherit-main') AND r.target_path IS NOT NULL))"
            " AND (r.kind IN ('import', 'import-type', 'import-main')"
            " OR (r.target_path != f.path AND r.confidence >= ?))",
            (min_confidence,),
        )
        return list(rows)

def _symbol(row: tuple) -> Symbol:
    return Symbol(*row)


@contextmanager
def writer_lock(index_dir: Path, timeout: float) -> Iterator[None]:
    """One writer per index across processes; waits up to `timeout` seconds for another."""
    lock_path = index_dir / "write.lock"
    deadline = time.monotonic() + timeout
    with open(lock_path, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        f"another kenning process is indexing {index_dir.parent.parent}; try again when it finishes"
                    ) from None
                time.sleep(0.05)
        try:
            with _running(index_dir):
                yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextmanager
def _running(index_dir: Path) -> Iterator[None]:
    """Held exclusively by the writer while it writes, for `index_running`. A reader probing write.lock
    itself would, for an instant, make a writer that does not wait (the watcher's) give up its run."""
    with open(index_dir / _RUNNING, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # waits out a reader's probe, which lasts an instant
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def index_running(index_dir: Path) -> bool:
    """Whether some process (this one included) is writing the index now: an index run or embedding."""
    try:
        with open(index_dir / _RUNNING, "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)  # readers' probes never clash
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    except BlockingIOError:
        return True
    except OSError:
        return False  # no index folder (yet): nobody writes it
    return False
