"""Silver and gold on the real stack: curation through Airflow, silver = the sources' current state, every
KPI equal to an independent computation on the sources, re-runs change nothing, late and re-sent changes
never win, maintenance shrinks tables and changes no answer."""

from __future__ import annotations

import json
import math
import os
import random
import re
import subprocess
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from pororoca_core import credentials, ids, lakehouse, pseudonym
from pororoca_core.paths import Paths
from pororoca_sources.connections import Sources
from pororoca_spark import entities

from .conftest import CLI, pororoca

pytestmark = pytest.mark.integration

KPI_SQL = Path(__file__).parent / "kpi_sources"
SP = ZoneInfo("America/Sao_Paulo")


@dataclass(frozen=True)
class CuratedLake:
    """The lake after a live burst was captured and the pipeline ran once through Airflow."""

    paths: Paths
    pipeline: str  # what `pororoca pipeline` printed
    src: Sources
    trino: Any
    ep: lakehouse.Endpoints
    d: date  # the newest reference date in gold
    key: str  # the pseudonymisation key


@pytest.fixture(scope="module")
def lake(paths) -> CuratedLake:
    """Capture running again over what earlier modules left (their changes included), a burst of live
    inserts, updates and deletes, everything in bronze, then the flow once through Airflow's scheduler."""
    # the data set test_cdc loads (a no-op after it; a first load when this module runs alone)
    pororoca("sources", "load", "--scale", "0.02", "--seed", "42", "--as-of", "2026-11-22")
    with Sources.of(paths).core() as conn:
        conn.execute((KPI_SQL / "fixture_credit_cases.sql").read_text())
        conn.commit()
    pororoca("cdc", "apply")
    pororoca("sources", "simulate", "--rate", "300", "--duration", "15", timeout=300)
    pororoca("cdc", "wait", "--timeout", "600", timeout=700)
    pipeline = pororoca("pipeline", "--pause", "--timeout", "900", timeout=2000)
    ep = lakehouse.Endpoints.of(paths)
    trino = lakehouse.trino_connection(ep)
    cur = trino.cursor()
    cur.execute("SELECT max(reference_date) FROM gold.credit_default_rate")
    (d,) = cur.fetchone()
    key = credentials.load(paths.credentials)["pseudonymisation_key"]
    return CuratedLake(paths, pipeline.stdout, Sources.of(paths), trino, ep, d, key)


def q(lake, sql: str, params: list | None = None) -> list[tuple]:
    cur = lake.trino.cursor()
    cur.execute(sql, params or [])
    return [tuple(r) for r in cur.fetchall()]


def pg(lake, sql: str, params: dict | None = None) -> list[tuple]:
    with lake.src.core() as conn:
        return [tuple(r) for r in conn.execute(sql, params or {}).fetchall()]


def kpi_sql(name: str) -> str:
    shared = "\n".join(ln for ln in (KPI_SQL / "_credit_at_d.sql").read_text().splitlines() if not ln.startswith("--"))
    return (KPI_SQL / f"{name}.sql").read_text().replace("{credit_at_d}", shared.strip())


def kpi(lake, name: str) -> list[tuple]:
    return pg(lake, kpi_sql(name), {"d": lake.d})


def norm(v):
    """One comparable form for a value read from a source driver or from Trino."""
    if isinstance(v, datetime):
        return (v if v.tzinfo else v.replace(tzinfo=ZoneInfo("UTC"))).timestamp()
    if isinstance(v, (IPv4Address, IPv6Address, UUID)):
        return str(v)
    if isinstance(v, float):
        return round(v, 9)
    if isinstance(v, str):
        return v.rstrip()
    return v


def close(a, b, tol: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)


# ---- the flow through Airflow -------------------------------------------------------------------------------


def test_the_flow_runs_through_airflow_and_prints_the_headline(lake):
    out = lake.pipeline
    assert "pororoca_curate" in out and "success" in out
    assert re.search(r"pororoca_kpis asset_triggered__\S+: success", out), out
    assert "Taxa de Inadimplência" in out and "R$ " in out
    runs = q(lake, "SELECT job, count(*), sum(rows_read) FROM gold.pipeline_runs GROUP BY job")
    jobs = {j: (n, read) for j, n, read in runs}
    assert jobs["curate"][0] >= len(entities.load()) and jobs["curate"][1] > 0
    assert jobs["kpis"][0] >= 16
    # freshness = run end - newest source commit in the table (none for a table the source left empty)
    stale = q(lake, "SELECT count(*) FROM gold.pipeline_runs WHERE job = 'curate' AND newest_source_ts IS NOT NULL "
                    "AND NOT (freshness_s >= 0)")  # fmt: skip
    assert stale == [(0,)]


