"""Export the selection to a .bib file: path, style, optional fields."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label, RadioSet, Static

from zotsync.tui.bibexport import STYLES, ExportRequest
from zotsync.tui.widgets import RadioChoice, TickBox


def path_problem(path: Path) -> str | None:
    """Why `path` cannot be the .bib file to write (found before the dialog closes), or None."""
    if path.is_dir():
        return "is a folder: give a .bib file path"
    if not path.parent.is_dir():
        return f"the folder {path.parent} does not exist: create it, or give another path"
    return None


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Dismissed with the request, or None. Opened again with `error` when an export failed,
    so the path can be corrected."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, papers: int, request: ExportRequest, *, error: str | None = None) -> None:
        super().__init__()
        self.papers = papers
        self.request = request
        self.error = error

    def compose(self) -> ComposeResult:
        # Compact (style on one line, options together) to fit 80x24 with its buttons, and
        # scrollable for smaller terminals still.
        with VerticalScroll(id="export", classes="dialog"):
            plural = "s" if self.papers != 1 else ""
            yield Label(f"Export {self.papers} paper{plural} to a .bib file")
            yield Static(self.error or "", id="export-error", markup=False)
            yield Input(str(self.request.path), placeholder="path/to/refs.bib", id="bib-path")
            yield Static("An existing file is merged into as `zotsync bib` does: its entries stay, new "
                         "ones are appended, a .bak copy is kept.", classes="hint")
            with Horizontal(id="bib-style-row"):
                yield Label("Style", classes="field")
                with RadioSet(id="bib-style", compact=True):
                    for style in STYLES:
                        yield RadioChoice(style, value=style == self.request.style, id=f"style-{style}",
                                          compact=True)
            with Vertical(id="bib-options"):
                yield TickBox("Include the abstract", self.request.abstract, id="bib-abstract",
                               compact=True)
                yield TickBox("Keep the TL;DR (annote)", self.request.tldr, id="bib-tldr", compact=True)
            with Horizontal(classes="buttons"):
                yield Button("Export", id="export-go", variant="primary")
                yield Button("Cancel", id="export-cancel")
        yield Footer()  # this dialog's keys, not the paper list's

    def on_mount(self) -> None:
        self.query_one("#export-error").display = bool(self.error)
        path = self.query_one("#bib-path", Input)
        path.focus()
        if self.error:
            self.call_after_refresh(path.action_end)

    def show_error(self, error: str) -> None:
        """Say what is wrong with the path; the dialog stays open for a correction."""
        self.error = error
        shown = self.query_one("#export-error", Static)
        shown.update(error)
        shown.display = True
        path = self.query_one("#bib-path", Input)
        path.focus()
        self.call_after_refresh(path.action_end)  # to complete the path, not to retype it

    @on(Input.Submitted, "#bib-path")
    @on(Button.Pressed, "#export-go")
    def _go(self) -> None:
        path = self.query_one("#bib-path", Input).value.strip()
        if not path:
            self.show_error("Give the .bib file's path")
            return
        problem = path_problem(Path(path).expanduser())
        if problem:
            self.show_error(f"{path}: {problem}")
            return
        pressed = self.query_one(RadioSet).pressed_button
        style = str(pressed.label) if pressed is not None else "bibtex"
        self.dismiss(ExportRequest(Path(path).expanduser(), style,
                                   self.query_one("#bib-abstract", Checkbox).value,
                                   self.query_one("#bib-tldr", Checkbox).value))

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
