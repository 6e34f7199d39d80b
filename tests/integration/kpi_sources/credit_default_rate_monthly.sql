WITH months AS (
  SELECT (date_trunc('month', %(d)s::date) - make_interval(months => k - 1))::date - 1 AS month_end
  FROM generate_series(1, 36) AS k
), worst AS (
  SELECT m.month_end, l.customer_id,
         max(CASE WHEN i.due_date < m.month_end AND (i.paid_on IS NULL OR i.paid_on > m.month_end)
                  THEN m.month_end - i.due_date ELSE 0 END) AS max_dpd
  FROM months m
  JOIN loan_contracts l ON l.disbursed_on <= m.month_end AND (l.closed_on IS NULL OR l.closed_on > m.month_end)
  LEFT JOIN installments i ON i.contract_id = l.contract_id
  GROUP BY m.month_end, l.customer_id
)
SELECT month_end, count(*) AS credit_customers, count(*) FILTER (WHERE max_dpd >= 90) AS customers_in_default
FROM worst GROUP BY month_end
