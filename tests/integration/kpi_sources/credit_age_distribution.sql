WITH people AS (
  SELECT customer_id, date_part('year', age(%(d)s::date, birth_date))::int AS age FROM customers
  WHERE signup_date <= %(d)s::date
), banded AS (
  SELECT customer_id, CASE WHEN age < 18 THEN 'menor de 18' WHEN age BETWEEN 18 AND 24 THEN '18-24'
    WHEN age BETWEEN 25 AND 34 THEN '25-34' WHEN age BETWEEN 35 AND 44 THEN '35-44'
    WHEN age BETWEEN 45 AND 54 THEN '45-54' WHEN age BETWEEN 55 AND 64 THEN '55-64' ELSE '65+' END AS age_band
  FROM people
), {credit_at_d}
SELECT b.age_band, count(*) AS customers, count(w.customer_id) AS credit_customers,
       count(*) FILTER (WHERE w.max_dpd >= 90) AS customers_in_default
FROM banded b LEFT JOIN worst w USING (customer_id) GROUP BY b.age_band
