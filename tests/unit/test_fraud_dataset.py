"""The training set's labels: fraud cases and analysts' dispositions, each table at its recorded snapshot."""

from __future__ import annotations

from datetime import UTC, datetime

from pororoca_fraud import dataset

AT = datetime(2026, 11, 1, 12, tzinfo=UTC)
LATER = datetime(2026, 11, 2, 12, tzinfo=UTC)
SNAPS = {t: 7 for t in dataset.TABLES.values()}


def _lake(cases: list[tuple], dispositions: list[tuple]):
    asked: list[str] = []
    rows = {
        "silver.pix_transfers": [(i, AT, 100, f"tok{i}", 10, None, "completed") for i in range(1, 6)],
        "silver.fraud_cases": cases,
        "gold.fraud_dispositions": dispositions,
    }

    def query(sql: str) -> list[tuple]:
        asked.append(sql)
        return next((r for table, r in rows.items() if f"FROM {table} " in sql), [])

    return query, asked


def test_cases_and_confirmed_dispositions_label_frauds_and_a_case_outranks_a_legitimate_disposition():
    query, _ = _lake(
        cases=[(1, "mule_account", LATER), (2, "account_takeover", LATER)],
        dispositions=[(2, "legitimate", AT), (3, "legitimate", AT), (3, "confirmed_fraud", LATER),
                      (4, "confirmed_fraud", AT), (4, "legitimate", LATER)],
    )  # fmt: skip
    h = dataset.read_history(query, SNAPS)
    labels = {r["transfer_id"]: (r["label"], r["pattern"]) for r in dataset.training_rows(h)}
    assert labels == {
        1: (1, "mule_account"),
        2: (1, "account_takeover"),  # the case, not the analyst's earlier "legitimate"
        3: (1, dataset.ANALYST_PATTERN),  # the latest disposition stands
        4: (0, None),
        5: (0, None),
    }
    # Maturity is counted from the cases' detections only: an analyst judges alerts, not the whole population.
    assert h.labels_as_of_ms == dataset.millis(LATER)


def test_every_table_is_read_at_its_snapshot_and_one_without_a_snapshot_contributes_nothing():
    query, asked = _lake(cases=[], dispositions=[(1, "confirmed_fraud", AT)])
    older_run = {t: s for t, s in SNAPS.items() if t not in dataset.OPTIONAL}
    h = dataset.read_history(query, older_run)
    assert h.dispositions == {} and not any("fraud_dispositions" in sql for sql in asked)
    assert all("FOR VERSION AS OF 7" in sql for sql in asked) and len(asked) == len(dataset.TABLES) - 1
