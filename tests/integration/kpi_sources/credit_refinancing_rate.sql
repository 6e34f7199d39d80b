SELECT to_char(l.disbursed_on, 'YYYY-MM') AS period, count(*) AS contracts,
       count(r.renegotiation_id) AS renegotiated
FROM loan_contracts l
LEFT JOIN renegotiations r ON r.original_contract_id = l.contract_id AND r.renegotiated_on <= %(d)s::date
WHERE l.disbursed_on <= %(d)s::date GROUP BY 1
UNION ALL
SELECT 'total', count(*), count(r.renegotiation_id)
FROM loan_contracts l
LEFT JOIN renegotiations r ON r.original_contract_id = l.contract_id AND r.renegotiated_on <= %(d)s::date
WHERE l.disbursed_on <= %(d)s::date
