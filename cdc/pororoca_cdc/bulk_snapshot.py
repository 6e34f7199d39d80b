"""The initial bulk snapshot of a source into bronze, and its hand-off to Debezium (what `bulk_plan` decides, done).

PostgreSQL: the connector's replication slot is created here, exporting its snapshot; every captured table is
copied (COPY, CSV, parsed by Arrow) under that snapshot and appended to bronze; the connector then gets the slot's
consistent point as its stored offset and streams from there: nothing committed before it is streamed, nothing
after it is in the copy.

MariaDB: the connector starts first without data (`snapshot.mode=no_data`: it records the schema and streams
from the binlog position of that moment); once it streams, a consistent snapshot is opened here, whose binlog
position is later than the connector's start, and every table is read under it. Changes streamed between the two
positions are in bronze twice, as changes and in the snapshot's rows, which carry the later position: curation
keeps the newest, so nothing is lost or doubled in silver.
"""

from __future__ import annotations

import io
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
import pymysql
import pymysql.converters
import pymysql.cursors
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import CommitFailedException
from pyiceberg.table import Table
from pyiceberg.types import BooleanType, DecimalType, DoubleType, FloatType, IntegerType, LongType

from pororoca_catalog import CapturedSource, SourceColumn
from pororoca_cdc import bulk_plan
from pororoca_cdc.bulk_plan import BULK_PARTITION, ColumnRead, Position
from pororoca_core.errors import OperationFailed

PG_WORKERS = 2  # tables read at once, each in its own session on the same snapshot
BATCH_ROWS = 250_000  # rows per bronze append: one Parquet file each, and what one append holds in memory
Progress = Callable[[int], None]  # rows written so far, for the caller's progress bar


class BulkSnapshotError(OperationFailed):
    pass


@dataclass(frozen=True)
class Written:
    table: str
    rows: int
    through_topic: bool = False  # published on its change topic, for the sink to land (else written to bronze)


# ---- bronze ----------------------------------------------------------------------------------------------------


def bronze_holds_changes(table: Table) -> bool:
    """True when a bronze table has rows that came through Kafka: a bulk snapshot would no longer be the start of
    its change log. Rows of an earlier, interrupted bulk snapshot do not count (they are replaced)."""
    if table.current_snapshot() is None:
        return False
    scan = table.scan(
        row_filter=f"_kafka_partition != {BULK_PARTITION}", selected_fields=("_kafka_partition",), limit=1
    )
    return scan.to_arrow().num_rows > 0


def _append(catalog: Catalog, identifier: str, batch: pa.Table) -> None:
    """Append, retrying when another writer (the streaming sink, maintenance) committed in between."""
    for attempt in range(20):
        table = catalog.load_table(identifier)
        try:
            table.append(batch)
            return
        except CommitFailedException:
            time.sleep(min(0.25 * 2**attempt, 5))
    raise BulkSnapshotError(f"{identifier}: could not commit the bulk snapshot's rows after 20 attempts")


