-- KPI 3, Taxa de Aprovação de Crédito: approved / decided (approved + denied) applications, by the month of
-- the decision (America/Sao_Paulo) and overall, decisions up to D; pending applications are left out.
WITH a AS (
  SELECT date_format(from_utc_timestamp(decided_at, 'America/Sao_Paulo'), 'yyyy-MM') AS period, decision
  FROM lakehouse.silver.credit_applications
  WHERE decision IN ('approved', 'denied')
    AND to_date(from_utc_timestamp(decided_at, 'America/Sao_Paulo')) <= $d
)
SELECT $d AS reference_date, period, count_if(decision = 'approved') AS approved,
       count_if(decision = 'denied') AS denied, count(*) AS decided,
       count_if(decision = 'approved') / count(*) AS approval_rate
FROM a GROUP BY period
UNION ALL
SELECT $d, 'total', count_if(decision = 'approved'), count_if(decision = 'denied'), count(*),
       count_if(decision = 'approved') / nullif(count(*), 0)
FROM a
