WITH {credit_at_d}
SELECT count(*) AS credit_customers, count(*) FILTER (WHERE max_dpd >= 90) AS customers_in_default
FROM worst
