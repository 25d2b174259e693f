"""The help screen (?) and a small message box for "Zotero is not set up" and the like."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, Static

KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Paper list", (
        ("↑ ↓ j k PgUp PgDn Home End", "move"),
        ("space", "select / unselect (or click the mark column, or double-click the row)"),
        ("a", "select every paper shown"),
        ("c", "clear the selection"),
        ("/", "search title, authors, abstract, TL;DR (Chinese too); enter or ↓: back to the list"),
        ("f", "filter by category"),
        ("h", "hide papers already in your Zotero library"),
        ("p", "push the selection to Zotero: pick a collection, review, push"),
        ("e", "export the selection to a .bib file (merged like `zotsync bib`)"),
        ("r", "connect to Zotero again (after an error)"),
        ("g", "write missing TL;DRs for the selection (or highlighted paper)"),
        ("s", "sort: digest order, date, title, upvotes, category (shown in the header)"),
        ("o / O", "open the highlighted paper's abstract page / PDF in the browser ($BROWSER)"),
        ("y / Y", "copy \\cite{key} / the keys alone of the selection (or highlighted paper)"),
        ("?", "this help"),
        ("q", "quit"),
    )),
    ("Collection picker", (
        ("enter", "use the highlighted collection"),
        ("n", "new sub-collection of the highlighted one (or of the library)"),
        ("t", "tags for the new items (comma-separated; enter: back to the tree)"),
        ("/", "search collections by name"),
        ("space", "expand / collapse"),
        ("esc", "cancel"),
    )),
    ("Review, push, result", (
        ("p", "push (nothing is written before)"),
        ("esc", "back; while pushing: cancel (stops between requests, no half-written paper)"),
        ("q", "while pushing: cancel, then quit"),
    )),
)

MARKERS = ("Markers in the last column: Z in your Zotero library · S seen in an earlier digest · "
           "T has a TL;DR (written as its note) · e only Hugging Face's English summary. "
           "New collections are created only when you push, after the review. "
           "Zotero not set up? Run `zotsync login` in a shell, then start `zotsync tui` again.")


def help_text() -> Group:
    parts: list[Text | Table] = []
    for title, keys in KEYS:
        parts.append(Text(title, style="bold underline"))
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 2), expand=True)
        table.add_column(no_wrap=True, style="bold cyan")
        table.add_column(ratio=1)
        for key, what in keys:
            table.add_row(key, what)
        parts.extend([table, Text()])
    parts.append(Text(MARKERS, style="dim"))
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog"):
            yield Static(help_text())
        yield Footer()  # this dialog's keys, not the paper list's

    def action_close(self) -> None:
        self.dismiss(None)


class MessageScreen(ModalScreen[None]):
    """A title, a few lines, and OK."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="message", classes="dialog"):
            yield Label(self.title_text, id="message-title", markup=False)
            yield Static(self.body, id="message-body", markup=False)
            yield Button("OK", id="message-ok", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
