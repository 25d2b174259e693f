"""The push under way (a progress bar, Cancel), then what happened."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Label, ProgressBar, Static

from zotsync.core.library import join_collection_path
from zotsync.core.sync_plan import Plan
from zotsync.sync_apply import PaperResult, SyncReport
from zotsync.tui.messages import Failure


class ProgressScreen(Screen[None]):
    """Shown while the push worker runs; Cancel asks it to stop before the next request."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c", "cancel", "Cancel"),
        Binding("q", "app.quit", "Quit"),  # stops after the current request too, then quits
    ]

    def __init__(self, plan: Plan, cancel: Callable[[], None]) -> None:
        super().__init__()
        self.plan = plan
        self._cancel = cancel
        self.cancelling = False

    def compose(self) -> ComposeResult:
        target = join_collection_path(self.plan.collection_path)
        yield Header(show_clock=False, icon="Z")
        with Vertical(id="progress", classes="dialog"):
            papers = f"{len(self.plan.papers)} paper" + ("s" if len(self.plan.papers) != 1 else "")
            yield Label(Text.assemble(f"Pushing {papers} into ", (target, "bold")))
            yield ProgressBar(total=len(self.plan.papers), show_eta=False, id="push-bar")
            yield Static("Each request carries whole papers: cancelling stops between requests.",
                         id="push-state", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", variant="error")
        yield Footer()

    def advance(self, count: int) -> None:
        self.query_one(ProgressBar).advance(count)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self.cancelling:
            self._cancel()
            self.stopping()

    def stopping(self, *, quitting: bool = False) -> None:
        """Say the push stops after the current request (and that the app then quits)."""
        self.cancelling = True
        then = ", then quitting" if quitting else ""
        self.query_one("#push-state", Static).update(f"Stopping after the current request{then}…")
        self.query_one("#cancel", Button).disabled = True


def failures(report: SyncReport) -> list[PaperResult]:
    """The papers Zotero did not write, without those a cancel kept back."""
    return [r for r in report.failed if not r.cancelled]


def report_summary(plan: Plan, report: SyncReport | None, failure: Failure | None) -> Text:
    target = join_collection_path(plan.collection_path)
    text = Text()
    if report is None:
        text.append("The push did not happen.\n", style="bold red")
        text.append(str(failure) if failure else "unknown error")
        return text
    failed = failures(report)
    not_sent = len(report.failed) - len(failed)
    if report.cancelled:
        plural = "s were" if not_sent != 1 else " was"
        text.append(f"Cancelled: {not_sent} paper{plural} not sent (nothing half-written).\n",
                    style="bold yellow")
    elif failed:
        plural = "s" if len(report.results) != 1 else ""
        text.append(f"{len(failed)} of {len(report.results)} paper{plural} failed.\n", style="bold red")
    else:
        text.append(f"Done: {target}\n", style="bold green")
    for label, count in (*report.tally().labelled(), ("failed", len(failed)),
                         ("not sent (cancelled)", not_sent)):
        if count:
            text.append(f"{count:>5}  ", style="bold")
            text.append(f"{label}\n")
    return text


class ResultScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Back to the papers")]

    def __init__(self, plan: Plan, report: SyncReport | None, failure: Failure | None = None) -> None:
        super().__init__()
        self.plan = plan
        self.report = report
        self.failure = failure

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="Z")
        with Vertical(id="result"):
            yield Label("Push result", id="result-title")
            yield Static(report_summary(self.plan, self.report, self.failure), id="result-summary")
            if self.report is not None and failures(self.report):
                yield Label("Not written", classes="section")
                yield DataTable(id="failures", cursor_type="row")
            with Horizontal(classes="buttons"):
                yield Button("Back to the papers", id="close", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        if self.report is not None and failures(self.report):
            table = self.query_one("#failures", DataTable)
            table.add_columns("Paper", "Reason")
            for result in failures(self.report):
                table.add_row(Text(result.paper.label), Text(result.reason or ""))
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
