-- KPI 5, Taxa de Refinanciamento: contracts renegotiated into a new contract by D / contracts disbursed,
-- grouped by the original contract's disbursement month, and overall ('total').
WITH c AS (
  SELECT date_format(l.disbursed_on, 'yyyy-MM') AS period, r.original_contract_id IS NOT NULL AS renegotiated
  FROM lakehouse.silver.loan_contracts l
  LEFT JOIN lakehouse.silver.renegotiations r
    ON r.original_contract_id = l.contract_id AND r.renegotiated_on <= $d
  WHERE l.disbursed_on <= $d
)
SELECT $d AS reference_date, period, count(*) AS contracts, count_if(renegotiated) AS renegotiated,
       count_if(renegotiated) / count(*) AS refinancing_rate
FROM c GROUP BY period
UNION ALL
SELECT $d, 'total', count(*), count_if(renegotiated), count_if(renegotiated) / nullif(count(*), 0) FROM c
