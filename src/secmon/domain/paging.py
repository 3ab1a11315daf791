"""Pages of results, as every list operation returns them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T] = field(default_factory=list)
    total: int = 0


def page_of(items: list[T], index: int, size: int) -> Page[T]:
    """Slice an in-memory, already ordered list; `index` is 0-based."""
    start = index * size
    return Page(items=items[start : start + size], total=len(items))
