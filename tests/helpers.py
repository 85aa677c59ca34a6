"""Small helpers several test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine


def write_tif(path: Path, data: np.ndarray, crs: str, transform: Affine, **profile: Any) -> Path:
    """A one-band GeoTIFF of ``data`` (its shape and dtype) at ``path``; ``profile`` adds creation
    options such as ``nodata`` (none unless given) or ``tiled``."""
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=data.dtype, crs=crs, transform=transform, **profile) as dst:
        dst.write(data, 1)
    return path


def free_port() -> int:
    """A loopback TCP port nobody listens on (the OS's pick) for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
