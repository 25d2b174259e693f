"""The main screen: filters, the paper list and the detail pane of the highlighted paper."""

from __future__ import annotations

from typing import ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Checkbox, Footer, Header, Input, Select, Static

from zotsync.core.paper import Paper
from zotsync.tui.model import PaperModel
from zotsync.tui.widgets import DetailView, PaperList, TickBox, detail_text

ALL = ""


TYPING_PAUSE = 0.12  # seconds without a keystroke in the search field before the detail follows


class SearchInput(Input):
    """The search field. It filters in the keystroke's own turn (not on the later
    `Changed` message), so the field and the list repaint in the same frame. `↓` goes on
    to the list, as `enter` does (a space typed next selects there, not in the field)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("down", "to_list", "List", show=False)]

    def action_to_list(self) -> None:
        screen = self.screen
        if isinstance(screen, PapersScreen):
            screen.action_focus_list()

    def watch_value(self, value: str) -> None:
        screen = self.screen
        if isinstance(screen, PapersScreen):
            screen.search(value)


class PapersScreen(Screen[None]):
    """The papers of `model`. The app binds `model` (replaced when enrichment brings new
    papers), `revision` (bumped when markers, texts or the selection changed in place) and
    `status` (the line under the list) to its own; what the user changes here (search,
    filters, sort, selection) the screen applies to the model and says with `Changed`."""

    class Changed(Message):
        """The user changed the search, a filter, the sort or the selection."""

    model: var[PaperModel] = var(lambda: PaperModel([]), init=False)
    revision: var[int] = var(0, init=False)
    status: var[str] = var("", init=False)

    _composed = False
    _detail_pending = False
    _detail_timer: Timer | None = None
    # The footer shows these in this order after the list's "space Select", and only what
    # fits: the main actions first, so that all of them show at 80 columns. The others are
    # on the help screen (?).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "app.push", "Push"),
        Binding("e", "app.export", "Export"),
        Binding("slash", "focus_search", "Search"),
        Binding("f", "focus_category", "Category"),
        Binding("question_mark", "app.help", "Help"),
        Binding("q", "app.quit", "Quit"),
        Binding("h", "toggle_hide", "Hide in library", show=False),
        Binding("a", "select_all", "Select shown", show=False),
        Binding("c", "clear", "Clear", show=False),
        Binding("r", "app.reconnect", "Reconnect", show=False),
        Binding("g", "app.summarize", "Generate TL;DR", show=False),
        Binding("s", "cycle_sort", "Sort", show=False),
        Binding("o", "app.open_paper('abs')", "Open abstract", show=False),
        Binding("O", "app.open_paper('pdf')", "Open PDF", show=False),
        Binding("y", "app.copy_cite(False)", "Copy \\cite", show=False),
        Binding("Y", "app.copy_cite(True)", "Copy keys", show=False),
        Binding("escape", "focus_list", "List", show=False),
    ]

    def __init__(self, model: PaperModel) -> None:
        super().__init__()
        self.set_reactive(PapersScreen.model, model)

    def compose(self) -> ComposeResult:
        model = self.model
        yield Header(show_clock=False, icon="Z")
        with Horizontal(id="filters"):
            search = SearchInput(model.query, placeholder="Search title, authors, abstract, TL;DR   ( / )",
                                 id="search")  # the box also takes --where queries (cat:, -word, OR...)
            search.cursor_blink = False
            yield search
            yield Select(self._category_options(), allow_blank=False, value=ALL, id="category",
                         compact=True)
            yield TickBox("Hide in library", id="hide", compact=True)
        with Horizontal(id="body"):
            yield PaperList(model, id="papers")
            yield DetailView(id="detail")
        yield Static(id="status")
        yield Footer()

    def _category_options(self) -> list[tuple[Text, str]]:
        model = self.model
        # Text, not markup: the names come from the digests
        return [(Text(f"All categories ({len(model)})"), ALL)] + [
            (Text(f"{name} ({count})"), name) for name, count in model.categories()]

    def on_mount(self) -> None:
        self._composed = True
        self.query_one(PaperList).focus()
        self.show_detail()
        self.set_status(self.status)

    # -- what the app changes (bound to its own reactives) -----------------------------

    @property
    def paper_list(self) -> PaperList:
        return self.query_one(PaperList)

    def watch_model(self, model: PaperModel) -> None:
        """New papers (enrichment): new list, new categories."""
        if not self._composed or self.paper_list.model is model:
            return
        self.paper_list.set_model(model)
        select = cast("Select[str]", self.query_one("#category", Select))
        with self.prevent(Select.Changed):
            select.set_options(self._category_options())
            category = model.category
            select.value = category if category in {v for _, v in self._category_options()} else ALL
        self.list_changed()

    def watch_revision(self) -> None:
        if self._composed:
            self.list_changed()

    def watch_status(self, text: str) -> None:
        if self._composed:
            self.set_status(text)

    def list_changed(self, *, typing: bool = False) -> None:
        self.paper_list.rows_changed()
        self.request_detail(typing=typing)

    def user_changed(self, *, typing: bool = False) -> None:
        """The user changed the list (search, filters, sort): redraw it, and say so."""
        self.list_changed(typing=typing)
        self.post_message(self.Changed())

    def request_detail(self, *, typing: bool = False) -> None:
        """Show the highlighted paper once the list has been drawn; while typing in the
        search field, only when the typing pauses. Each keystroke then costs the filter
        and the list's repaint, not the detail's too."""
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        if typing:
            self._detail_timer = self.set_timer(TYPING_PAUSE, self.show_detail)
        elif not self._detail_pending:
            self._detail_pending = True
            self.call_after_refresh(self.show_detail)

    def show_detail(self) -> None:
        self._detail_pending = False
        self._detail_timer = None
        model = self.model
        index = self.paper_list.current
        paper = model.papers[index] if index is not None else None
        body = detail_text(paper, in_library=index in model.in_library,
                           seen=model.seen.get(index) if index is not None else None)
        self.query_one(DetailView).show(body)

    def highlighted_papers(self) -> list[Paper]:
        index = self.paper_list.current
        return [self.model.papers[index]] if index is not None else []

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(Text(text))

    # -- events ------------------------------------------------------------------------

    @on(PaperList.Highlighted)
    def _highlighted(self, event: PaperList.Highlighted) -> None:
        self.request_detail(typing=self._detail_timer is not None)  # still typing: wait for the pause

    @on(PaperList.SelectionChanged)
    def _selection_changed(self) -> None:
        self.post_message(self.Changed())

    def search(self, query: str) -> None:
        if query != self.model.query:
            self.model.set_query(query)
            self.user_changed(typing=True)

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.paper_list.focus()

    @on(Select.Changed, "#category")
    def _category(self, event: Select.Changed) -> None:
        value = event.value
        self.model.set_category(value if isinstance(value, str) else ALL)
        self.user_changed()
        self.paper_list.focus()

    @on(Checkbox.Changed, "#hide")
    def _hide(self, event: Checkbox.Changed) -> None:
        self.model.set_hide_in_library(event.value)
        self.user_changed()

    # -- actions -----------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_category(self) -> None:
        select = self.query_one("#category", Select)
        select.focus()
        select.action_show_overlay()

    def action_focus_list(self) -> None:
        self.paper_list.focus()

    def action_toggle_hide(self) -> None:
        self.query_one("#hide", Checkbox).toggle()

    def action_cycle_sort(self) -> None:
        model = self.model
        model.set_sort(model.next_sort())
        self.user_changed()

    def action_select_all(self) -> None:
        self.model.select_visible()
        self.paper_list.refresh()
        self.post_message(self.Changed())

    def action_clear(self) -> None:
        self.model.clear_selection()
        self.paper_list.refresh()
        self.post_message(self.Changed())
