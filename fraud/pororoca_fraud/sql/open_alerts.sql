-- Alerts no analyst has disposed of yet, newest first. {decisions}: quoted decision names; {limit}: an integer.
SELECT a.transfer_id, a.payer_account_id, a.payee_key_token, a.amount, a.created_at, a.scored_at,
       a.score, a.decision, a.rules, a.patterns, a.reasons, a.model_version
FROM lakehouse.gold.fraud_alerts a
WHERE a.decision IN ({decisions})
  AND NOT EXISTS (SELECT 1 FROM lakehouse.gold.fraud_dispositions d WHERE d.transfer_id = a.transfer_id)
ORDER BY a.created_at DESC
LIMIT {limit}
