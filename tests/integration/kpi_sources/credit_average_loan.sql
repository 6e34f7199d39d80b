SELECT to_char(disbursed_on, 'YYYY-MM') AS period, count(*) AS contracts, sum(principal) AS principal_total
FROM loan_contracts WHERE disbursed_on <= %(d)s::date GROUP BY 1
UNION ALL
SELECT 'total', count(*), sum(principal) FROM loan_contracts WHERE disbursed_on <= %(d)s::date
