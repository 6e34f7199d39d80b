"""The source systems on the real PostgreSQL and MariaDB of the test stack."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import date

import pytest

from pororoca_core.ids import is_valid_cnpj, is_valid_cpf
from pororoca_sources import generate as g
from pororoca_sources.connections import Sources
from pororoca_sources.simulate import RECOVERY_SHARE

from .conftest import CLI, pororoca

pytestmark = pytest.mark.integration

AS_OF = "2026-11-22"
SCALE = "0.25"


@pytest.fixture(scope="module")
def src(paths) -> Sources:
    pororoca("sources", "load", "--scale", SCALE, "--seed", "42", "--as-of", AS_OF, "--reset")
    return Sources.of(paths)


def core_rows(src: Sources, sql: str, params=()) -> list[tuple]:
    with src.core() as conn:
        return conn.execute(sql, params).fetchall()


def acq_rows(src: Sources, sql: str) -> list[tuple]:
    conn = src.acquiring()
    with conn, conn.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


def test_migrations_are_idempotent(src):
    out = pororoca("sources", "migrate").stdout
    assert "up to date" in out
    assert core_rows(src, "SELECT version FROM schema_migrations ORDER BY 1") == [(1,), (2,)]
    assert acq_rows(src, "SELECT version FROM schema_migrations") == [(1,)]


def test_the_databases_hold_exactly_the_generated_data(src):
    expected = g.generate(42, float(SCALE), date.fromisoformat(AS_OF))
    for table, n in expected.counts().items():
        rows = acq_rows if table in expected.acquiring else core_rows
        assert rows(src, f"SELECT count(*) FROM {table}")[0][0] == n, table
    assert core_rows(src, "SELECT fingerprint FROM source_loads") == [(expected.fingerprint(),)]
    # The load ends vacuumed and analysed: the planner has statistics, the first reader no hint bits to set.
    unsettled = core_rows(src, "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
                               "AND (last_vacuum IS NULL OR last_analyze IS NULL)", (list(expected.core),))  # fmt: skip
    assert not unsettled, f"not vacuumed and analysed after the load: {unsettled}"
    again = pororoca("sources", "load", "--scale", SCALE, "--seed", "42", "--as-of", AS_OF)
    assert "already loaded; nothing to do" in again.stdout
    other = pororoca("sources", "load", "--scale", "0.1", "--seed", "42", "--as-of", AS_OF, check=False)
    assert other.returncode == 1 and "--reset" in other.stderr


def test_every_foreign_key_is_declared_and_cross_system_links_hold(src):
    fks = core_rows(
        src, "SELECT count(*) FROM information_schema.table_constraints WHERE constraint_type = 'FOREIGN KEY'"
    )
    assert fks[0][0] >= 20
    # A sale's merchant is its terminal's merchant.
    assert acq_rows(src, "SELECT count(*) FROM pos_transactions p JOIN terminals t USING (terminal_id) "
                         "WHERE p.merchant_id <> t.merchant_id") == [(0,)]  # fmt: skip
    # A renegotiated contract is closed the day its replacement is disbursed.
    assert core_rows(
        src,
        "SELECT count(*) FROM renegotiations r JOIN loan_contracts o ON o.contract_id = r.original_contract_id "
        "JOIN loan_contracts n ON n.contract_id = r.new_contract_id "
        "WHERE o.status <> 'renegotiated' OR o.closed_on <> r.renegotiated_on OR n.disbursed_on <> r.renegotiated_on",
    ) == [(0,)]
    # Fraud is detected after the transaction; settled contracts have every instalment paid.
    assert core_rows(src, "SELECT count(*) FROM fraud_cases f JOIN pix_transfers t USING (transfer_id) "
                          "WHERE f.detected_at <= t.created_at") == [(0,)]  # fmt: skip
    assert core_rows(src, "SELECT count(*) FROM installments i JOIN loan_contracts c USING (contract_id) "
                          "WHERE c.status = 'settled' AND i.paid_on IS NULL") == [(0,)]  # fmt: skip


def test_identifiers_in_the_databases_have_valid_check_digits(src):
    cpfs = [r[0] for r in core_rows(src, "SELECT cpf FROM customers")]
    assert cpfs and all(map(is_valid_cpf, cpfs))
    cnpjs = [r[0] for r in acq_rows(src, "SELECT cnpj FROM merchants")]
    assert cnpjs and all(map(is_valid_cnpj, cnpjs))


def test_fraud_share_and_default_rates_tell_the_story(src):
    (share,) = core_rows(
        src,
        "SELECT count(f.fraud_case_id)::float / count(*) "
        "FROM pix_transfers t LEFT JOIN fraud_cases f USING (transfer_id)",
    )[0]
    assert 0.0035 <= share <= 0.0055
    # KPI 1 (KPIS.md): customers with an instalment 90+ days past due over customers with an active contract.
    rates = dict(
        core_rows(
            src,
            """
            WITH credit AS (
                SELECT DISTINCT customer_id FROM loan_contracts
                WHERE disbursed_on <= %(d)s AND NOT (status IN ('settled', 'cancelled', 'written_off', 'renegotiated')
                                                    AND closed_on <= %(d)s)),
            late AS (
                SELECT DISTINCT c.customer_id FROM installments i JOIN loan_contracts c USING (contract_id)
                WHERE i.paid_on IS NULL AND %(d)s - i.due_date >= 90)
            SELECT cu.income_band, avg((l.customer_id IS NOT NULL)::int)::float
            FROM credit JOIN customers cu USING (customer_id) LEFT JOIN late l USING (customer_id)
            GROUP BY cu.income_band
            """,
            {"d": date.fromisoformat(AS_OF)},
        )
    )
    assert rates["ate_2k"] > rates["5k_10k"] > rates["acima_20k"]
    assert 0.01 <= sum(rates.values()) / len(rates) <= 0.15


def test_simulate_produces_the_requested_rate_and_mix(src):
    before = core_rows(src, "SELECT count(*) FROM pix_transfers")[0][0]
    out = pororoca("sources", "simulate", "--rate", "2000", "--duration", "4", "--json").stdout
    summary = json.loads(out.strip().splitlines()[-1])
    assert 0.85 * 8000 <= summary["changes"] <= 1.15 * 8000
    shares = {op: n / summary["changes"] for op, n in summary["by_op"].items()}
    assert abs(shares["insert"] - 0.75) < 0.05
    assert abs(shares["update"] - 0.20) < 0.05
    assert abs(shares["delete"] - 0.05) < 0.03
    after = core_rows(src, "SELECT count(*) FROM pix_transfers")[0][0]
    assert after - before == summary["by_table"]["insert:pix_transfers"]
    # Runs follow each other on the same data without colliding on unique identifiers.
    pororoca("sources", "simulate", "--rate", "1000", "--duration", "2")


def test_bad_options_get_a_clear_message(paths):
    bad = pororoca("sources", "load", "--scale", "-1", check=False)
    assert bad.returncode == 2 and "must be greater than 0" in bad.stderr
    bad = pororoca("sources", "simulate", "--rate", "fast", check=False)
    assert bad.returncode == 2 and "'fast' is not a number" in bad.stderr


def test_an_interrupted_load_can_be_rerun_without_duplicates(src):
    """Killed in the middle of the PostgreSQL load: nothing of it stays; the re-run loads everything once."""
    proc = subprocess.Popen(
        [CLI, "sources", "load", "--scale", SCALE, "--seed", "43", "--as-of", AS_OF, "--reset"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ.copy(),
    )  # fmt: skip
    deadline = time.monotonic() + 120
    for line in proc.stdout:  # wait until the load is well inside the core transaction
        if "core.auth_events" in line or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert core_rows(src, "SELECT seed FROM source_loads") == [(42,)], "the killed load left a trace"
    pororoca("sources", "load", "--scale", SCALE, "--seed", "43", "--as-of", AS_OF, "--reset")
    expected = g.generate(43, float(SCALE), date.fromisoformat(AS_OF)).counts()
    assert core_rows(src, "SELECT count(*) FROM customers")[0][0] == expected["customers"]
    assert core_rows(src, "SELECT count(*), count(DISTINCT cpf) FROM customers")[0] == (
        expected["customers"],
        expected["customers"],
    )
    assert acq_rows(src, "SELECT count(*) FROM pos_transactions")[0][0] == expected["pos_transactions"]


def test_the_live_workload_keeps_the_credit_book_s_defaults(src):
    """Payments follow the risk model: defaulted contracts stay unpaid but for rare recoveries."""
    in_default = (
        "SELECT count(DISTINCT contract_id) FROM installments WHERE paid_on IS NULL AND current_date - due_date >= 90"
    )
    before = core_rows(src, in_default)[0][0]
    out = pororoca("sources", "simulate", "--rate", "2000", "--duration", "4", "--json").stdout
    paid = json.loads(out.strip().splitlines()[-1])["by_table"].get("update:installments", 0)
    after = core_rows(src, in_default)[0][0]
    assert paid > 100  # the run did pay instalments
    # Recoveries are random (RECOVERY_SHARE per instalment paid): bound them well above their Poisson mean, far
    # below what paying every due instalment would do (each defaulted contract paid at once).
    recovered, expected = before - after, paid * RECOVERY_SHARE
    assert recovered <= 3 + 4 * expected, f"{recovered} of {before} defaulted contracts paid (expected ~{expected:.1f})"