# ---- silver -------------------------------------------------------------------------------------------------


def _source_rows(lake, table: entities.SilverTable, where: str = "TRUE") -> tuple[list[str], list[tuple]]:
    name = table.source.split(".")[1].split("_", 1)[1]
    if table.source.startswith("bronze.core_"):
        with lake.src.core() as conn:
            cur = conn.execute(f"SELECT * FROM {name} WHERE {where}")
            return [d.name for d in cur.description], [tuple(r) for r in cur.fetchall()]
    conn = lake.src.acquiring()
    with conn, conn.cursor() as cur:
        cur.execute(f"SELECT * FROM {name} WHERE {where}")
        return [d[0] for d in cur.description], [tuple(r) for r in cur.fetchall()]


def assert_silver_matches_source(lake, table: entities.SilverTable, where: str = "TRUE") -> None:
    """`where`: the rows to compare, in a condition on key columns both sides name alike."""
    cur = lake.trino.cursor()
    cur.execute(f"SELECT * FROM {table.name} WHERE {where}")
    silver_cols = [d[0] for d in cur.description]
    silver = [tuple(r) for r in cur.fetchall()]
    src_cols, src = _source_rows(lake, table, where)
    cols = [c for c in silver_cols if not c.startswith("_")]
    expected = []
    for row in src:
        values = dict(zip(src_cols, row, strict=True))
        out = []
        for c in cols:
            base = c.removesuffix("_token")
            if c.endswith("_token") and base in table.tokenise:
                raw = values[base]
                out.append(pseudonym.token(None if raw is None else str(norm(raw)), table.tokenise[base], lake.key))
            else:
                out.append(norm(values[c]))
        expected.append(tuple(out))
    got = [tuple(norm(v) for c, v in zip(silver_cols, r, strict=True) if not c.startswith("_")) for r in silver]
    missing, extra = Counter(expected) - Counter(got), Counter(got) - Counter(expected)
    assert not missing and not extra, (
        f"{table.name}: {sum(missing.values())} source rows missing or different, {sum(extra.values())} extra; "
        f"e.g. missing {list(missing)[:2]} extra {list(extra)[:2]}"
    )
    assert len(silver) == len(src)


@pytest.mark.parametrize("table", entities.load(), ids=lambda t: t.name)
def test_silver_equals_the_source_current_state_after_tokenisation(lake, table):
    assert_silver_matches_source(lake, table)


