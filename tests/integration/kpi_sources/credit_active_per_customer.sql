-- Per credit customer at D: active contracts here, active bureau credits, their sum (KPI 10's inputs).
WITH internal AS (
  SELECT customer_id, count(*) AS n FROM loan_contracts
  WHERE disbursed_on <= %(d)s::date AND (closed_on IS NULL OR closed_on > %(d)s::date) GROUP BY customer_id
), external AS (
  SELECT customer_id, count(*) AS n FROM bureau_credits
  WHERE opened_on <= %(d)s::date AND (closed_on IS NULL OR closed_on > %(d)s::date) GROUP BY customer_id
)
SELECT i.customer_id, i.n AS internal, coalesce(e.n, 0) AS external
FROM internal i LEFT JOIN external e USING (customer_id)
