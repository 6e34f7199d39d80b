-- Two credit histories every scale has, so the default and recovery KPIs are never vacuous: a contract in
-- default (an instalment unpaid since 2025-03-10) and a recovered one (overdue from 2025-02-10, collection
-- action on 2025-06-01, paid on 2025-07-20). Both belong to the first customer.
WITH c AS (SELECT min(customer_id) AS id FROM customers),
defaulted AS (
  INSERT INTO loan_contracts (customer_id, product, principal, monthly_rate, term_months, disbursed_on, status,
                              closed_on, updated_at)
  SELECT id, 'personal', 3000.00, 0.035, 3, DATE '2025-01-10', 'active', NULL, now() FROM c
  RETURNING contract_id
), recovered AS (
  INSERT INTO loan_contracts (customer_id, product, principal, monthly_rate, term_months, disbursed_on, status,
                              closed_on, updated_at)
  SELECT id, 'personal', 1000.00, 0.035, 1, DATE '2025-01-10', 'settled', DATE '2025-07-20', now() FROM c
  RETURNING contract_id
), i AS (
  INSERT INTO installments (contract_id, number, due_date, amount, paid_on, paid_amount)
  SELECT contract_id, n, due, 1060.00, paid, CASE WHEN paid IS NULL THEN 0 ELSE 1060.00 END
  FROM defaulted, (VALUES (1, DATE '2025-02-10', DATE '2025-02-10'), (2, DATE '2025-03-10', NULL::date),
                          (3, DATE '2025-04-10', NULL::date)) AS v(n, due, paid)
  UNION ALL
  SELECT contract_id, 1, DATE '2025-02-10', 1035.00, DATE '2025-07-20', 1035.00 FROM recovered
  RETURNING installment_id
)
INSERT INTO collection_actions (contract_id, action_type, performed_at, outcome)
SELECT contract_id, 'call', TIMESTAMPTZ '2025-06-01 14:00:00+00', 'promise' FROM recovered
