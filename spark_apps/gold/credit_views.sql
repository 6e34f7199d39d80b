-- Shared views of the credit KPIs at reference date $d (KPIS.md, "Common terms"). Dates are
-- America/Sao_Paulo calendar dates, as the sources record them.

-- Active contract at D: disbursed on or before D and not closed on or before D. Every closing status
-- (settled, cancelled, written off, and renegotiated: replaced by a new contract) records `closed_on`.
CREATE OR REPLACE TEMP VIEW kpi_active_contracts AS
SELECT * FROM lakehouse.silver.loan_contracts
WHERE disbursed_on <= $d AND (closed_on IS NULL OR closed_on > $d);

-- Days past due at D of every instalment of an active contract: D - due date while not fully paid at D.
CREATE OR REPLACE TEMP VIEW kpi_installment_dpd AS
SELECT i.installment_id, i.contract_id, c.customer_id,
       CASE WHEN i.due_date < $d AND (i.paid_on IS NULL OR i.paid_on > $d)
            THEN datediff($d, i.due_date) ELSE 0 END AS dpd
FROM lakehouse.silver.installments i
JOIN kpi_active_contracts c ON c.contract_id = i.contract_id;

-- Credit customers at D (at least one active contract), their largest DPD, and whether they are in
-- default (an instalment of an active contract 90 or more days past due: the Central Bank's convention).
CREATE OR REPLACE TEMP VIEW kpi_credit_customers AS
SELECT c.customer_id, coalesce(max(d.dpd), 0) AS max_dpd, coalesce(max(d.dpd), 0) >= 90 AS in_default
FROM kpi_active_contracts c
LEFT JOIN kpi_installment_dpd d ON d.contract_id = c.contract_id
GROUP BY c.customer_id;

-- Every customer signed up by D with age and age band at D.
CREATE OR REPLACE TEMP VIEW kpi_customers AS
SELECT customer_id, uf, income_band, occupation, education, age,
       CASE WHEN age < 18 THEN 'menor de 18' WHEN age <= 24 THEN '18-24' WHEN age <= 34 THEN '25-34'
            WHEN age <= 44 THEN '35-44' WHEN age <= 54 THEN '45-54' WHEN age <= 64 THEN '55-64'
            ELSE '65+' END AS age_band
FROM (
  SELECT *, year($d) - year(birth_date)
            - CASE WHEN date_format(birth_date, 'MMdd') > date_format($d, 'MMdd') THEN 1 ELSE 0 END AS age
  FROM lakehouse.silver.customers WHERE signup_date <= $d
);
