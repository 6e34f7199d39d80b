-- TPV, Quantidade de Transações and Ticket Médio: amounts and count of approved (card) or completed (Pix)
-- transactions per local day, hour, channel (Pix, Débito, POS Crédito, POS Débito), UF (the payer's for
-- Pix, the merchant's for cards) and merchant category, up to the end of D. Ticket médio = TPV / count:
-- add TPV and counts first when rolling up.
SELECT to_date(from_utc_timestamp(occurred_at, 'America/Sao_Paulo')) AS local_date,
       hour(from_utc_timestamp(occurred_at, 'America/Sao_Paulo')) AS local_hour,
       channel, uf, merchant_category,
       count(*) AS transactions,
       CAST(sum(amount) AS DECIMAL(18, 2)) AS tpv,
       CAST(round(sum(amount) / count(*), 2) AS DECIMAL(18, 2)) AS average_ticket
FROM kpi_transactions
WHERE approved AND to_date(from_utc_timestamp(occurred_at, 'America/Sao_Paulo')) <= $d
GROUP BY 1, 2, 3, 4, 5
