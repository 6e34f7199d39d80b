-- KPI 2, Valor Médio de Empréstimo: average disbursed principal of the contracts disbursed in the period,
-- per disbursement month ('YYYY-MM') and over every contract disbursed by D ('total').
WITH c AS (SELECT date_format(disbursed_on, 'yyyy-MM') AS period, principal
           FROM lakehouse.silver.loan_contracts WHERE disbursed_on <= $d)
SELECT $d AS reference_date, period, count(*) AS contracts,
       CAST(sum(principal) AS DECIMAL(18, 2)) AS principal_total,
       CAST(round(sum(principal) / count(*), 2) AS DECIMAL(18, 2)) AS average_principal
FROM c GROUP BY period
UNION ALL
SELECT $d, 'total', count(*), CAST(sum(principal) AS DECIMAL(18, 2)),
       CAST(round(sum(principal) / count(*), 2) AS DECIMAL(18, 2))
FROM c
