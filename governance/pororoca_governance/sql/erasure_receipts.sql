-- One row per completed erasure (LGPD Art. 18, VI, Art. 37 record of processing). The subject appears only
-- as silver's token of their CPF: the receipt proves what was erased without keeping what was erased.
CREATE TABLE IF NOT EXISTS lakehouse.audit.erasure_receipts (
    receipt_id      varchar,
    requested_at    timestamp(6) with time zone,
    completed_at    timestamp(6) with time zone,
    requested_by    varchar,
    subject_token   varchar,
    tables_json     varchar,   -- per table: rows deleted, snapshot before and after, files checked and removed
    rows_deleted    bigint,
    files_checked   bigint,
    files_removed   bigint,
    verified        boolean,
    residual_copies varchar    -- where copies outside the lake may remain, and until when (raw change topics, sources)
)
