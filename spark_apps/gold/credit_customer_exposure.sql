-- Per credit customer at D (subject-level: readable by privileged roles only): active contracts here,
-- active external credits reported by the bureau (opened by D, not closed by D), and their sum. KPI 10 is
-- built from it.
WITH internal AS (
  SELECT customer_id, count(*) AS internal_active FROM kpi_active_contracts GROUP BY customer_id
), external AS (
  SELECT customer_id, count(*) AS external_active FROM lakehouse.silver.bureau_credits
  WHERE opened_on <= $d AND (closed_on IS NULL OR closed_on > $d) GROUP BY customer_id
)
SELECT $d AS reference_date, i.customer_id, i.internal_active, coalesce(e.external_active, 0) AS external_active,
       i.internal_active + coalesce(e.external_active, 0) AS total_active
FROM internal i LEFT JOIN external e ON e.customer_id = i.customer_id
