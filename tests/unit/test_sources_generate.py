from datetime import date, datetime

import pytest

from pororoca_core.ids import is_valid_cnpj, is_valid_cpf
from pororoca_sources import generate as g

AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def ds():
    return g.generate(seed=11, scale=0.05, as_of=AS_OF)


def col(table, name):
    i = table.columns.index(name)
    return [r[i] for r in table.rows]


def test_same_seed_same_data_and_another_seed_differs(ds):
    assert g.generate(seed=11, scale=0.05, as_of=AS_OF).fingerprint() == ds.fingerprint()
    assert g.generate(seed=12, scale=0.05, as_of=AS_OF).fingerprint() != ds.fingerprint()


def test_scale_sets_the_volumes(ds):
    counts = ds.counts()
    assert counts["customers"] == 1000 and counts["pix_transfers"] == 2500 and counts["pos_transactions"] == 5000


@pytest.mark.parametrize(
    ("child", "column", "parent", "key", "db"),
    [
        ("accounts", "customer_id", "customers", "customer_id", "core"),
        ("devices", "customer_id", "customers", "customer_id", "core"),
        ("pix_keys", "account_id", "accounts", "account_id", "core"),
        ("auth_events", "device_id", "devices", "device_id", "core"),
        ("pix_transfers", "payer_account_id", "accounts", "account_id", "core"),
        ("pix_transfers", "payee_account_id", "accounts", "account_id", "core"),
        ("pix_transfers", "device_id", "devices", "device_id", "core"),
        ("card_transactions", "account_id", "accounts", "account_id", "core"),
        ("loan_contracts", "application_id", "credit_applications", "application_id", "core"),
        ("installments", "contract_id", "loan_contracts", "contract_id", "core"),
        ("loan_payments", "installment_id", "installments", "installment_id", "core"),
        ("collection_actions", "contract_id", "loan_contracts", "contract_id", "core"),
        ("renegotiations", "original_contract_id", "loan_contracts", "contract_id", "core"),
        ("renegotiations", "new_contract_id", "loan_contracts", "contract_id", "core"),
        ("fraud_cases", "transfer_id", "pix_transfers", "transfer_id", "core"),
        ("fraud_cases", "card_tx_id", "card_transactions", "card_tx_id", "core"),
        ("consent_permissions", "consent_id", "open_finance_consents", "consent_id", "core"),
        ("terminals", "merchant_id", "merchants", "merchant_id", "acquiring"),
        ("pos_transactions", "terminal_id", "terminals", "terminal_id", "acquiring"),
    ],
)
def test_every_reference_points_at_an_existing_row(ds, child, column, parent, key, db):
    tables = getattr(ds, db)
    keys = set(col(tables[parent], key))
    refs = [v for v in col(tables[child], column) if v is not None]
    assert refs, f"{child}.{column} is never set"
    assert set(refs) <= keys


def test_identifiers_are_valid_and_unique(ds):
    cpfs = col(ds.core["customers"], "cpf")
    assert all(map(is_valid_cpf, cpfs)) and len(set(cpfs)) == len(cpfs)
    cnpjs = col(ds.acquiring["merchants"], "cnpj")
    assert all(map(is_valid_cnpj, cnpjs)) and len(set(cnpjs)) == len(cnpjs)
    keys = col(ds.core["pix_keys"], "key_value")
    assert len(set(keys)) == len(keys)


def test_alphanumeric_cnpjs_only_for_merchants_registered_from_july_2026():
    merchants = g.generate(seed=5, scale=0.5, as_of=AS_OF).acquiring["merchants"]
    alnum = [(r[1], r[8]) for r in merchants.rows if not r[1][:12].isdigit()]
    assert alnum, "expected some merchants with the new alphanumeric CNPJ"
    assert all(created.date() >= g.ALNUM_CNPJ_FROM for _cnpj, created in alnum)


def test_fraud_is_injected_in_half_a_percent_of_pix_and_labelled_after_the_fact(ds):
    big = g.generate(seed=21, scale=0.4, as_of=AS_OF)
    transfers = {r[0]: r for r in big.core["pix_transfers"].rows}
    frauds = [r for r in big.core["fraud_cases"].rows if r[1] is not None]
    share = len(frauds) / len(transfers)
    assert 0.0035 <= share <= 0.0055, share  # 0.5% injected; the most recent are not detected yet
    for f in frauds:
        assert f[5] > transfers[f[1]][7], "detected before it happened"
    assert {f[3] for f in frauds} == set(g.FRAUD_PATTERNS)


def test_timestamps_stay_inside_the_window(ds):
    created = col(ds.core["pix_transfers"], "created_at")
    end = datetime.combine(AS_OF, datetime.max.time(), g.BRT)
    assert max(created) <= end
    assert min(created) >= datetime.combine(AS_OF, datetime.min.time(), g.BRT) - g.timedelta(days=g.WINDOW_DAYS)


def test_bad_scale_is_rejected():
    with pytest.raises(ValueError, match="scale must be > 0"):
        g.generate(scale=0)


def test_a_phone_two_customers_share_is_the_pix_key_of_one_only(monkeypatch):
    """Pix keys are unique at the source: at scale 10 random phones collided and the load failed."""
    from pororoca_sources.generate import parties

    monkeypatch.setattr(parties, "random_mobile", lambda rng, uf: "+5511911111111")
    data = g.generate(seed=11, scale=0.01, as_of=AS_OF)
    keys = data.core["pix_keys"]
    kinds = col(keys, "key_type")
    values = col(keys, "key_value")
    assert len(set(values)) == len(values)
    assert values.count("+5511911111111") == 1 and "phone" in kinds and "random" in kinds
