WITH internal AS (
  SELECT customer_id, count(*) AS n FROM loan_contracts
  WHERE disbursed_on <= %(d)s::date AND (closed_on IS NULL OR closed_on > %(d)s::date) GROUP BY customer_id
), external AS (
  SELECT customer_id, count(*) AS n FROM bureau_credits
  WHERE opened_on <= %(d)s::date AND (closed_on IS NULL OR closed_on > %(d)s::date) GROUP BY customer_id
)
SELECT avg(i.n)::float8 AS internal, avg(coalesce(e.n, 0))::float8 AS external,
       avg(i.n + coalesce(e.n, 0))::float8 AS total
FROM internal i LEFT JOIN external e USING (customer_id)
