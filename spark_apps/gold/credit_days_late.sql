-- KPI 6, Tempo Médio de Atraso no Pagamento: over the customers in default at D, the average of each
-- customer's largest days past due at D.
SELECT $d AS reference_date, count(*) AS customers_in_default,
       CAST(avg(max_dpd) AS DOUBLE) AS average_max_dpd
FROM kpi_credit_customers WHERE in_default
