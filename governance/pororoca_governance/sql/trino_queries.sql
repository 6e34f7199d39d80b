-- One row per completed Trino query, written by the access-audit listener through Kafka and the Iceberg sink
-- (connector `audit-trino`). Restricted: only the DPO (and the platform) read it.
CREATE TABLE IF NOT EXISTS lakehouse.audit.trino_queries (
    query_id        varchar,
    "user"          varchar,
    groups          array(varchar),
    source          varchar,
    query_type      varchar,
    state           varchar,     -- FINISHED or FAILED (a denied query is recorded too)
    error_code      varchar,
    query_sha256    varchar,     -- HMAC-SHA256 of the text under a generated key (never the text: it may hold a CPF)
    created_at      timestamp(6) with time zone,
    ended_at        timestamp(6) with time zone,
    tables          array(varchar),   -- catalog.schema.table read
    columns         array(varchar),   -- catalog.schema.table.column read
    output_table    varchar,
    remote_address  varchar,
    user_agent      varchar,
    denied          varchar      -- for a denied query: Trino's message naming the object and privilege tried
)
WITH (partitioning = ARRAY['day(ended_at)'])
