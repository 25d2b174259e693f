"""The collection picker: the library's collections as a lazy tree, search, recent targets,
and new collections (created by the push, after the review: nothing is written here)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, OptionList, Static, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from zotsync.core.library import (
    Collection,
    dated_collection,
    join_collection_path,
    name_problem,
    split_collection_path,
)

MAX_NAME = 255
NAME_DIALOG_TEXT = 54  # the name dialog's width (60, zotsync.tcss) less its border and padding


def ellipsize_start(text: str, width: int) -> str:
    """`text` in at most `width` cells, its start replaced by "…" when cut: the end of a
    collection path says most (the collection itself)."""
    if cell_len(text) <= width:
        return text
    kept: list[str] = []
    used = 1  # the ellipsis
    for char in reversed(text):
        used += cell_len(char)
        if used > width:
            break
        kept.append(char)
    return "…" + "".join(reversed(kept))


@dataclass(frozen=True, slots=True)
class Target:
    """A node of the tree: a collection (key None when it is still to be created)."""

    path: tuple[str, ...]
    key: str | None = None
    items: int | None = None
    children: int = 0
    new: bool = False


class CollectionTree(Tree[Target]):
    """A tree whose Enter means "use this collection" (a click only moves the cursor)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Use"),
        Binding("space", "toggle_node", "Expand", show=False),
    ]

    class Chosen(Message):
        def __init__(self, target: Target) -> None:
            super().__init__()
            self.target = target

    def action_choose(self) -> None:
        node = self.cursor_node
        if node is not None and node.data is not None and node.data.path:
            self.post_message(self.Chosen(node.data))
        else:  # the library itself: papers go into a collection
            self.notify("Choose a collection, or press n to create one", severity="warning", timeout=4)


