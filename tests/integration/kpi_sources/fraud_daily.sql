WITH tx AS (
  SELECT (created_at AT TIME ZONE 'America/Sao_Paulo')::date AS day FROM pix_transfers
  UNION ALL SELECT (authorized_at AT TIME ZONE 'America/Sao_Paulo')::date FROM card_transactions
), f AS (
  SELECT (coalesce(p.created_at, c.authorized_at) AT TIME ZONE 'America/Sao_Paulo')::date AS day, f.fraud_type, f.amount
  FROM fraud_cases f
  LEFT JOIN pix_transfers p ON p.transfer_id = f.transfer_id
  LEFT JOIN card_transactions c ON c.card_tx_id = f.card_tx_id
  WHERE (f.detected_at AT TIME ZONE 'America/Sao_Paulo')::date <= %(d)s::date
)
SELECT day AS transaction_date, 'todos' AS fraud_type,
       (SELECT count(*) FROM tx WHERE tx.day = d.day) AS transactions,
       (SELECT count(*) FROM f WHERE f.day = d.day) AS frauds,
       (SELECT coalesce(sum(amount), 0) FROM f WHERE f.day = d.day) AS fraud_loss
FROM (SELECT DISTINCT day FROM tx WHERE day <= %(d)s::date) d
UNION ALL
SELECT f.day, f.fraud_type, (SELECT count(*) FROM tx WHERE tx.day = f.day), count(*), sum(f.amount)
FROM f WHERE f.day <= %(d)s::date GROUP BY f.day, f.fraud_type
