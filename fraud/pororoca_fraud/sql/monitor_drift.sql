-- Daily drift of the scored population from the champion's training population: per day (America/Sao_Paulo) and
-- per feature, and for the score of the transfers that champion scored, the population stability index
--   PSI = sum over bins of (a - e) * ln(a / e)
-- with e the reference share of a bin (gold.fraud_model_reference) and a the day's share; both floored at 1e-4 so
-- an empty bin counts as rare, not as infinitely far. Replaces the rows of the days it covers.
-- {first}, {last}: the days; {version}: the champion; {psi_alert}, {min_transfers}: fraud/scoring.toml [monitoring].
INSERT INTO gold.fraud_model_drift
WITH scored AS (
    SELECT CAST(created_at AT TIME ZONE 'America/Sao_Paulo' AS date) AS reference_date, features, score, model_version
    FROM gold.fraud_scores
    WHERE created_at >= with_timezone(CAST(DATE '{first}' AS timestamp), 'America/Sao_Paulo')
      AND created_at < with_timezone(CAST(DATE '{last}' + INTERVAL '1' DAY AS timestamp), 'America/Sao_Paulo')
),
ref AS (
    SELECT feature, bin, lower, upper, share FROM gold.fraud_model_reference WHERE model_version = '{version}'
),
observed AS (
    SELECT reference_date, f.feature, TRY_CAST(f.value AS double) AS v
    FROM scored CROSS JOIN UNNEST(CAST(json_parse(features) AS map(varchar, json))) AS f (feature, value)
    UNION ALL
    SELECT reference_date, 'score', score FROM scored WHERE model_version = '{version}'
),
binned AS (
    SELECT o.reference_date, o.feature, r.bin
    FROM observed o JOIN ref r ON r.feature = o.feature
    WHERE (o.v IS NULL AND r.bin = -1)
       OR (o.v IS NOT NULL AND r.bin >= 0 AND (r.lower IS NULL OR o.v > r.lower) AND (r.upper IS NULL OR o.v <= r.upper))
),
counts AS (
    SELECT reference_date, feature, bin, count(*) AS n FROM binned GROUP BY reference_date, feature, bin
),
totals AS (
    SELECT reference_date, feature, sum(n) AS total FROM counts GROUP BY reference_date, feature
),
shares AS (
    SELECT t.reference_date, r.feature, t.total,
           greatest(CAST(coalesce(c.n, 0) AS double) / t.total, 1e-4) AS a, greatest(r.share, 1e-4) AS e
    FROM totals t
    JOIN ref r ON r.feature = t.feature
    LEFT JOIN counts c ON c.reference_date = t.reference_date AND c.feature = r.feature AND c.bin = r.bin
)
SELECT reference_date, '{version}', feature, round(sum((a - e) * ln(a / e)), 6) AS psi, max(total),
       {psi_alert}, sum((a - e) * ln(a / e)) >= {psi_alert} AND max(total) >= {min_transfers}, current_timestamp
FROM shares
GROUP BY reference_date, feature