class NameDialog(ModalScreen[list[str] | None]):
    """Ask for a new collection: a name, or a path ("Reading/2025-06", read as `push -c`
    reads it: `\\/` keeps a slash in a name; `{date}` is the source's day, `day`). Shows the
    tree it will add under the parent before it is created; dismissed with the names,
    outermost first."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, parent: str, existing: Callable[[Sequence[str]], int] | None = None, *,
                 day: date | None = None) -> None:
        super().__init__()
        self.parent_label = parent
        self.day = day or date.today()
        # how many of the leading names already exist under the parent
        self.existing = existing or (lambda _names: 0)

    def compose(self) -> ComposeResult:
        with Vertical(id="name-dialog", classes="dialog"):
            # Text, not markup: a collection may be called anything ("a [/b] b")
            lead = "New collection in "
            parent = ellipsize_start(self.parent_label, NAME_DIALOG_TEXT - len(lead))
            yield Label(Text.assemble(lead, (parent, "bold")))
            yield Input(placeholder=f"Name, or a path: Reading/{{date}} ({self.day.isoformat()})",
                        id="new-name",
                        max_length=MAX_NAME * 4)
            yield Static(id="new-preview")
            yield Static("enter create · / nests · esc cancel", classes="hint")
        yield Footer()  # this dialog's keys, not the paper list's

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._preview("")

    def preview_text(self, value: str) -> Text:
        """The tree the path adds under the parent, one line per level, marked new or existing."""
        names = split_collection_path(dated_collection(value, self.day))
        if not names:
            return Text("")
        have = self.existing(names)
        text = Text()
        for depth, name in enumerate(names):
            problem = name_problem(name)
            text.append("  " * depth + ("└ " if depth else ""))
            text.append(ellipsize_start(name, max(NAME_DIALOG_TEXT - 2 * depth - 12, 8)), style="bold")
            if problem:
                text.append(f"  {problem}", style="red")
            elif depth < have:
                text.append("  exists", style="dim")
            else:
                text.append("  new", style="green")
            text.append("\n")
        text.rstrip()
        return text

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._preview(event.value)

    def _preview(self, value: str) -> None:
        preview = self.query_one("#new-preview", Static)
        text = self.preview_text(value)
        preview.update(text)
        preview.display = bool(text.plain)

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        names = split_collection_path(dated_collection(event.value, self.day))
        if not names:
            self.notify("A collection needs a name", severity="warning")
            return
        for name in names:
            problem = name_problem(name)
            if problem:
                self.notify(f"{name!r} {problem}", severity="warning", markup=False)
                return
        self.dismiss(names)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True, slots=True)
class PushTarget:
    """What the picker was dismissed with: the collection path ("A/B") and the tags new
    items get (as `push --tag`)."""

    path: str
    tags: tuple[str, ...] = ()


def parse_tags(text: str) -> tuple[str, ...]:
    """"digest, to read" -> ("digest", "to read"): comma-separated, trimmed, no repeats."""
    return tuple(dict.fromkeys(t for t in (part.strip() for part in text.split(",")) if t))


class CollectionPicker(ModalScreen[PushTarget | None]):
    """Pick the target collection and the tags; dismissed with a `PushTarget` or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("n", "new", "New sub-collection"),
        Binding("slash", "search", "Search"),
        Binding("t", "tags", "Tags", show=False),
    ]

    def __init__(self, collections: Sequence[Collection], recent: Sequence[str], *, library: str,
                 papers: int, tags: Sequence[str] = (), day: date | None = None) -> None:
        super().__init__()
        self.collections = list(collections)
        self.day = day or date.today()  # `{date}` in a path: the source's day
        self.recent = list(dict.fromkeys(dated_collection(p, self.day) for p in recent))
        self.tags = tuple(tags)
        self.library_label = library
        self.papers = papers
        self._by_parent: dict[str | None, list[Collection]] = {}
        for c in sorted(self.collections, key=lambda c: (c.name.casefold(), c.key)):
            self._by_parent.setdefault(c.parent, []).append(c)
        self._populated: set[int] = set()
        self._new: dict[tuple[str, ...], list[str]] = {}  # parent path -> new names under it

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog"):
            plural = "s" if self.papers != 1 else ""
            yield Label(f"Push {self.papers} paper{plural} into which collection?", id="picker-title")
            yield Input(placeholder="Search collections by name   ( / )", id="collection-search")
            if self.recent:
                yield Label("Recent", classes="section")
                yield OptionList(*[Option(Text(path), id=f"recent-{i}")
                                   for i, path in enumerate(self.recent)], id="recent")
            yield OptionList(id="matches")
            tree = CollectionTree(Text(self.library_label), Target(()), id="tree")
            tree.auto_expand = False
            tree.guide_depth = 3
            yield tree
            with Horizontal(id="tags-row"):
                yield Label("Tags ", id="tags-label")
                yield Input(", ".join(self.tags), placeholder="for new items, comma-separated (t)",
                            id="push-tags", compact=True)
            yield Static("enter use · n new sub-collection of the highlighted one · / search · "
                         "t tags · esc cancel", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Use", id="use", variant="primary")
                yield Button("New…", id="new")
                yield Button("Cancel", id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        tree = self.query_one(CollectionTree)
        self._populate(tree.root)
        tree.root.expand()
        tree.move_cursor(tree.root)
        self.query_one("#matches").display = False
        if self.recent:  # enter pushes where the last push went (or `[push] collection`)
            recent = self.query_one("#recent", OptionList)
            recent.highlighted = 0
            recent.focus()
        else:
            tree.focus()

    # -- the lazy tree -----------------------------------------------------------------

    def _label(self, target: Target) -> Text:
        name = target.path[-1] if target.path else self.library_label
        if target.new:
            return Text.assemble(name, ("  new", "bold green"))
        return Text.assemble(name, (f"  {target.items or 0}", "dim"))

    def _populate(self, node: TreeNode[Target]) -> None:
        """Add the node's children the first time it is shown (and new ones under it)."""
        target = node.data
        if target is None or node.id in self._populated:
            return
        self._populated.add(node.id)
        if not target.new:
            for c in self._by_parent.get(target.key if target.path else None, []):
                child = Target((*target.path, c.name), c.key, c.num_items, c.num_collections or 0)
                node.add(self._label(child), child, allow_expand=bool(child.children))
        for name in self._new.get(target.path, []):
            child = Target((*target.path, name), new=True)
            node.add(self._label(child), child, allow_expand=False)

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[Target]) -> None:
        self._populate(event.node)

    # -- choosing ----------------------------------------------------------------------

    def _choose(self, path: str) -> None:
        self.dismiss(PushTarget(path, parse_tags(self.query_one("#push-tags", Input).value)))

    @on(CollectionTree.Chosen)
    def _chosen(self, event: CollectionTree.Chosen) -> None:
        self._choose(join_collection_path(event.target.path))

    @on(OptionList.OptionSelected)
    def _option(self, event: OptionList.OptionSelected) -> None:
        prompt = event.option.prompt
        self._choose(prompt.plain if isinstance(prompt, Text) else str(prompt))

    def action_tags(self) -> None:
        self.query_one("#push-tags", Input).focus()

    @on(Input.Submitted, "#push-tags")
    def _tags_done(self) -> None:
        self.query_one(CollectionTree).focus()

    @on(Button.Pressed, "#use")
    def _use(self) -> None:
        self.query_one(CollectionTree).action_choose()

    @on(Button.Pressed, "#new")
    def _new_button(self) -> None:
        self.action_new()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    # -- search ------------------------------------------------------------------------

    def action_search(self) -> None:
        self.query_one("#collection-search", Input).focus()

    def _all_paths(self) -> list[str]:
        by_key = {c.key: c for c in self.collections}
        paths: list[str] = []
        for c in self.collections:
            names: list[str] = []
            current: Collection | None = c
            seen: set[str] = set()
            while current is not None and current.key not in seen:
                seen.add(current.key)
                names.append(current.name)
                current = by_key.get(current.parent) if current.parent else None
            paths.append(join_collection_path(list(reversed(names))))
        for parent, names in self._new.items():
            paths.extend(join_collection_path((*parent, name)) for name in names)
        return sorted(set(paths), key=str.casefold)

    @on(Input.Changed, "#collection-search")
    def _search(self, event: Input.Changed) -> None:
        query = dated_collection(event.value, self.day).strip().casefold()
        matches = self.query_one("#matches", OptionList)
        tree = self.query_one(CollectionTree)
        matches.clear_options()
        if not query:
            matches.display = False
            tree.display = True
            return
        found = [p for p in self._all_paths() if query in split_collection_path(p)[-1].casefold()]
        matches.add_options([Option(Text(p)) for p in found] or [Option("(no collection by that name)",
                                                                  disabled=True)])
        matches.display = True
        tree.display = False
        matches.highlighted = 0 if found else None

    @on(Input.Submitted, "#collection-search")
    def _search_submitted(self) -> None:
        matches = self.query_one("#matches", OptionList)
        if matches.display and matches.option_count and not matches.get_option_at_index(0).disabled:
            matches.focus()
        else:
            self.query_one(CollectionTree).focus()

    # -- new collections ---------------------------------------------------------------

    def action_new(self) -> None:
        if self.recent:
            recent = self.query_one("#recent", OptionList)
            if recent.has_focus and recent.highlighted is not None:
                self._new_under_recent(self.recent[recent.highlighted])
                return
        tree = self.query_one(CollectionTree)
        if not tree.display:  # searching: create under the root of the tree instead
            self.query_one("#collection-search", Input).value = ""
        node = tree.cursor_node or tree.root
        target = node.data or Target(())
        parent = join_collection_path(target.path) if target.path else self.library_label

        def created(names: list[str] | None) -> None:
            if names:
                self._add_new(node, names)

        self.app.push_screen(NameDialog(parent, partial(self._existing_depth, node), day=self.day), created)

    def _new_under_recent(self, path: str) -> None:
        """`n` on a recent target: a sub-collection of it (created too, if it is not yet)."""
        tree = self.query_one(CollectionTree)
        base = split_collection_path(path)

        def existing(names: Sequence[str]) -> int:  # of `names`, below `base`
            return max(self._existing_depth(tree.root, [*base, *names]) - len(base), 0)

        def created(names: list[str] | None) -> None:
            if names:
                self._add_new(tree.root, [*base, *names])

        self.app.push_screen(NameDialog(path, existing, day=self.day), created)

    def _child_named(self, parent: TreeNode[Target], name: str) -> TreeNode[Target] | None:
        self._populate(parent)
        return next((c for c in parent.children if c.data and c.data.path[-1] == name), None)

    def _existing_depth(self, parent: TreeNode[Target], names: Sequence[str]) -> int:
        """How many of `names`, from the first, are already in the tree below `parent`."""
        node = parent
        for depth, name in enumerate(names):
            child = self._child_named(node, name)
            if child is None:
                return depth
            node = child
        return len(names)

    def _add_new(self, parent: TreeNode[Target], names: Sequence[str]) -> None:
        """Add the path `names` below `parent`: existing levels are walked into, the rest
        added as new; the last one is highlighted."""
        tree = self.query_one(CollectionTree)
        node = parent
        added = False
        for name in names:
            child = self._child_named(node, name)
            if child is None:
                target = node.data or Target(())
                self._new.setdefault(target.path, []).append(name)
                data = Target((*target.path, name), new=True)
                child = node.add(self._label(data), data, allow_expand=False)
                self._populated.add(child.id)  # nothing under it but what is added here
                node.allow_expand = True
                added = True
            node.expand()
            node = child
        if not added:
            path = join_collection_path(names)
            self.notify(f"{path!r} is already there: it is highlighted", timeout=3, markup=False)
        tree.focus()
        self.call_after_refresh(tree.move_cursor, node)
