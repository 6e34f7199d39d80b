"""Data-subject requests (LGPD Art. 18): find a subject's rows everywhere, export them, or erase them.

Erasure, table by table (bronze first, so a curation run in between cannot bring a row back into silver):
delete the rows, rewrite the data files (the deletes were only recorded), expire every older snapshot, then
read every data file left under the table's location directly: a file still referenced that holds one of the
subject's values fails the erasure; an unreferenced one (an orphan of the rewrite or of earlier maintenance)
is deleted. A receipt goes to the restricted `audit.erasure_receipts`.
"""

from __future__ import annotations

import csv
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from pororoca_core import credentials, lakehouse
from pororoca_core.paths import Paths
from pororoca_governance import raw_log, subjects
from pororoca_governance.lake import Lake, ObjectStore
from pororoca_governance.subjects import SubjectError, SubjectModel, literal

DPO = "dpo"
ROOT_IDENTIFIERS = ("cpf", "email", "phone")  # raw in bronze and silver_pii; tokens in silver
Progress = Callable[[str], None]


@dataclass
class Subject:
    cpf_token: str
    found: dict[str, dict[str, set]]  # entity -> column -> the subject's values

    @property
    def customer_ids(self) -> set[int]:
        return self.found["customers"]["customer_id"]


@dataclass
class TableResult:
    table: str
    rows: int
    snapshot_before: int | None = None
    snapshot_after: int | None = None
    files_checked: int = 0
    files_removed: int = 0


@dataclass
class Receipt:
    receipt_id: str
    requested_at: str
    completed_at: str
    requested_by: str
    subject_token: str
    tables: list[TableResult] = field(default_factory=list)
    residual_copies: str = ""
    topics_purged: int = 0  # raw change records removed by --purge-topics
    tombstones: int = 0  # the subject's keys removed from compacted topics (the fraud account directory)

    @property
    def rows_deleted(self) -> int:
        return sum(t.rows for t in self.tables)


