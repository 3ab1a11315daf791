"""Webshell detection and exception-rule matching: pure functions over domain objects."""
