-- KPI 11, Tipos de Crédito no Mercado: the bureau's external credits by type, count and amount, and each
-- type's share of the count and of the amount; 'active' at D (opened by D, not closed by D) and 'all'
-- (opened by D).
WITH b AS (
  SELECT 'all' AS scope, credit_type, amount FROM lakehouse.silver.bureau_credits WHERE opened_on <= $d
  UNION ALL
  SELECT 'active', credit_type, amount FROM lakehouse.silver.bureau_credits
  WHERE opened_on <= $d AND (closed_on IS NULL OR closed_on > $d)
)
SELECT $d AS reference_date, scope, credit_type, count(*) AS credits,
       CAST(sum(amount) AS DECIMAL(18, 2)) AS amount,
       count(*) / sum(count(*)) OVER (PARTITION BY scope) AS count_share,
       CAST(sum(amount) AS DOUBLE) / sum(CAST(sum(amount) AS DOUBLE)) OVER (PARTITION BY scope) AS amount_share
FROM b GROUP BY scope, credit_type
