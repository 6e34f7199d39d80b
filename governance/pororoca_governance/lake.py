"""The lakehouse as the DPO's commands see it (I/O shell): Trino as a named user, table columns and
snapshots, and the table's data files read directly from object storage."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from pororoca_core import lakehouse
from pororoca_core.lakehouse import Endpoints

NAMESPACES = ("bronze", "silver", "silver_pii", "gold")


@dataclass
class Lake:
    ep: Endpoints
    user: str

    @cached_property
    def conn(self):
        return lakehouse.trino_connection(self.ep, self.user)

    def rows(self, sql: str) -> list[tuple]:
        cur = self.conn.cursor()
        cur.execute(sql)
        return cur.fetchall()

    def columns(self) -> dict[str, list[str]]:
        """`<namespace>.<table>` -> its columns, for every table of the curated namespaces."""
        names = ", ".join(f"'{n}'" for n in NAMESPACES)
        out: dict[str, list[str]] = {}
        for schema, table, column in self.rows(
            f"SELECT table_schema, table_name, column_name FROM {lakehouse.CATALOG}.information_schema.columns "
            f"WHERE table_schema IN ({names}) ORDER BY table_schema, table_name, ordinal_position"
        ):
            out.setdefault(f"{schema}.{table}", []).append(column)
        return out

    def current_snapshot(self, table: str) -> int | None:
        ns, name = table.split(".")
        rows = self.rows(f'SELECT snapshot_id FROM {ns}."{name}$snapshots" ORDER BY committed_at DESC LIMIT 1')
        return rows[0][0] if rows else None

    def live_files(self, table: str) -> set[str]:
        ns, name = table.split(".")
        return {r[0] for r in self.rows(f'SELECT file_path FROM {ns}."{name}$files"')}


@dataclass(frozen=True)
class FileHit:
    path: str
    column: str
    matches: int


class ObjectStore:
    """The lakehouse bucket over S3, to read and delete a table's files without any engine in between."""

    def __init__(self, ep: Endpoints) -> None:
        scheme, _, endpoint = ep.s3.partition("://")
        self.bucket = ep.bucket
        self.fs = pafs.S3FileSystem(
            access_key=ep.access_key, secret_key=ep.secret_key, endpoint_override=endpoint, scheme=scheme,
            region=ep.region, allow_bucket_creation=False,
        )  # fmt: skip

    @staticmethod
    def key(uri: str) -> str:
        """`s3://bucket/path` -> `bucket/path` (pyarrow's name)."""
        return uri.split("://", 1)[1]

    def data_files(self, location: str) -> Iterator[str]:
        selector = pafs.FileSelector(self.key(location).rstrip("/") + "/data", allow_not_found=True, recursive=True)
        for info in self.fs.get_file_info(selector):
            if info.type == pafs.FileType.File and info.path.endswith(".parquet"):
                yield info.path

    def find(self, path: str, checks: dict[str, set]) -> list[FileHit]:
        """Rows of one Parquet file whose `column` holds one of the values: read directly, every row group."""
        with self.fs.open_input_file(path) as f:
            parquet = pq.ParquetFile(f)
            present = [c for c in checks if c in parquet.schema_arrow.names]
            if not present:
                return []
            table = parquet.read(columns=present)
        hits = []
        for column in present:
            values = list(checks[column])
            if not values:
                continue
            arr = table.column(column)
            if _is_uuid(arr.type):
                # Iceberg writes a uuid as 16 bytes, which no cast turns into its text: compare the bytes.
                probe = pc.cast(arr, arr.type.storage_type) if hasattr(arr.type, "storage_type") else arr
                wanted = _uuid_array(values)
            else:
                probe = arr if pa_type_is_string(arr.type) else pc.cast(arr, "string")
                wanted = _string_array(values)
            n = pc.sum(pc.is_in(probe, value_set=wanted)).as_py() or 0
            if n:
                hits.append(FileHit(path, column, n))
        return hits

    def delete(self, path: str) -> None:
        self.fs.delete_file(path)


def _is_uuid(t) -> bool:
    import pyarrow as pa

    storage = getattr(t, "storage_type", t)
    return pa.types.is_fixed_size_binary(storage) and storage.byte_width == 16


def _uuid_array(values: list):
    import uuid

    import pyarrow as pa

    return pa.array([uuid.UUID(str(v)).bytes for v in values], type=pa.binary(16))


def pa_type_is_string(t) -> bool:
    import pyarrow as pa

    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _string_array(values: list):
    import pyarrow as pa

    return pa.array([str(v) for v in values], type=pa.string())
