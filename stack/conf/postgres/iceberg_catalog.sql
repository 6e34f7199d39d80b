-- The lakehouse's Iceberg catalog: the two tables of Iceberg's JDBC catalog (its schema V1, with
-- `iceberg_type`), shared by Trino, Spark, the Kafka Connect sinks and pyiceberg under the catalog name
-- `lakehouse`. Each table's row points at its current metadata file; that file lists every snapshot still
-- retained, which is what time travel, incremental reads and rollback read.
--
-- Run by the superuser in the catalog database, after the login roles `catalog_<engine>` exist (local:
-- `pororoca stack up`; chart: the catalog Job). Idempotent: every start applies it again, so a changed
-- grant or policy here reaches existing installations.
--
-- Least privilege, per engine, by namespace (row-level security; a refused commit is an error, never a
-- silent write):
--   trino      every namespace, every operation: the SQL engine of every user, whose own access control
--              (governance/lgpd/access.toml) decides who may do what; erasure and audit write through it
--   spark      reads every namespace; creates, commits and drops tables outside `audit`
--   connect    the streaming sinks: reads and commits `bronze`, `audit` and the fraud path's `gold.fraud_*`
--              tables only, drops nothing
--   contracts  table contracts and table properties (pyiceberg): creates and commits outside `audit`;
--              in `audit` it may create a table (a contract of a sink's audit table), never commit to one;
--              drops nothing
--   lgpd       the LGPD tooling's own catalog reads (file locations for erasure checks): read only

CREATE TABLE IF NOT EXISTS iceberg_tables (
    catalog_name varchar(255) NOT NULL,
    table_namespace varchar(255) NOT NULL,
    table_name varchar(255) NOT NULL,
    metadata_location varchar(1000),
    previous_metadata_location varchar(1000),
    iceberg_type varchar(5),
    PRIMARY KEY (catalog_name, table_namespace, table_name)
);

CREATE TABLE IF NOT EXISTS iceberg_namespace_properties (
    catalog_name varchar(255) NOT NULL,
    namespace varchar(255) NOT NULL,
    property_key varchar(255),
    property_value varchar(1000),
    PRIMARY KEY (catalog_name, namespace, property_key)
);

REVOKE ALL ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON iceberg_tables, iceberg_namespace_properties FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO catalog_trino, catalog_spark, catalog_connect, catalog_contracts, catalog_lgpd;

GRANT SELECT, INSERT, UPDATE, DELETE ON iceberg_tables, iceberg_namespace_properties TO catalog_trino, catalog_spark;
GRANT SELECT, INSERT, UPDATE ON iceberg_tables, iceberg_namespace_properties TO catalog_connect, catalog_contracts;
GRANT SELECT ON iceberg_tables, iceberg_namespace_properties TO catalog_lgpd;
REVOKE DELETE ON iceberg_tables, iceberg_namespace_properties FROM catalog_connect, catalog_contracts;
REVOKE INSERT, UPDATE, DELETE ON iceberg_tables, iceberg_namespace_properties FROM catalog_lgpd;

ALTER TABLE iceberg_tables ENABLE ROW LEVEL SECURITY;
ALTER TABLE iceberg_namespace_properties ENABLE ROW LEVEL SECURITY;

-- Policies are dropped and created again so that an edit here replaces the old rule.
DROP POLICY IF EXISTS trino_all ON iceberg_tables;
DROP POLICY IF EXISTS reads ON iceberg_tables;
DROP POLICY IF EXISTS spark_writes ON iceberg_tables;
DROP POLICY IF EXISTS contracts_writes ON iceberg_tables;
DROP POLICY IF EXISTS contracts_creates_audit ON iceberg_tables;
DROP POLICY IF EXISTS connect_reads ON iceberg_tables;
DROP POLICY IF EXISTS connect_writes ON iceberg_tables;
DROP POLICY IF EXISTS trino_all ON iceberg_namespace_properties;
DROP POLICY IF EXISTS reads ON iceberg_namespace_properties;
DROP POLICY IF EXISTS spark_writes ON iceberg_namespace_properties;
DROP POLICY IF EXISTS contracts_writes ON iceberg_namespace_properties;
DROP POLICY IF EXISTS contracts_creates_audit ON iceberg_namespace_properties;
DROP POLICY IF EXISTS connect_reads ON iceberg_namespace_properties;
DROP POLICY IF EXISTS connect_writes ON iceberg_namespace_properties;

CREATE POLICY trino_all ON iceberg_tables TO catalog_trino USING (true) WITH CHECK (true);
CREATE POLICY reads ON iceberg_tables FOR SELECT TO catalog_spark, catalog_contracts, catalog_lgpd USING (true);
CREATE POLICY spark_writes ON iceberg_tables TO catalog_spark
    USING (table_namespace <> 'audit') WITH CHECK (table_namespace <> 'audit');
CREATE POLICY contracts_writes ON iceberg_tables TO catalog_contracts
    USING (table_namespace <> 'audit') WITH CHECK (table_namespace <> 'audit');
CREATE POLICY contracts_creates_audit ON iceberg_tables FOR INSERT TO catalog_contracts
    WITH CHECK (table_namespace = 'audit');
CREATE POLICY connect_reads ON iceberg_tables FOR SELECT TO catalog_connect
    USING (table_namespace IN ('bronze', 'audit') OR (table_namespace = 'gold' AND table_name LIKE 'fraud\_%'));
CREATE POLICY connect_writes ON iceberg_tables TO catalog_connect
    USING (table_namespace IN ('bronze', 'audit') OR (table_namespace = 'gold' AND table_name LIKE 'fraud\_%'))
    WITH CHECK (table_namespace IN ('bronze', 'audit') OR (table_namespace = 'gold' AND table_name LIKE 'fraud\_%'));

CREATE POLICY trino_all ON iceberg_namespace_properties TO catalog_trino USING (true) WITH CHECK (true);
CREATE POLICY reads ON iceberg_namespace_properties FOR SELECT TO catalog_spark, catalog_contracts, catalog_lgpd
    USING (true);
CREATE POLICY spark_writes ON iceberg_namespace_properties TO catalog_spark
    USING (namespace <> 'audit') WITH CHECK (namespace <> 'audit');
CREATE POLICY contracts_writes ON iceberg_namespace_properties TO catalog_contracts
    USING (namespace <> 'audit') WITH CHECK (namespace <> 'audit');
CREATE POLICY contracts_creates_audit ON iceberg_namespace_properties FOR INSERT TO catalog_contracts
    WITH CHECK (namespace = 'audit');
CREATE POLICY connect_reads ON iceberg_namespace_properties FOR SELECT TO catalog_connect
    USING (namespace IN ('bronze', 'audit'));
CREATE POLICY connect_writes ON iceberg_namespace_properties TO catalog_connect
    USING (namespace IN ('bronze', 'audit')) WITH CHECK (namespace IN ('bronze', 'audit'));
