-- A fraud, as training labels one (dataset.label_of): a fraud case, or an analyst's latest disposition
-- `confirmed_fraud` (a case outranks an analyst's `legitimate`). The `frauds` CTE of the monitor queries ({frauds}).
frauds AS (
    SELECT transfer_id FROM silver.fraud_cases WHERE transfer_id IS NOT NULL
    UNION
    SELECT transfer_id FROM (
        SELECT transfer_id, label, row_number() OVER (PARTITION BY transfer_id ORDER BY decided_at DESC) AS latest
        FROM gold.fraud_dispositions
    ) WHERE latest = 1 AND label = 'confirmed_fraud'
)
