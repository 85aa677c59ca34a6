"""Two app processes on one pgstac database, many browser sessions at once.

Starts a throwaway PostgreSQL (tests/pgcluster.py), ingests N synthetic records, starts two
``streamlit run app.py`` processes with DATASET_ATLAS_CATALOG pointing at it, and drives
``--sessions`` Chromium pages at once (split over the two processes) through Playwright:
open the app until the sidebar shows "N of N datasets", then search for a word until the
count changes. Baseline: the same steps for one session alone, same processes, same run.
Errors are console errors, page errors, failed requests and timeouts; memory is each app
process's RSS after the sessions.

    python bench/shared_db_bench.py [--count 10000] [--sessions 20]
    python bench/shared_db_bench.py --dsn postgresql://… [--sessions 4]   # a database ingested before
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.pgcluster

from browser_bench import CHROMIUM_ARGS, rss_mb  # noqa: E402
from common import Figure, synth_dir, table  # noqa: E402
from tests.browser.conftest import start_streamlit, stop  # noqa: E402
from tests.pgcluster import running_cluster  # noqa: E402

from dataset_atlas.catalog.pgstac import ingest_to_pgstac  # noqa: E402

TIMEOUT_MS = 240_000
SIDEBAR_COUNT = '[data-testid="stSidebar"] strong'


async def session(browser, url: str, total: int, errors: list[str]) -> tuple[float, float]:
    """Seconds to the first full count, and from a search to its new count."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url} ({r.failure})"))
    try:
        start = time.perf_counter()
        await page.goto(url + "?lang=en", timeout=TIMEOUT_MS)
        full = f"{total:,} of {total:,} datasets"
        await page.locator(SIDEBAR_COUNT).filter(has_text=full).first.wait_for(timeout=TIMEOUT_MS)
        opened = time.perf_counter() - start
        box = page.get_by_role("textbox", name="Search text (Chinese or English)")
        await box.fill("permafrost")
        start = time.perf_counter()
        await box.press("Enter")
        await page.wait_for_function(
            f"() => {{ const s = document.querySelector('{SIDEBAR_COUNT}'); "
            f"return s && /of/.test(s.innerText) && !s.innerText.startsWith('{total:,} of'); }}", timeout=TIMEOUT_MS)
        searched = time.perf_counter() - start
        return opened, searched
    except Exception as exc:  # a timeout is an error of the run, not a crash of the bench
        errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
        return float("nan"), float("nan")
    finally:
        await context.close()


async def drive(urls: list[str], sessions: int, total: int) -> tuple[list[tuple[float, float]], list[str],
                                                                      tuple[float, float]]:
    from playwright.async_api import async_playwright

    errors: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        alone = await session(browser, urls[0], total, [])
        await session(browser, urls[1], total, [])  # warm the second process too
        results = await asyncio.gather(*(session(browser, urls[i % 2], total, errors) for i in range(sessions)))
        await browser.close()
    return list(results), errors, alone


def run_apps(dsn: str, work: Path, sessions: int, count: int) -> tuple[list[tuple[float, float]], list[str],
                                                                    tuple[float, float], list[float]]:
    """Two app processes on ``dsn`` driven by ``sessions`` pages; their RSS (MB) afterwards."""
    apps = [start_streamlit({"DATASET_ATLAS_CATALOG": dsn, "DATASET_ATLAS_INDEX": ""}, work / f"app{i}.log")
            for i in range(2)]
    try:
        results, errors, alone = asyncio.run(drive([url for url, _ in apps], sessions, count))
        memory = [rss_mb(proc.pid) for _, proc in apps]
    finally:
        for _, proc in apps:
            stop(proc)
    return results, errors, alone, memory


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(count: int = 10_000, sessions: int = 20, dsn: str | None = None) -> list[Figure]:
    if dsn is not None:  # e.g. 100,000 or 1,000,000 records ingested before: is each app still as small?
        from dataset_atlas.catalog.pgstac import PgstacCatalog

        catalog = PgstacCatalog(dsn)
        count = len(catalog)
        catalog.close()
        results, errors, alone, memory = run_apps(dsn, Path(tempfile.mkdtemp(prefix="atlas-shared-")), sessions, count)
    else:
        with running_cluster() as cluster:
            dsn = cluster.create_database("shared")
            ingest_to_pgstac([synth_dir(count)], dsn)
            results, errors, alone, memory = run_apps(dsn, Path(cluster.dir), sessions, count)
    ok = [r for r in results if r[0] == r[0]]
    print(f"{count:,} records in the database", file=sys.stderr)
    figures = []
    if ok:
        opened, searched = [r[0] for r in ok], [r[1] for r in ok]
        note = f"{sessions} sessions on 2 processes, {len(errors)} errors, {sessions - len(ok)} failed"
        figures += [Figure("open app: median", statistics.median(opened), alone[0], "one session alone", note),
                    Figure("open app: p95", p95(opened), alone[0], "one session alone"),
                    Figure("search: median", statistics.median(searched), alone[1], "one session alone"),
                    Figure("search: p95", p95(searched), alone[1], "one session alone")]
    figures.append(Figure("app process RSS after the sessions", max(memory), min(memory), "the other process", "",
                          unit="MB"))
    for line in errors[:10]:
        print("error:", line, file=sys.stderr)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--dsn", help="a database already holding a catalog (no ingest; --count is ignored)")
    args = parser.parse_args()
    print(table(measure(args.count, args.sessions, args.dsn)))
