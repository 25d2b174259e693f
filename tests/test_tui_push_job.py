"""The TUI's push-job state (zotsync.tui.push_job), without a screen or a server."""

from __future__ import annotations

import threading

from zotsync.sync_apply import SyncReport
from zotsync.tui.push_job import PushJob


def test_a_job_counts_and_stops_between_requests() -> None:
    job = PushJob()
    assert not job.running and job.interruption(wait=0) is None  # nothing under way
    job.start(40)
    assert job.running and not job.should_stop()
    job.advanced(10)
    job.advanced(5)
    job.stop()
    assert job.should_stop() and job.sent == 15
    job.start(3)  # the next push starts afresh
    assert not job.should_stop() and (job.total, job.sent, job.report) == (3, 0, None)


def test_quitting_says_what_was_cut_short() -> None:
    job = PushJob()
    job.start(40)
    job.advanced(12)
    job.quitting = True
    # still running after the wait: at most what the writes carried
    assert job.interruption(wait=0) == ("push interrupted: at most 12 of 40 papers written; "
                                        "run again to finish")
    job.ran(SyncReport(cancelled=True))
    job.finished()
    assert job.interruption(wait=0) == "push interrupted: 0 of 40 papers written; run again to finish"


def test_a_push_that_ended_before_the_quit_is_not_an_interruption() -> None:
    job = PushJob()
    job.start(2)
    job.quitting = True

    def push() -> None:
        job.ran(SyncReport())
        job.finished()

    worker = threading.Thread(target=push)
    worker.start()
    assert job.interruption(wait=5) is None  # waits for the worker, which finished the push
    worker.join()
    assert not job.running
