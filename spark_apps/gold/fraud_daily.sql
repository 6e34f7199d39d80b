-- Taxa de Fraude and Perda por Fraude, known at D: transactions later confirmed as fraud (a fraud case
-- detected by the end of D, confirmed or reimbursed) / all of the bank's own transactions (Pix transfers and
-- debit-card transactions, whatever their status), by local transaction date; fraud_type 'todos' is the
-- overall rate, one row per fraud type otherwise. Loss = sum of the confirmed fraud amounts.
WITH tx AS (
  SELECT 'pix' AS kind, transfer_id AS id, created_at AS occurred_at FROM lakehouse.silver.pix_transfers
  UNION ALL
  SELECT 'card', card_tx_id, authorized_at FROM lakehouse.silver.card_transactions
), daily AS (
  SELECT to_date(from_utc_timestamp(occurred_at, 'America/Sao_Paulo')) AS transaction_date, count(*) AS transactions
  FROM tx GROUP BY 1
), frauds AS (
  SELECT to_date(from_utc_timestamp(t.occurred_at, 'America/Sao_Paulo')) AS transaction_date, f.fraud_type, f.amount
  FROM lakehouse.silver.fraud_cases f
  JOIN tx t ON (t.kind = 'pix' AND t.id = f.transfer_id) OR (t.kind = 'card' AND t.id = f.card_tx_id)
  WHERE to_date(from_utc_timestamp(f.detected_at, 'America/Sao_Paulo')) <= $d
), by_type AS (
  SELECT transaction_date, fraud_type, count(*) AS frauds, sum(amount) AS loss FROM frauds GROUP BY 1, 2
  UNION ALL
  SELECT transaction_date, 'todos', count(*), sum(amount) FROM frauds GROUP BY 1
)
SELECT $d AS reference_date, d.transaction_date, coalesce(b.fraud_type, 'todos') AS fraud_type, d.transactions,
       coalesce(b.frauds, 0) AS frauds, coalesce(b.frauds, 0) / d.transactions AS fraud_rate,
       CAST(coalesce(b.loss, 0) AS DECIMAL(18, 2)) AS fraud_loss
FROM daily d LEFT JOIN by_type b ON b.transaction_date = d.transaction_date
WHERE d.transaction_date <= $d
