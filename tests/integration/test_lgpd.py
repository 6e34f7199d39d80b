"""LGPD in force on the real stack: Trino identities over HTTPS, masks and denials compiled from the
classification (and changed by `governance sync` without a restart), the access audit written by Trino's event
listener, and the DPO's export and erasure, checked down to the data files in object storage."""

from __future__ import annotations

import csv
import json
import random
import re
from datetime import UTC, timedelta

import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
import requests
import trino

from pororoca_core import credentials, lakehouse
from pororoca_core.ids import random_cpf
from pororoca_core.pseudonym import token
from pororoca_governance.classification import CLASSIFICATION_PATH
from pororoca_stack.supervisor import Supervisor

from .conftest import ensure_gold, poll, pororoca, read_all

pytestmark = pytest.mark.integration

MASKED_CPF = re.compile(r"^\*\*\*\.\*\*\*\.\*\*\*-\d{2}$")


@pytest.fixture(scope="module")
def ep(paths):
    """Silver and gold as the curation tests leave them (or built here when this module runs alone)."""
    ensure_gold(paths)
    ep = lakehouse.Endpoints.of(paths)
    pororoca("governance", "sync")  # the audit tables
    pororoca("cdc", "apply")  # the access-audit sink, whatever ran before
    return ep


def rows(ep, user: str, sql: str) -> list[tuple]:
    with lakehouse.trino_connection(ep, user) as conn:
        cur = conn.cursor()
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]


CPF_MASK = "***.***.***-"
OCCUPATIONS = "SELECT occupation FROM silver.customers"


def denied(ep, user: str, sql: str) -> bool:
    try:
        rows(ep, user, sql)
    except trino.exceptions.TrinoUserError as e:
        return e.error_name == "PERMISSION_DENIED"
    return False


@pytest.fixture(scope="module")
def subject(ep):
    """A customer with accounts, Pix transfers, a credit contract and an Open Finance consent (uuid keys, which
    Trino does not compare with text): the DPO's requests below are about them."""
    cpf, customer_id = rows(
        ep,
        "pororoca",
        "SELECT p.cpf, p.customer_id FROM silver_pii.customers p "
        "WHERE EXISTS (SELECT 1 FROM gold.credit_customer_exposure g WHERE g.customer_id = p.customer_id) "
        "AND EXISTS (SELECT 1 FROM silver.loan_contracts l WHERE l.customer_id = p.customer_id) "
        "AND EXISTS (SELECT 1 FROM silver.consent_permissions c JOIN silver.open_finance_consents o "
        "ON o.consent_id = c.consent_id WHERE o.customer_id = p.customer_id) "
        "AND EXISTS (SELECT 1 FROM silver.accounts a JOIN silver.pix_transfers t ON t.payer_account_id = a.account_id "
        "WHERE a.customer_id = p.customer_id) ORDER BY p.customer_id LIMIT 1",
    )[0]
    return {"cpf": cpf, "customer_id": customer_id}


def test_trino_takes_only_https_with_a_valid_password(ep):
    url = f"https://127.0.0.1:{ep.trino_port}/v1/statement"
    assert requests.post(url, data="SELECT 1", verify=ep.trino_ca, timeout=10).status_code == 401
    wrong = requests.post(url, data="SELECT 1", auth=("analyst", "not-the-password"), verify=ep.trino_ca, timeout=10)
    assert wrong.status_code == 401
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(f"http://127.0.0.1:{ep.trino_port}/v1/statement", data="SELECT 1", timeout=10)
    assert rows(ep, "analyst", "SELECT 1") == [(1,)]