def test_no_direct_identifier_or_name_enters_silver(lake):
    cols = q(lake, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'silver'")
    raw = {(t, c) for t, c in cols if c in {"cpf", "cnpj", "email", "phone", "full_name", "street", "postal_code",
                                            "legal_name", "key_value", "payee_key", "ip", "fingerprint"}}  # fmt: skip
    assert raw == set()
    cpf = pg(lake, "SELECT cpf FROM customers ORDER BY customer_id LIMIT 1")[0][0]
    assert q(lake, "SELECT count(*) FROM silver.customers WHERE cpf_token = ?", [cpf]) == [(0,)]
    token = pseudonym.token(cpf, "cpf", lake.key)
    assert q(lake, "SELECT count(*) FROM silver.customers WHERE cpf_token = ?", [token]) == [(1,)]
    assert q(lake, "SELECT count(*) FROM silver_pii.customers WHERE cpf = ?", [cpf]) == [(1,)]
    # a Pix key of type CPF carries its owner's CPF token: joins across tables still work
    joined = q(lake, "SELECT count(*) FROM silver.pix_keys k JOIN silver.accounts a ON a.account_id = k.account_id "
                     "JOIN silver.customers c ON c.customer_id = a.customer_id "
                     "WHERE k.key_type = 'cpf' AND k.key_value_token = c.cpf_token")  # fmt: skip
    assert joined[0][0] > 0


# ---- gold = independent computation on the sources ----------------------------------------------------------


def test_kpi_1_default_rate(lake):
    (gold,) = q(lake, "SELECT credit_customers, customers_in_default, default_rate FROM gold.credit_default_rate "
                      "WHERE reference_date = ?", [lake.d])  # fmt: skip
    ((customers, in_default),) = kpi(lake, "credit_default_rate")
    assert gold[:2] == (customers, in_default) and customers > 0
    assert close(gold[2], in_default / customers)


def test_kpi_2_average_loan(lake):
    gold = {p: (n, t, a) for p, n, t, a in q(lake, "SELECT period, contracts, principal_total, average_principal "
            "FROM gold.credit_average_loan WHERE reference_date = ?", [lake.d])}  # fmt: skip
    src = {p: (n, t) for p, n, t in kpi(lake, "credit_average_loan")}
    assert {p: v[:2] for p, v in gold.items()} == src and "total" in src
    for p, (n, t, a) in gold.items():
        assert abs(a - (t / n).quantize(Decimal("0.01"))) <= Decimal("0.01"), p


def test_kpi_3_approval_rate(lake):
    gold = q(lake, "SELECT period, approved, denied, approval_rate FROM gold.credit_approval_rate "
                   "WHERE reference_date = ?", [lake.d])  # fmt: skip
    src = {p: (a, d) for p, a, d in kpi(lake, "credit_approval_rate")}
    assert {p: (a, d) for p, a, d, _ in gold} == src
    assert all(close(r, a / (a + d)) for _, a, d, r in gold)


def test_kpi_4_age_distribution_with_default_rate_per_band(lake):
    gold = q(lake, "SELECT age_band, customers, credit_customers, customers_in_default, share, default_rate "
                   "FROM gold.credit_age_distribution WHERE reference_date = ?", [lake.d])  # fmt: skip
    src = {r[0]: r[1:] for r in kpi(lake, "credit_age_distribution")}
    assert {r[0]: r[1:4] for r in gold} == src
    total = sum(v[0] for v in src.values())
    for band, n, cc, dd, share, rate in gold:
        assert close(share, n / total) and (rate is None if cc == 0 else close(rate, dd / cc)), band


def test_kpi_5_refinancing_rate(lake):
    gold = q(lake, "SELECT period, contracts, renegotiated FROM gold.credit_refinancing_rate "
                   "WHERE reference_date = ?", [lake.d])  # fmt: skip
    assert sorted(gold) == sorted(kpi(lake, "credit_refinancing_rate"))


def test_kpi_6_average_days_late(lake):
    gold = q(lake, "SELECT customers_in_default, average_max_dpd FROM gold.credit_days_late WHERE reference_date = ?",
             [lake.d])  # fmt: skip
    ((n, avg),) = kpi(lake, "credit_days_late")
    assert gold[0][0] == n and close(gold[0][1], avg)


def test_kpi_7_recovery_rate(lake):
    ((gd, gr, rate, go, grec, arate),) = q(
        lake, "SELECT contracts_defaulted, contracts_recovered, recovery_rate, overdue_amount, recovered_amount, "
        "amount_recovery_rate FROM gold.credit_recovery_rate WHERE reference_date = ?", [lake.d])  # fmt: skip
    ((d, r, overdue, recovered),) = kpi(lake, "credit_recovery_rate")
    assert (gd, gr, go, grec) == (d, r, overdue, recovered) and d >= 2 and r >= 1
    assert close(rate, r / d) and close(arate, recovered / overdue)


def test_kpi_8_monthly_default_rate_and_its_change(lake):
    gold = q(
        lake,
        "SELECT month_end, credit_customers, customers_in_default, default_rate, change_pp "
        "FROM gold.credit_default_rate_monthly WHERE reference_date = ? ORDER BY month_end",
        [lake.d],
    )
    src = {m: (c, n) for m, c, n in kpi(lake, "credit_default_rate_monthly")}
    assert {m: (c, n) for m, c, n, _, _ in gold} == src
    previous = None
    for _, c, n, rate, change in gold:
        assert close(rate, n / c)
        assert change is None if previous is None else close(change, (rate - previous) * 100, 1e-7)
        previous = rate


def test_kpi_9_segment_performance(lake):
    gold = q(lake, "SELECT dimension, segment, credit_customers, customers_in_default, contracts, average_principal "
                   "FROM gold.credit_segment_performance WHERE reference_date = ?", [lake.d])  # fmt: skip
    src = {(r[0], r[1]): r[2:] for r in kpi(lake, "credit_segment_performance")}
    assert {(r[0], r[1]) for r in gold} == set(src)
    assert {dim for dim, _ in src} == {"income_band", "uf", "occupation", "education"}
    for dim, seg, cc, dd, n, avg in gold:
        s_cc, s_dd, s_n, s_total = src[(dim, seg)]
        assert (cc, dd, n) == (s_cc, s_dd, s_n), (dim, seg)
        assert (avg is None) if not n else abs(avg - (s_total / n).quantize(Decimal("0.01"))) <= Decimal("0.01")


def test_kpi_10_active_credits_per_customer(lake):
    gold = q(lake, "SELECT measure, bucket, customers, share, average FROM gold.credit_active_per_customer "
                   "WHERE reference_date = ?", [lake.d])  # fmt: skip
    per = [{"internal": i, "external": e, "total": i + e} for _, i, e in kpi(lake, "credit_active_per_customer")]
    expected = Counter((m, "3+" if c[m] >= 3 else str(c[m])) for c in per for m in ("internal", "external", "total"))
    assert {(m, b): n for m, b, n, _, _ in gold} == dict(expected)
    for m, _b, n, share, average in gold:
        assert close(share, n / len(per)) and close(average, sum(c[m] for c in per) / len(per)), m


def test_kpi_11_credit_types_in_the_market(lake):
    gold = q(lake, "SELECT scope, credit_type, credits, amount, count_share, amount_share "
                   "FROM gold.credit_market_types WHERE reference_date = ?", [lake.d])  # fmt: skip
    src = {(s, t): (n, a) for s, t, n, a in kpi(lake, "credit_market_types")}
    assert {(s, t): (n, a) for s, t, n, a, _, _ in gold} == src
    for s, t, n, a, cs, as_ in gold:
        scope = [v for (ss, _), v in src.items() if ss == s]
        assert close(cs, n / sum(x[0] for x in scope)) and close(as_, float(a / sum(x[1] for x in scope))), (s, t)


def _all_transactions(lake) -> list[tuple[str, datetime, Decimal, bool, str, str]]:
    """(channel, local time, amount, approved, uf, category) from both sources, joined here."""
    conn = lake.src.acquiring()
    with conn, conn.cursor() as cur:
        cur.execute("SELECT mcc, min(category) FROM merchants GROUP BY mcc")
        categories = dict(cur.fetchall())
        cur.execute("SELECT p.payment_type, p.authorized_at, p.amount, p.status, m.uf, m.category "
                    "FROM pos_transactions p JOIN merchants m USING (merchant_id)")  # fmt: skip
        pos = cur.fetchall()
    rows = []
    for channel, local, amount, approved, uf, mcc in kpi(lake, "core_transactions"):
        category = "não se aplica" if channel == "Pix" else categories.get(mcc, "outros")
        rows.append((channel, local, amount, approved, uf, category))
    for kind, at, amount, status, uf, category in pos:
        local = at.replace(tzinfo=ZoneInfo("UTC")).astimezone(SP).replace(tzinfo=None)
        rows.append(("POS Crédito" if kind == "credit" else "POS Débito", local, amount, status == "approved", uf,
                     category))  # fmt: skip
    return rows


def test_payments_tpv_count_and_ticket_by_channel_day_hour_uf_and_category(lake):
    d = lake.d
    expected: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: [0, Decimal(0)]))
    for channel, local, amount, approved, uf, category in _all_transactions(lake):
        if not approved or local.date() > d:
            continue
        for grain, key in (("day", (channel, local.date())), ("hour", (channel, local.hour)),
                           ("uf", (channel, uf)), ("category", (channel, category))):  # fmt: skip
            expected[grain][key][0] += 1
            expected[grain][key][1] += amount
    columns = {"day": "local_date", "hour": "local_hour", "uf": "uf", "category": "merchant_category"}
    for grain, col in columns.items():
        got = q(lake, f"SELECT channel, {col}, sum(transactions), sum(tpv) FROM gold.payments_hourly GROUP BY 1, 2")
        assert {(c, k): (n, t) for c, k, n, t in got} == {k: tuple(v) for k, v in expected[grain].items()}, grain
    assert {c for c, _ in expected["day"]} == {"Pix", "Débito", "POS Crédito", "POS Débito"}
    tickets = q(lake, "SELECT tpv, transactions, average_ticket FROM gold.payments_hourly")
    assert all(abs(a - (t / n).quantize(Decimal("0.01"))) <= Decimal("0.01") for t, n, a in tickets)


