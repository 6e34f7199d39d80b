-- The headline of `pororoca headline` and `make demo`, for one reference date (the one parameter).
WITH d AS (SELECT CAST(? AS date) AS d)
SELECT r.default_rate, r.customers_in_default, r.credit_customers,
       (SELECT average_principal FROM gold.credit_average_loan a, d WHERE a.reference_date = d.d AND period = 'total'),
       (SELECT approval_rate FROM gold.credit_approval_rate a, d WHERE a.reference_date = d.d AND period = 'total'),
       (SELECT recovery_rate FROM gold.credit_recovery_rate a, d WHERE a.reference_date = d.d),
       (SELECT average_max_dpd FROM gold.credit_days_late a, d WHERE a.reference_date = d.d),
       (SELECT sum(tpv) FROM gold.payments_hourly p, d WHERE p.local_date > d.d - INTERVAL '30' DAY),
       (SELECT sum(transactions) FROM gold.payments_hourly p, d WHERE p.local_date > d.d - INTERVAL '30' DAY),
       (SELECT CAST(sum(frauds) AS double) / sum(transactions) FROM gold.fraud_daily f, d
         WHERE f.reference_date = d.d AND fraud_type = 'todos' AND transaction_date > d.d - INTERVAL '30' DAY),
       (SELECT p50_hours FROM gold.fraud_detection f, d WHERE f.reference_date = d.d AND fraud_type = 'todos')
FROM gold.credit_default_rate r, d WHERE r.reference_date = d.d
