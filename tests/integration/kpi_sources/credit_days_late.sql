WITH {credit_at_d}
SELECT count(*) AS customers_in_default, avg(max_dpd)::float8 AS average_max_dpd FROM worst WHERE max_dpd >= 90
