-- KPI 1, Taxa de Inadimplência: customers in default at D / credit customers at D.
SELECT $d AS reference_date,
       count(*) AS credit_customers,
       count_if(in_default) AS customers_in_default,
       count_if(in_default) / nullif(count(*), 0) AS default_rate
FROM kpi_credit_customers