def test_card_approval_rate(lake):
    expected: Counter = Counter()
    for channel, local, _amount, approved, _uf, _cat in _all_transactions(lake):
        if channel != "Pix" and local.date() <= lake.d:
            expected[(channel, "attempts")] += 1
            expected[(channel, "approved")] += approved
    got = q(lake, "SELECT channel, sum(attempts), sum(approved) FROM gold.card_approval_daily GROUP BY channel")
    assert {c: (a, ok) for c, a, ok in got} == {
        c: (expected[(c, "attempts")], expected[(c, "approved")]) for c in ("Débito", "POS Crédito", "POS Débito")
    }


def test_fraud_rate_and_loss_by_day_and_type(lake):
    gold = q(lake, "SELECT transaction_date, fraud_type, transactions, frauds, fraud_loss, fraud_rate "
                   "FROM gold.fraud_daily WHERE reference_date = ?", [lake.d])  # fmt: skip
    src = {(day, t): (n, f, loss) for day, t, n, f, loss in kpi(lake, "fraud_daily")}
    assert {(day, t): (n, f, loss) for day, t, n, f, loss, _ in gold} == src
    assert all(close(rate, f / n) for _, _, n, f, _, rate in gold)
    assert any(t != "todos" for _, t in src)


def test_fraud_detection_time(lake):
    gold = q(lake, "SELECT fraud_type, frauds, average_hours, p50_hours, p95_hours FROM gold.fraud_detection "
                   "WHERE reference_date = ?", [lake.d])  # fmt: skip
    src = {r[0]: r[1:] for r in kpi(lake, "fraud_detection")}
    assert set(src) == {r[0] for r in gold} and "todos" in src
    for t, n, avg, p50, p95 in gold:
        s = src[t]
        assert n == s[0] and close(avg, s[1], 1e-6) and close(p50, s[2], 1e-6) and close(p95, s[3], 1e-6), t


