"""Feed contracts, reading and checking partner files: every format round-trips, every spoiled row is rejected with
its reason and raw text, every damaged file is refused whole."""

import dataclasses
import random
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from pororoca_core.errors import ConfigError
from pororoca_feeds import examples
from pororoca_feeds.check import check
from pororoca_feeds.contract import load_feeds, parse_feed
from pororoca_feeds.read import Unreadable, read_file
from pororoca_governance import load_classification
from pororoca_governance.classification import load_reviewed, reviewed_with_feeds

FEEDS = load_feeds()
DAY = date(2026, 12, 2)


def feed_as(name: str, fmt: str):
    feed = FEEDS[name]
    return dataclasses.replace(feed, format=fmt) if fmt != feed.format else feed


def example(feed, n=120, bad=0, seed=3):
    rng = random.Random(seed)
    rows = examples.rows_for(feed, n, DAY, rng)
    spoiled = examples.spoil(feed, rows, bad, rng)
    return rows, spoiled, examples.encode(feed, rows)


CASES = [(name, FEEDS[name].format) for name in FEEDS] + [
    ("acquirer_settlements", "orc"),
    ("card_chargebacks", "jsonl"),
]


def test_the_four_example_feeds_are_declared_one_per_format_the_issue_names():
    assert {f.format for f in FEEDS.values()} == {"csv", "jsonl", "parquet", "avro"}
    bureau = FEEDS["credit_bureau_scores"]
    assert (bureau.csv.delimiter, bureau.csv.decimal, bureau.csv.encoding) == (";", ",", "latin-1")
    assert bureau.table == "bronze.feed_credit_bureau_scores"
    assert bureau.rejects_table == "bronze.feed_credit_bureau_scores_rejects"


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_good_rows_come_back_typed_and_equal(name, fmt):
    feed = feed_as(name, fmt)
    rows, _, data = example(feed)
    checked = check(feed, read_file(feed, data))
    assert checked.rejects == []
    got = [{k: v for k, v in r.items() if k != "_row_number"} for r in checked.accepted]
    blank_is_none = [{k: (None if v == "" else v) for k, v in r.items()} for r in rows]
    assert got == blank_is_none
    assert [r["_row_number"] for r in checked.accepted] == list(range(1, len(rows) + 1))


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_every_spoiled_row_is_rejected_with_a_reason_and_every_good_row_is_kept(name, fmt):
    feed = feed_as(name, fmt)
    rows, spoiled, data = example(feed, bad=9)
    checked = check(feed, read_file(feed, data))
    assert sorted(r.number for r in checked.rejects) == spoiled
    assert len(checked.accepted) == len(rows) - len(spoiled)
    assert all(r.reason and r.raw for r in checked.rejects)


@pytest.mark.parametrize("name", list(FEEDS))
def test_a_small_file_has_exactly_its_spoiled_rows_rejected_whatever_the_seed(name):
    """The integration tests drop files with a random seed: a spoiled first row once made its copied key no
    duplicate (80 rows, 3 spoiled, 2 rejected)."""
    feed = FEEDS[name]
    for seed in range(300):
        _, spoiled, data = example(feed, n=20, bad=3, seed=seed)
        checked = check(feed, read_file(feed, data))
        assert sorted(r.number for r in checked.rejects) == spoiled, seed


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_a_damaged_file_is_refused_whole(name, fmt):
    feed = feed_as(name, fmt)
    _, _, data = example(feed)
    damaged, how = examples.corrupt(feed, data, random.Random(5))
    with pytest.raises(Unreadable):
        read_file(feed, damaged)
    assert how


def test_the_bureau_file_uses_brazilian_conventions_and_they_are_read_back():
    feed = FEEDS["credit_bureau_scores"]
    cpf = "52998224725"
    text = ("cpf;reference_date;score;risk_band;overdue_debt;bureau_remarks\r\n"
            f"{cpf};02/12/2026;812;A;1.234,56;restrição baixada\r\n")  # fmt: skip
    (row,) = check(feed, read_file(feed, text.encode("latin-1"))).accepted
    assert row["overdue_debt"] == Decimal("1234.56") and row["reference_date"] == DAY
    assert row["bureau_remarks"] == "restrição baixada"


def test_a_utf8_file_where_latin1_is_declared_is_refused_not_read_as_mojibake():
    feed = FEEDS["credit_bureau_scores"]
    text = "cpf;reference_date;score;risk_band;overdue_debt;bureau_remarks\n52998224725;02/12/2026;812;A;0;restrição\n"
    with pytest.raises(Unreadable, match="UTF-8"):
        read_file(feed, text.encode("utf-8"))


def test_invalid_utf8_in_a_json_lines_file_names_the_offset():
    with pytest.raises(Unreadable, match="byte 0xe9 at offset 14"):
        read_file(FEEDS["campaign_events"], b'{"event_id": "\xe9"}\n')


