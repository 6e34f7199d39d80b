-- Shared views of the payment and fraud KPIs: every customer-facing transaction with its channel, local
-- (America/Sao_Paulo) date and hour, UF and merchant category.

-- Merchant category of an MCC, as the acquirer's merchant register records it.
CREATE OR REPLACE TEMP VIEW kpi_mcc_categories AS
SELECT mcc, min(category) AS category FROM lakehouse.silver.merchants GROUP BY mcc;

CREATE OR REPLACE TEMP VIEW kpi_transactions AS
SELECT 'Pix' AS channel, p.transfer_id AS transaction_id, p.created_at AS occurred_at, p.amount,
       p.status = 'completed' AS approved, c.uf, 'não se aplica' AS merchant_category
FROM lakehouse.silver.pix_transfers p
JOIN lakehouse.silver.accounts a ON a.account_id = p.payer_account_id
JOIN lakehouse.silver.customers c ON c.customer_id = a.customer_id
UNION ALL
SELECT 'Débito', t.card_tx_id, t.authorized_at, t.amount, t.status = 'approved', t.merchant_uf,
       coalesce(m.category, 'outros')
FROM lakehouse.silver.card_transactions t LEFT JOIN kpi_mcc_categories m ON m.mcc = t.mcc
UNION ALL
SELECT CASE p.payment_type WHEN 'credit' THEN 'POS Crédito' ELSE 'POS Débito' END, p.pos_tx_id,
       p.authorized_at, p.amount, p.status = 'approved', m.uf, m.category
FROM lakehouse.silver.pos_transactions p JOIN lakehouse.silver.merchants m ON m.merchant_id = p.merchant_id;