def test_analysts_see_identifiers_masked_and_are_denied_restricted_data(ep):
    key = "_kafka_partition, _kafka_offset"
    raw = {(p, o): cpf for p, o, cpf in rows(ep, "pororoca", f"SELECT {key}, cpf FROM bronze.core_customers")}
    seen = rows(ep, "analyst", f"SELECT {key}, cpf, email, phone, full_name, uf FROM bronze.core_customers")
    assert len(seen) == len(raw) > 0
    for partition, offset, cpf, email, phone, name, uf in seen:
        assert MASKED_CPF.match(cpf) and cpf.endswith(raw[partition, offset][-2:]), cpf
        assert re.fullmatch(r"[^@]\*\*\*@.+", email), email
        assert re.fullmatch(r"\(\*\*\) \*\*\*\*\*-\d{4}", phone), phone
        assert name.endswith("***") and len(name) == 4
        assert len(uf) == 2  # not personal on its own: readable
    assert rows(ep, "analyst", "SELECT count(cpf_token) FROM silver.customers")[0][0] > 0  # tokens: joinable
    for sql in (
        "SELECT * FROM silver_pii.customers",
        "SELECT * FROM gold.credit_customer_exposure",
        "SELECT * FROM audit.erasure_receipts",
        "INSERT INTO gold.payments_hourly SELECT * FROM gold.payments_hourly LIMIT 0",
        "SET SESSION lakehouse.expire_snapshots_min_retention = '0s'",
    ):
        assert denied(ep, "analyst", sql), sql


def test_personal_columns_leave_no_value_in_file_statistics(ep):
    """A CPF is the lower and upper bound of a one-row file. `governance sync` (this module's fixture ran it) turns
    statistics off for personal columns; maintenance rewrites the files written before. Other columns keep
    their bounds (pruning)."""
    bounds = (
        "SELECT count(*), count(json_extract_scalar(readable_metrics, '$.cpf.lower_bound')), "
        "count(json_extract_scalar(readable_metrics, '$.full_name.upper_bound')), "
        "count(json_extract_scalar(readable_metrics, '$.customer_id.lower_bound')) "
        'FROM silver_pii."customers$files" WHERE content = 0'
    )
    table = lakehouse.iceberg_catalog(ep, "lgpd").load_table(("silver_pii", "customers"))
    assert table.properties["write.metadata.metrics.column.cpf"] == "none"
    assert table.properties["write.metadata.metrics.column.full_name"] == "none"
    _, cpf, name, _ = rows(ep, "pororoca", bounds)[0]
    out = pororoca("maintain", "--namespaces", "silver_pii", timeout=900).stdout
    if cpf or name:  # files curated before the setting (the usual case in a full run)
        assert "holding bounds of" in out, out
    files, cpf, name, customer_id = rows(ep, "pororoca", bounds)[0]
    assert files and cpf == 0 and name == 0 and customer_id == files


def test_only_roles_that_maintain_tables_run_table_procedures(ep):
    procedures = (
        "ALTER TABLE {t} EXECUTE optimize(file_size_threshold => '1kB')",
        "ALTER TABLE {t} EXECUTE remove_orphan_files(retention_threshold => '30d')",
        "ALTER TABLE {t} EXECUTE expire_snapshots(retention_threshold => '30d')",
    )
    for user in ("analyst", "steward", "superset"):
        for sql in procedures:
            assert denied(ep, user, sql.format(t="gold.payments_hourly")), (user, sql)
    assert denied(ep, "engineer", procedures[2].format(t="silver_pii.customers"))  # not a namespace it writes
    # The maintainers may: a 30-day threshold removes nothing the tests need.
    rows(ep, "engineer", procedures[2].format(t="gold.payments_hourly"))
    rows(ep, "pororoca", procedures[1].format(t="gold.payments_hourly"))


def test_engineers_stewards_and_superset_get_what_the_policy_says(ep):
    assert all(re.fullmatch(r"\d{11}", c) for (c,) in rows(ep, "engineer", "SELECT cpf FROM bronze.core_customers"))
    names = rows(ep, "engineer", "SELECT full_name, street FROM bronze.core_customers LIMIT 50")
    assert any(n for n, _ in names)  # no names or addresses, as declared
    assert all((n is None or n.endswith("***")) and s is None for n, s in names)
    assert denied(ep, "engineer", "SELECT * FROM silver_pii.customers")
    assert denied(ep, "engineer", "SELECT * FROM audit.erasure_receipts")
    assert all(MASKED_CPF.match(c) for (c,) in rows(ep, "steward", "SELECT cpf FROM silver_pii.customers"))
    assert denied(ep, "steward", "DELETE FROM silver.customers WHERE false")
    assert rows(ep, "superset", "SELECT count(*) FROM gold.payments_hourly")[0][0] > 0
    assert denied(ep, "superset", "SELECT * FROM bronze.core_customers")


FILE_METADATA = ("files", "partitions", "entries", "all_entries", "manifests", "all_manifests")


