WITH {credit_at_d}, seg AS (
  SELECT c.customer_id, s.dimension, s.segment FROM customers c
  CROSS JOIN LATERAL (VALUES ('income_band', c.income_band), ('uf', c.uf::text), ('occupation', c.occupation),
                             ('education', c.education)) AS s(dimension, segment)
  WHERE c.signup_date <= %(d)s::date
), loans AS (
  SELECT s.dimension, s.segment, count(*) AS contracts, sum(l.principal) AS principal_total
  FROM seg s JOIN loan_contracts l ON l.customer_id = s.customer_id AND l.disbursed_on <= %(d)s::date
  GROUP BY 1, 2
)
SELECT s.dimension, s.segment, count(w.customer_id) AS credit_customers,
       count(*) FILTER (WHERE w.max_dpd >= 90) AS customers_in_default,
       coalesce(max(l.contracts), 0) AS contracts, max(l.principal_total) AS principal_total
FROM seg s LEFT JOIN worst w USING (customer_id)
LEFT JOIN loans l ON l.dimension = s.dimension AND l.segment = s.segment
GROUP BY s.dimension, s.segment
