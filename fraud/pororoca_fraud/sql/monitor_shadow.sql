-- Daily comparison of the champion with the challenger scoring in the shadow on the same transfers: how often each
-- alerts, how often they agree, and how many of each one's alerts are frauds so far (fraud cases and analysts'
-- confirmations, as in monitor_quality.sql). Replaces the rows of the days it covers.
-- {first}, {last}: the days.
INSERT INTO gold.fraud_shadow_daily
WITH {frauds},
scored AS (
    SELECT CAST(s.created_at AT TIME ZONE 'America/Sao_Paulo' AS date) AS reference_date,
           coalesce(s.model_version, 'regras') AS champion_version, s.shadow_model_version AS challenger_version,
           s.decision <> 'allow' AS champion_alerted, s.shadow_decision <> 'allow' AS challenger_alerted,
           s.decision = s.shadow_decision AS same, f.transfer_id IS NOT NULL AS fraud
    FROM gold.fraud_scores s LEFT JOIN frauds f ON f.transfer_id = s.transfer_id
    WHERE s.shadow_model_version IS NOT NULL
      AND s.created_at >= with_timezone(CAST(DATE '{first}' AS timestamp), 'America/Sao_Paulo')
      AND s.created_at < with_timezone(CAST(DATE '{last}' + INTERVAL '1' DAY AS timestamp), 'America/Sao_Paulo')
)
SELECT reference_date, champion_version, challenger_version, count(*), count_if(champion_alerted),
       count_if(challenger_alerted), count_if(champion_alerted AND challenger_alerted),
       CAST(count_if(same) AS double) / count(*), count_if(champion_alerted AND fraud),
       count_if(challenger_alerted AND fraud), current_timestamp
FROM scored
GROUP BY reference_date, champion_version, challenger_version