class _Writer:
    """Bronze rows of one table, in batches: the row columns as read, the capture columns of a bulk snapshot."""

    def __init__(
        self,
        catalog: Catalog,
        identifier: str,
        dialect: str,
        position: Position,
        source_ts: datetime,
        progress: Progress,
    ) -> None:
        self.catalog, self.identifier, self.progress = catalog, identifier, progress
        table = catalog.load_table(identifier)
        if table.current_snapshot() is not None:  # an interrupted earlier bulk snapshot's rows (checked before)
            table.delete(f"_kafka_partition = {BULK_PARTITION}")
        self.schema = table.schema().as_arrow()
        self.fields = [(f.name, f.field_type) for f in table.schema().fields]
        self.constants = bulk_plan.capture_values(dialect, position, identifier)  # type: ignore[arg-type]
        self.source_ts = source_ts
        self.rows = 0

    def write(self, columns: dict[str, pa.Array]) -> None:
        n = len(next(iter(columns.values()))) if columns else 0
        if n == 0:
            return
        now = datetime.now(UTC)
        captured = now.replace(microsecond=now.microsecond // 1000 * 1000)  # milliseconds, as Debezium's ts_ms
        arrays = []
        for field in self.schema:
            if field.name in columns:
                arrays.append(columns[field.name].cast(field.type))
            elif field.name == "_kafka_offset":
                arrays.append(pa.array(range(self.rows, self.rows + n), field.type))
            elif field.name in ("_source_ts", "_captured_at"):
                ts = self.source_ts if field.name == "_source_ts" else captured
                arrays.append(pa.array([ts] * n, field.type))
            else:
                arrays.append(pa.array([self.constants.get(field.name)] * n, field.type))
        _append(self.catalog, self.identifier, pa.Table.from_arrays(arrays, schema=self.schema))
        self.rows += n
        self.progress(n)


class _Publisher:
    """Snapshot rows of one table published on its change topic as Debezium's snapshot publishes them."""

    def __init__(self, catalog: Catalog, identifier: str, topic: str, key: list[SourceColumn],
                 source_block: dict[str, Any], producer: Any, progress: Progress) -> None:  # fmt: skip
        table = catalog.load_table(identifier)
        self.schema = table.schema().as_arrow()
        self.fields = [(f.name, f.field_type) for f in table.schema().fields]
        self.types = dict(self.fields)
        self.topic, self.key, self.source, self.producer, self.progress = topic, key, source_block, producer, progress
        self.rows = 0
        self.failed: list[str] = []

    def _delivered(self, err: Any, _msg: Any) -> None:
        if err is not None:
            self.failed.append(str(err))

    def write(self, columns: dict[str, pa.Array]) -> None:
        typed = {n: (self.types[n], a.cast(self.schema.field(n).type)) for n, a in columns.items()}
        n = 0
        for key, value in bulk_plan.envelopes(self.topic, self.key, typed, self.source, time.time_ns() // 1000):
            while True:
                try:
                    self.producer.produce(self.topic, value=value, key=key, on_delivery=self._delivered)
                    break
                except BufferError:  # the producer's queue is full: let it send
                    self.producer.poll(0.5)
            n += 1
            if n % 1000 == 0:
                self.producer.poll(0)
        self.rows += n
        self.progress(n)

    def close(self) -> None:
        if self.producer.flush(300) or self.failed:
            raise BulkSnapshotError(f"{self.topic}: {len(self.failed)} snapshot records not acknowledged "
                                    f"({self.failed[:1]})")  # fmt: skip


def postgres_keys(login: PostgresLogin, schema: str) -> dict[str, list[str]]:
    """Each table's primary key columns, in key order."""
    with login.connect(autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname, a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indisprimary AND n.nspname = %s "
            "ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)",
            (schema,),
        ).fetchall()
    keys: dict[str, list[str]] = {}
    for table, column in rows:
        keys.setdefault(table, []).append(column)
    return keys


# ---- PostgreSQL ------------------------------------------------------------------------------------------------


def _csv_type(c: ColumnRead) -> pa.DataType:
    if c.reader in ("null", "uuid_text", "hex_bytes"):
        return pa.string()
    if c.reader == "epoch_micros":
        return pa.int64()
    if c.reader == "epoch_days":
        return pa.int32()
    t = c.type
    if isinstance(t, DecimalType):
        return pa.decimal128(t.precision, t.scale)
    simple: dict[type, pa.DataType] = {
        IntegerType: pa.int32(),
        LongType: pa.int64(),
        FloatType: pa.float32(),
        DoubleType: pa.float64(),
        BooleanType: pa.bool_(),
    }
    return simple.get(type(t), pa.string())


def from_csv(c: ColumnRead, column: pa.ChunkedArray, target: pa.DataType) -> pa.Array:
    column = column.combine_chunks()
    if c.reader == "uuid_text":
        storage = pa.array([None if v is None else uuid.UUID(v).bytes for v in column.to_pylist()], pa.binary(16))
        return pa.ExtensionArray.from_storage(target, storage) if isinstance(target, pa.ExtensionType) else storage
    if c.reader == "hex_bytes":
        return pa.array([None if v is None else bytes.fromhex(v) for v in column.to_pylist()], pa.large_binary())
    return column


class _CopyStream(io.RawIOBase):
    """COPY ... TO STDOUT as a file, for Arrow's streaming CSV reader."""

    def __init__(self, copy: Any) -> None:
        self._copy, self._block, self._at = copy, memoryview(b""), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._at >= len(self._block):
            data = self._copy.read()
            if not data:
                return 0
            self._block, self._at = memoryview(data), 0
        n = min(len(buffer), len(self._block) - self._at)
        buffer[:n] = self._block[self._at : self._at + n]
        self._at += n
        return n


def csv_batches(copy: Any, reads: list[ColumnRead]) -> Iterator[pa.Table]:
    """Arrow tables of up to BATCH_ROWS rows from COPY's CSV (`copy`: anything with psycopg's `read()`)."""
    names = [c.name for c in reads]
    # Only an unquoted empty field is NULL: COPY quotes an empty string, and "NA" or "null" are text.
    convert = pacsv.ConvertOptions(
        column_types={c.name: _csv_type(c) for c in reads},
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
        true_values=["t"],
        false_values=["f"],
    )
    stream = io.BufferedReader(_CopyStream(copy), 1 << 20)
    if not stream.peek(1):
        return
    reader = pacsv.open_csv(
        stream,
        read_options=pacsv.ReadOptions(column_names=names, block_size=16 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=convert,
    )
    pending: list[pa.RecordBatch] = []
    size = 0
    for batch in reader:
        pending.append(batch)
        size += batch.num_rows
        if size >= BATCH_ROWS:
            yield pa.Table.from_batches(pending)
            pending, size = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


@dataclass(frozen=True)
class PostgresLogin:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    def connect(self, **kw: Any) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, dbname=self.dbname, **kw
        )


def postgres(
    login: PostgresLogin,
    slot: str,
    catalog: Catalog,
    source: CapturedSource,
    tables: dict[str, list[SourceColumn]],
    progress: Progress,
    kafka: dict[str, str] | None = None,
    through: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], list[Written]]:
    """Bulk-read every captured table into bronze, those in `through` onto their change topics instead (with
    `kafka`, the operator's client settings). Returns the connector's offset to start streaming from."""
    with login.connect(autocommit=True) as conn:
        held = conn.execute("SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)).fetchone()
        if held and held[0]:
            raise BulkSnapshotError(f"replication slot {slot} is in use: stop its connector first")
        if held:  # left by an interrupted bulk snapshot: nobody streamed from it (the connector has no offset)
            conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
        row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        position = Position.postgres(bulk_plan.pg_lsn(row[0]))  # type: ignore[index]
    replication = login.connect(autocommit=True, replication="database")
    try:
        # The exported snapshot lives while this connection stays open and idle.
        result = replication.pgconn.exec_(f"CREATE_REPLICATION_SLOT {slot} LOGICAL pgoutput EXPORT_SNAPSHOT".encode())
        if result.status != 2:  # TUPLES_OK
            raise BulkSnapshotError(
                f"could not create replication slot {slot}: "
                f"{(result.error_message or b'').decode(errors='replace').strip()}"
            )
        consistent_point = bulk_plan.pg_lsn((result.get_value(0, 1) or b"").decode())
        snapshot = (result.get_value(0, 2) or b"").decode()
        source_ts = datetime.now(UTC).replace(microsecond=0)
        keys = postgres_keys(login, source.schema) if through else {}
        producer = None
        if through:
            from confluent_kafka import Producer

            producer = Producer({**(kafka or {}), "enable.idempotence": True, "acks": "all", "linger.ms": 50,
                                 "compression.type": "lz4", "queue.buffering.max.messages": 500_000,
                                 "log_level": 2})  # fmt: skip
        todo: queue.SimpleQueue[str] = queue.SimpleQueue()
        for table in _largest_first(login, source.schema, list(tables)):
            todo.put(table)
        written: list[Written] = []

        def worker() -> None:
            # Every worker reads in a transaction of its own that imports the slot's snapshot: the same data.
            with login.connect(autocommit=True) as conn:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                conn.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                while True:
                    try:
                        table = todo.get_nowait()
                    except queue.Empty:
                        break
                    identifier = source.bronze_table(table)
                    writer: _Writer | _Publisher
                    if table in through:
                        by_name = {c.name: c for c in tables[table]}
                        key = [by_name[k] for k in keys[table]]
                        block = bulk_plan.postgres_source(source.prefix, login.dbname, source.schema, table, position,
                                                          int(source_ts.timestamp() * 1_000_000))  # fmt: skip
                        writer = _Publisher(catalog, identifier, source.topic(table), key, block, producer, progress)
                    else:
                        writer = _Writer(catalog, identifier, "postgres", position, source_ts, progress)
                    reads = bulk_plan.column_reads("postgres", writer.fields, tables[table])
                    reads_present = [c for c in reads if c.reader != "null" or table not in through]
                    target = {f.name: f.type for f in writer.schema}
                    with conn.cursor().copy(bulk_plan.postgres_copy_sql(source.schema, table, reads)) as copy:
                        for batch in csv_batches(copy, reads):
                            writer.write({c.name: from_csv(c, batch.column(c.name), target[c.name])
                                          for c in reads_present})  # fmt: skip
                    if isinstance(writer, _Publisher):
                        writer.close()
                    written.append(Written(identifier, writer.rows, isinstance(writer, _Publisher)))
                conn.execute("COMMIT")

        in_parallel([worker] * PG_WORKERS)
    finally:
        replication.close()
    offset = {"lsn": consistent_point, "ts_usec": int(source_ts.timestamp() * 1_000_000)}
    return offset, written


def _largest_first(login: PostgresLogin, schema: str, tables: list[str]) -> list[str]:
    """The tables by their size on disk, largest first: the workers finish together. (Not the planner's row
    estimate: a table loaded since its last ANALYZE has none, and the order would be the names'.)"""
    with login.connect(autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_table_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = ANY(%s)",
            (schema, tables),
        ).fetchall()
    size = {name: float(n) for name, n in rows}
    return sorted(tables, key=lambda t: (-size.get(t, 0.0), t))


def in_parallel(works: list[Callable[[], None]]) -> None:
    """Each of `works` in a thread of its own; the first error is raised once all have stopped."""
    errors: list[BaseException] = []

    def guarded(work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as e:  # handed to the caller's thread below
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(w,), daemon=True) for w in works]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


# ---- MariaDB ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MariadbLogin:
    host: str
    port: int
    user: str
    password: str
    database: str

    def connect(self, **kw: Any) -> pymysql.connections.Connection:
        return pymysql.connect(host=self.host, port=self.port, user=self.user, password=self.password,
                               database=self.database, **kw)  # fmt: skip


def mariadb(
    login: MariadbLogin,
    catalog: Catalog,
    source: CapturedSource,
    tables: dict[str, list[SourceColumn]],
    progress: Progress,
) -> tuple[Position, list[Written]]:
    conn = login.connect(
        charset="utf8mb4",
        autocommit=True,
        cursorclass=pymysql.cursors.SSCursor,
        # Values as the server's text, no Python objects: Arrow converts whole columns at once, far faster.
        conv=dict(pymysql.converters.encoders),
    )
    written = []
    with conn, conn.cursor() as cur:
        cur.execute("SET SESSION time_zone = '+00:00'")  # TIMESTAMP columns in UTC, as DATETIME already is
        cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        cur.execute("SHOW STATUS LIKE 'binlog_snapshot_%'")
        status = {k.lower(): v for k, v in cur.fetchall()}
        position = Position.mariadb(status["binlog_snapshot_file"], int(status["binlog_snapshot_position"]))
        source_ts = datetime.now(UTC).replace(microsecond=0)
        for table, columns in sorted(tables.items()):
            identifier = source.bronze_table(table)
            writer = _Writer(catalog, identifier, "mariadb", position, source_ts, progress)
            reads = bulk_plan.column_reads("mariadb", writer.fields, columns)
            target = {f.name: f.type for f in writer.schema}
            cur.execute(bulk_plan.mariadb_select_sql(table, reads))
            while rows := cur.fetchmany(BATCH_ROWS):
                values = list(zip(*rows, strict=True))
                writer.write({c.name: from_text(list(v), target[c.name]) for c, v in zip(reads, values, strict=True)})
            written.append(Written(identifier, writer.rows))
        cur.execute("COMMIT")
    return position, written


def from_text(values: list[str | bytes | None], target: pa.DataType) -> pa.Array:
    """One column of MariaDB's text protocol as its bronze type (DATETIME and TIMESTAMP are UTC: the server's and
    this session's zone)."""
    if pa.types.is_binary(target) or pa.types.is_large_binary(target):
        return pa.array(values, target)
    text = pa.array(values, pa.string())
    if pa.types.is_timestamp(target):
        return text.cast(pa.timestamp(target.unit)).cast(target)
    return text.cast(target)
