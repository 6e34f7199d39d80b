-- The score of one transfer, with its alert and the latest disposition if any. {transfer_id}: an integer.
SELECT s.transfer_id, s.payer_account_id, s.payee_key_token, s.amount, s.created_at, s.scored_at, s.live,
       s.score, s.decision, s.rules, s.patterns, s.reasons, s.model_version, s.features,
       a.transfer_id IS NOT NULL AS alerted, d.label, d.analyst, d.decided_at
FROM lakehouse.gold.fraud_scores s
LEFT JOIN lakehouse.gold.fraud_alerts a ON a.transfer_id = s.transfer_id
LEFT JOIN (
    SELECT transfer_id, label, analyst, decided_at,
           row_number() OVER (PARTITION BY transfer_id ORDER BY decided_at DESC) AS n
    FROM lakehouse.gold.fraud_dispositions WHERE transfer_id = {transfer_id}
) d ON d.transfer_id = s.transfer_id AND d.n = 1
WHERE s.transfer_id = {transfer_id}
ORDER BY s.scored_at DESC
LIMIT 1
