WITH a AS (
  SELECT to_char(decided_at AT TIME ZONE 'America/Sao_Paulo', 'YYYY-MM') AS period, decision
  FROM credit_applications
  WHERE decision <> 'pending' AND (decided_at AT TIME ZONE 'America/Sao_Paulo')::date <= %(d)s::date
)
SELECT period, count(*) FILTER (WHERE decision = 'approved') AS approved,
       count(*) FILTER (WHERE decision = 'denied') AS denied FROM a GROUP BY period
UNION ALL
SELECT 'total', count(*) FILTER (WHERE decision = 'approved'), count(*) FILTER (WHERE decision = 'denied') FROM a
