"""The help screen (?) and a small message box for "Zotero is not set up" and the like."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Markdown, Static

HELP = """\
## Paper list

| Key | |
|---|---|
| `↑` `↓` `j` `k`, `PgUp` `PgDn`, `Home` `End` | move |
| `space` (or click the mark column, or double-click) | select / unselect |
| `a` | select every paper shown |
| `c` | clear the selection |
| `/` | search title, authors, abstract, TL;DR (Chinese too); `enter` back to the list |
| `f` | filter by category |
| `h` | hide papers already in your Zotero library |
| `p` | push the selection to Zotero: pick a collection, review, push |
| `e` | export the selection to a .bib file |
| `r` | connect to Zotero again (after an error) |
| `?` | this help |
| `q` | quit |

Markers (last column): **Z** in your Zotero library · **S** seen in an earlier digest ·
**T** has a TL;DR.

## Collection picker

`enter` use the highlighted collection · `n` new sub-collection of the highlighted one (or of the
library) · `/` search by name · `space` expand · `esc` cancel. New collections are only created
when you push, after the review.

## Review, push, result

`p` push · `esc` back. While pushing, `esc` or `c` cancels: zotsync stops between requests, and a
paper is never half-written.

Zotero not set up? Run `zotsync login` in a shell, then start `zotsync tui` again.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog"):
            yield Markdown(HELP)

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
            yield Label(self.title_text, id="message-title")
            yield Static(self.body, id="message-body", markup=False)
            yield Button("OK", id="message-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
