"""Default configuration data (no code): TOML config, JSON schema, demo cards."""