def test_a_header_that_is_not_the_contracts_names_what_differs():
    feed = FEEDS["credit_bureau_scores"]
    with pytest.raises(Unreadable, match="missing bureau_remarks; unexpected remarks"):
        read_file(feed, b"cpf;reference_date;score;risk_band;overdue_debt;remarks\n")
    with pytest.raises(Unreadable, match="delimiter ';'"):
        read_file(feed, b"cpf,reference_date,score,risk_band,overdue_debt,bureau_remarks\n")


def test_a_file_of_another_format_is_named():
    _, _, parquet = example(FEEDS["acquirer_settlements"])
    with pytest.raises(Unreadable, match="found parquet"):
        read_file(FEEDS["credit_bureau_scores"], parquet)
    with pytest.raises(Unreadable, match="it is parquet"):
        read_file(FEEDS["card_chargebacks"], parquet)
    with pytest.raises(Unreadable, match="empty"):
        read_file(FEEDS["card_chargebacks"], b"")


def test_a_text_file_must_end_with_a_line_end_a_cut_in_the_last_value_looks_valid_otherwise():
    feed = FEEDS["credit_bureau_scores"]
    head = "cpf;reference_date;score;risk_band;overdue_debt;bureau_remarks\n52998224725;02/12/2026;812;A;0;ok\n"
    cut = head + "52998224725;03/12/2026;81"
    with pytest.raises(Unreadable, match="truncated"):
        read_file(feed, (cut + ";A;0;o").encode("latin-1"))
    rows = read_file(feed, (head + "\n52998224725;03/12/2026;812\n").encode("latin-1"))
    reasons = [r.reason for r in check(feed, rows).rejects]
    assert reasons == ["empty line", "3 fields, the header has 6"]


def test_binary_floats_are_refused_for_money_and_naive_timestamps_are_sao_paulo_time():
    feed = FEEDS["card_chargebacks"]
    line = ('{"chargeback_id": "cb-1", "card_transaction_id": 7, "reason_code": "other", "amount": 10.1, '
            '"opened_at": "2026-12-02T09:00:00"}\n')  # fmt: skip
    checked = check(dataclasses.replace(feed, format="jsonl"), read_file(dataclasses.replace(feed, format="jsonl"),
                    line.encode()))  # fmt: skip
    (reject,) = checked.rejects
    assert "floating-point" in reject.reason
    fixed = check(dataclasses.replace(feed, format="jsonl"), read_file(dataclasses.replace(feed, format="jsonl"),
                  line.replace("10.1", '"10.10"').encode()))  # fmt: skip
    assert fixed.accepted[0]["opened_at"] == datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_every_reason_of_a_row_is_given_at_once():
    feed = FEEDS["credit_bureau_scores"]
    text = "cpf;reference_date;score;risk_band;overdue_debt;bureau_remarks\n11111111112;31/02/2026;9999;Z;-1;\n"
    (reject,) = check(feed, read_file(feed, text.encode("latin-1"))).rejects
    for part in ("cpf: the value is not a valid CPF", "reference_date:", "score: '9999' is above the maximum",
                 "risk_band: 'Z' is not one of", "overdue_debt: the value is below the minimum 0"):  # fmt: skip
        assert part in reject.reason
    # The reason is shown where the raw line is masked: it never quotes a personal value.
    assert "11111111112" not in reject.reason and "-1" not in reject.reason
    assert reject.raw == "11111111112;31/02/2026;9999;Z;-1;"


def test_personal_data_columns_carry_tags_the_classification_knows():
    tags = set(load_classification().tags)
    classified = {k: v for f in FEEDS.values() for k, v in f.classified_columns().items()}
    assert classified["bronze.feed_credit_bureau_scores.cpf"] == ("PersonalData", "CPF")
    assert "bronze.feed_campaign_events.customer_email" in classified
    assert {t for v in classified.values() for t in v} <= tags
    assert classified["bronze.feed_credit_bureau_scores_rejects.raw"] == ("PersonalData", "RawRecord")
    loaded = load_classification().columns
    assert loaded["bronze.feed_credit_bureau_scores.cpf"] == ("PersonalData", "CPF")
    reviewed = reviewed_with_feeds(load_reviewed()).tables
    assert "score" in reviewed["bronze.feed_credit_bureau_scores"]
    assert "cpf" not in reviewed["bronze.feed_credit_bureau_scores"]
    assert "raw" in reviewed["bronze.feed_card_chargebacks_rejects"]  # no personal data in that feed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "xlsx"}, "format 'xlsx'"),
        ({"keys": ["bureau_remarks"]}, "key 'bureau_remarks' must be a declared, required column"),
        ({"columns": [{"name": "cpf", "type": "varchar"}]}, "type 'varchar'"),
        ({"arrival": {"schedule": "0 6 * * *", "deadline_after": "8h"}}, "HH:MM"),
        ({"arrival": {"schedule": "every morning", "deadline_after": "02:00"}}, "not a cron expression"),
    ],
)
def test_a_broken_contract_is_refused_with_where_and_why(change, message):
    import tomllib

    from pororoca_feeds.contract import FEEDS_DIR

    doc = tomllib.loads((FEEDS_DIR / "credit_bureau_scores.toml").read_text())
    doc.update(change)
    if "columns" in change:
        doc["keys"] = []
    with pytest.raises(ConfigError, match=message):
        parse_feed("credit_bureau_scores", doc)


