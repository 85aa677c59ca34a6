"""Path safety: every file we open must stay inside the data root it was found under."""

from __future__ import annotations

from pathlib import Path

from dataset_atlas.errors import UnsafePathError


def resolve_within(path: str | Path, root: str | Path | None) -> Path:
    """Resolve ``path`` (symlinks and ``..`` included) and check it lies inside ``root``.

    With ``root`` None the path is only resolved. Relative paths are taken relative to
    ``root`` when one is given (a catalog stores paths relative to its data folder).
    Raises UnsafePathError when the resolved path escapes the resolved root.
    """
    p = Path(path).expanduser()
    if root is None:
        return p.resolve()
    root_resolved = Path(root).expanduser().resolve()
    if not p.is_absolute():
        p = root_resolved / p
    resolved = p.resolve()
    if not resolved.is_relative_to(root_resolved):
        raise UnsafePathError(str(path), str(root_resolved))
    return resolved
