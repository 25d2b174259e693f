"""The paper list (a virtual list: only the rows on screen are drawn) and the detail text."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Checkbox, RadioButton

from zotsync.core.paper import SUMMARY_SECTIONS, Paper
from zotsync.store import Sighting
from zotsync.tui.model import PaperModel

MARK = "✓"
FLAG_LIBRARY, FLAG_SEEN = "Z", "S"


def column_widths(width: int, label_width: int) -> tuple[int, int, int, int, int, int]:
    """(mark, id, title, category, date, flags) for a list `width` cells wide."""
    mark, category, date, flags = 2, 9, 10, 3
    fixed = mark + label_width + category + date + flags + 4  # four single-space gaps
    if width - fixed < 20:  # narrow: drop the date, then the category
        date = 0
        fixed = mark + label_width + category + flags + 3
    if width - fixed < 16:
        category = 0
        fixed = mark + label_width + flags + 2
    return mark, label_width, max(width - fixed, 4), category, date, flags


def fit(text: str, width: int) -> str:
    """`text` in exactly `width` cells (CJK-aware), with an ellipsis when cut."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


class PaperList(ScrollView, can_focus=True):
    """One row per paper of `model.visible`: mark, ID, title, category, date, flags."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paper-list--header", "paper-list--cursor", "paper-list--selected", "paper-list--dim",
        "paper-list--flag-library", "paper-list--flag-seen", "paper-list--flag-tldr",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("space", "toggle_mark", "Select"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        """The cursor moved to another paper (None: the list is empty)."""

        def __init__(self, index: int | None) -> None:
            super().__init__()
            self.index = index

    class SelectionChanged(Message):
        pass

    def __init__(self, model: PaperModel, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model = model
        self._label_width = 10
        self._highlighted: int | None = None
        # Drawn rows by (paper, cursor, selected, in library, seen, width, ID width): after a
        # keystroke in the search field most rows on screen were already drawn.
        self._row_cache: dict[tuple[int, bool, bool, bool, bool, int, int], Strip] = {}

    # -- data --------------------------------------------------------------------------

    def set_model(self, model: PaperModel) -> None:
        self.model = model
        self._row_cache.clear()
        self.rows_changed()

    def rows_changed(self) -> None:
        """The visible rows changed (filter, markers, new papers): redraw and re-highlight."""
        labels = [cell_len(self.model.rows[i].label) for i in self.model.visible[:2000]]
        self._label_width = min(max([10, *labels]), 24)
        self.virtual_size = Size(self.row_width, len(self.model.visible) + 1)
        self.cursor = min(self.cursor, max(len(self.model.visible) - 1, 0))
        self.refresh()

    @property
    def current(self) -> int | None:
        """The paper (model index) under the cursor."""
        visible = self.model.visible
        return visible[self.cursor] if 0 <= self.cursor < len(visible) else None

    def watch_cursor(self, cursor: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        current = self.current
        if current != self._highlighted:
            self._highlighted = current
            self.post_message(self.Highlighted(current))

    def _scroll_to_cursor(self) -> None:
        rows = max(self.size.height - 1, 1)
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.row_width, len(self.model.visible) + 1)
        self._scroll_to_cursor()

    # -- actions -----------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        if self.model.visible:
            self.cursor = max(0, min(self.cursor + delta, len(self.model.visible) - 1))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(self.size.height - 2, 1))

    def action_jump(self, where: int) -> None:
        if self.model.visible:
            self.cursor = len(self.model.visible) - 1 if where < 0 else 0

    def action_toggle_mark(self) -> None:
        current = self.current
        if current is None:
            return
        self.model.toggle(current)
        self.refresh()
        self.post_message(self.SelectionChanged())

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        row = round(self.scroll_y) + offset.y - 1
        if not 0 <= row < len(self.model.visible):
            return
        self.focus()
        self.cursor = row
        if offset.x < 2 or event.chain == 2:  # the mark column, or a double click
            self.action_toggle_mark()

    # -- drawing -----------------------------------------------------------------------

    @property
    def row_width(self) -> int:
        """The width rows are drawn in: the list's, less the vertical scrollbar when it shows
        (drawn over the last cells, it hid the TL;DR marker)."""
        return self.scrollable_content_region.width

    def render_line(self, y: int) -> Strip:
        width = self.row_width
        base = self.rich_style
        if y == 0:
            return self._header(width, base + self.get_component_rich_style("paper-list--header"))
        row = round(self.scroll_y) + y - 1
        if row >= len(self.model.visible):
            return Strip.blank(width, base)
        return self._row(self.model.visible[row], row == self.cursor, width, base)

    def _header(self, width: int, style: Style) -> Strip:
        mark, label, title, category, date, flags = column_widths(width, self._label_width)
        # as in the rows, no gap after the mark column
        cells = [fit("", mark) + fit("arXiv", label), fit("Title", title)]
        cells += [fit("Cat.", category)] if category else []
        cells += [fit("Date", date)] if date else []
        cells.append(fit("ZST", flags))
        return Strip([Segment(" ".join(cells), style)], width).crop_extend(0, width, style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._row_cache.clear()

    def _row(self, index: int, is_cursor: bool, width: int, base: Style) -> Strip:
        model = self.model
        key = (index, is_cursor, index in model.selected, index in model.in_library, index in model.seen,
               width, self._label_width)
        strip = self._row_cache.get(key)
        if strip is None:
            if len(self._row_cache) > 4000:
                self._row_cache.clear()
            strip = self._row_cache[key] = self._draw_row(index, is_cursor, width, base)
        return strip

    def _draw_row(self, index: int, is_cursor: bool, width: int, base: Style) -> Strip:
        model = self.model
        row = model.rows[index]
        mark, label, title, category, date, _ = column_widths(width, self._label_width)
        style = base
        if index in model.selected:
            style += self.get_component_rich_style("paper-list--selected")
        if is_cursor:
            style += self.get_component_rich_style("paper-list--cursor")
        dim = style + self.get_component_rich_style("paper-list--dim", partial=True)
        space = Segment(" ", style)
        segments = [Segment(fit(MARK if index in model.selected else "", mark), style),
                    Segment(fit(row.label, label), style), space, Segment(fit(row.title, title), style)]
        if category:
            segments += [space, Segment(fit(row.category, category), dim)]
        if date:
            segments += [space, Segment(fit(row.date, date), dim)]
        segments.append(space)
        for flag, on, component in (
            (FLAG_LIBRARY, index in model.in_library, "paper-list--flag-library"),
            (FLAG_SEEN, index in model.seen, "paper-list--flag-seen"),
            (row.tldr, bool(row.tldr), "paper-list--flag-tldr"),
        ):
            flag_style = style + self.get_component_rich_style(component, partial=True)
            segments.append(Segment(flag if on else "·", flag_style if on else dim))
        return Strip(segments).crop_extend(0, width, style)


# -- toggles that read without colour --------------------------------------------------


class TickBox(Checkbox):
    """A checkbox drawn `[x]` when on and `[ ]` when off: Textual's `▐X▌` shows the state by
    colour alone (it looked ticked when off, and without colour it is unreadable)."""

    @property
    def _button(self) -> Content:
        return Content.assemble(("[x]" if self.value else "[ ]", self.get_visual_style("toggle--button")))


class RadioChoice(RadioButton):
    """A radio button drawn `(•)` when chosen and `( )` when not (not by colour alone)."""

    @property
    def _button(self) -> Content:
        return Content.assemble(("(•)" if self.value else "( )", self.get_visual_style("toggle--button")))


# -- the detail pane -------------------------------------------------------------------


class DetailView(ScrollView):
    """Rich text wrapped to the pane's width once per paper (CJK-aware), drawn line by line.

    A Line-API view rather than a Static: showing another paper re-wraps one text and
    repaints this pane, without a layout pass of the whole screen (that made each
    keystroke in the search field cost tens of milliseconds).
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = Text()
        self._strips: list[Strip] = []
        self._wrapped_at = -1

    def show(self, text: Text) -> None:
        self.text = text
        self._wrapped_at = -1
        self.scroll_to(y=0, animate=False, immediate=True)
        self._wrap()
        self.refresh()

    @property
    def plain(self) -> str:
        return self.text.plain

    def _wrap(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self._wrapped_at:
            return
        console = self.app.console
        lines = self.text.wrap(console, width, no_wrap=False, overflow="fold")
        self._strips = [Strip(list(line.render(console)), line.cell_len) for line in lines]
        self._wrapped_at = width
        self.virtual_size = Size(width, len(self._strips))

    def on_resize(self) -> None:
        self._wrap()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        row = round(self.scroll_y) + y
        if row >= len(self._strips):
            return Strip.blank(width, base)
        return self._strips[row].apply_style(base).crop_extend(0, width, base)


SECTION_TITLES = {"motivation": "Motivation", "method": "Method", "result": "Result",
                  "conclusion": "Conclusion"}


def publication_line(paper: Paper) -> str | None:
    """"Journal 28(3), 1-40 (2016)" from Crossref's record, else arXiv's journal reference."""
    pub = paper.publication
    if pub is None:
        return paper.journal_ref
    line = pub.container
    if pub.volume:
        line += f" {pub.volume}" + (f"({pub.issue})" if pub.issue else "")
    if pub.pages:
        line += f", {pub.pages}"
    if pub.year:
        line += f" ({pub.year})"
    return line


def detail_text(paper: Paper | None, *, in_library: bool = False, seen: Sighting | None = None) -> Text:
    """Everything about one paper, for the detail pane (wrapped by the pane's width)."""
    if paper is None:
        return Text("No paper matches the filter.", style="dim italic")
    text = Text()
    text.append(" ".join(paper.title.split()), style="bold")
    text.append("\n")
    if paper.authors:
        text.append(", ".join(paper.authors), style="italic")
        text.append("\n")
    elif paper.author_count:
        text.append(f"({paper.author_count} authors)\n", style="italic")
    facts: list[str] = []
    if paper.arxiv_id:
        facts.append(f"arXiv:{paper.arxiv_id}" + (f"v{paper.version}" if paper.version else ""))
    if paper.doi:
        facts.append(f"DOI {paper.doi}")
    categories = list(dict.fromkeys([c for c in (paper.primary_category, *paper.categories) if c]))
    if categories:
        facts.append(" ".join(categories))
    if paper.published:
        facts.append(paper.published.isoformat())
    if facts:
        text.append(" · ".join(facts) + "\n", style="dim")
    for name, url in (("abs", paper.url or (f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id
                                            else None)),
                      ("pdf", paper.pdf_url or (f"https://arxiv.org/pdf/{paper.arxiv_id}" if paper.arxiv_id
                                                else None))):
        if url:
            text.append(f"{name}: ")
            text.append(url, style=Style(underline=True, link=url))
            text.append("\n")
    markers: list[str] = []
    if in_library:
        markers.append("in your Zotero library")
    if seen is not None:
        plural = "s" if seen.digests != 1 else ""
        markers.append(f"seen in {seen.digests} earlier digest{plural} (first {seen.first_seen.isoformat()})")
    if markers:
        text.append("● " + "; ".join(markers) + "\n", style="bold yellow")
    summary = paper.summary
    if summary is not None and summary.tldr:
        text.append("\nTL;DR\n", style="bold green")
        text.append(summary.tldr + "\n")
    elif paper.ai_summary:
        text.append("\nHugging Face summary (English; not written to Zotero — g makes a TL;DR)\n",
                    style="bold green")
        text.append(paper.ai_summary + "\n")
    if summary is not None:
        for name in SUMMARY_SECTIONS:
            body = getattr(summary, name)
            if body:
                text.append(f"\n{SECTION_TITLES[name]}\n", style="bold cyan")
                text.append(body + "\n")
    if paper.comment:
        text.append("\nComment: ", style="bold")
        text.append(paper.comment + "\n")
    published = publication_line(paper)
    if published:
        text.append("Published: ", style="bold")
        text.append(published + "\n")
    if paper.abstract:
        text.append("\nAbstract\n", style="bold cyan")
        text.append(" ".join(paper.abstract.split()))
    return text
