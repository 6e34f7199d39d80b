-- The caller's groups and the alert being disposed of (no row: no such alert in the lake yet). {transfer_id}: an integer.
SELECT current_groups() AS groups, max(a.decision) AS decision, count(a.transfer_id) AS found
FROM (SELECT 1) AS one
LEFT JOIN lakehouse.gold.fraud_alerts a ON a.transfer_id = {transfer_id}
