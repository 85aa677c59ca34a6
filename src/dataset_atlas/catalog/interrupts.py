"""SIGTERM and SIGINT during an ingest, turned into :class:`IngestInterrupted` at safe points.

Used by every writer of a catalog (the index file, the database) and by the worker processes
that read record files.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

from dataset_atlas.errors import IngestInterrupted


class _Interrupt:
    """The signal an ingest received and has not acted on yet (see :func:`interrupts_raise`)."""

    signum: int | None = None
    message = ""


_INTERRUPT = _Interrupt()


def raise_if_interrupted() -> None:
    """Raise :class:`IngestInterrupted` if SIGTERM/SIGINT arrived inside :func:`interrupts_raise`.

    Called at safe points (between files, chunks and row groups, and before the index is
    replaced). Elsewhere, in worker processes and outside an ingest, it does nothing.
    """
    if _INTERRUPT.signum is not None:
        raise IngestInterrupted(f"{signal.Signals(_INTERRUPT.signum).name}: {_INTERRUPT.message}")


@contextlib.contextmanager
def interrupts_raise(message: str) -> Iterator[None]:
    """Turn SIGTERM and SIGINT into :class:`IngestInterrupted` at the block's next safe point.

    Python dies on SIGTERM without running ``finally`` blocks (the temp file would stay) and
    prints a traceback on SIGINT. The handler only records the signal: an exception raised
    from a handler lands wherever the main thread happens to be, and inside a thread start,
    a lock release or a ``__del__`` it was swallowed (the ingest went on and exited 0) or
    turned into another error. :func:`raise_if_interrupted` raises it where that is safe.
    Only in the main thread, and only where the handlers are still Python's defaults (an
    application's own handlers are left alone); later signals are ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    defaults = {signal.SIGTERM: signal.SIG_DFL, signal.SIGINT: signal.default_int_handler}
    previous: dict[signal.Signals, Any] = {}

    def note(signum: int, _frame: object) -> None:
        if _INTERRUPT.signum is None:
            _INTERRUPT.signum = signum

    for sig, default in defaults.items():
        if signal.getsignal(sig) is default:
            previous[sig] = signal.signal(sig, note)
    _INTERRUPT.signum, _INTERRUPT.message = None, message
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _INTERRUPT.signum = None