@pytest.mark.parametrize("user", ["analyst", "steward"])
def test_masked_roles_cannot_read_personal_values_from_metadata_tables(ep, user):
    """A data file's column bounds would hand out the raw CPFs and names the masks hide."""
    for table in ("bronze.core_customers", "silver_pii.customers", "gold.credit_customer_exposure"):
        for kind in FILE_METADATA:
            assert denied(ep, user, f'SELECT * FROM {table.split(".")[0]}."{table.split(".")[1]}${kind}"'), (
                f"{user}: {table}${kind}"
            )
    # history stays readable (no values in it): time travel needs it
    assert rows(ep, user, 'SELECT count(*) FROM silver."customers$snapshots"')[0][0] > 0


def test_a_merchants_trade_name_is_masked_like_its_legal_name(ep):
    """The legal name is the trade name plus " LTDA": a sole proprietor's name either way."""
    for table in ("bronze.acquiring_merchants", "silver.merchants"):
        names = rows(ep, "analyst", f"SELECT trade_name FROM {table} LIMIT 50")
        assert names and all(n.endswith("***") and len(n) == 4 for (n,) in names), table


def test_no_role_can_alter_or_forge_the_audit(ep):
    for user in ("pororoca", "dpo", "engineer"):
        for sql in (
            "DELETE FROM audit.trino_queries WHERE true",
            "UPDATE audit.erasure_receipts SET requested_by = 'x' WHERE true",
            "INSERT INTO audit.trino_queries SELECT * FROM audit.trino_queries LIMIT 1",
        ):
            assert denied(ep, user, sql), f"{user}: {sql}"


def test_a_new_tag_masks_the_column_after_sync_without_restarting_trino(ep, paths, tmp_path):
    pid = Supervisor(paths).info("trino")["pid"]
    before = {o for (o,) in rows(ep, "analyst", "SELECT occupation FROM silver.customers")}
    assert not any(o.startswith(CPF_MASK) for o in before)
    tagged = tmp_path / "classification.toml"
    text = CLASSIFICATION_PATH.read_text().replace(
        '"silver.customers.birth_date"',
        # A tag engineers see raw (they mask only names and addresses): the analyst's view changes, theirs does not.
        '"silver.customers.occupation" = ["PersonalData", "CPF"]\n"silver.customers.birth_date"',
    )
    tagged.write_text(text)
    try:
        pororoca("governance", "sync", "--classification", str(tagged))
        masked = poll(
            lambda: all(o.startswith(CPF_MASK) for (o,) in rows(ep, "analyst", OCCUPATIONS)),
            60,
            "occupation masked for analysts",
        )
        assert masked
        assert not any(o.startswith(CPF_MASK) for (o,) in rows(ep, "engineer", OCCUPATIONS))
    finally:
        pororoca("governance", "sync")
    poll(
        lambda: not any(o.startswith(CPF_MASK) for (o,) in rows(ep, "analyst", OCCUPATIONS)),
        60,
        "occupation readable again after the tag is gone",
    )
    assert Supervisor(paths).info("trino")["pid"] == pid
    assert "nothing changed" in pororoca("governance", "sync").stdout  # idempotent


