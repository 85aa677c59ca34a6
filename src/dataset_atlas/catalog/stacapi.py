"""A read-only catalog behind any STAC API with Collection Search (``stac+http(s)://…``).

The API does the filtering it can express: ``bbox``, ``datetime``, free text ``q`` and, where
it conforms to the filter extension, a CQL2 filter on the ``atlas:`` properties that
``dataset-atlas ingest --catalog postgresql://…`` writes (category, time resolution, access,
formats, resolution, extent quality, ids). The collections it returns are then filtered again
here with the local index's exact rules (a record without an extent is stored with a
whole-globe STAC extent, a backwards time span with an open interval, so the API's answer
can be wider), sorted and limited as the local index does.

Differences, on purpose and tested (tests/test_stac_api.py):

* free text is the API's ``q``: word-based full text (``snow`` finds "snow" but not
  "snowfall"), not the substring match of the other backends (冻土 inside a longer word);
* facet counts need an aggregation the API does not have: :attr:`StacApiCatalog.facets_available`
  is False, :attr:`SearchResult.facets` is empty and the app says so instead of showing counts;
* catalog-wide vocabularies and the time span read every collection once (cached).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from dataset_atlas.catalog.base import CatalogSource, IngestReport, Query, SearchResult
from dataset_atlas.catalog.local import LocalCatalog
from dataset_atlas.catalog.stacmap import PREFIX, record_from_collection
from dataset_atlas.catalog.terms import term_words
from dataset_atlas.errors import AtlasError, RecordError
from dataset_atlas.model import DatasetRecord

COLLECTION_SEARCH = "collection-search"
FILTER = "collection-search#filter"
FREE_TEXT = "collection-search#free-text"
PAGE = 500  # collections asked for per request
MAX_COLLECTIONS = 200_000  # a runaway `next` chain stops here
TIMEOUT_S = 60


def api_text(text: str) -> str | None:
    """Free text as a ``q`` that Collection Search on pgstac reads as meant (None: no word to
    look for, or a NUL, which nothing holds).

    Each term's words (:func:`~dataset_atlas.catalog.terms.term_words`: hyphens and
    punctuation split them, as on every backend), the terms joined by an explicit AND, a term
    of several words (``Sentinel-2``, a "quoted phrase") quoted as a phrase: pgstac answers
    500 to tsquery syntax in ``q`` (a lone ``'``, ``(``, ``:``, ``!``)
    and to terms joined by spaces once one of them is Chinese ("冻土 温度")."""
    if "\x00" in text:
        return None
    terms = []
    for words in term_words(text):  # (as written: the API's full text stems the words itself)
        terms.append(f'"{" ".join(words)}"' if len(words) > 1 else words[0])
    return " AND ".join(terms) or None


class StacApiCatalog:
    """The catalog as a STAC API serves it (see the module docs for what runs where)."""

    facets_available = False
    result_rows: int | None = None  # the API's pages are read whole and filtered here

    def __init__(self, url: str) -> None:
        self.source = CatalogSource("stac-api", url)
        self.base = url.removeprefix("stac+").rstrip("/")
        self.report = IngestReport()
        landing = self._get(self.base + "/")
        conforms = [str(c) for c in landing.get("conformsTo") or []]
        if not any(c.endswith(COLLECTION_SEARCH) for c in conforms):
            raise AtlasError(f"{self.source.display}: this STAC API does not offer Collection Search "
                             "(no collection-search in conformsTo)")
        self._filters = any(c.endswith(FILTER) for c in conforms)
        self._free_text = any(c.endswith(FREE_TEXT) for c in conforms)
        self._lock = threading.Lock()
        self._everything: LocalCatalog | None = None

    def _get(self, url: str) -> dict[str, Any]:
        scheme = urlsplit(url).scheme
        if scheme not in ("http", "https"):
            raise AtlasError(f"{url}: only http(s) links are followed")
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 - scheme checked
                data = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise AtlasError(f"{self.source.display}: {url} answered {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise AtlasError(f"cannot reach the STAC API {self.source.display}: {reason}") from exc
        except ValueError as exc:
            raise AtlasError(f"{self.source.display}: {url} did not answer JSON") from exc
        if not isinstance(data, dict):
            raise AtlasError(f"{self.source.display}: {url} did not answer a JSON object")
        return data

    def _collections(self, params: dict[str, str]) -> tuple[list[dict[str, Any]], int | None]:
        """Every collection matching ``params`` (following ``next`` links), and the API's count."""
        url: str | None = f"{self.base}/collections?{urlencode({**params, 'limit': str(PAGE)})}"
        found: list[dict[str, Any]] = []
        matched: int | None = None
        while url and len(found) < MAX_COLLECTIONS:
            page = self._get(url)
            if matched is None and isinstance(page.get("numberMatched"), int):
                matched = page["numberMatched"]
            batch = [c for c in page.get("collections") or [] if isinstance(c, dict)]
            found.extend(batch)
            url = next((lk.get("href") for lk in page.get("links") or []
                        if isinstance(lk, dict) and lk.get("rel") == "next" and lk.get("method", "GET") == "GET"),
                       None)
            if not batch:
                break
        return found, matched

    def _records(self, docs: list[dict[str, Any]]) -> list[DatasetRecord]:
        out = []
        for doc in docs:
            try:
                out.append(record_from_collection(doc, f"{self.base}/collections/{doc.get('id', '')}"))
            except (RecordError, KeyError, TypeError, ValueError):
                continue  # not a dataset collection this app can show; the API still lists it
        return out

    def params(self, query: Query) -> dict[str, str] | None:
        """The API request for ``query``: what Collection Search can express (None: nothing can match).

        Free text goes as :func:`api_text`. Values holding a NUL (a link's %00) are left out: no
        stored value holds one, and PostgreSQL refuses them."""
        out: dict[str, str] = {}
        if query.bbox is not None:
            w, s, e, n = query.bbox
            # A box across 180° is asked as its whole latitude band (APIs that build an envelope
            # from west > east search the other side of the globe); the exact test runs here.
            out["bbox"] = ",".join(f"{v:g}" for v in ((-180.0, s, 180.0, n) if w > e else query.bbox))
        if query.start is not None or query.end is not None:
            start = f"{query.start.isoformat()}T00:00:00Z" if query.start else ".."
            end = f"{query.end.isoformat()}T23:59:59Z" if query.end else ".."
            out["datetime"] = f"{start}/{end}"
        if query.text.strip():
            if not self._free_text:
                raise AtlasError(f"{self.source.display}: this STAC API has no free-text search")
            words = api_text(query.text)
            if words is None:
                return None
            out["q"] = words
        if self._filters:
            args: list[dict[str, Any]] = []
            lists = {"category": query.categories, "time_resolution": query.time_resolutions,
                     "access": query.access, "extent_quality": query.extent_qualities, "formats": query.formats,
                     "id": query.ids}
            for prop, asked in lists.items():
                values = [v for v in asked if "\x00" not in v]
                if asked and not values:
                    return None
                if values:
                    args.append({"op": "a_overlaps" if prop == "formats" else "in",
                                 "args": [{"property": prop if prop == "id" else PREFIX + prop}, values]})
            if query.min_resolution_m is not None:
                args.append({"op": ">=", "args": [{"property": PREFIX + "resolution_m"},
                                                  query.min_resolution_m * (1 - 1e-9)]})
            if query.max_resolution_m is not None:
                args.append({"op": "<=", "args": [{"property": PREFIX + "resolution_m"},
                                                  query.max_resolution_m * (1 + 1e-9)]})
            if args:
                out["filter"] = json.dumps(args[0] if len(args) == 1 else {"op": "and", "args": args})
                out["filter-lang"] = "cql2-json"
        return out

    def search(self, query: Query) -> SearchResult:
        """The API's answer, filtered again with the exact rules, sorted and limited here."""
        params = self.params(query)
        docs = [] if params is None else self._collections(params)[0]
        fetched = LocalCatalog.from_records(self._records(docs))
        # The API already applied the free text (its own, word-based semantics: see the module docs).
        result = fetched.search(replace(query, text=""))
        return SearchResult(result.frame, result.matched, len(self), {}, result.without_extent)

    def __len__(self) -> int:
        page = self._get(f"{self.base}/collections?limit=1")
        matched = page.get("numberMatched")
        return matched if isinstance(matched, int) else len(self._all())

    def _all(self) -> LocalCatalog:
        with self._lock:
            if self._everything is None:
                docs, _ = self._collections({})
                self._everything = LocalCatalog.from_records(self._records(docs))
            return self._everything

    def get(self, record_id: str) -> DatasetRecord | None:
        """One collection (``/collections/{id}``), or None when the API has no such id."""
        if "\x00" in record_id:  # (no stored id holds one)
            return None
        try:
            doc = self._get(f"{self.base}/collections/{quote(record_id, safe='')}")
        except AtlasError as exc:
            if " answered 404" in str(exc):
                return None
            raise
        records = self._records([doc])
        return records[0] if records else None

    def values(self, column: str) -> list[str]:
        """Distinct values across every collection (read once, then cached)."""
        return self._all().values(column)

    def time_span(self) -> tuple[date | None, date | None]:
        """Earliest and latest date across every collection (read once, then cached)."""
        return self._all().time_span()
