-- Taxa de Aprovação de Cartão: approved card authorisations / all card authorisation attempts, per local
-- day and card channel (Débito, POS Crédito, POS Débito).
SELECT to_date(from_utc_timestamp(occurred_at, 'America/Sao_Paulo')) AS local_date, channel,
       count(*) AS attempts, count_if(approved) AS approved, count_if(approved) / count(*) AS approval_rate
FROM kpi_transactions
WHERE channel <> 'Pix' AND to_date(from_utc_timestamp(occurred_at, 'America/Sao_Paulo')) <= $d
GROUP BY 1, 2