def test_every_query_reading_personal_columns_is_in_the_audit(ep):
    queries = {}
    for user, sql in [
        ("analyst", "SELECT cpf FROM bronze.core_customers LIMIT 3"),
        ("engineer", "SELECT email, phone FROM bronze.core_customers LIMIT 3"),
        ("steward", "SELECT full_name FROM silver_pii.customers LIMIT 3"),
        ("pororoca", "SELECT count(cpf_token) FROM silver.customers"),
        ("analyst", "SELECT count(*) FROM gold.payments_hourly"),
    ]:
        with lakehouse.trino_connection(ep, user) as conn:
            cur = conn.cursor()
            cur.execute(sql)
            cur.fetchall()
            queries[cur.query_id] = (user, sql)

    def landed():
        ids = ", ".join(f"'{q}'" for q in queries)
        found = rows(
            ep, "dpo", f'SELECT query_id, "user", columns, state FROM audit.trino_queries WHERE query_id IN ({ids})'
        )
        return found if len(found) == len(queries) else None

    side = {}  # a file-metadata read and a denied attempt: the report lists both, with the object
    for user, sql in [
        ("pororoca", 'SELECT count(*) FROM bronze."core_customers$files"'),
        ("analyst", "SELECT full_name FROM silver_pii.customers"),
    ]:
        with lakehouse.trino_connection(ep, user) as conn:
            cur = conn.cursor()
            try:
                cur.execute(sql)
                cur.fetchall()
            except trino.exceptions.TrinoUserError as e:
                assert e.error_name == "PERMISSION_DENIED"
            side[user] = cur.query_id
    found = {q: (u, cols, s) for q, u, cols, s in poll(landed, 180, "the audit rows of 5 queries")}
    for query_id, (user, _) in queries.items():
        assert found[query_id][0] == user and found[query_id][2] == "FINISHED"
    by_user = {found[q][0] + ":" + sql: set(found[q][1]) for q, (_, sql) in queries.items()}
    assert "lakehouse.bronze.core_customers.cpf" in by_user["analyst:SELECT cpf FROM bronze.core_customers LIMIT 3"]
    assert (
        "lakehouse.silver_pii.customers.full_name"
        in by_user["steward:SELECT full_name FROM silver_pii.customers LIMIT 3"]
    )
    assert denied(ep, "analyst", "SELECT * FROM audit.trino_queries")
    assert denied(ep, "engineer", "SELECT * FROM audit.trino_queries")

    report = json.loads(pororoca("lgpd", "access-report", "--from", "2026-01-01", "--json").stdout)
    reported = {r["query_id"]: r for r in report}
    personal = [q for q, (_, sql) in queries.items() if "gold" not in sql]
    assert all(q in reported for q in personal)
    gold_only = next(q for q, (_, sql) in queries.items() if "gold" in sql)
    assert gold_only not in reported
    assert reported[personal[0]]["masked"] is True and reported[personal[1]]["masked"] is False

    def side_reported():
        out = json.loads(pororoca("lgpd", "access-report", "--from", "2026-01-01", "--json").stdout)
        got = {r["query_id"]: r for r in out if r["query_id"] in side.values()}
        return got if len(got) == 2 else None

    got = poll(side_reported, 120, "the metadata read and the denied attempt in the access report")
    assert got[side["pororoca"]]["kind"] == "metadata"
    assert got[side["pororoca"]]["objects"] == ["bronze.core_customers$files"]
    attempt = got[side["analyst"]]
    assert attempt["kind"] == "denied" and "silver_pii.customers" in attempt["denied"], attempt


def test_bad_requests_say_why_and_change_nothing(ep):
    snapshot = rows(ep, "pororoca", 'SELECT snapshot_id FROM bronze."core_customers$snapshots" ORDER BY committed_at')
    r = pororoca("lgpd", "erase", "--cpf", "123", check=False)
    assert r.returncode == 2 and "malformed CPF" in r.stderr
    r = pororoca("lgpd", "erase", "--cpf", "529.982.247-24", check=False)
    assert r.returncode == 2 and "check digits" in r.stderr
    known = {c for (c,) in rows(ep, "pororoca", "SELECT cpf FROM bronze.core_customers")}
    rng = random.Random(7)
    unknown = next(c for c in (random_cpf(rng) for _ in range(100)) if c not in known)
    r = pororoca("lgpd", "erase", "--cpf", unknown, check=False)
    assert r.returncode == 2 and "no data subject" in r.stderr and unknown not in r.stderr
    r = pororoca("lgpd", "export", check=False)
    assert r.returncode == 2 and "--cpf" in r.stderr
    assert (
        rows(ep, "pororoca", 'SELECT snapshot_id FROM bronze."core_customers$snapshots" ORDER BY committed_at')
        == snapshot
    )


def test_the_subject_gets_their_data_as_json_and_csv(ep, paths, subject, tmp_path):
    out = pororoca("lgpd", "export", "--cpf", subject["cpf"], "--out", str(tmp_path)).stdout
    assert "exported" in out
    (folder,) = tmp_path.iterdir()
    doc = json.loads((folder / "subject.json").read_text())
    key = credentials.load(paths.credentials)["pseudonymisation_key"]
    assert doc["meta"]["subject_token"] == token(subject["cpf"], "cpf", key)
    tables = doc["tables"]
    assert [r["cpf"] for r in tables["silver_pii.customers"]] == [subject["cpf"]]
    assert [r["cpf_token"] for r in tables["silver.customers"]] == [doc["meta"]["subject_token"]]
    accounts = rows(
        ep, "pororoca", f"SELECT count(*) FROM silver.accounts WHERE customer_id = {subject['customer_id']}"
    )
    assert len(tables["silver.accounts"]) == accounts[0][0] > 0
    assert tables["silver.loan_contracts"] and tables["silver.pix_transfers"]
    assert not any(t.startswith("bronze.") for t in tables)
    with (folder / "silver.accounts.csv").open() as f:
        assert len(list(csv.DictReader(f))) == accounts[0][0]


