"""Domain errors. Each boundary (HTTP per product, CLI) maps them in one place.

SecmonError
 ├── InvalidInput        a value the caller sent is wrong (names the field)
 ├── NotFound            an object does not exist in the caller's account
 ├── AlreadyExists       a name is taken
 ├── AuthenticationFailed  credentials missing, unknown, revoked, stale or forged
 └── PermissionDenied    authenticated, but the policies do not allow the action
"""

from __future__ import annotations


class SecmonError(Exception):
    """Base of every error secmon raises on purpose."""


class InvalidInput(SecmonError):
    """A value supplied by the caller is wrong; `field` uses the caller's own name for it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class NotFound(SecmonError):
    def __init__(self, kind: str, ident: str | int) -> None:
        super().__init__(f"{kind} {ident!r} does not exist")
        self.kind = kind
        self.ident = ident


class AlreadyExists(SecmonError):
    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"{kind} {name!r} already exists")
        self.kind = kind
        self.name = name


class AuthenticationFailed(SecmonError):
    """`detail` is safe to show the caller: it never contains a secret."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class PermissionDenied(SecmonError):
    def __init__(self, action: str) -> None:
        super().__init__(f"not allowed: {action}")
        self.action = action
