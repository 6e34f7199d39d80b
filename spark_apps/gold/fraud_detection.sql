-- Tempo de Detecção: detection time - transaction time, in hours, over the frauds confirmed by the end of
-- D: average, median (p50) and p95 (linear interpolation), overall ('todos') and per fraud type.
WITH f AS (
  SELECT f.fraud_type,
         (unix_micros(f.detected_at) - unix_micros(coalesce(p.created_at, c.authorized_at))) / 3.6e9 AS hours
  FROM lakehouse.silver.fraud_cases f
  LEFT JOIN lakehouse.silver.pix_transfers p ON p.transfer_id = f.transfer_id
  LEFT JOIN lakehouse.silver.card_transactions c ON c.card_tx_id = f.card_tx_id
  WHERE to_date(from_utc_timestamp(f.detected_at, 'America/Sao_Paulo')) <= $d
    AND coalesce(p.created_at, c.authorized_at) IS NOT NULL
), g AS (
  SELECT fraud_type, hours FROM f UNION ALL SELECT 'todos', hours FROM f
)
SELECT $d AS reference_date, fraud_type, count(*) AS frauds, avg(hours) AS average_hours,
       percentile(hours, 0.5) AS p50_hours, percentile(hours, 0.95) AS p95_hours
FROM g GROUP BY fraud_type
