-- Shared by the credit KPIs (spliced in where a file says {credit_at_d}): contracts active at D and each
-- credit customer's largest days past due at D.
active AS (
  SELECT contract_id, customer_id FROM loan_contracts
  WHERE disbursed_on <= %(d)s::date AND (closed_on IS NULL OR closed_on > %(d)s::date)
), worst AS (
  SELECT a.customer_id,
         max(CASE WHEN i.due_date < %(d)s::date AND (i.paid_on IS NULL OR i.paid_on > %(d)s::date)
                  THEN %(d)s::date - i.due_date ELSE 0 END) AS max_dpd
  FROM active a LEFT JOIN installments i USING (contract_id)
  GROUP BY a.customer_id
)
