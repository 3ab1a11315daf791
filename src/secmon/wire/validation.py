"""Turning pydantic's complaints into one clear `field: what is wrong` line."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from secmon.domain.errors import InvalidInput


def first_problem(exc: ValidationError) -> InvalidInput:
    """The first error as InvalidInput, its field named by the wire (alias) name."""
    err = exc.errors(include_url=False)[0]
    loc = ".".join(str(part) for part in err["loc"]) or "body"
    kind = err["type"]
    if kind == "missing":
        reason = "is required"
    elif kind in {"int_parsing", "int_type", "int_from_float"}:
        reason = f"must be an integer, got {_show(err.get('input'))}"
    elif kind == "value_error" and isinstance(err.get("ctx", {}).get("error"), ValueError):
        # Our own validators (reject_bool) already word the reason for the wire.
        reason = str(err["ctx"]["error"])
    elif kind in {"string_type"}:
        reason = f"must be a string, got {_show(err.get('input'))}"
    else:
        reason = str(err["msg"])[0].lower() + str(err["msg"])[1:]
    return InvalidInput(loc, reason)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def reject_bool(value: Any) -> Any:
    """JSON `true` is not the number 1: refuse it where an integer is expected."""
    if isinstance(value, bool):
        raise ValueError(f"must be an integer, got {str(value).lower()}")
    return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


def reject_nul(body: Any) -> None:
    """No input may hold U+0000 (PostgreSQL text cannot store it): refuse it on both
    backends alike, naming the top-level field that carries it."""
    items = body.items() if isinstance(body, dict) else [("body", body)]
    for key, value in items:
        if _has_nul(key) or _has_nul(value):
            raise InvalidInput("body" if _has_nul(key) else key, "must not contain the NUL character")
