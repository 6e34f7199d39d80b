"""The fraud features' definitions: windows, point in time, and one definition online (the processor's stage
functions on a key's state) and offline (replay)."""

import json
import math
import random
from pathlib import Path

import pytest

from pororoca_fraud import events as ev
from pororoca_fraud import features as ft
from pororoca_fraud import processor
from pororoca_fraud.health import Counters
from pororoca_fraud.scoring import ScoringConfigError, judge, load_config

T0 = 1_780_000_000_000  # ms
MIN = 60_000


def tx(tid, at, payer=1, payee="k1", amount=100.0, device=None):
    return ft.Transfer(tid, at, payer, payee, amount, device, "completed")


def test_velocity_counts_only_earlier_transfers_inside_each_window():
    state: ft.State = {}
    out = {}
    for tid, at in [(1, T0), (2, T0 + 30_000), (3, T0 + 2 * MIN), (4, T0 + 2 * MIN)]:
        state, out[tid] = ft.payer_features(state, tx(tid, at))
    assert out[1]["payer_count_1m"] == 0
    assert out[2]["payer_count_1m"] == 1 and out[2]["payer_sum_1m"] == 100.0
    assert out[3]["payer_count_1m"] == 0 and out[3]["payer_count_1h"] == 2
    # Same millisecond: the lower id is earlier (a total order, as in the offline replay).
    assert out[4]["payer_count_1m"] == 1 and out[4]["payer_count_24h"] == 3


def test_a_replayed_transfer_is_not_counted_twice():
    state, _ = ft.payer_features({}, tx(1, T0))
    state, _ = ft.payer_features(state, tx(1, T0))
    _, f = ft.payer_features(state, tx(2, T0 + 1000))
    assert f["payer_count_1m"] == 1