class Rights:
    def __init__(self, paths: Paths, user: str = DPO, progress: Progress = print) -> None:
        self.ep = lakehouse.Endpoints.of(paths)
        self.lake = Lake(self.ep, user)
        self.model: SubjectModel = subjects.load()
        self.kinds = subjects.token_kinds()
        key = credentials.load(paths.credentials)["pseudonymisation_key"]
        from pororoca_core.pseudonym import token

        def tokenise(value: str, kind: str) -> str:
            return token(value, kind, key) or ""  # values here are never NULL

        self.tokenise = tokenise
        self.progress = progress
        self._columns: dict[str, list[str]] | None = None

    @property
    def columns(self) -> dict[str, list[str]]:
        if self._columns is None:
            self._columns = self.lake.columns()
        return self._columns

    # -- finding -------------------------------------------------------------------------------------
    def find(self, cpf: str | None = None, customer_id: int | None = None) -> Subject:
        if (cpf is None) == (customer_id is None):
            raise SubjectError("name the data subject by exactly one of --cpf or --customer-id")
        root = self.model.entities[self.model.root]
        bronze = root.tables[0]
        cols = [self.model.root_key, *ROOT_IDENTIFIERS]
        if cpf is not None:
            digits = subjects.parse_cpf(cpf)
            cond, who = f'"cpf" = {literal(digits)}', f"CPF {subjects.masked_cpf(digits)}"
        else:
            cond, who = f'"{self.model.root_key}" = {int(customer_id)}', f"customer id {customer_id}"  # type: ignore[arg-type]
        rows = self.lake.rows(f"SELECT DISTINCT {', '.join(cols)} FROM {bronze} WHERE {cond}")
        if not rows:
            raise SubjectError(f"no data subject with {who} in {bronze}: nothing was read or changed")
        found = {root.name: {c: {r[i] for r in rows if r[i] is not None} for i, c in enumerate(cols)}}
        cpfs = found[root.name]["cpf"]
        for name, entity in list(self.model.entities.items())[1:]:
            needed = sorted(self.model.needed_columns(name))
            source = entity.tables[0]
            if not needed or source not in self.columns:
                continue
            pred = self._predicate(entity, source, found)
            got = self.lake.rows(f"SELECT DISTINCT {', '.join(needed)} FROM {source} WHERE {pred}")
            found[name] = {c: {r[i] for r in got if r[i] is not None} for i, c in enumerate(needed)}
        token = self.tokenise(sorted(cpfs)[0], "cpf") if cpfs else ""
        return Subject(cpf_token=token, found=found)

    def _predicate(self, entity: subjects.Entity, table: str, found: dict[str, dict[str, set]]) -> str:
        return subjects.predicate(
            self.model, entity, found, set(self.columns.get(table, [])), self.kinds.get(table), self.tokenise
        )

    def tables(self, subject: Subject, include_bronze: bool = True) -> list[tuple[str, str]]:
        """(table, predicate) for every existing table holding the subject's rows, bronze first."""
        out = []
        for entity in self.model.entities.values():
            for table in entity.tables:
                if table not in self.columns or (not include_bronze and table.startswith("bronze.")):
                    continue
                out.append((table, self._predicate(entity, table, subject.found)))
        return sorted(out, key=lambda tp: (not tp[0].startswith("bronze."), tp[0]))

    # -- right of access and portability -----------------------------------------------------------
    def export(self, subject: Subject, out_dir: Path) -> dict[str, int]:
        """The subject's current data (silver, silver_pii, subject-level gold) as one JSON and a CSV per
        table; the change history (bronze) is not current data and stays out."""
        out_dir.mkdir(parents=True, exist_ok=True)
        document: dict[str, list[dict]] = {}
        counts = {}
        for table, pred in self.tables(subject, include_bronze=False):
            cur = self.lake.conn.cursor()
            cur.execute(f"SELECT * FROM {table} WHERE {pred}")
            rows = cur.fetchall()
            names = [d[0] for d in cur.description]
            document[table] = [dict(zip(names, map(_plain, r), strict=True)) for r in rows]
            counts[table] = len(rows)
            with (out_dir / f"{table}.csv").open("w", newline="") as f:
                w = csv.writer(f)
                w.writerow(names)
                w.writerows([[_plain(v) for v in r] for r in rows])
        meta = {
            "exported_at": datetime.now(UTC).isoformat(),
            "subject_token": subject.cpf_token,
            "basis": "LGPD Art. 18, II e V",
        }
        (out_dir / "subject.json").write_text(
            json.dumps({"meta": meta, "tables": document}, ensure_ascii=False, indent=2, default=str)
        )
        return counts

    # -- right of erasure --------------------------------------------------------------------------
    def erase(self, subject: Subject, purge_topics: bool = False) -> Receipt:
        requested = datetime.now(UTC)
        receipt = Receipt(str(uuid.uuid4()), requested.isoformat(), "", self.lake.user, subject.cpf_token)
        self.lake.rows("SET SESSION lakehouse.expire_snapshots_min_retention = '0s'")
        for table, pred in self.tables(subject):
            (n,) = self.lake.rows(f"SELECT count(*) FROM {table} WHERE {pred}")[0]
            result = TableResult(table, n)
            receipt.tables.append(result)
            if not n:
                continue
            t0 = time.monotonic()
            result.snapshot_before = self.lake.current_snapshot(table)
            self.lake.rows(f"DELETE FROM {table} WHERE {pred}")
            # The delete only recorded positions; rewriting every file applies it.
            self.lake.rows(f"ALTER TABLE {table} EXECUTE optimize(file_size_threshold => '10GB')")
            self.lake.rows(f"ALTER TABLE {table} EXECUTE expire_snapshots(retention_threshold => '0s')")
            result.snapshot_after = self.lake.current_snapshot(table)
            self.progress(f"erase: {table}: {n} rows deleted, files rewritten ({time.monotonic() - t0:.1f}s)")
        self.verify(subject, receipt)
        receipt.tombstones = raw_log.forget(self.ep.kafka, raw_log.tombstones(subject.found))
        completed = datetime.now(UTC)
        receipt.completed_at = completed.isoformat()
        spans = raw_log.spans(self.ep.kafka)
        if purge_topics:
            receipt.topics_purged = raw_log.purge(self.ep.kafka, spans)
            spans = raw_log.spans(self.ep.kafka)
        receipt.residual_copies = raw_log.residual_statement(spans, completed, receipt.tombstones)
        self._record(receipt)
        return receipt

    def checks(self, subject: Subject, table: str) -> dict[str, set]:
        """The subject's values to look for in a table's files, by column: ids, identifiers and tokens."""
        cols = set(self.columns.get(table, []))
        entity = next(e for e in self.model.entities.values() if table in e.tables)
        checks: dict[str, set] = {}
        owners = entity.owners or (subjects.Owner(self.model.root_key, self.model.root, self.model.root_key),)
        for o in owners:
            values = subject.found.get(o.of, {}).get(o.of_column, set())
            checks[o.column] = values
            kind = (self.kinds.get(table) or {}).get(o.column)
            if kind:
                checks[f"{o.column}_token"] = {self.tokenise(str(v), kind) for v in values}
        if entity.name == self.model.root:
            for c in ROOT_IDENTIFIERS:
                values = subject.found[entity.name][c]
                checks[c] = values
                checks[f"{c}_token"] = {self.tokenise(str(v), c) for v in values}
        return {c: v for c, v in checks.items() if c in cols and v}

    def verify(self, subject: Subject, receipt: Receipt) -> None:
        """Read every data file under each affected table's location; see the module's docstring."""
        from pyiceberg.catalog import Catalog

        store = ObjectStore(self.ep)
        catalog: Catalog = lakehouse.iceberg_catalog(self.ep, "lgpd")
        left: list[str] = []
        for result in receipt.tables:
            if not result.rows:
                continue
            ns, name = result.table.split(".")
            location = catalog.load_table((ns, name)).location()
            live = {ObjectStore.key(p) for p in self.lake.live_files(result.table)}
            checks = self.checks(subject, result.table)
            for path in store.data_files(location):
                result.files_checked += 1
                hits = store.find(path, checks)
                if hits and path in live:
                    left += [f"{result.table}: {h.matches} row(s) in {h.path} ({h.column})" for h in hits]
                elif hits:
                    store.delete(path)
                    result.files_removed += 1
            self.progress(
                f"verify: {result.table}: {result.files_checked} data files read, {result.files_removed} orphan(s) "
                "holding the subject removed"
            )
        if left:
            raise SubjectError("erasure incomplete, the subject is still in live files:\n  " + "\n  ".join(left))

    def _record(self, receipt: Receipt) -> None:
        from pororoca_governance.trino_security import ensure_audit_tables

        ensure_audit_tables(self.ep)
        tables = json.dumps([asdict(t) for t in receipt.tables])
        files = sum(t.files_checked for t in receipt.tables), sum(t.files_removed for t in receipt.tables)
        values = [
            literal(receipt.receipt_id),
            f"from_iso8601_timestamp({literal(receipt.requested_at)})",
            f"from_iso8601_timestamp({literal(receipt.completed_at)})",
            literal(receipt.requested_by),
            literal(receipt.subject_token),
            literal(tables),
            str(receipt.rows_deleted),
            str(files[0]),
            str(files[1]),
            "true",
            literal(receipt.residual_copies),
        ]
        self.lake.rows(f"INSERT INTO lakehouse.audit.erasure_receipts VALUES ({', '.join(values)})")


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
