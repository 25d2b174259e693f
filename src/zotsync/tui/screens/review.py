"""Review before anything is written: the sync plan, with counts, then Push or Back."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Label, Static

from zotsync.core.library import join_collection_path
from zotsync.core.sync_plan import ITEM_LABELS, NOTE_LABELS, ItemAction, Plan


def plan_summary(plan: Plan) -> Text:
    """The counts of a plan, one line each, zero counts left out."""
    counts = plan.tally()
    text = Text()
    for label, count in counts.labelled():
        if count:
            text.append(f"{count:>5}  ", style="bold")
            text.append(f"{label}\n")
    if plan.new_collections:
        text.append("\nnew: " + " / ".join(step.name for step in plan.new_collections), style="green")
    if plan.options.tags and counts.items[ItemAction.CREATE]:
        text.append("\ntags on new items: " + ", ".join(plan.options.tags))
    for warning in plan.warnings:
        text.append(f"\nnote: {warning}", style="yellow")
    if not plan.writes:
        text.append("\nNothing to write: the library already has all of this.", style="yellow")
    return text


class ReviewTable(DataTable[object]):
    """The plan's rows; the screen lays the columns out again when the table's width changes."""

    def on_resize(self) -> None:
        screen = self.screen
        if isinstance(screen, ReviewScreen):
            screen.call_after_refresh(screen.fill_table)


class ReviewScreen(Screen[bool]):
    """Dismissed with True to push, False to go back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "confirm", "Push"),
        Binding("escape", "back", "Back"),
    ]

    _title_width = 0

    def __init__(self, plan: Plan, *, library: str) -> None:
        super().__init__()
        self.plan = plan
        self.library_label = library

    def compose(self) -> ComposeResult:
        plan = self.plan
        target = join_collection_path(plan.collection_path)
        yield Header(show_clock=False, icon="Z")
        with Vertical(id="review"):
            # Text, not markup: collection names and titles may hold "[/b]" and the like
            papers = f"{len(plan.papers)} paper" + ("s" if len(plan.papers) != 1 else "")
            yield Label(Text.assemble(f"Review: {papers} into ", (target, "bold"),
                                      f" ({self.library_label})"), id="review-title")
            with Horizontal(id="review-body"):
                yield Static(plan_summary(plan), id="review-counts")
                yield ReviewTable(id="review-table", cursor_type="row", zebra_stripes=True)
            yield Static("Nothing has been written yet. p push · esc back", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Push", id="confirm", variant="primary", disabled=not plan.writes)
                yield Button("Back", id="back")
        yield Footer()

    def on_mount(self) -> None:
        self.fill_table()
        (self.query_one("#confirm", Button) if self.plan.writes else self.query_one(DataTable)).focus()

    def fill_table(self) -> None:
        """The rows, with the Title column taking the width the others leave (it shrank to a
        few characters at 80 columns); laid out again when the terminal is resized."""
        table = self.query_one(DataTable)
        rows = [(ITEM_LABELS[p.action].short, NOTE_LABELS[p.note].short,
                 p.paper.label if p.paper.arxiv_id or p.paper.doi else "-", " ".join(p.paper.title.split()))
                for p in self.plan.papers]
        fixed = [max([cell_len(header), *(cell_len(r[i]) for r in rows)]) for i, header in
                 enumerate(("Item", "Note", "arXiv"))]
        room = table.scrollable_content_region.width or table.size.width
        title = max(room - sum(fixed) - 2 * 4 - 1, 12)  # each column has 1 cell of padding a side
        if self._title_width == title and table.row_count == len(rows):
            return
        self._title_width = title
        cursor = table.cursor_row
        table.clear(columns=True)
        for header, width in zip(("Item", "Note", "arXiv"), fixed, strict=True):
            table.add_column(header, width=width)
        table.add_column("Title", width=title)
        for item, note, label, text in rows:
            table.add_row(item, note, Text(label), Text(text, no_wrap=True, overflow="ellipsis"))
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        if not self.plan.writes:
            self.notify("Nothing to write", timeout=2)
            return
        self.dismiss(True)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss(False)
