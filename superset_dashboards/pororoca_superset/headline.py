"""`pororoca headline`: the headline KPIs, read from gold through Trino (what analysts see)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pororoca_core.lakehouse import Endpoints, trino_connection
from pororoca_core.paths import Paths

SQL = Path(__file__).resolve().parent / "headline.sql"


def pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.2f}%".replace(".", ",")


def num(x: float | int | None, decimals: int = 0) -> str:
    """pt-BR digits: 1.234,5."""
    return "-" if x is None else f"{x:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def brl(x) -> str:
    if x is None:
        return "-"
    return "R$ " + num(float(x), 2)


def show(paths: Paths, reference_date: date | None) -> int:
    cur = trino_connection(Endpoints.of(paths)).cursor()
    if reference_date is None:
        cur.execute("SELECT max(reference_date) FROM gold.credit_default_rate")
        reference_date = cur.fetchone()[0]
        if reference_date is None:
            print("no KPIs in gold yet: run `pororoca curate` and `pororoca kpis`")
            return 1
    cur.execute(SQL.read_text(), [reference_date])
    (rate, in_default, customers, avg_loan, approval, recovery, days_late, tpv, tx, fraud, p50) = cur.fetchone()
    print(f"Pororoca: indicadores em {reference_date.isoformat()} (gold, via Trino)")
    print(f"  Taxa de Inadimplência        {pct(rate)} ({num(in_default)} de {num(customers)} clientes com crédito)")
    print(f"  Valor Médio de Empréstimo    {brl(avg_loan)}")
    print(f"  Taxa de Aprovação de Crédito {pct(approval)}")
    print(f"  Taxa de Recuperação          {pct(recovery)}")
    print(f"  Tempo Médio de Atraso        {num(days_late, 1)} dias")
    print(f"  TPV (últimos 30 dias)        {brl(tpv)} em {num(tx)} transações")
    print(f"  Taxa de Fraude (30 dias)     {pct(fraud)}; Tempo de Detecção p50 {num(p50, 1)} h")
    return 0
