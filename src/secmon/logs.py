"""Structured (JSON) logs on stderr. Secrets and signatures are never passed to a logger.

Loggers are built here rather than through structlog's global configuration, so they
write JSON to stderr whoever imports secmon — never into a program's stdout (where a
command's `--json` document goes).
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog

_level = logging.INFO
_stream: TextIO | None = None


class _StderrLogger:
    """Writes each rendered line to the configured stream, else to whatever sys.stderr
    is now (test runners swap it)."""

    def msg(self, message: str) -> None:
        print(message, file=_stream or sys.stderr, flush=True)

    debug = info = warning = warn = error = critical = exception = fatal = msg


def configure_logging(level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """The level of every secmon logger made after this call, and where all of them
    write (None: stderr)."""
    global _level, _stream
    _level = level
    _stream = stream


def get_logger(name: str) -> Any:
    return structlog.wrap_logger(
        _StderrLogger(),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_level),
        logger_name=name,
    )
