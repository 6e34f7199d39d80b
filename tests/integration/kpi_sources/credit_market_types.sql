SELECT 'all' AS scope, credit_type, count(*) AS credits, sum(amount) AS amount
FROM bureau_credits WHERE opened_on <= %(d)s::date GROUP BY credit_type
UNION ALL
SELECT 'active', credit_type, count(*), sum(amount) FROM bureau_credits
WHERE opened_on <= %(d)s::date AND (closed_on IS NULL OR closed_on > %(d)s::date) GROUP BY credit_type
