"""The lake in OpenMetadata: ingestion workflows as code, lineage from the project's own definitions, and the
LGPD classification pushed and steward decisions pulled back. The request bodies are built here (pure, in the
project's environment); `om_client` validates and sends them in OpenMetadata's own environment."""
