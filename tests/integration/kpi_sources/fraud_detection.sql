WITH f AS (
  SELECT f.fraud_type, extract(epoch FROM f.detected_at - coalesce(p.created_at, c.authorized_at)) / 3600 AS hours
  FROM fraud_cases f
  LEFT JOIN pix_transfers p ON p.transfer_id = f.transfer_id
  LEFT JOIN card_transactions c ON c.card_tx_id = f.card_tx_id
  WHERE (f.detected_at AT TIME ZONE 'America/Sao_Paulo')::date <= %(d)s::date
), g AS (SELECT fraud_type, hours FROM f UNION ALL SELECT 'todos', hours FROM f)
SELECT fraud_type, count(*) AS frauds, avg(hours)::float8 AS average_hours,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY hours)::float8 AS p50_hours,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY hours)::float8 AS p95_hours
FROM g GROUP BY fraud_type
