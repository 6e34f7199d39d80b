-- KPI 4, Distribuição de Idade dos Clientes: customers signed up by D per age band at D (count and share of
-- all customers), with the default rate (KPI 1) within each band.
SELECT $d AS reference_date, k.age_band,
       count(*) AS customers,
       count(*) / sum(count(*)) OVER () AS share,
       count(cc.customer_id) AS credit_customers,
       count_if(cc.in_default) AS customers_in_default,
       count_if(cc.in_default) / nullif(count(cc.customer_id), 0) AS default_rate
FROM kpi_customers k
LEFT JOIN kpi_credit_customers cc ON cc.customer_id = k.customer_id
GROUP BY k.age_band
