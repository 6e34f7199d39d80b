-- KPI 9, Performance por Segmento: KPI 1 (default rate at D) and KPI 2 (average principal of the contracts
-- disbursed by D) per segment of income band, UF, occupation and education.
WITH segments AS (
  SELECT customer_id, stack(4, 'income_band', income_band, 'uf', uf, 'occupation', occupation,
                               'education', education) AS (dimension, segment)
  FROM kpi_customers
), credit AS (
  SELECT s.dimension, s.segment, count(cc.customer_id) AS credit_customers,
         count_if(cc.in_default) AS customers_in_default
  FROM segments s LEFT JOIN kpi_credit_customers cc ON cc.customer_id = s.customer_id
  GROUP BY s.dimension, s.segment
), loans AS (
  SELECT s.dimension, s.segment, count(*) AS contracts, sum(l.principal) AS principal_total
  FROM segments s JOIN lakehouse.silver.loan_contracts l ON l.customer_id = s.customer_id
  WHERE l.disbursed_on <= $d
  GROUP BY s.dimension, s.segment
)
SELECT $d AS reference_date, c.dimension, c.segment, c.credit_customers, c.customers_in_default,
       c.customers_in_default / nullif(c.credit_customers, 0) AS default_rate,
       coalesce(l.contracts, 0) AS contracts,
       CAST(round(l.principal_total / l.contracts, 2) AS DECIMAL(18, 2)) AS average_principal
FROM credit c LEFT JOIN loans l ON l.dimension = c.dimension AND l.segment = c.segment
