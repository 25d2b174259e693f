"""The push under way, as the TUI's push worker leaves it (no UI here).

The worker thread counts what it sent and keeps the report; the UI thread starts a
job, asks it to stop (Cancel, quitting) and, after the app has ended, `zotsync tui`
asks `interruption()` what a quit cut short. Everything here is safe to read from
either thread: the counters are written by the worker only, the flags are events.
"""

from __future__ import annotations

import threading

from zotsync.sync_apply import SyncReport, interruption_line


class PushJob:
    """One push at a time: started, counted, maybe stopped, finished."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._finished.set()  # none under way
        self.total = 0  # papers in the plan being pushed
        self.sent = 0  # papers the writes so far carried
        self.report: SyncReport | None = None  # set when the push has run
        self.quitting = False  # the user quit during the push: end the app when it stops

    @property
    def running(self) -> bool:
        return not self._finished.is_set()

    def start(self, papers: int) -> None:
        """A push of `papers` papers begins (UI thread, before the worker starts)."""
        self._stop.clear()
        self._finished.clear()
        self.total, self.sent, self.report = papers, 0, None

    def stop(self) -> None:
        """Ask the push to stop after the current request (no paper is left half-written)."""
        self._stop.set()

    def should_stop(self) -> bool:
        """For `sync.push`: whether to stop before the next request."""
        return self._stop.is_set()

    def advanced(self, count: int) -> None:
        """The worker: a write carried `count` more papers."""
        self.sent += count

    def ran(self, report: SyncReport) -> None:
        """The worker: the writes are done (what remains is bookkeeping)."""
        self.report = report

    def finished(self) -> None:
        """The worker has ended, whether the push ran or failed."""
        self._finished.set()

    def interruption(self, wait: float = 60.0) -> str | None:
        """After the app has ended: one line when quitting cut the push short, else None.
        Waits up to `wait` seconds for a push still stopping."""
        if not self.quitting:
            return None
        finished = self._finished.wait(wait)
        report = self.report
        if finished and report is not None and not report.cancelled:
            return None  # the push ended before it could be stopped
        # stopped by an error, or still running: what was sent, at most
        written = str(report.written) if report is not None else f"at most {self.sent}"
        return interruption_line(written, self.total)