def test_windows_of_a_busy_key_equal_a_full_scan_in_any_arrival_order():
    rng = random.Random(7)
    events: list[list] = []
    kept: dict[tuple[int, int], list] = {}
    base = 1_700_000_000_000
    for i in range(3000):
        e = [base + rng.randrange(0, 2 * ft.LONGEST), rng.randrange(0, 50), float(i)]
        events = ft._remember(events, e)
        kept.setdefault((e[0], e[1]), e)
        newest = max(t for t, _ in kept)
        alive = sorted(k for k in kept if k[0] > newest - ft.LONGEST)[-ft.MAX_EVENTS :]
        kept = {k: kept[k] for k in alive}
        assert [(x[0], x[1]) for x in events] == alive
    probe = (events[len(events) // 2][0], 25)
    for width in ft.WINDOWS.values():
        scan = [x for x in events if (x[0], x[1]) < probe and x[0] > probe[0] - width]
        assert ft._window(events, probe, width) == scan


def test_first_time_payee_and_account_age():
    state = ft.account_opened({}, T0 - 10 * 86_400_000, customer_id=7)
    _, a = ft.payer_features(state, tx(1, T0, payee="x"))
    assert a["account_age_days"] == 10.0 and a["customer_id"] == 7
    marks: dict[str, list[int] | None] = {}
    answers = []
    for t in (tx(1, T0, payee="x"), tx(2, T0 + 1000, payee="x"), tx(3, T0 + 2000, payee="y")):
        first, mark = ft.first_time_payee(marks.get(t.payee_token), t)
        answers.append(first)
        if mark is not None:
            marks[t.payee_token] = mark
    assert answers == [True, False, True]
    # A replay of the first transfer is still its first time; an earlier one arriving late moves the mark.
    assert ft.first_time_payee(marks["x"], tx(1, T0, payee="x")) == (True, None)
    assert ft.first_time_payee(marks["x"], tx(0, T0 - 1, payee="x")) == (True, [T0 - 1, 0])


def test_device_limits_and_failed_authentications_as_of_the_transfer():
    s = ft.device_seen({}, 5, registered_ms=T0 - 2 * 3_600_000, trusted=False)
    s = ft.device_seen(s, 6, registered_ms=T0 + MIN, trusted=True)  # registered after the transfer below
    s = ft.limits_changed(s, T0 - 86_400_000, per_tx=1000.0, daily=5000.0, nightly=500.0)
    s = ft.limits_changed(s, T0 + MIN, per_tx=10.0, daily=10.0, nightly=10.0)  # a later change: not seen
    for i, at in enumerate([T0 - 2 * 3_600_000, T0 - 30 * MIN, T0 - MIN]):
        s = ft.authenticated(s, at, auth_id=i, success=False)
    s = ft.authenticated(s, T0 - MIN, auth_id=9, success=True)
    _, f = ft.customer_features(s, tx(1, T0, amount=800.0, device=5), payer_sum_24h=1200.0)
    assert f["device_known"] and not f["device_trusted"] and f["device_age_hours"] == 2.0
    assert f["amount_to_tx_limit"] == 0.8 and f["day_sum_to_daily_limit"] == 0.4
    assert f["failed_auth_1h"] == 2
    _, g = ft.customer_features(s, tx(2, T0, device=6), payer_sum_24h=0.0)
    assert not g["device_known"] and g["device_age_hours"] is None


def test_fan_in_counts_distinct_payers_in_the_hour():
    s: ft.State = {}
    for tid, payer in enumerate([1, 2, 2, 3], start=1):
        s, f = ft.payee_features(s, tx(tid, T0 + tid * 1000, payer=payer, payee="mule"))
    assert f["payee_distinct_payers_1h"] == 2 and f["payee_count_1h"] == 3


class FakeState:
    """Quix Streams' per-key State, as the processor's stage functions use it (one dict plays the store
    partition; `_transaction.as_state` addresses another key in it)."""

    def __init__(self, store, key):
        self.store, self.key = store, key
        self._transaction = self

    def as_state(self, prefix):
        return FakeState(self.store, prefix)

    def get(self, name, default=None):
        return self.store.get((self.key, name), default)

    def set(self, name, value):
        self.store[(self.key, name)] = value


class FakeDirectory(dict):
    """The account directory as the first stage asks it."""

    def lookup(self, account_id):
        return self.get(account_id)


def _online(events, one_stage: bool):
    """The processor's stage functions, fed in arrival order, keyed as `processor.build` keys them: the keyed
    stages (a store per stage) or the one stage (one store, every key by its prefix)."""
    directory = FakeDirectory()
    route = processor.with_payer_account(directory)
    customers, payees, single = {}, {}, {}
    out = {}
    for kind, value in events:
        if kind == "account":
            directory[value["account_id"]] = (value["customer_id"], value["opened_ms"])
            continue
        v = route(value) if kind == "transfer" else value
        if one_stage:
            v = processor.one_stage(v, FakeState(single, "the message's own key"))
        else:
            v = processor.customer_stage(v, FakeState(customers, processor.customer_key(v)))
            if kind == "transfer":
                v = processor.payee_stage(v, FakeState(payees, v["tx"]["payee_token"]))
        if kind == "transfer":
            out[v["tx"]["transfer_id"]] = v["features"]
        else:
            assert not one_stage or v is None
    return out


@pytest.mark.parametrize("one_stage", [False, True], ids=["keyed stages", "one stage"])
def test_online_stages_and_offline_replay_agree_on_a_random_history(one_stage):
    rng = random.Random(7)
    context, stream, transfers = [], [], []
    # Accounts 1-5 belong to customers 1, 1, 2, 2, 3 (a customer's accounts share one stage key); account 6 was
    # never captured (its transfers keep a payer history and no customer history).
    for account in range(1, 6):
        customer = (account + 1) // 2
        opened = T0 - rng.randint(1, 400) * 86_400_000
        context.append(ft.Context(opened, "payer", account, lambda s, o=opened, c=customer: ft.account_opened(s, o, c)))
        stream.append((opened, ("account", {"kind": "account", "account_id": account, "customer_id": customer,
                                            "opened_ms": opened})))  # fmt: skip
        reg = T0 - rng.randint(0, 48) * 3_600_000
        context.append(
            ft.Context(reg, "customer", customer, lambda s, r=reg, a=account: ft.device_seen(s, a, r, False))
        )
        stream.append((reg, ("device", {"kind": "device", "customer_id": customer, "device_id": account,
                                        "registered_ms": reg, "trusted": False})))  # fmt: skip
        lim = T0 - 86_400_000
        context.append(
            ft.Context(lim, "customer", customer, lambda s, t=lim: ft.limits_changed(s, t, 500.0, 2000.0, 300.0))
        )
        stream.append((lim, ("limits", {"kind": "limits", "customer_id": customer, "updated_ms": lim, "per_tx": 500.0,
                                        "daily": 2000.0, "nightly": 300.0})))  # fmt: skip
    for i in range(60):
        at = T0 + rng.randint(0, 3 * 3_600_000)
        if rng.random() < 0.3:
            acc = rng.randint(1, 3)
            context.append(
                ft.Context(at, "customer", acc, lambda s, t=at, i=i: ft.authenticated(s, t, 1000 + i, False))
            )
            stream.append((at, ("auth", {"kind": "auth", "customer_id": acc, "auth_id": 1000 + i, "at_ms": at,
                                         "success": False})))  # fmt: skip
        t = tx(
            i + 1,
            at,
            payer=rng.randint(1, 6),
            payee=rng.choice("abc"),
            amount=rng.randint(10, 600),
            device=rng.choice([1, 2, None]),
        )
        transfers.append(t)
        stream.append((at, ("transfer", {"kind": "transfer", "tx": t.__dict__, "commit_ms": at, "op": "c"})))
    stream.sort(key=lambda e: (e[0], e[1][0] == "transfer", e[1][1].get("tx", {}).get("transfer_id", 0)))
    online = _online([e for _, e in stream], one_stage)
    offline = ft.replay(transfers, context)
    assert online == offline
    assert any(f["failed_auth_1h"] for f in offline.values()) and any(f["payer_count_1h"] for f in offline.values())
    unknown = [t.transfer_id for t in transfers if t.payer_account_id == 6]
    assert unknown and all(offline[i]["account_age_days"] is None for i in unknown)
    assert any(offline[i]["payer_count_24h"] for i in unknown)


def test_no_feature_sees_the_future():
    early = [tx(1, T0), tx(2, T0 + MIN)]
    later = [*early, tx(3, T0 + 30_000, payee="k1"), tx(4, T0 + 5 * MIN)]
    a, b = ft.replay(early, []), ft.replay(later, [])
    assert a[1] == b[1]


def test_change_events_are_read_and_bad_ones_named():
    envelope = {"payload": {"op": "c", "after": {"transfer_id": 1, "created_at": "2026-12-02T10:00:00.5Z",
                "payer_account_id": 3, "payee_key": "a@b.c", "amount": 10.5, "device_id": None, "status": "completed"},
                "source": {"ts_ms": 5}}}  # fmt: skip
    change = ev.read_change("core.public.pix_transfers", envelope)
    t = ev.transfer(change.row, "tok")
    assert (t.transfer_id, t.amount, t.created_ms % 1000, change.commit_ms) == (1, 10.5, 500, 5)
    for bad, reason in [
        ("text", "not a JSON object"),
        ({"payload": {"after": {}}}, "payload.op missing"),
        ({"payload": {"op": "x", "after": {}, "source": {"ts_ms": 1}}}, "unknown operation"),
    ]:
        with pytest.raises(ev.Malformed, match=reason):
            ev.read_change("core.public.pix_transfers", bad)
    row = dict(envelope["payload"]["after"], amount=-1)
    with pytest.raises(ev.Malformed, match="positive amount"):
        ev.transfer(row, "tok")


def test_the_processor_sends_a_malformed_event_to_the_dead_letters_and_counts_it():
    counters = Counters()
    step = processor.parse("pix_transfers", "k" * 32, counters)
    dead = step(json.dumps({"payload": {"op": "c", "after": {"transfer_id": "x"}, "source": {"ts_ms": 1}}}).encode())
    assert dead["kind"] == "dead" and dead["reason"] == "payee_key is missing" and counters.dead_letters == 1
    # Not JSON at all: a dead letter too (the raw bytes as text), not an exception that stops the consumer.
    garbled = step(b"\x00\xffnot json")
    assert garbled["reason"].startswith("not JSON") and garbled["raw"].endswith("not json")
    assert counters.dead_letters == 2 and step(None) == {"kind": "skip"}  # a tombstone: nothing to do
    row = {"transfer_id": 1, "created_at": "2026-12-02T10:00:00Z", "payer_account_id": 3, "payee_key": "a@b.c",
           "amount": 1, "status": "completed"}  # fmt: skip
    ok = step(json.dumps({"payload": {"op": "c", "after": row, "source": {"ts_ms": 1}}}).encode())
    assert ok["kind"] == "transfer" and ok["tx"]["payee_token"] != "a@b.c" and len(ok["tx"]["payee_token"]) == 32


def test_only_failed_logins_reach_the_stateful_step():
    """A successful login changes no feature (`authenticated` keeps the state as it is), so the processor drops it
    at the parse; a failed one, and a malformed one of either kind, go on as before."""
    from datetime import UTC, datetime

    counters = Counters()
    step = processor.parse("auth_events", "k" * 32, counters)

    def login(**row):
        full = {"customer_id": 7, "auth_event_id": 3, "occurred_at": "2026-12-02T10:00:00Z", **row}
        return json.dumps({"payload": {"op": "r", "after": full, "source": {"ts_ms": 1}}}).encode()

    assert step(login(success=True)) == {"kind": "skip"}
    failed = step(login(success=False))
    at = ft.millis(datetime(2026, 12, 2, 10, tzinfo=UTC))
    assert failed == {"kind": "auth", "customer_id": 7, "auth_id": 3, "at_ms": at, "success": False}
    assert step(login(success=True, customer_id=None))["reason"] == "customer_id is missing"
    assert counters.dead_letters == 1
    assert ft.authenticated({"failed_auth": [[1, 2, 0.0]]}, 5, 9, True) == {"failed_auth": [[1, 2, 0.0]]}


def test_rules_fire_with_their_reasons_and_thresholds_decide():
    config = load_config()
    takeover = {"device_age_hours": 0.5, "device_trusted": False, "amount_to_tx_limit": 0.9, "amount": 900.0}
    verdict = judge(takeover, config, None)
    assert verdict.decision == "hold" and verdict.score == 0.9
    (reason,) = verdict.reasons
    assert reason["pattern"] == "account_takeover" and "device_age_hours=0.5 < 24" in reason["because"]
    assert judge({"amount": 50.0, "device_age_hours": None}, config, None).decision == "allow"


def test_a_rule_on_an_unknown_feature_is_refused(tmp_path: Path):
    bad = tmp_path / "scoring.toml"
    bad.write_text(
        '[thresholds]\nalert = 0.5\nhold = 0.8\nblock = 0.9\n[model]\nname = "m"\nalias = "champion"\n'
        '[[rules]]\nname = "r"\npattern = "p"\nscore = 0.5\nwhen = [["cpf", "==", 1]]\n'
    )
    with pytest.raises(ScoringConfigError, match="unknown feature 'cpf'"):
        load_config(bad)


def test_the_linear_model_imputes_standardises_and_explains():
    from pororoca_fraud.model import LinearModel

    n = len(ft.FEATURES)
    coef = [0.0] * n
    coef[ft.FEATURES.index("amount_to_tx_limit")] = 2.0
    coef[ft.FEATURES.index("failed_auth_1h")] = -1.0
    model = LinearModel((0.5,) * n, (0.5,) * n, (0.25,) * n, tuple(coef), -1.0, "7")
    row = [math.nan] * n
    row[ft.FEATURES.index("amount_to_tx_limit")] = 1.0
    probability, reasons = model.score(row)
    # z = -1 + 2 * (1.0 - 0.5) / 0.25 = 3; the missing failed_auth_1h takes its median (0.5): contributes 0.
    assert probability == pytest.approx(1 / (1 + math.exp(-3)))
    assert reasons == [("amount_to_tx_limit", 4.0)]


def test_the_challenger_scores_in_the_shadow_only_when_it_is_another_version():
    from pororoca_fraud.model import LinearModel
    from pororoca_fraud.processor import shadow_verdict
    from pororoca_fraud.scoring import load_config

    n = len(ft.FEATURES)
    model = LinearModel((0.0,) * n, (0.0,) * n, (1.0,) * n, (0.0,) * n, 5.0, "7")  # always ~0.99
    features = {f: 0 for f in ft.FEATURES}
    config = load_config()
    assert shadow_verdict(features, config, "6", None) is None
    assert shadow_verdict(features, config, "7", model) is None  # promoted: the champion already scores
    assert shadow_verdict(features, config, "6", model) == {
        "shadow_model_version": "7", "shadow_score": 0.9933, "shadow_decision": "block"
    }  # fmt: skip


def test_one_stage_runs_only_where_one_partition_holds_every_key():
    one = {"core.public.pix_transfers": 1, "core.public.devices": 1}
    assert processor.one_stage_refused(1, one) is None
    assert processor.one_stage_refused(4, {**one, "core.public.devices": 4}) is None  # keyed stages
    refused = processor.one_stage_refused(1, {**one, "core.public.devices": 3})
    assert refused and "core.public.devices" in refused and "POROROCA_FRAUD_PARTITIONS" in refused


def test_lake_context_reaches_the_customer_stage_as_the_change_topics_would_bring_it():
    from datetime import UTC, datetime

    from pororoca_fraud import cli

    registered = datetime(2026, 1, 5, 12, tzinfo=UTC)

    def query(sql):
        if "devices" in sql:
            return [(5, 7, registered, True)]
        return [(7, registered, 500, 2000, 300)]

    events = [e for _, e in cli.context_events(query)]
    step = processor.bootstrapped(Counters())
    store: dict = {}
    for e in events:
        v = step(json.dumps(e).encode())
        processor.customer_stage(v, FakeState(store, processor.customer_key(v)))
    state = store[(7, processor.STATE)]
    want = ft.limits_changed(ft.device_seen({}, 5, ft.millis(registered), True), ft.millis(registered), 500.0,
                             2000.0, 300.0)  # fmt: skip
    assert state == want


def test_a_malformed_context_event_is_a_dead_letter_with_its_reason():
    counters = Counters()
    step = processor.bootstrapped(counters)
    assert step(b'{"kind": "device", "customer_id": 1}')["reason"] == "device_id, registered_ms, trusted missing"
    assert step(b'{"kind": "avatar"}')["reason"] == "unknown kind 'avatar'"
    assert step(b'"text"')["kind"] == "dead" and step(b"{not json")["reason"].startswith("not JSON")
    assert counters.dead_letters == 4


def test_the_account_directory_drops_an_account_at_its_tombstone():
    """`lgpd erase` writes a tombstone to fraud.accounts for each of the subject's accounts."""
    from pororoca_fraud.directory import AccountDirectory, encode

    class Record:
        def __init__(self, key: bytes, value: bytes | None) -> None:
            self._key, self._value = key, value

        def key(self) -> bytes:
            return self._key

        def value(self) -> bytes | None:
            return self._value

    directory = AccountDirectory.__new__(AccountDirectory)  # its RocksDB stands in as a dict: same get/set/del
    directory._db = {}
    assert directory._keep(Record(b"12", encode((7, 1_000)))) == 1
    assert directory.get(12) == (7, 1_000)
    assert directory._keep(Record(b"12", None)) == 0
    assert directory.get(12) is None
    assert directory._keep(Record(b"13", None)) == 0  # a tombstone of an account never seen: nothing to do
