WITH active AS (
  SELECT contract_id, customer_id FROM loan_contracts
  WHERE disbursed_on <= %(d)s::date AND (closed_on IS NULL OR closed_on > %(d)s::date)
), worst AS (
  SELECT a.customer_id,
         max(CASE WHEN i.due_date < %(d)s::date AND (i.paid_on IS NULL OR i.paid_on > %(d)s::date)
                  THEN %(d)s::date - i.due_date ELSE 0 END) AS max_dpd
  FROM active a LEFT JOIN installments i USING (contract_id)
  GROUP BY a.customer_id
)
SELECT count(*) AS credit_customers, count(*) FILTER (WHERE max_dpd >= 90) AS customers_in_default
FROM worst
