"""Partner files on the real stack: MinIO's landing zone with write-only partner keys, Spark into bronze with
lineage, rejects, quarantine with an alert, duplicates and corrected versions, masks for analysts in Trino."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from minio.error import S3Error

from pororoca_core import credentials, lakehouse
from pororoca_core.alerts import alerts_file
from pororoca_core.pseudonym import token
from pororoca_feeds import load_feeds
from pororoca_feeds.landing import BUCKET, Landing, partner_client
from pororoca_stack.airflow import Airflow

from .conftest import FEEDS_RUN, ensure_partner_files, poll, pororoca

FEEDS = load_feeds()
RUN = FEEDS_RUN


def query(paths, sql: str, user: str = "pororoca") -> list[tuple]:
    with lakehouse.trino_connection(lakehouse.Endpoints.of(paths), user) as conn:
        cur = conn.cursor()
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]


def control(paths, where: str) -> list[tuple]:
    columns = "file_name, status, version, replaces_checksum, rows_read, rows_accepted, rows_rejected, checksum, reason"
    return query(paths, f"SELECT {columns} FROM gold.feed_files WHERE {where} ORDER BY ingested_at")


@pytest.fixture(scope="module")
def first_run(paths):
    first = ensure_partner_files(paths)
    assert "bucket landing present" in pororoca("feeds", "apply").stdout  # idempotent
    return first


def test_a_partner_key_writes_its_own_feed_only_and_reads_nothing(paths):
    pororoca("feeds", "apply")
    bureau = partner_client(paths, "bureau")
    body = b"x"
    with pytest.raises(S3Error, match="AccessDenied"):
        bureau.put_object(BUCKET, "campaign_events/intruder.jsonl", io.BytesIO(body), 1)
    with pytest.raises(S3Error, match="AccessDenied"):
        list(bureau.list_objects(BUCKET, prefix="credit_bureau_scores/"))
    with pytest.raises(S3Error, match="AccessDenied"):
        bureau.get_object(BUCKET, "_archive/anything")
    with pytest.raises(S3Error, match="AccessDenied"):
        bureau.put_object(BUCKET, "_archive/credit_bureau_scores/forged.csv", io.BytesIO(body), 1)


def test_good_rows_land_in_bronze_with_their_lineage_and_bad_rows_in_rejects(paths, first_run):
    (row,) = control(paths, f"file_name = 'bureau_a_{RUN}.csv'")
    _, status, version, replaces, read, accepted, rejected, checksum, _ = row
    assert (status, version, replaces, read, accepted, rejected) == ("ingested", 1, None, 200, 195, 5)
    kept = query(paths, f"SELECT _row_number, _source_file FROM bronze.feed_credit_bureau_scores "
                        f"WHERE _file_checksum = '{checksum}'")  # fmt: skip
    rejects = query(paths, f"SELECT _row_number, reason, raw FROM bronze.feed_credit_bureau_scores_rejects "
                           f"WHERE _file_checksum = '{checksum}'")  # fmt: skip
    assert {r[1] for r in kept} == {f"bureau_a_{RUN}.csv"}
    numbers = sorted([r[0] for r in kept] + [r[0] for r in rejects])
    assert numbers == list(range(1, 201))  # every row is somewhere, once
    assert all(reason and raw for _, reason, raw in rejects)
    (cb,) = control(paths, f"file_name = 'chargebacks_{RUN}.avro'")
    assert tuple(cb[1:7]) == ("ingested", 1, None, 80, 77, 3)
    (st,) = control(paths, f"file_name = 'settlement_{RUN}.parquet'")
    assert tuple(st[1:7]) == ("ingested", 1, None, 150, 150, 0)
    assert query(paths, "SELECT count(*), count(DISTINCT merchant_cnpj) > 0 FROM bronze.feed_acquirer_settlements "
                        f"WHERE _file_checksum = '{st[7]}'") == [(150, True)]  # fmt: skip


def test_silver_holds_each_file_with_identifiers_as_the_lakes_own_tokens(paths, first_run):
    (row,) = control(paths, f"file_name = 'bureau_a_{RUN}.csv'")
    checksum = row[7]
    columns = {r[0] for r in query(paths, "SHOW COLUMNS FROM silver.feed_credit_bureau_scores")}
    assert "cpf_token" in columns and "cpf" not in columns
    rows = f"SELECT count(*) FROM silver.feed_credit_bureau_scores WHERE _file_checksum = '{checksum}'"
    assert query(paths, rows) == [(195,)]
    # The keyed hash every silver table uses (silver.customers.cpf_token): feeds join the lake by token.
    key = credentials.load(paths.credentials)["pseudonymisation_key"]
    cpfs = query(paths, f"SELECT cpf FROM bronze.feed_credit_bureau_scores WHERE _file_checksum = '{checksum}'")
    tokens = query(paths, f"SELECT cpf_token FROM silver.feed_credit_bureau_scores WHERE _file_checksum = '{checksum}'")
    assert {token(c, "cpf", key) for (c,) in cpfs} == {t for (t,) in tokens}


def test_no_personal_value_of_a_feed_is_a_data_files_bound(paths, first_run):
    """A one-row file's bounds would name its subject: the feed tables are created with statistics off for their
    personal columns, and other columns keep theirs (pruning)."""
    for table, personal, plain in [("bronze.feed_credit_bureau_scores", "cpf", "score"),
                                   ("silver.feed_credit_bureau_scores", "cpf_token", "score"),
                                   ("bronze.feed_credit_bureau_scores_rejects", "raw", "_row_number")]:  # fmt: skip
        ns, name = table.split(".")
        ((files, leaked, kept),) = query(paths,
            f"SELECT count(*), count(json_extract_scalar(readable_metrics, '$.{personal}.lower_bound')), "
            f"count(json_extract_scalar(readable_metrics, '$.{plain}.lower_bound')) "
            f'FROM {ns}."{name}$files" WHERE content = 0')  # fmt: skip
        assert files and leaked == 0 and kept == files, (table, files, leaked, kept)


def test_an_unreadable_file_is_quarantined_with_its_reason_and_an_alert(paths, first_run):
    (row,) = control(paths, f"file_name = 'campaign_broken_{RUN}.jsonl'")
    assert row[1] == "quarantined" and "truncated" in row[8]
    landing = Landing.if_ready(paths)
    assert landing is not None
    kept = [o.object_name for o in landing.client.list_objects(BUCKET, prefix="_quarantine/campaign_events/",
                                                                recursive=True)]  # fmt: skip
    reason_files = [k for k in kept if k.endswith(f"campaign_broken_{RUN}.jsonl.reason.txt")]
    assert reason_files and any(k.endswith(f"campaign_broken_{RUN}.jsonl") for k in kept)
    reason = landing.client.get_object(BUCKET, reason_files[0]).read().decode()
    assert "truncated" in reason
    lines = alerts_file(paths).read_text().splitlines()[first_run["alerts_before"] :]
    alerts = [json.loads(line) for line in lines]
    assert any(a["kind"] == "feed_quarantined" and a["file"] == f"campaign_broken_{RUN}.jsonl" for a in alerts)
    # Nothing is left waiting: every file was committed (archived) or quarantined.
    for feed in FEEDS.values():
        assert landing.pending(feed) == []


def test_personal_data_of_a_feed_is_masked_for_analysts(paths, first_run):
    (row,) = control(paths, f"file_name = 'bureau_a_{RUN}.csv'")
    checksum = row[7]
    sql = f"SELECT cpf, score FROM bronze.feed_credit_bureau_scores WHERE _file_checksum = '{checksum}' LIMIT 5"
    raw = query(paths, sql)
    masked = query(paths, sql, user="analyst")
    assert all(len(cpf) == 11 and cpf.isdigit() for cpf, _ in raw)
    assert all(cpf.startswith("***.***.***-") for cpf, _ in masked)
    assert sorted(s for _, s in masked) == sorted(s for _, s in raw)
    rejected = query(paths, "SELECT raw, reason FROM bronze.feed_credit_bureau_scores_rejects "
                            f"WHERE _file_checksum = '{checksum}'", user="analyst")  # fmt: skip
    assert rejected and all(r is None and reason for r, reason in rejected)


def test_the_same_file_again_changes_nothing_and_a_corrected_file_is_a_new_version(paths, first_run):
    (v1,) = control(paths, f"file_name = 'bureau_a_{RUN}.csv'")
    count = "SELECT count(*) FROM bronze.feed_credit_bureau_scores"
    before = query(paths, count)[0][0]
    # The same contents under another name: a duplicate; new contents under the same name: version 2.
    pororoca("sources", "drop", "--feed", "credit_bureau_scores", "--rows", "200", "--bad-rows", "5",
             "--name", f"bureau_a_{RUN}_resent.csv", "--seed", str(RUN))  # fmt: skip
    pororoca("sources", "drop", "--feed", "credit_bureau_scores", "--rows", "120", "--name", f"bureau_a_{RUN}.csv",
             "--seed", str(RUN + 1))  # fmt: skip
    pororoca("feeds", "ingest", timeout=900)
    (dup,) = control(paths, f"file_name = 'bureau_a_{RUN}_resent.csv'")
    assert dup[1] == "duplicate" and dup[7] == v1[7]
    versions = control(paths, f"file_name = 'bureau_a_{RUN}.csv'")
    assert [(v[1], v[2]) for v in versions] == [("ingested", 1), ("ingested", 2)]
    assert versions[1][3] == v1[7]  # version 2 names the checksum it replaces
    assert query(paths, count)[0][0] == before + 120  # the duplicate added nothing
    silver = "SELECT count(*) FROM silver.feed_credit_bureau_scores WHERE _file_checksum = '{}'"
    assert query(paths, silver.format(v1[7])) == [(0,)]  # the corrected version replaced its rows
    assert query(paths, silver.format(versions[1][7])) == [(120,)]
    assert "no file waiting" in pororoca("feeds", "ingest").stdout


def test_a_feed_silent_past_its_deadlines_raises_one_alert_once(paths, first_run):
    # The hourly campaign feed got only a damaged file here: every hour of the last two days is a miss.
    alerts = alerts_file(paths)
    before = alerts.read_text().count("\n") if alerts.exists() else 0
    first = pororoca("feeds", "deadlines", "--hours", "48").stdout
    again = pororoca("feeds", "deadlines", "--hours", "48").stdout
    assert "0 newly missed" in again  # recorded once, alerted once
    missed = query(paths, "SELECT count(*) FROM gold.feed_deadlines WHERE feed = 'campaign_events' "
                          "AND deadline > current_timestamp - INTERVAL '48' HOUR")[0][0]  # fmt: skip
    assert missed >= 40
    new = [json.loads(line) for line in alerts.read_text().splitlines()[before:]]
    campaign = [a for a in new if a["kind"] == "feed_deadline_missed" and a["feed"] == "campaign_events"]
    # One page per feed and run, never one per missed hour (none if an earlier run already paged).
    assert len(campaign) == (1 if "campaign_events missed" in first else 0)


def _run_started_by(af: Airflow, key: str) -> dict | None:
    for run in af.runs("pororoca_feeds"):
        if run["run_type"] == "asset_triggered" and any(
            e["extra"].get("payload", {}).get("key") == key
            for e in af.triggering_events("pororoca_feeds", run["dag_run_id"])
        ):
            return run
    return None


def test_a_dropped_file_starts_its_ingestion_through_airflow_within_seconds(paths, first_run):
    """MinIO notifies `landing.events`, the triggerer's asset watcher announces the landing asset, and the feeds
    DAG (live from creation) runs: no operator, no 5-minute wait."""
    af = Airflow.connect(paths)
    name = f"arrival_{RUN}.jsonl"
    dropped = datetime.now(UTC)
    pororoca("sources", "drop", "--feed", "campaign_events", "--rows", "40", "--name", name, "--seed", str(RUN + 2))
    run = poll(lambda: _run_started_by(af, f"{BUCKET}/campaign_events/{name}"), timeout=90,
               what="an asset-triggered feeds run naming the dropped file")  # fmt: skip
    announced = datetime.fromisoformat(run["run_after"])
    assert (announced - dropped).total_seconds() < 30, (dropped, run)
    assert af.wait("pororoca_feeds", run["dag_run_id"], timeout=900)["state"] == "success"
    # That run or an earlier one (a sweep, or a run started by another drop) ingested it.
    (row,) = control(paths, f"file_name = '{name}'")
    assert row[1] == "ingested" and row[5] == 40