# ---- idempotency, late and re-sent changes, maintenance ------------------------------------------------------


def _fingerprint(lake, tables: list[str]) -> dict[str, tuple]:
    """Row count and an order-independent checksum of every row of each table."""
    out = {}
    for t in tables:
        cols = [r[0] for r in q(lake, f"SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                      f"'{t.split('.')[0]}' AND table_name = '{t.split('.')[1]}' "
                                      "AND column_name NOT IN ('_source_ts')")]  # fmt: skip
        row = " || '|' || ".join(f"coalesce(CAST({c} AS varchar), '~')" for c in cols)
        out[t] = q(lake, f"SELECT count(*), to_hex(checksum({row})) FROM {t}")[0]
    return out


def test_rerunning_curation_and_kpis_changes_nothing(lake):
    silver = [t.name for t in entities.load()]
    gold = ["gold.credit_default_rate", "gold.credit_segment_performance", "gold.fraud_daily", "gold.pipeline_runs"]
    before = _fingerprint(lake, silver + gold)
    run_id = q(lake, "SELECT max(run_id) FROM gold.pipeline_runs WHERE job = 'kpis'")[0][0]
    pororoca("curate", "--full", "--run-id", "rerun-check")  # the whole log again: every change already applied
    pororoca("kpis", "--date", lake.d.isoformat(), "--run-id", run_id)
    after = _fingerprint(lake, silver + gold[:-1])
    assert {t: after[t] for t in silver + gold[:-1]} == {t: before[t] for t in silver + gold[:-1]}
    runs = q(lake, "SELECT count(*) FROM gold.pipeline_runs WHERE run_id = ? AND job = 'kpis'", [run_id])
    assert runs == [(16,)]  # replaced, not added


