"""The DuckDB warehouse: opened locked down, so SQL can reach no file, network or extension.

Data reaches DuckDB only from Python (arrow tables registered by ingest), and outputs leave only through
Python writers, so the SQL in queries/ (and a user's own indicator files) never needs file access.

DuckDB's memory is capped (MEMORY_LIMIT); what does not fit spills to a folder the caller names, inside
the build's own work folder (or the ingest store's own temporary folder), never anywhere else.

Ingest writes each file's rows as soon as they are read and checked into a RawStore: a DuckDB file of its
own in a private temporary folder, which the build then takes over as its warehouse file. The rows waiting
to be written are bounded (WRITE_AHEAD_BYTES), so memory holds the file being read and at most that much
besides, however many files there are.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import pyarrow as pa

from carestats.core import paths
from carestats.core.errors import QueryError

WAREHOUSE_NAME = paths.WAREHOUSE_NAME
MEMORY_LIMIT = os.environ.get("CARESTATS_DUCKDB_MEMORY", "3GB")  # DuckDB spills to disk beyond this
SPILL_NAME = ".duckdb-spill"  # inside the folder of the database being written; removed when it closes
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
BATCH_ROWS = 1 << 17
# The raw store commits on its writer thread once this many rows are written since its last commit: the
# writing to disk is done beside the reading, in a few commits (one per input costs more CPU: many small
# writes to the log, then a checkpoint), and the build's taking the file over commits only the rest.
COMMIT_ROWS = 200_000
# ... and, sooner, once this many wait when the reader asks for a commit ahead of a slow read (a workbook):
# the commit then runs while the workbook is parsed, not at the end of the ingest, where the build waits for
# it (the reference inputs: the raw store handed over 0.15 s sooner, the build 5 % faster, Dec 2026).
EARLY_COMMIT_ROWS = 50_000
# The rows (arrow bytes) of inputs handed to the writer and not yet written, beyond which the next input
# waits: reading runs ahead of writing by at most this much, whatever the number or size of the inputs.
WRITE_AHEAD_BYTES = 64 << 20
# The ingest store's DuckDB threads. Its inserts read one arrow table each and its commits write one
# table at a time, so a second DuckDB thread has nothing to do but wait and wake: one thread writes the
# reference inputs with 0.1 s less CPU (0.72 against 0.83 s, Dec 2026), on a core the readers need.
SCRATCH_THREADS = 1
T = TypeVar("T")

LOCKED = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "threads": 2,
}


def connect(path: Path | None = None, read_only: bool = False, spill: Path | None = None,
            macros: bool = True, scratch: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse locked down; `spill` is the folder DuckDB may spill to beyond MEMORY_LIMIT.
    A `scratch` database (the ingest store) is not synced to disk at each commit: a crash loses the build
    that writes it anyway, and the build's own warehouse connection syncs the file when it closes."""
    config = dict(LOCKED)
    if scratch:
        config["fsync_mode"] = "none"
        config["threads"] = SCRATCH_THREADS
    config["memory_limit"] = MEMORY_LIMIT
    if spill is not None:
        config["temp_directory"] = str(spill)
    target = ":memory:" if path is None else str(path)
    con = duckdb.connect(target, read_only=read_only, config=config)  # type: ignore[arg-type]
    if not read_only and macros:
        run_script(con, paths.QUERIES_DIR / "macros.sql")
    con.execute("set lock_configuration = true")
    return con


