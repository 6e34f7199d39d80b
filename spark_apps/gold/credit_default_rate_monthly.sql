-- KPI 8, Variação da Taxa de Inadimplência: KPI 1 at each of the 36 month ends before D, and its change from
-- the month before in percentage points.
WITH months AS (
  SELECT last_day(add_months(trunc($d, 'MM'), -k)) AS month_end FROM (SELECT explode(sequence(1, 36)) AS k)
), active AS (
  SELECT m.month_end, c.contract_id, c.customer_id
  FROM months m JOIN lakehouse.silver.loan_contracts c
    ON c.disbursed_on <= m.month_end AND (c.closed_on IS NULL OR c.closed_on > m.month_end)
), customers AS (
  SELECT a.month_end, a.customer_id,
         max(CASE WHEN i.due_date < a.month_end AND (i.paid_on IS NULL OR i.paid_on > a.month_end)
                  THEN datediff(a.month_end, i.due_date) ELSE 0 END) AS max_dpd
  FROM active a LEFT JOIN lakehouse.silver.installments i ON i.contract_id = a.contract_id
  GROUP BY a.month_end, a.customer_id
), rates AS (
  SELECT month_end, count(*) AS credit_customers, count_if(max_dpd >= 90) AS customers_in_default,
         count_if(max_dpd >= 90) / count(*) AS default_rate
  FROM customers GROUP BY month_end
)
SELECT $d AS reference_date, month_end, credit_customers, customers_in_default, default_rate,
       (default_rate - lag(default_rate) OVER (ORDER BY month_end)) * 100 AS change_pp
FROM rates
