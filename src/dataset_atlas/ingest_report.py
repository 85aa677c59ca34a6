"""What an ingest run did: :class:`IngestReport` and its :class:`Rejected` files.

A neutral module: the readers (:mod:`dataset_atlas.sources.discover`) fill the report and
every catalog backend stores and shows it (:mod:`dataset_atlas.catalog.base` re-exports
both). Kept outside ``dataset_atlas.catalog`` so importing a reader does not run the catalog
package, which imports the readers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["IngestReport", "Rejected"]


@dataclass(frozen=True)
class Rejected:
    """A file (or a record in it) that was not ingested, and why."""

    path: str
    reason: str


@dataclass
class IngestReport:
    """What an ingest run did: counts, rejections and warnings, for the curator."""

    ingested: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[Rejected] = field(default_factory=list)  # not datasets (STAC catalogs, items)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (the CLI's ``--json`` contract keys)."""
        return {
            "ingested": self.ingested,
            "rejected": [{"path": r.path, "reason": r.reason} for r in self.rejected],
            "warnings": list(self.warnings),
            "skipped": [{"path": r.path, "reason": r.reason} for r in self.skipped],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IngestReport:
        """Inverse of :meth:`to_dict`."""
        return cls(
            ingested=int(data.get("ingested", 0)),
            rejected=[Rejected(r["path"], r["reason"]) for r in data.get("rejected", [])],
            warnings=list(data.get("warnings", [])),
            skipped=[Rejected(r["path"], r["reason"]) for r in data.get("skipped", [])],
        )