def run_script(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        con.execute(path.read_text(encoding="utf-8"))
    except duckdb.Error as exc:
        raise QueryError(f"{paths.display(path, paths.RESOURCE_ROOT)}: {exc}".splitlines()[0],
                         "fix the SQL in that file") from exc


def load_table(con: duckdb.DuckDBPyConnection, schema: str, name: str,
               table: pa.Table | pa.RecordBatchReader) -> None:
    """Create schema.name from an arrow table or a reader of batches (the name comes from a validated
    identifier)."""
    con.execute(f"create schema if not exists {schema}")
    con.register("_incoming", table)
    try:
        con.execute(f'create or replace table {schema}."{name}" as select * from _incoming')
    finally:
        con.unregister("_incoming")


def append_table(con: duckdb.DuckDBPyConnection, schema: str, name: str, table: pa.Table) -> None:
    """Append an arrow table's rows to schema.name, matching its columns by name (the name comes from a
    validated identifier; the table's columns and types are those of its CREATE statement)."""
    con.register("_incoming", table)
    try:
        con.execute(f'insert into {schema}."{name}" by name select * from _incoming')
    finally:
        con.unregister("_incoming")


def load_frame(con: duckdb.DuckDBPyConnection, schema: str, name: str, df, rows: int = BATCH_ROWS,  # type: ignore[no-untyped-def]
               append: bool = False, transaction: bool = True) -> None:
    """Create schema.name from a Polars frame (or append to it), `rows` at a time: only one slice is
    converted to arrow at once (the table is the one load_table(df.to_arrow()) makes; the name is a
    validated identifier). The slices go in one transaction (one commit, not one per slice) unless the
    caller holds one (`transaction=False`)."""
    if transaction:
        con.begin()
    try:
        con.execute(f"create schema if not exists {schema}")
        if not append:
            con.execute(f'drop table if exists {schema}."{name}"')
        for start in range(0, max(df.height, 1), rows):
            # a relation, not a registered view: a view would keep its arrow slice until the commit
            slice_ = con.from_arrow(df.slice(start, rows).to_arrow())
            if start == 0 and not append:
                slice_.create(f'{schema}."{name}"')
            else:
                slice_.insert_into(f'{schema}."{name}"')
            del slice_
    except BaseException:
        if transaction:
            con.rollback()
        raise
    if transaction:
        con.commit()


def read_frame(con: duckdb.DuckDBPyConnection, schema: str, name: str):  # type: ignore[no-untyped-def]
    """schema.name as a Polars frame, in its rows' order, fetched in batches (no whole arrow copy)."""
    import polars as pl

    reader = con.sql(f'select * from {schema}."{name}"').to_arrow_reader(BATCH_ROWS)
    frames = [pl.DataFrame(pl.from_arrow(batch)) for batch in reader]
    return pl.concat(frames) if frames else pl.DataFrame(pl.from_arrow(reader.schema.empty_table()))


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    """The columns of schema.name in order ([] when there is no such table or view). From duckdb_columns(),
    which information_schema.columns is a view of, without the joins that view makes for every call."""
    rows = con.execute(
        "select column_name from duckdb_columns() where schema_name = $s and table_name = $t "
        "order by column_index",
        {"s": schema, "t": name},
    ).fetchall()
    return [r[0] for r in rows]


def query_pl(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):  # type: ignore[no-untyped-def]
    """Run one bound query and hand the result to Polars through Arrow."""
    import polars as pl

    return pl.from_arrow(con.sql(sql, params=params or None).to_arrow_table())


QUERY_THREADS = 2  # queries run at once by in_parallel, each on a connection of its own


def in_parallel(con: duckdb.DuckDBPyConnection, jobs: list[Callable[[duckdb.DuckDBPyConnection], T]],
                threads: int = QUERY_THREADS) -> Iterator[T]:
    """Each job's result, in the order of `jobs`, the jobs running `threads` at a time on worker threads,
    each thread with a cursor of `con` of its own (DuckDB and Polars work without holding Python's lock).
    A job that fails raises its error when its turn comes, as if they ran one after another; no more than
    `threads` jobs run ahead of the one being yielded. Jobs only read: what they return is the same
    whatever ran beside them."""
    if threads <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield job(con)
        return
    local = threading.local()
    cursors: list[duckdb.DuckDBPyConnection] = []
    lock = threading.Lock()

    def run(job: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        cursor = getattr(local, "cursor", None)
        if cursor is None:
            with lock:
                cursor = local.cursor = con.cursor()
                cursors.append(cursor)
        return job(cursor)

    pool = ThreadPoolExecutor(threads, thread_name_prefix="carestats-query")
    pending: deque[Future[T]] = deque()
    try:
        pending.extend(pool.submit(run, job) for job in jobs[:threads])
        for job in jobs[threads:]:
            done = pending.popleft().result()
            pending.append(pool.submit(run, job))
            yield done
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
        for cursor in cursors:
            cursor.close()


def copy_table(source: duckdb.DuckDBPyConnection, target: duckdb.DuckDBPyConnection, schema: str,
               name: str) -> None:
    """Copy schema.name from one database to another in batches (identifiers validated by the caller)."""
    load_table(target, schema, name, source.sql(f'select * from {schema}."{name}"').to_arrow_reader(BATCH_ROWS))


@dataclass(frozen=True)
class Part:
    """The rows one input gave a raw table: rowids first .. first + rows - 1, its own columns as read
    (`columns`) and what each is called in the table (`names`: see dedupe_names)."""
    table: str
    columns: tuple[str, ...]
    names: tuple[str, ...]
    first: int
    rows: int

    def name_of(self, column: str) -> str:
        return self.names[self.columns.index(column)]


def dedupe_names(columns: list[str]) -> list[str]:
    """The names DuckDB gives these columns in one table: it ignores case, so a name already taken (in
    any case) becomes name_1, name_2, … (the first free one), in order. A raw table has the columns of all
    its inputs, in order of first appearance, so a later release's `awaiting_assessment` beside an
    earlier `Awaiting_assessment` is `awaiting_assessment_1`, as when the inputs were concatenated."""
    used: set[str] = set()
    out = []
    for col in columns:
        name, k = col, 0
        while name.lower() in used:
            k += 1
            name = f"{col}_{k}"
        used.add(name.lower())
        out.append(name)
    return out


def remove_tree(folder: Path) -> None:
    """Delete a folder of our own scratch files (os calls: shutil.rmtree is the build's last step, swap_in)."""
    for root, dirs, files in os.walk(folder, topdown=False):
        for name in files:
            try:
                os.remove(os.path.join(root, name))
            except OSError:
                pass
        for name in dirs:
            try:
                os.rmdir(os.path.join(root, name))
            except OSError:
                pass
    try:
        os.rmdir(folder)
    except OSError:
        pass


def _discard(con: duckdb.DuckDBPyConnection | None, folder: Path) -> None:
    if con is not None:
        try:
            con.close()
        except duckdb.Error:
            pass
    remove_tree(folder)


def _sweep_stale(parent: Path) -> None:
    """Remove the ingest folders of runs that were killed (the pid in the name is no longer running)."""
    for old in parent.glob("carestats-ingest-*-*"):
        try:
            pid = int(old.name.split("-")[2])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError):
            remove_tree(old)
        except PermissionError:
            pass


class RawStore:
    """raw.* tables loaded input by input into a DuckDB file in a private temporary folder.

    A raw table is created by its first input and grows by each later one; a later release that adds
    columns adds them to the table (earlier rows get NULL there), as concatenating the inputs would. Each
    input's rows and columns are recorded as a Part, so its own table can be read back. `hand_over` moves
    the file into a build as its warehouse; the folder is deleted when the store is dropped or the
    process ends.
    """

    def __init__(self) -> None:
        parent = Path(tempfile.gettempdir())
        _sweep_stale(parent)
        self.folder = Path(tempfile.mkdtemp(prefix=f"carestats-ingest-{os.getpid()}-", dir=parent))
        self.path: Path | None = self.folder / "ingest.duckdb"  # not raw.duckdb: its catalog would shadow schema raw
        self.con: duckdb.DuckDBPyConnection | None = connect(self.path, spill=self.folder / "spill", macros=False,
                                                             scratch=True)
        self.parts: list[Part] = []
        self.columns: dict[str, list[str]] = {}
        self.types: dict[str, list[str]] = {}  # the DuckDB type of each column of each raw table, in order
        self._writes: deque[tuple[_Write, int]] = deque()  # inputs handed to the writer, oldest first, and their bytes
        self._open_transaction, self._uncommitted = False, 0  # rows written since the last commit
        self._finalizer = weakref.finalize(self, _discard, self.con, self.folder)

    def _open(self) -> duckdb.DuckDBPyConnection:
        if self.con is None:
            raise RuntimeError("the raw tables were handed over to a warehouse")
        return self.con

    def add(self, name: str, table: pa.Table) -> None:
        """Append one input's rows to raw.name (a validated identifier), adding any columns it brings.

        The rows are written on a writer thread while the caller reads and checks the next inputs (DuckDB
        works without holding Python's lock), one input after another in the order added; `add` waits only
        when the inputs not yet written hold more than WRITE_AHEAD_BYTES, and a write that failed raises
        here or at `flush`. The rows are committed there too, every COMMIT_ROWS rows (and sooner, at
        `commit_early`), so that writing them to the file is done beside the reading, not all at once when
        the build takes the store over. The rows enter as a relation over the arrow table, not a registered
        view: a view would keep each input's arrow table in memory until the commit; a table is let go once
        written."""
        if not IDENT.match(name) or any('"' in c for c in table.column_names):
            raise ValueError(f"not a raw table name: {name!r}")
        size = table.nbytes
        self._settle(WRITE_AHEAD_BYTES - size)
        self._open()
        have = self.columns.get(name)
        new = [c for c in dict.fromkeys(table.column_names) if have is None or c not in have]
        columns = [*(have or []), *new]
        names = dict(zip(columns, dedupe_names(columns)))
        first = 0 if have is None else sum(p.rows for p in self.parts if p.table == name)
        self.columns[name] = columns
        self.parts.append(Part(name, tuple(table.column_names), tuple(names[c] for c in table.column_names),
                               first, table.num_rows))
        after = self._writes[-1][0] if self._writes else None
        self._writes.append((_Write(self._write, name, table, have is None, columns, names, new, after=after), size))

    def commit_early(self) -> None:
        """Ask the writer to commit what it has written once the inputs handed to it are, if that is at least
        EARLY_COMMIT_ROWS rows: the caller is about to read something slow, so the writer has the time.
        Queued behind the writes like one of them (a write that failed before it skips it)."""
        after = self._writes[-1][0] if self._writes else None
        self._writes.append((_Write(self._commit_if, EARLY_COMMIT_ROWS, after=after), 0))

    def _commit_if(self, rows: int) -> None:
        """Commit the open transaction if it holds at least `rows` rows (every place the store commits)."""
        if self._open_transaction and self._uncommitted >= rows:
            self._open().commit()
            self._open_transaction, self._uncommitted = False, 0

    def flush(self) -> None:
        """Wait until every input added is written; raise the error a write met."""
        self._settle(-1)

    def _settle(self, room: int) -> None:
        """Let go of the writes that are done, and wait for the oldest of the others until those left
        hold no more than `room` bytes; a write that failed raises here (the writes after it are skipped)."""
        while self._writes and (not self._writes[0][0].is_alive() or sum(b for _, b in self._writes) > room):
            write, _ = self._writes.popleft()
            try:
                write.wait()
            except BaseException:
                while self._writes:  # each skips its write, the one before it having failed
                    self._writes.popleft()[0].join()
                raise

    def _write(self, name: str, table: pa.Table, create: bool, columns: list[str], names: dict[str, str],
               new: list[str]) -> None:
        """One input's rows into raw.name (on the writer thread; `add` worked out the names), committed with
        those before it once COMMIT_ROWS rows wait; a failed write is rolled back with them."""
        con = self._open()
        if not self._open_transaction:
            con.begin()
            self._open_transaction = True
        try:
            self._insert(con, name, table, create, columns, names, new)
        except BaseException:
            con.rollback()
            self._open_transaction = False
            raise
        self._uncommitted += table.num_rows
        self._commit_if(COMMIT_ROWS)

    def _insert(self, con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, create: bool,
                columns: list[str], names: dict[str, str], new: list[str]) -> None:
        if create:
            con.execute("create schema if not exists raw")
            incoming = con.from_arrow(table)
            incoming.create(f'raw."{name}"')
            del incoming
            made = con.sql(f'select * from raw."{name}" limit 0')
            if made.columns != [names[c] for c in columns]:
                raise RuntimeError(f"raw.{name}: DuckDB named the columns otherwise than expected")
            self.types[name] = [str(t) for t in made.types]
            return
        incoming = con.from_arrow(table.rename_columns([names[c] for c in table.column_names]))
        kinds = dict(zip(incoming.columns, (str(t) for t in incoming.types)))
        for col in new:
            con.execute(f'alter table raw."{name}" add column "{names[col]}" {kinds[names[col]]}')
            self.types[name].append(kinds[names[col]])
        select = ", ".join(f'"{names[c]}"' if names[c] in kinds else f'null::{kind} as "{names[c]}"'
                           for c, kind in zip(columns, self.types[name]))
        incoming.project(select).insert_into(f'raw."{name}"')
        del incoming

    def _commit(self) -> None:
        """Every input written and committed (most of them committed on the writer thread already)."""
        self.flush()
        if self.con is not None:
            self._commit_if(0)

    def names(self) -> list[str]:
        return list(self.columns)

    def part_table(self, part: Part) -> pa.Table:
        """One input's rows, with its own columns, as it was added."""
        cols = ", ".join(f'"{n}" as "{c}"' for c, n in zip(part.columns, part.names))
        self._commit()  # rowids are the table's own only once committed
        return self._open().sql(
            f'select {cols} from raw."{part.table}" where rowid >= $a and rowid < $b order by rowid',
            params={"a": part.first, "b": part.first + part.rows}).to_arrow_table()

    def tables(self, name: str) -> list[pa.Table]:
        return [self.part_table(p) for p in self.parts if p.table == name]

    def copy_into(self, target: duckdb.DuckDBPyConnection) -> None:
        """Every raw table into another database, batch by batch."""
        self._commit()
        con = self._open()
        for name in sorted(self.columns):
            copy_table(con, target, "raw", name)

    def hand_over(self, target: Path) -> None:
        """Close the store and move its file to `target`, which becomes the build's warehouse."""
        self._commit()
        con = self._open()
        con.close()
        self.con = None
        self._finalizer.detach()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(self.path), str(target))
        self.path = None
        remove_tree(self.folder)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.con = None
            self._finalizer()


class _Write(threading.Thread):
    """One call run on a thread of its own once the write `after` it has finished (the writes of a store
    run one at a time, in order); `wait` joins it and raises what the call raised. When the write before
    it failed, the call is skipped: that write's error is the one raised."""

    def __init__(self, fn: Callable[..., None], *args: object, after: _Write | None = None) -> None:
        super().__init__(name="carestats-raw-store", daemon=False)
        self.fn, self.args, self.error = fn, args, None  # type: ignore[var-annotated]
        self.after, self.failed = after, False
        self.start()

    def run(self) -> None:
        try:
            if self.after is not None:
                self.after.join()
                self.failed = self.after.failed
                self.after = None
            if not self.failed:
                self.fn(*self.args)
        except BaseException as exc:  # noqa: BLE001  (raised again in the thread that waits)
            self.error, self.failed = exc, True  # type: ignore[assignment]
        finally:
            self.fn = self.args = None  # type: ignore[assignment]  (the input's rows go with the write)

    def wait(self) -> None:
        self.join()
        if self.error is not None:
            error, self.error = self.error, None
            raise error
