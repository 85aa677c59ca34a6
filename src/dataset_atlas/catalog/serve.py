"""``dataset-atlas serve-stac``: stac-fastapi-pgstac over a catalog's pgstac database.

The API is read-only (no transactions extension) and offers Collection Search (bbox,
datetime, free text ``q``, CQL2 ``filter``, sort), so QGIS, STAC Browser, pystac-client or
scripts read the same catalog the app shows. The ``atlas:``-prefixed collection properties
(see :mod:`dataset_atlas.catalog.stacmap`) are there for CQL2 filters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from dataset_atlas.errors import UsageError

TITLE = "Dataset Atlas"


def postgres_settings(dsn: str) -> Any:
    """stac-fastapi-pgstac's connection settings from a ``postgresql://user:pw@host:port/db`` URL."""
    from stac_fastapi.pgstac.config import PostgresSettings

    parts = urlsplit(dsn)
    query = parse_qs(parts.query)
    host = parts.hostname or (query.get("host") or [""])[0]
    database = unquote(parts.path.lstrip("/"))
    if not host or not database:
        raise UsageError("serve-stac needs a URL with a host and a database: postgresql://user:password@host:port/db")
    return PostgresSettings(pguser=unquote(parts.username or ""), pgpassword=unquote(parts.password or ""),
                            pghost=host, pgport=parts.port or 5432, pgdatabase=database)


def create_stac_app(dsn: str) -> Any:
    """The FastAPI app serving the pgstac database at ``dsn`` (read-only)."""
    from stac_fastapi.pgstac.app import instantiate_api
    from stac_fastapi.pgstac.config import Settings
    from stac_fastapi.pgstac.db import close_db_connection, connect_to_db

    database = postgres_settings(dsn)

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        await connect_to_db(app, postgres_settings=database)
        yield
        await close_db_connection(app)

    settings = Settings(stac_fastapi_title=TITLE, stac_fastapi_description="Earth-science datasets (NCDC + STAC)",
                        enable_transactions_extensions=False)
    return instantiate_api(settings=settings, lifespan=lifespan).app


def serve_stac(dsn: str, *, host: str = "127.0.0.1", port: int = 8081) -> None:
    """Serve until interrupted (uvicorn)."""
    import uvicorn

    from dataset_atlas.catalog.pgstac import PgstacCatalog

    PgstacCatalog(dsn).close()  # a clear error now if the database has no catalog, not at the first request
    uvicorn.run(create_stac_app(dsn), host=host, port=port, log_level="warning")
