"""Change data capture as code: connector definitions in `cdc/connectors/`, applied through Connect's REST API."""