def test_deadlines_follow_the_cron_in_sao_paulo_and_an_early_file_is_on_time():
    from pororoca_feeds.deadlines import missed, slots

    bureau = FEEDS["credit_bureau_scores"]  # due 06:00 São Paulo (09:00 UTC), late after 2 h
    found = slots(bureau, since=datetime(2026, 12, 1, 12, tzinfo=UTC), now=datetime(2026, 12, 3, 12, tzinfo=UTC))
    assert [s.deadline for s in found] == [datetime(2026, 12, 2, 11, tzinfo=UTC), datetime(2026, 12, 3, 11, tzinfo=UTC)]
    first = found[0]
    assert first.due == datetime(2026, 12, 2, 9, tzinfo=UTC) and first.previous_due == datetime(
        2026, 12, 1, 9, tzinfo=UTC
    )
    assert not missed(first, [datetime(2026, 12, 2, 8, 30, tzinfo=UTC)])  # early: after the previous due time
    assert not missed(first, [datetime(2026, 12, 2, 10, 59, tzinfo=UTC)])
    assert missed(first, [datetime(2026, 12, 2, 11, 1, tzinfo=UTC)])  # late does not undo the miss
    assert missed(first, [])
    # Before the deadline nothing is judged yet.
    assert (
        slots(bureau, since=datetime(2026, 12, 3, 10, tzinfo=UTC), now=datetime(2026, 12, 3, 10, 59, tzinfo=UTC)) == []
    )


def test_an_hourly_feed_has_a_slot_every_hour():
    from pororoca_feeds.deadlines import slots

    campaign = FEEDS["campaign_events"]
    found = slots(campaign, since=datetime(2026, 12, 3, 0, 0, tzinfo=UTC), now=datetime(2026, 12, 3, 3, 45, tzinfo=UTC))
    assert [s.deadline.hour for s in found] == [0, 1, 2, 3] and all(s.deadline.minute == 30 for s in found)


def test_in_silver_identifiers_become_tokens_names_never_enter_and_other_personal_data_stays_classified():
    bureau = FEEDS["credit_bureau_scores"]
    plan = {src: (out, kind) for src, out, kind in bureau.silver_plan()}
    assert plan["cpf"] == ("cpf_token", "cpf") and plan["overdue_debt"] == ("overdue_debt", None)
    assert bureau.silver_keys() == ["cpf_token", "reference_date"]
    tagged = bureau.classified_columns()
    assert tagged["silver.feed_credit_bureau_scores.cpf_token"] == ("PersonalData", "Pseudonymised")
    assert tagged["silver.feed_credit_bureau_scores.overdue_debt"] == ("PersonalData", "FinancialData")
    named = dataclasses.replace(bureau, columns=(*bureau.columns, dataclasses.replace(
        bureau.columns[-1], name="holder_name", tags=("PersonalData", "Name"))))  # fmt: skip
    assert "holder_name" not in {src for src, _, _ in named.silver_plan()}


def test_the_landing_bucket_announces_drops_under_each_feeds_prefix_only():
    from pororoca_feeds.landing import EVENTS_TARGET, notifications

    feeds = load_feeds()
    config = notifications(feeds).queue_config_list
    assert sorted(q.prefix_filter_rule.value for q in config) == sorted(f.prefix for f in feeds.values())
    assert {q.queue for q in config} == {EVENTS_TARGET} and all(q.events == ["s3:ObjectCreated:*"] for q in config)
    # Archive and quarantine moves are the ingestion's own: they never start another run.
    assert not any(q.prefix_filter_rule.value.startswith("_") for q in config)


def test_personal_columns_of_every_feed_table_are_created_without_file_statistics():
    bureau = load_feeds()["credit_bureau_scores"]
    unbounded = bureau.unbounded_columns()
    assert {"cpf", "overdue_debt"} <= set(unbounded[bureau.table]) and "score" not in unbounded[bureau.table]
    assert unbounded[bureau.rejects_table] == ("raw",)
    assert "cpf_token" in unbounded[bureau.silver_table] and "score" not in unbounded[bureau.silver_table]


def test_one_run_chains_a_file_and_its_corrected_version_from_what_it_read_once():
    from pororoca_spark.feeds import _Known

    earlier = {"file_name": "a.csv", "checksum": "c1", "status": "ingested", "version": 1, "dropped_at": None}
    known = _Known([earlier], bronze=set(), rejects=set())
    same, versions = known.history("a.csv", "c1")
    assert same == [earlier] and versions == []  # the same contents: a duplicate
    same, versions = known.history("a.csv", "c2")
    assert same == [] and versions == [earlier]  # new contents under the name: the next version
    known.control.append({**earlier, "checksum": "c2", "version": 2})  # what the run records for it
    assert known.history("a.csv", "c3")[1][-1]["version"] == 2  # a third drop in the same run follows on
    assert known.history("b.csv", "c9") == ([], [])
