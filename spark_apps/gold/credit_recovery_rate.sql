-- KPI 7, Taxa de Recuperação, at D.
-- A contract enters default on the first day an instalment reaches 90 days past due (due date + 90, still
-- unpaid at the end of that day); the contracts that did so by D are the denominator. The instalments
-- overdue at that entry date are those due before it and unpaid at its end. A contract is recovered when
-- every one of them was paid by D and a collection action was performed on or before the last of those
-- payments. Amount form: overdue amount at entry paid by D / overdue amount at entry.
WITH entry AS (
  SELECT contract_id, min(date_add(due_date, 90)) AS entry_date
  FROM lakehouse.silver.installments
  WHERE date_add(due_date, 90) <= $d AND (paid_on IS NULL OR paid_on > date_add(due_date, 90))
  GROUP BY contract_id
), overdue AS (
  SELECT e.contract_id, i.amount, i.paid_on
  FROM entry e JOIN lakehouse.silver.installments i ON i.contract_id = e.contract_id
  WHERE i.due_date < e.entry_date AND (i.paid_on IS NULL OR i.paid_on > e.entry_date)
), per_contract AS (
  SELECT contract_id, sum(amount) AS overdue_amount,
         sum(CASE WHEN paid_on <= $d THEN amount ELSE 0 END) AS recovered_amount,
         bool_and(paid_on IS NOT NULL AND paid_on <= $d) AS all_paid, max(paid_on) AS last_paid
  FROM overdue GROUP BY contract_id
), first_action AS (
  SELECT contract_id, min(to_date(from_utc_timestamp(performed_at, 'America/Sao_Paulo'))) AS first_action_on
  FROM lakehouse.silver.collection_actions GROUP BY contract_id
)
SELECT $d AS reference_date,
       count(*) AS contracts_defaulted,
       count_if(p.all_paid AND a.first_action_on <= p.last_paid) AS contracts_recovered,
       count_if(p.all_paid AND a.first_action_on <= p.last_paid) / nullif(count(*), 0) AS recovery_rate,
       CAST(sum(p.overdue_amount) AS DECIMAL(18, 2)) AS overdue_amount,
       CAST(sum(p.recovered_amount) AS DECIMAL(18, 2)) AS recovered_amount,
       -- in double: a decimal quotient would be rounded to 6 places first
       CAST(sum(p.recovered_amount) AS DOUBLE) / nullif(CAST(sum(p.overdue_amount) AS DOUBLE), 0) AS amount_recovery_rate
FROM per_contract p LEFT JOIN first_action a ON a.contract_id = p.contract_id