def test_a_late_or_resent_older_change_never_overwrites_nor_resurrects(lake):
    with lake.src.core() as conn:
        (kept,) = conn.execute("SELECT customer_id FROM transaction_limits ORDER BY customer_id LIMIT 1").fetchone()
        conn.execute("UPDATE transaction_limits SET daily_limit = 4321.00, updated_at = now() WHERE customer_id = %s",
                     (kept,))  # fmt: skip
        (device,) = conn.execute("SELECT device_id FROM devices ORDER BY device_id DESC LIMIT 1").fetchone()
        conn.execute("DELETE FROM devices WHERE device_id = %s", (device,))
        conn.commit()
    pororoca("cdc", "wait", "--timeout", "300", timeout=400)
    pororoca("curate", "--tables", "silver.transaction_limits,silver.devices")
    assert q(lake, "SELECT daily_limit FROM silver.transaction_limits WHERE customer_id = ?", [kept]) == [
        (Decimal("4321.00"),)
    ]
    assert q(lake, "SELECT count(*) FROM silver.devices WHERE device_id = ?", [device]) == [(0,)]
    # Re-deliver older images (as a connector does after a crash, or a late replay): an older source
    # position arriving with a newer Kafka offset.
    for table, key, value in (("core_transaction_limits", "customer_id", kept), ("core_devices", "device_id", device)):
        cols = [r[0] for r in q(lake, "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                      f"'bronze' AND table_name = '{table}' ORDER BY ordinal_position")]  # fmt: skip
        select = ", ".join("_kafka_offset + 1000000" if c == "_kafka_offset" else c for c in cols)
        q(lake, f"INSERT INTO bronze.{table} ({', '.join(cols)}) SELECT {select} FROM bronze.{table} "
                f"WHERE {key} = ? AND _op IN ('r', 'c', 'u') ORDER BY _source_lsn LIMIT 1", [value])  # fmt: skip
    pororoca("curate", "--tables", "silver.transaction_limits,silver.devices")
    assert q(lake, "SELECT daily_limit FROM silver.transaction_limits WHERE customer_id = ?", [kept]) == [
        (Decimal("4321.00"),)
    ]
    assert q(lake, "SELECT count(*) FROM silver.devices WHERE device_id = ?", [device]) == [(0,)]
    # The forged offsets (+1,000,000) are ahead of anything Kafka will assign: left in place they would hold
    # these tables' watermarks above every real change still to come. Remove them and re-read from scratch.
    for table in ("core_transaction_limits", "core_devices"):
        q(lake, f"DELETE FROM bronze.{table} WHERE _kafka_offset >= 1000000")
    pororoca("curate", "--full", "--tables", "silver.transaction_limits,silver.devices")
    assert q(lake, "SELECT count(*) FROM silver.devices WHERE device_id = ?", [device]) == [(0,)]


def _file_counts(lake, tables: list[str]) -> dict[str, int]:
    """Live data and delete files per table."""
    return {t: q(lake, f'SELECT count(*) FROM {t.split(".")[0]}."{t.split(".")[1]}$files"')[0][0] for t in tables}


def test_maintenance_reduces_files_and_changes_no_answer(lake):
    tables = ["silver.installments", "silver.devices", "silver.transaction_limits", "silver.pix_transfers"]
    files_before = _file_counts(lake, tables)
    before = _fingerprint(lake, tables)
    out = pororoca("maintain", "--namespaces", "silver").stdout
    assert "gave up" not in out, out
    after = _fingerprint(lake, tables)
    files_after = _file_counts(lake, tables)
    assert after == before
    assert sum(files_after.values()) < sum(files_before.values()), (files_before, files_after)
    assert all(files_after[t] <= files_before[t] for t in tables), (files_before, files_after)
    # curation still resumes from its watermark after the maintenance commits
    again = pororoca("curate", "--tables", ",".join(tables)).stdout
    assert "full" not in again, again


def test_curation_of_an_unknown_table_is_refused_with_the_known_names(lake):
    bad = pororoca("curate", "--tables", "silver.nope", check=False)
    assert bad.returncode != 0 and "silver.nope" in bad.stderr and "silver.customers" in bad.stderr


def test_bronze_maintenance_beside_the_streaming_sink_loses_nothing(lake):
    """Compaction commits on bronze while the sink appends to the same tables: conflicts are retried or the
    group is left for later, and every change still reaches silver."""
    workload = subprocess.Popen(
        [CLI, "sources", "simulate", "--rate", "300", "--duration", "40"], env=os.environ.copy(),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        pororoca("maintain", "--namespaces", "bronze", timeout=900)
    finally:
        assert workload.wait(timeout=300) == 0, workload.stderr.read() if workload.stderr else ""
    pororoca("cdc", "wait", "--timeout", "600", timeout=700)
    busy = {"silver.pix_transfers", "silver.auth_events", "silver.devices", "silver.installments",
            "silver.pos_transactions"}  # fmt: skip
    tables = [t for t in entities.load() if t.name in busy]
    pororoca("curate", "--tables", ",".join(t.name for t in tables))
    for t in tables:
        assert_silver_matches_source(lake, t)


# ---- exact values: large unchanged values, one normalisation, concurrent runs --------------------------------


def _big() -> str:
    return os.urandom(35_000).hex()  # 70 kB that does not compress: stored out of line (TOAST)


def _silver_customer(lake, customer_id: int) -> tuple:
    occupation = q(lake, "SELECT occupation FROM silver.customers WHERE customer_id = ?", [customer_id])
    street = q(lake, "SELECT street FROM silver_pii.customers WHERE customer_id = ?", [customer_id])
    return (occupation[0][0] if occupation else None), (street[0][0] if street else None)


CUSTOMER_TABLES = "silver.customers,silver_pii.customers,silver.merchants,silver_pii.merchants"


def _capture_and_curate() -> None:
    pororoca("cdc", "wait", "--timeout", "300", timeout=400)
    pororoca("curate", "--tables", CUSTOMER_TABLES)


def _new_customer(conn, occupation: str, street: str) -> int:
    """A customer of our own (no accounts reference it, so it can be deleted), with a valid CPF."""
    row = conn.execute("SELECT * FROM customers ORDER BY customer_id LIMIT 1").fetchone()
    cols = [d.name for d in conn.execute("SELECT * FROM customers LIMIT 0").description]
    rng = random.Random(os.urandom(8))
    values = dict(zip(cols, row, strict=True))
    # Every identifier its own: a copied phone or e-mail would make this test customer part of another subject.
    values |= {
        "cpf": ids.random_cpf(rng), "occupation": occupation, "street": street, "full_name": "Teste Toast",
        "email": f"toast.{os.urandom(4).hex()}@exemplo.com.br", "phone": ids.random_mobile(rng, values["uf"]),
    }  # fmt: skip
    cols = [c for c in cols if c != "customer_id"]
    return conn.execute(
        f"INSERT INTO customers ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) RETURNING customer_id",
        [values[c] for c in cols],
    ).fetchone()[0]


def test_large_unchanged_values_never_become_a_placeholder(lake):
    """Customers with 70 kB values, updated twice in other columns with the table's replica identity at DEFAULT
    (as for a table created after `cdc apply`: its updates carry Debezium's placeholder), then with FULL (what
    `cdc apply` sets) one deleted, another inserted, both updated: silver equals the source after every step. A
    MariaDB merchant with its longest values goes through the same steps (its binlog carries full row images)."""
    tables = [t for t in entities.load() if t.name in CUSTOMER_TABLES.split(",")]
    with lake.src.core() as conn:
        conn.execute("ALTER TABLE customers REPLICA IDENTITY DEFAULT")
        big = {}
        for _ in range(2):
            value = (_big(), _big())
            big[_new_customer(conn, *value)] = value
        conn.commit()
    acq = lake.src.acquiring()
    with acq, acq.cursor() as cur:
        cur.execute("SELECT merchant_id FROM merchants ORDER BY merchant_id LIMIT 1")
        (merchant,) = cur.fetchone()
        cur.execute("UPDATE merchants SET legal_name = %s, trade_name = %s WHERE merchant_id = %s",
                    ("Ç" * 200, "ã" * 200, merchant))  # fmt: skip
        acq.commit()

    def check(step: str) -> None:
        _capture_and_curate()
        for i, value in big.items():
            assert _silver_customer(lake, i) == value, f"customer {i} {step}"
        for t in tables:
            assert_silver_matches_source(lake, t)

    def update_others(status: str) -> None:
        with lake.src.core() as conn:
            conn.execute("UPDATE customers SET status = %s, updated_at = now() WHERE customer_id = ANY(%s)",
                         (status, list(big)))  # fmt: skip
            conn.commit()
        conn = lake.src.acquiring()
        with conn, conn.cursor() as cur:
            cur.execute("UPDATE merchants SET status = %s WHERE merchant_id = %s",
                        ("suspended" if status == "blocked" else "active", merchant))  # fmt: skip
            conn.commit()

    try:
        for status in ("blocked", "active"):  # the first curation sees the insert and an update at once
            update_others(status)
            check(f"after the update to {status}")
        first = next(iter(big))
        placeholders = q(lake, "SELECT count(*) FROM bronze.core_customers WHERE customer_id = ? AND _op = 'u' "
                               "AND occupation = '__debezium_unavailable_value'", [first])  # fmt: skip
        assert placeholders[0][0] >= 2  # the scenario happened: bronze carries the marker, silver does not
        # Deletes under the default identity would leave bronze rows holding only the key and type defaults
        # (cdc/README.md): delete and re-insert with FULL, as `cdc apply` leaves every table.
        pororoca("cdc", "apply")
        with lake.src.core() as conn:
            conn.execute("DELETE FROM customers WHERE customer_id = %s", (first,))
            del big[first]
            value = (_big(), _big())
            big[_new_customer(conn, *value)] = value
            conn.commit()
        update_others("blocked")
        check("with REPLICA IDENTITY FULL, after a delete, an insert and an update")
    finally:
        pororoca("cdc", "apply")


def test_repair_restores_placeholders_an_older_curation_stored(lake):
    """An installation curated before placeholder-awareness: silver holds the marker; the repair puts back the
    newest real value from bronze and counts what it repaired."""
    (customer,) = q(lake, "SELECT max(customer_id) FROM silver_pii.customers")[0]
    q(lake, "UPDATE silver.customers SET occupation = '__debezium_unavailable_value' WHERE customer_id = ?",
      [customer])  # fmt: skip
    q(lake, "UPDATE silver_pii.customers SET street = '__debezium_unavailable_value' WHERE customer_id = ?",
      [customer])  # fmt: skip
    out = pororoca("curate", "--repair-unavailable", "--tables", "silver.customers,silver_pii.customers").stdout
    assert "curate: repaired 2 rows" in out, out
    source = pg(lake, "SELECT occupation, street FROM customers WHERE customer_id = %(c)s", {"c": customer})[0]
    assert _silver_customer(lake, customer) == source
    again = pororoca("curate", "--repair-unavailable", "--tables", "silver.customers,silver_pii.customers").stdout
    assert "curate: repaired 0 rows" in again


def test_cdc_apply_gives_every_captured_table_a_full_replica_identity(lake):
    with lake.src.core() as conn:
        conn.execute("ALTER TABLE pix_keys REPLICA IDENTITY DEFAULT")
        conn.commit()
    out = pororoca("cdc", "apply").stdout
    assert "pix_keys: replica identity FULL" in out and "WAL bytes per update/delete" in out
    assert pg(lake, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "JOIN pg_publication_tables p ON p.tablename = c.relname AND p.schemaname = n.nspname "
                    "WHERE p.pubname = 'pororoca_cdc' AND c.relreplident <> 'f'") == [(0,)]  # fmt: skip
    assert "binlog is ROW with FULL row images" in out
    assert "replica identity" not in pororoca("cdc", "apply").stdout  # idempotent


def test_two_curations_started_together_both_succeed(lake):
    """The second waits for the first (a lock), says so, and then finds nothing new or catches up."""
    cmd = [CLI, "curate", "--tables", "silver.transaction_limits"]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ.copy())
    second = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ.copy())
    outs = [p.communicate(timeout=900)[0] for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outs
    assert any("another run holds the lock" in o for o in outs), outs


def test_a_subject_whose_email_has_a_trailing_newline_is_found(lake, tmp_path):
    """One normalisation for Spark (silver's tokens) and Python (the DPO's lookup): a Pix key registered with a
    trailing newline, and a transfer paid to the same key written cleanly, both belong to the subject."""
    e2e = f"E13140088{uuid4().hex}"[:32]
    with lake.src.core() as conn:
        account, cpf, email = conn.execute(
            "SELECT a.account_id, c.cpf, c.email FROM accounts a JOIN customers c USING (customer_id) "
            "ORDER BY a.account_id DESC LIMIT 1"
        ).fetchone()
        key = f"nl.{os.urandom(4).hex()}.{email}"
        (key_id,) = conn.execute(
            "INSERT INTO pix_keys (account_id, key_type, key_value, registered_at, status) "
            "VALUES (%s, 'email', %s, now(), 'active') RETURNING pix_key_id", (account, key + "\n")
        ).fetchone()  # fmt: skip
        conn.execute(
            "INSERT INTO pix_transfers (end_to_end_id, payer_account_id, payee_key, payee_ispb, amount, created_at, "
            "channel, status) VALUES (%s, (SELECT min(account_id) FROM accounts), %s, '60701190', 12.34, now(), "
            "'app', 'completed')", (e2e, key.upper()),
        )  # fmt: skip
        conn.commit()
    pororoca("cdc", "wait", "--timeout", "300", timeout=400)
    pororoca("curate", "--tables", "silver.pix_keys,silver.pix_transfers")
    pororoca("lgpd", "export", "--cpf", cpf, "--out", str(tmp_path))
    (subject_json,) = tmp_path.glob("subject-*/subject.json")
    document = json.loads(subject_json.read_text())["tables"]
    assert key_id in [r["pix_key_id"] for r in document["silver.pix_keys"]]
    assert e2e in [r["end_to_end_id"] for r in document["silver.pix_transfers"]]
