-- Daily live precision and recall of the processor's decisions: per day (America/Sao_Paulo), model version and
-- live/replayed, the transfers it scored, those it alerted (alert, hold or block) and how many were frauds. A fraud
-- is what training calls one: a fraud case, or an analyst's latest disposition `confirmed_fraud` (a case outranks
-- an analyst's `legitimate`). Precision and recall only once the day's label window closed: before, frauds still
-- undetected would make every alert look false. Replaces the rows of the days it covers.
-- {first}, {last}: the days; {maturity_days}: fraud/scoring.toml [training] label_maturity_days.
INSERT INTO gold.fraud_model_quality
WITH {frauds},
labels AS (SELECT max(detected_at) AS as_of FROM silver.fraud_cases),
scored AS (
    SELECT CAST(s.created_at AT TIME ZONE 'America/Sao_Paulo' AS date) AS reference_date,
           coalesce(s.model_version, 'regras') AS model_version, s.live,
           s.decision <> 'allow' AS alerted, f.transfer_id IS NOT NULL AS fraud
    FROM gold.fraud_scores s LEFT JOIN frauds f ON f.transfer_id = s.transfer_id
    WHERE s.created_at >= with_timezone(CAST(DATE '{first}' AS timestamp), 'America/Sao_Paulo')
      AND s.created_at < with_timezone(CAST(DATE '{last}' + INTERVAL '1' DAY AS timestamp), 'America/Sao_Paulo')
),
daily AS (
    SELECT reference_date, model_version, live, count(*) AS transfers, count_if(alerted) AS alerts,
           count_if(fraud) AS frauds, count_if(alerted AND fraud) AS true_alerts,
           coalesce(reference_date + INTERVAL '{maturity_days}' DAY
                    <= CAST(max(labels.as_of) AT TIME ZONE 'America/Sao_Paulo' AS date), false) AS mature,
           max(labels.as_of) AS labels_as_of
    FROM scored CROSS JOIN labels
    GROUP BY reference_date, model_version, live
)
SELECT reference_date, model_version, live, transfers, alerts, frauds, true_alerts,
       CASE WHEN mature AND alerts > 0 THEN CAST(true_alerts AS double) / alerts END,
       CASE WHEN mature AND frauds > 0 THEN CAST(true_alerts AS double) / frauds END,
       mature, labels_as_of, current_timestamp
FROM daily
