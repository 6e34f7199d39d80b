-- The bank's own transactions for the payment KPIs: Pix (payer's UF) and debit card (merchant UF, MCC).
SELECT 'Pix' AS channel, (p.created_at AT TIME ZONE 'America/Sao_Paulo') AS local_time, p.amount,
       p.status = 'completed' AS approved, c.uf::text AS uf, NULL::text AS mcc
FROM pix_transfers p JOIN accounts a ON a.account_id = p.payer_account_id JOIN customers c USING (customer_id)
UNION ALL
SELECT 'Débito', authorized_at AT TIME ZONE 'America/Sao_Paulo', amount, status = 'approved', merchant_uf::text,
       mcc::text
FROM card_transactions
