"""Source column types -> Iceberg types, as the Iceberg sink will write the Debezium values.

The mapping follows what reaches the sink, not only the SQL type. Decimals arrive exact
(`decimal.handling.mode=precise`). PostgreSQL `timestamptz` arrives as an ISO-8601 string and `date` as days
since the epoch, both of which the sink converts; MariaDB runs with `time.precision.mode=isostring`, so
DATETIME arrives as an ISO-8601 string too. A PostgreSQL `timestamp without time zone` arrives as
microseconds since the epoch, which the sink would misread as milliseconds: it stays a long.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pyiceberg.types import (
    BinaryType,
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IcebergType,
    IntegerType,
    LongType,
    StringType,
    TimestamptzType,
    UUIDType,
)

Dialect = Literal["postgres", "mariadb"]


@dataclass(frozen=True)
class SourceColumn:
    name: str
    data_type: str  # information_schema.columns.data_type, lower case
    precision: int | None = None
    scale: int | None = None
    unsigned: bool = False


_POSTGRES: dict[str, IcebergType] = {
    "smallint": IntegerType(),
    "integer": IntegerType(),
    "bigint": LongType(),
    "real": FloatType(),
    "double precision": DoubleType(),
    "boolean": BooleanType(),
    "date": DateType(),
    "timestamp with time zone": TimestamptzType(),
    "timestamp without time zone": LongType(),  # microseconds since the epoch
    "uuid": UUIDType(),
    "bytea": BinaryType(),
}

# MariaDB DATETIME carries no zone; the acquiring server runs at +00:00, so the values are UTC.
_MARIADB: dict[str, IcebergType] = {
    "tinyint": IntegerType(),
    "smallint": IntegerType(),
    "mediumint": IntegerType(),
    "int": IntegerType(),
    "bigint": LongType(),
    "float": FloatType(),
    "double": DoubleType(),
    "date": DateType(),
    "datetime": TimestamptzType(),
    "timestamp": TimestamptzType(),
    "blob": BinaryType(),
    "longblob": BinaryType(),
    "mediumblob": BinaryType(),
    "tinyblob": BinaryType(),
    "binary": BinaryType(),
    "varbinary": BinaryType(),
}

_UNSIGNED_WIDER: dict[str, IcebergType] = {
    "tinyint": IntegerType(),
    "smallint": IntegerType(),
    "mediumint": IntegerType(),
    "int": LongType(),
    "bigint": DecimalType(20, 0),
}


def iceberg_type(dialect: Dialect, column: SourceColumn) -> IcebergType:
    """Everything not listed (text, enums, json, inet, arrays...) is kept exactly, as a string."""
    t = column.data_type.lower()
    if t in ("numeric", "decimal"):
        if column.precision is None or column.precision > 38:
            return StringType()  # unconstrained numeric: a string keeps every digit
        return DecimalType(column.precision, column.scale or 0)
    if dialect == "mariadb" and column.unsigned and t in _UNSIGNED_WIDER:
        return _UNSIGNED_WIDER[t]
    table = _POSTGRES if dialect == "postgres" else _MARIADB
    return table.get(t, StringType())
