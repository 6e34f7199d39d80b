-- KPI 10, Créditos Ativos por Cliente: over the credit customers at D, the distribution (0, 1, 2, 3+) and
-- the average of their internal active contracts, external active bureau credits, and the sum of both.
WITH m AS (
  SELECT stack(3, 'internal', internal_active, 'external', external_active, 'total', total_active)
         AS (measure, n)
  FROM gold_credit_customer_exposure
)
SELECT $d AS reference_date, measure,
       CASE WHEN n >= 3 THEN '3+' ELSE CAST(n AS STRING) END AS bucket,
       count(*) AS customers,
       count(*) / sum(count(*)) OVER (PARTITION BY measure) AS share,
       sum(sum(n)) OVER (PARTITION BY measure) / sum(count(*)) OVER (PARTITION BY measure) AS average
FROM m GROUP BY measure, CASE WHEN n >= 3 THEN '3+' ELSE CAST(n AS STRING) END
