WITH entry AS (
  SELECT contract_id, min(due_date + 90) AS entry_date FROM installments
  WHERE due_date + 90 <= %(d)s::date AND (paid_on IS NULL OR paid_on > due_date + 90)
  GROUP BY contract_id
), overdue AS (
  SELECT e.contract_id, i.amount, i.paid_on FROM entry e JOIN installments i USING (contract_id)
  WHERE i.due_date < e.entry_date AND (i.paid_on IS NULL OR i.paid_on > e.entry_date)
), c AS (
  SELECT o.contract_id, sum(o.amount) AS overdue, sum(o.amount) FILTER (WHERE o.paid_on <= %(d)s::date) AS paid,
         bool_and(o.paid_on IS NOT NULL AND o.paid_on <= %(d)s::date) AS all_paid, max(o.paid_on) AS last_paid
  FROM overdue o GROUP BY o.contract_id
)
SELECT count(*) AS contracts_defaulted,
       count(*) FILTER (WHERE all_paid AND EXISTS (
         SELECT 1 FROM collection_actions a WHERE a.contract_id = c.contract_id
           AND (a.performed_at AT TIME ZONE 'America/Sao_Paulo')::date <= c.last_paid)) AS contracts_recovered,
       sum(overdue) AS overdue_amount, sum(coalesce(paid, 0)) AS recovered_amount
FROM c
