"""The `secmon` command line: thin commands over the services."""
