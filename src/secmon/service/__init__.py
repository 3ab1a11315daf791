"""Use cases: what the HTTP API and the CLI both call."""
