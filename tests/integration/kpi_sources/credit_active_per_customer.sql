WITH internal AS (
  SELECT customer_id, count(*) AS n FROM loan_contracts
  WHERE disbursed_on <= %(d)s::date AND (closed_on IS NULL OR closed_on > %(d)s::date) GROUP BY customer_id
), external AS (
  SELECT customer_id, count(*) AS n FROM bureau_credits
  WHERE opened_on <= %(d)s::date AND (closed_on IS NULL OR closed_on > %(d)s::date) GROUP BY customer_id
), per AS (
  SELECT i.customer_id, i.n AS internal, coalesce(e.n, 0) AS external, i.n + coalesce(e.n, 0) AS total
  FROM internal i LEFT JOIN external e USING (customer_id)
), m AS (
  SELECT 'internal' AS measure, internal AS n FROM per UNION ALL
  SELECT 'external', external FROM per UNION ALL
  SELECT 'total', total FROM per
)
SELECT measure, CASE WHEN n >= 3 THEN '3+' ELSE n::text END AS bucket, count(*) AS customers
FROM m GROUP BY 1, 2
