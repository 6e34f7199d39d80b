"""LGPD in force: classification as code, Trino identities and access rules, data-subject requests, audit."""