def _last_values(kafka: dict, topic: str, keys: set[int]) -> dict[int, bytes | None]:
    """The last record of each of `keys` (JSON keys) on a topic as it is now; every key must be there."""
    last = {int(json.loads(k)): v for k, v in read_all(kafka, topic) if k is not None and int(json.loads(k)) in keys}
    assert last.keys() == keys, sorted(keys - last.keys())
    return last


def _data_files(ep, table: str) -> list[str]:
    ns, name = table.split(".")
    location = lakehouse.iceberg_catalog(ep, "lgpd").load_table((ns, name)).location()
    fs = _fs(ep)
    sel = pafs.FileSelector(location.split("://", 1)[1] + "/data", recursive=True, allow_not_found=True)
    return [i.path for i in fs.get_file_info(sel) if i.path.endswith(".parquet")]


def _fs(ep) -> pafs.S3FileSystem:
    scheme, _, endpoint = ep.s3.partition("://")
    return pafs.S3FileSystem(
        access_key=ep.access_key, secret_key=ep.secret_key, endpoint_override=endpoint, scheme=scheme, region=ep.region
    )


def _matches(ep, path: str, column: str, values: set) -> int:
    with _fs(ep).open_input_file(path) as f:
        pf = pq.ParquetFile(f)
        if column not in pf.schema_arrow.names:
            return 0
        col = pc.cast(pf.read(columns=[column]).column(column), "string")
    return pc.sum(pc.is_in(col, value_set=__import__("pyarrow").array([str(v) for v in values]))).as_py() or 0


def test_erasure_leaves_no_copy_in_tables_time_travel_or_files(ep, paths, subject):
    cpf, cid = subject["cpf"], subject["customer_id"]
    key = credentials.load(paths.credentials)["pseudonymisation_key"]
    accounts = {
        a for (a,) in rows(ep, "pororoca", f"SELECT account_id FROM bronze.core_accounts WHERE customer_id = {cid}")
    }
    acc = ", ".join(map(str, accounts))
    consents = ", ".join(
        f"'{c}'"
        for (c,) in rows(
            ep,
            "pororoca",
            f"SELECT CAST(consent_id AS varchar) FROM silver.open_finance_consents WHERE customer_id = {cid}",
        )
    )
    old = rows(
        ep, "pororoca", 'SELECT snapshot_id FROM bronze."core_customers$snapshots" ORDER BY committed_at DESC LIMIT 1'
    )[0][0]
    checks = {
        "bronze.core_customers": f"cpf = '{cpf}'",
        "silver.customers": f"customer_id = {cid}",
        "silver_pii.customers": f"cpf = '{cpf}'",
        "bronze.core_accounts": f"customer_id = {cid}",
        "silver.accounts": f"customer_id = {cid}",
        "silver.loan_contracts": f"customer_id = {cid}",
        "silver.devices": f"customer_id = {cid}",
        "silver.auth_events": f"customer_id = {cid}",
        "gold.credit_customer_exposure": f"customer_id = {cid}",
        "silver.pix_transfers": f"payer_account_id IN ({acc})",
        "bronze.core_pix_transfers": f"payer_account_id IN ({acc})",
        "silver.open_finance_consents": f"customer_id = {cid}",
        "bronze.core_open_finance_consents": f"customer_id = {cid}",
        "silver.consent_permissions": f"CAST(consent_id AS varchar) IN ({consents})",
        "bronze.core_consent_permissions": f"CAST(consent_id AS varchar) IN ({consents})",
    }
    for table, cond in checks.items():
        assert rows(ep, "pororoca", f"SELECT count(*) FROM {table} WHERE {cond}")[0][0] > 0, table
    # The catalog keeps history: before the erasure, time travel reaches the subject in the older snapshot.
    assert rows(ep, "pororoca", f"SELECT count(*) FROM bronze.core_customers FOR VERSION AS OF {old} "
                                f"WHERE cpf = '{cpf}'")[0][0] >= 1  # fmt: skip
    others = rows(ep, "pororoca", f"SELECT count(*) FROM silver.customers WHERE customer_id <> {cid}")[0][0]

    # --purge-topics without --yes shows what it would delete from Kafka and does nothing at all.
    plan = pororoca("lgpd", "erase", "--cpf", cpf, "--purge-topics", check=False)
    assert plan.returncode == 3 and "would delete core.public.customers[0]" in plan.stdout, plan.stdout
    assert rows(ep, "pororoca", f"SELECT count(*) FROM silver_pii.customers WHERE cpf = '{cpf}'")[0][0] == 1

    out = pororoca("lgpd", "erase", "--cpf", cpf, timeout=1800).stdout
    # The fraud processor's scores and alerts name the subject's account too (and its dead letters, if any).
    assert "receipt" in out and "raw change topics (acquiring.*, core.*, fraud." in out and "fraud.scores" in out, out
    # The fraud processor's account directory (a compacted topic) loses the subject's accounts by tombstone.
    assert f"{len(accounts)} of the subject's keys were removed from the fraud processor's account directory" in out
    assert all(v is None for v in _last_values(ep.kafka, "fraud.accounts", accounts).values())

    for table, cond in checks.items():
        assert rows(ep, "pororoca", f"SELECT count(*) FROM {table} WHERE {cond}")[0][0] == 0, table
    assert rows(ep, "pororoca", f"SELECT count(*) FROM silver.customers WHERE customer_id <> {cid}")[0][0] == others
    # No snapshot that time travel can still reach holds the subject; the one before the erasure is gone.
    with pytest.raises(trino.exceptions.TrinoUserError, match=f"{old}"):
        rows(ep, "pororoca", f"SELECT count(*) FROM bronze.core_customers FOR VERSION AS OF {old}")
    for table, cond in checks.items():
        ns, name = table.split(".")
        for (snapshot,) in rows(ep, "pororoca", f'SELECT snapshot_id FROM {ns}."{name}$snapshots"'):
            travelled = rows(ep, "pororoca", f"SELECT count(*) FROM {table} FOR VERSION AS OF {snapshot} WHERE {cond}")
            assert travelled == [(0,)], (table, snapshot)
    for table, column, values in [
        ("bronze.core_customers", "cpf", {cpf}),
        ("silver_pii.customers", "cpf", {cpf}),
        ("silver.customers", "cpf_token", {token(cpf, "cpf", key)}),
        ("silver.customers", "customer_id", {cid}),
        ("bronze.core_accounts", "customer_id", {cid}),
        ("silver.pix_transfers", "payer_account_id", accounts),
    ]:
        files = _data_files(ep, table)
        assert files, table
        assert sum(_matches(ep, f, column, values) for f in files) == 0, f"{table}.{column} still in a data file"

    receipts = rows(
        ep,
        "dpo",
        "SELECT subject_token, rows_deleted, files_checked, verified, tables_json, completed_at, residual_copies "
        "FROM audit.erasure_receipts",
    )
    mine = [r for r in receipts if r[0] == token(cpf, "cpf", key)]
    assert len(mine) == 1 and mine[0][1] > 0 and mine[0][2] > 0 and mine[0][3] is True
    assert cpf not in mine[0][4]
    # The receipt's snapshots are as it says: every "before" expired, every "after" the table's current one.
    for t in json.loads(mine[0][4]):
        if not t["rows"]:
            continue
        ns, name = t["table"].split(".")
        kept = {s for (s,) in rows(ep, "pororoca", f'SELECT snapshot_id FROM {ns}."{name}$snapshots"')}
        assert t["snapshot_before"] not in kept and t["snapshot_after"] in kept, t
    # Until when the raw change log may still hold the subject: completion + the topics' 3-day retention.
    until = (mine[0][5] + timedelta(days=3)).astimezone(UTC).isoformat(timespec="seconds")
    assert f"until {until}" in mine[0][6] and "source systems" in mine[0][6], mine[0][6]
    r = pororoca("lgpd", "erase", "--cpf", cpf, check=False)
    assert r.returncode == 2 and "no data subject" in r.stderr
