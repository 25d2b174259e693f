"""Settings: defaults < config file < environment < flags. This module owns them all.

The config file is `config.toml` in the platformdirs user config dir (override with
`ZOTSYNC_CONFIG`). Sections and keys are listed in `SETTINGS`; docs/configuration.md
is generated from the same table's meaning. The API key is a secret: `Settings`
never shows it in `repr`, and `describe()` redacts it.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from zotsync.errors import ConfigError
from zotsync.fileio import DEFAULT_MAX_SIZE, NotRegularFile, TooLarge, atomic_write_text, read_regular_bytes

APP_NAME = "zotsync"


def user_config_path() -> Path:
    """Where config.toml lives: `$ZOTSYNC_CONFIG`, else the platform's config dir."""
    explicit = os.environ.get("ZOTSYNC_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


def default_data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def _api_key(value: Any) -> str:
    """A Zotero key is letters and digits (24 of them at zotero.org): anything else is a
    copy-and-paste accident that would fail later with a confusing HTTP error."""
    if not isinstance(value, str):
        raise ValueError("must be a string (in quotes)")
    key = value.strip()
    if not key.isascii() or not key.isalnum():
        raise ValueError("has characters a Zotero key does not have (a space, a line break, a "
                         "non-ASCII letter?): copy it again from zotero.org/settings/keys")
    return key


def _llm_key(value: Any) -> str:
    """An LLM API key goes into an HTTP header: printable ASCII without spaces."""
    if not isinstance(value, str):
        raise ValueError("must be a string (in quotes)")
    key = value.strip()
    if not key or not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
        raise ValueError("has characters an API key does not have (a space, a line break, a "
                         "non-ASCII letter?): copy it again from your provider")
    return key


def _text(value: Any) -> str:
    text = str(value).strip()
    if not text or "\n" in text:
        raise ValueError("must be a non-empty name on one line")
    return text


def _concurrency(value: Any) -> int:
    number = _count(value)
    if not 1 <= number <= 64:
        raise ValueError("must be a whole number from 1 to 64")
    return number


def _seconds(value: Any) -> float:
    number = float(value)
    if not math.isfinite(number) or number < 0 or number > 86_400:
        raise ValueError("must be a number of seconds from 0 to 86400")
    return number


def _timeout(value: Any) -> float:
    number = _seconds(value)
    if number == 0:
        raise ValueError("must be more than 0 seconds")
    return number


def _count(value: Any) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("must be a whole number")
    number = int(value)
    if number < 0 or number > 1000:
        raise ValueError("must be a whole number from 0 to 1000")
    return number


def _days(value: Any) -> int:
    number = int(value)
    if number < 0 or number > 36_500:
        raise ValueError("must be a number of days from 0 to 36500")
    return number


def _library_type(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in {"user", "group"}:
        raise ValueError("must be 'user' or 'group'")
    return text


def _library_id(value: Any) -> str:
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError("must be a number (your userID or a groupID)")
    return text


def _target(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in {"web", "desktop"}:
        raise ValueError("must be 'web' (api.zotero.org) or 'desktop' (the Zotero app on this computer)")
    return text


def _url(value: Any) -> str:
    text = str(value).strip().rstrip("/")
    if not text.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return text


def _email(value: Any) -> str:
    text = str(value).strip()
    if "@" not in text or " " in text:
        raise ValueError("must be an e-mail address")
    return text


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


_SIZE = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>|b|bytes?|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)$",
                   re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1, "k": 10**3, "kb": 10**3, "kib": 2**10,
          "m": 10**6, "mb": 10**6, "mib": 2**20, "g": 10**9, "gb": 10**9, "gib": 2**30,
          "t": 10**12, "tb": 10**12, "tib": 2**40}


def _size(value: Any) -> int:
    """Bytes: a whole number, or a number and a unit ("500 MB", "2GB", "1 GiB")."""
    if isinstance(value, bool):
        raise ValueError("must be a size such as 1000000 or \"500 MB\"")
    if isinstance(value, int):
        number = value
    else:
        found = _SIZE.match(str(value).strip())
        if found is None:
            raise ValueError('must be a size such as 1000000, "500 MB" or "2 GB"')
        amount = float(found["n"]) * _UNITS[found["unit"].lower()]
        number = int(amount) if math.isfinite(amount) and amount < 2**62 else 2**62
    if not 1000 <= number < 2**62:
        raise ValueError("must be at least 1 kB (and less than 4 EB)")
    return number


def _style(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in {"bibtex", "biblatex"}:
        raise ValueError("must be 'bibtex' or 'biblatex'")
    return text


def _key_format(value: Any) -> str:
    from zotsync.core.citekeys import KeyFormatError, parse_key_format  # noqa: PLC0415

    text = str(value).strip()
    try:
        parse_key_format(text)
    except KeyFormatError as exc:
        raise ValueError(str(exc)) from None
    return text


def _tags(value: Any) -> tuple[str, ...]:
    """A TOML list of tags, or one string of comma-separated tags (environment)."""
    items = value if isinstance(value, list) else str(value).split(",")
    tags = tuple(t for t in (str(item).strip() for item in items) if t)
    if any(len(t) > 255 for t in tags):
        raise ValueError("a tag is longer than 255 characters")
    return tags


def _collection(value: Any) -> str:
    text = str(value).strip()
    if not text.strip("/"):
        raise ValueError('must be a collection path such as "Reading/2025-06"')
    return text


DAE_URL = ("https://raw.githubusercontent.com/dw-dengwei/daily-arXiv-ai-enhanced/data/data/"
           "{date}_AI_enhanced_{language}.jsonl")


def _url_template(value: Any) -> str:
    text = _url(value)
    if "{date}" not in text:
        raise ValueError("must contain {date} (and may contain {language}), as in " + DAE_URL)
    return text


def _path(value: Any) -> Path:
    return Path(str(value)).expanduser()


@dataclass(frozen=True)
class Setting:
    name: str  # attribute on Settings
    section: str  # [section] in config.toml
    key: str  # key in that section
    env: tuple[str, ...]  # environment variables, first set wins
    parse: Callable[[Any], Any]
    default: Any
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("api_key", "zotero", "api_key", ("ZOTERO_API_KEY", "ZOTSYNC_API_KEY"), _api_key, None,
            "Zotero API key (zotero.org/settings/keys); prefer `zotsync login`", secret=True),
    Setting("library_id", "zotero", "library_id", ("ZOTERO_LIBRARY_ID", "ZOTSYNC_LIBRARY_ID"),
            _library_id, None, "your userID, or the groupID for a group library"),
    Setting("library_type", "zotero", "library_type", ("ZOTERO_LIBRARY_TYPE", "ZOTSYNC_LIBRARY_TYPE"),
            _library_type, "user", "'user' or 'group'"),
    Setting("zotero_url", "zotero", "url", ("ZOTSYNC_ZOTERO_URL",), _url,
            "https://api.zotero.org", "Zotero Web API base URL (self-hosted servers, tests)"),
    Setting("target", "zotero", "target", ("ZOTSYNC_TARGET",), _target, "web",
            "'web' (the Web API, with api_key) or 'desktop' (the Zotero app on this computer)"),
    Setting("desktop_url", "zotero", "desktop_url", ("ZOTSYNC_DESKTOP_URL",), _url,
            "http://127.0.0.1:23119", "the Zotero desktop app's local server (target = desktop)"),
    Setting("desktop_key", "zotero", "desktop_key", ("ZOTSYNC_DESKTOP_KEY",), _api_key, None,
            "Zotero 10+ local API key, granted in Zotero; use `zotsync login --desktop`", secret=True),
    Setting("zotero_retries", "zotero", "retries", ("ZOTSYNC_ZOTERO_RETRIES",), _count, 5,
            "attempts per Zotero request on rate limits, server and network errors"),
    Setting("zotero_backoff", "zotero", "backoff", ("ZOTSYNC_ZOTERO_BACKOFF",), _seconds, 2.0,
            "first wait in seconds when Zotero gives no Retry-After (doubles each try)"),
    Setting("zotero_timeout", "zotero", "timeout", ("ZOTSYNC_ZOTERO_TIMEOUT",), _timeout, 60.0,
            "seconds for one Zotero request and its whole answer (a total deadline)"),
    Setting("arxiv_url", "arxiv", "url", ("ZOTSYNC_ARXIV_URL",), _url,
            "https://export.arxiv.org/api/query", "arXiv API query endpoint"),
    Setting("arxiv_delay", "arxiv", "delay", ("ZOTSYNC_ARXIV_DELAY",), _seconds, 3.0,
            "seconds between arXiv API requests (arXiv asks for 3)"),
    Setting("hf_url", "huggingface", "url", ("ZOTSYNC_HF_URL",), _url,
            "https://huggingface.co", "Hugging Face base URL (for /api/daily_papers, /api/papers)"),
    Setting("dae_url", "sources", "dae_url", ("ZOTSYNC_DAE_URL",), _url_template, DAE_URL,
            "where `dae:DAY` fetches a daily-arXiv-ai-enhanced JSONL ({date}, {language}); point it "
            "at your fork's data files"),
    Setting("dae_language", "sources", "dae_language", ("ZOTSYNC_DAE_LANGUAGE",), _text, "Chinese",
            "the {language} of `dae:` files (the fork's LANGUAGE: Chinese, English...)"),
    Setting("sources_max_age", "sources", "max_age", ("ZOTSYNC_SOURCES_MAX_AGE",), _seconds, 3600.0,
            "seconds before today's hf:/dae: digest is fetched again (past days are fetched once)"),
    Setting("crossref_url", "crossref", "url", ("ZOTSYNC_CROSSREF_URL",), _url,
            "https://api.crossref.org", "Crossref REST API base URL (for /works/{doi})"),
    Setting("crossref_mailto", "crossref", "mailto", ("ZOTSYNC_CROSSREF_MAILTO",), _email, None,
            "your e-mail, sent to Crossref as `mailto` (its 'polite pool': faster, more reliable)"),
    Setting("cache_days", "cache", "days", ("ZOTSYNC_CACHE_DAYS",), _days, 7,
            "days before fetched metadata is fetched again"),
    Setting("data_dir", "store", "dir", ("ZOTSYNC_DATA_DIR",), _path, None,
            "folder of the local SQLite store (default: the platform's user data dir)"),
    Setting("input_max_size", "input", "max_size", ("ZOTSYNC_INPUT_MAX_SIZE",), _size, DEFAULT_MAX_SIZE,
            "largest digest or .bib zotsync reads, in bytes or with a unit (\"500 MB\", \"2 GB\")"),
    Setting("pdf_link", "push", "pdf_link", ("ZOTSYNC_PDF_LINK",), _bool, True,
            "attach a linked URL to the arXiv PDF when pushing"),
    Setting("push_summarize", "push", "summarize", ("ZOTSYNC_PUSH_SUMMARIZE",), _bool, False,
            "generate missing TL;DRs with the [llm] model before pushing (as `push --summarize`)"),
    Setting("push_collection", "push", "collection", ("ZOTSYNC_PUSH_COLLECTION",), _collection, None,
            "the collection push files into when no -c is given (and the TUI picker's first choice)"),
    Setting("push_tags", "push", "tags", ("ZOTSYNC_PUSH_TAGS",), _tags, (),
            "tags every push adds to new items, besides --tag (a list; comma-separated in the environment)"),
    Setting("bib_style", "bib", "style", ("ZOTSYNC_BIB_STYLE",), _style, "bibtex",
            "bib's default --style: bibtex or biblatex"),
    Setting("bib_key_format", "bib", "key_format", ("ZOTSYNC_BIB_KEY_FORMAT",), _key_format,
            "{auth}{year}{title}", "bib's default --key-format (docs/bibtex.md)"),
    Setting("bib_abstract", "bib", "abstract", ("ZOTSYNC_BIB_ABSTRACT",), _bool, False,
            "bib writes the abstract field by default (--abstract)"),
    Setting("bib_tldr", "bib", "tldr", ("ZOTSYNC_BIB_TLDR",), _bool, False,
            "bib writes the TL;DR as annote by default (--tldr)"),
    Setting("llm_url", "llm", "url", ("ZOTSYNC_LLM_URL",), _url, None,
            "OpenAI-compatible API base URL (requests go to {url}/chat/completions); see "
            "docs/summaries.md"),
    Setting("llm_model", "llm", "model", ("ZOTSYNC_LLM_MODEL",), _text, None,
            "the model that writes TL;DRs (e.g. deepseek-chat, qwen-plus, gpt-4o-mini)"),
    Setting("llm_api_key", "llm", "api_key", ("ZOTSYNC_LLM_API_KEY", "OPENAI_API_KEY"), _llm_key, None,
            "the LLM server's API key, sent as `Authorization: Bearer` (none for local servers)",
            secret=True),
    Setting("summary_language", "llm", "language", ("ZOTSYNC_SUMMARY_LANGUAGE",), _text, "Chinese",
            "the language TL;DRs are written in"),
    Setting("llm_concurrency", "llm", "concurrency", ("ZOTSYNC_LLM_CONCURRENCY",), _concurrency, 4,
            "LLM requests in flight at once (1-64)"),
    Setting("llm_timeout", "llm", "timeout", ("ZOTSYNC_LLM_TIMEOUT",), _timeout, 120.0,
            "seconds to wait for one LLM answer"),
    Setting("llm_retries", "llm", "retries", ("ZOTSYNC_LLM_RETRIES",), _count, 4,
            "retries per LLM request on rate limits (Retry-After honoured), server and network errors"),
)
_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    api_key: str | None = field(default=None, repr=False)
    library_id: str | None = None
    library_type: str = "user"
    zotero_url: str = "https://api.zotero.org"
    target: str = "web"
    desktop_url: str = "http://127.0.0.1:23119"
    desktop_key: str | None = field(default=None, repr=False)
    zotero_retries: int = 5
    zotero_backoff: float = 2.0
    zotero_timeout: float = 60.0
    arxiv_url: str = "https://export.arxiv.org/api/query"
    arxiv_delay: float = 3.0
    hf_url: str = "https://huggingface.co"
    dae_url: str = DAE_URL
    dae_language: str = "Chinese"
    sources_max_age: float = 3600.0
    crossref_url: str = "https://api.crossref.org"
    crossref_mailto: str | None = None
    cache_days: int = 7
    data_dir: Path | None = None
    input_max_size: int = DEFAULT_MAX_SIZE
    pdf_link: bool = True
    push_summarize: bool = False
    push_collection: str | None = None
    push_tags: tuple[str, ...] = ()
    bib_style: str = "bibtex"
    bib_key_format: str = "{auth}{year}{title}"
    bib_abstract: bool = False
    bib_tldr: bool = False
    llm_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)
    summary_language: str = "Chinese"
    llm_concurrency: int = 4
    llm_timeout: float = 120.0
    llm_retries: int = 4
    filters: Mapping[str, str] = field(default_factory=dict, compare=False)  # [filters]: --where @name
    daily: tuple[DailyEntry, ...] = ()  # [[daily]]: what `zotsync daily` pushes
    origins: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def store_path(self) -> Path:
        return (self.data_dir or default_data_dir()) / "zotsync.sqlite3"

    @property
    def library_prefix(self) -> str:
        """`/users/<id>` or `/groups/<id>`, as the Web API writes it."""
        return f"/{self.library_type}s/{self.library_id}"

    def describe(self) -> dict[str, dict[str, Any]]:
        """Every setting with its value (the key redacted) and where it came from."""
        shown: dict[str, dict[str, Any]] = {}
        for spec in SETTINGS:
            value = getattr(self, spec.name)
            if spec.secret and value:
                value = "<set>"
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            shown[spec.name] = {"value": value, "from": self.origins.get(spec.name, "default")}
        return shown


_CONFIG_LIMIT = 1_000_000  # a config.toml is a few hundred bytes


def read_config_file(path: Path) -> dict[str, Any]:
    """The parsed TOML, `{}` if the file does not exist."""
    try:
        raw = read_regular_bytes(path, limit=_CONFIG_LIMIT)
    except FileNotFoundError:
        return {}
    except (NotRegularFile, TooLarge) as exc:
        raise ConfigError(f"config file {path} {exc.strerror}",
                          hint="point ZOTSYNC_CONFIG at a regular config.toml") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}",
                          hint="check its permissions") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config file is not UTF-8 text",
                          hint="save it as UTF-8 or delete it and run `zotsync login`") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}",
                          hint="fix that line or delete the file and run `zotsync login`") from None


def _filters(document: Mapping[str, Any], path: Path) -> dict[str, str]:
    """`[filters] name = "query"`: named `--where` queries (checked when used, where the
    column of a mistake can be shown)."""
    table = document.get("filters", {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: [filters] must be a table of name = \"query\" lines",
                          hint='write it as [filters] followed by lines such as mine = "cat:cs.CL -survey"')
    filters: dict[str, str] = {}
    for name, query in table.items():
        if not isinstance(query, str):
            raise ConfigError(f"{path}: filter {name!r} in [filters] must be a quoted query",
                              hint=f'write it as {name} = "upvotes:>=20 -survey"')
        filters[str(name)] = query
    return filters


@dataclass(frozen=True)
class DailyEntry:
    """One `[[daily]]` entry: what `zotsync daily` pushes."""

    source: str  # hf:yesterday, dae:today, or a file
    collection: str  # may hold {date}
    where: str | None = None
    tags: tuple[str, ...] = ()
    summarize: bool | None = None  # None: push.summarize


_DAILY_KEYS = ("source", "collection", "where", "tags", "summarize")


def _daily(document: Mapping[str, Any], path: Path) -> tuple[DailyEntry, ...]:
    """`[[daily]]` entries, checked (a misspelt key is an error, as elsewhere)."""
    raw = document.get("daily", [])
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: daily must be [[daily]] tables", hint="see docs/daily.md")
    entries: list[DailyEntry] = []
    for number, table in enumerate(raw, 1):
        where = f"{path}: [[daily]] entry {number}"
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where} must be a table", hint="see docs/daily.md")
        unknown = [k for k in table if k not in _DAILY_KEYS]
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r}",
                              hint=f"[[daily]] takes {', '.join(_DAILY_KEYS)}")
        for key in ("source", "collection"):
            if not isinstance(table.get(key), str) or not table[key].strip():
                raise ConfigError(f"{where} needs {key} = \"…\"",
                                  hint='e.g. source = "hf:yesterday", collection = "Reading/{date}"')
        if "where" in table and not isinstance(table["where"], str):
            raise ConfigError(f"{where}: where must be a quoted query", hint='e.g. where = "upvotes:>=20"')
        if "summarize" in table and not isinstance(table["summarize"], bool):
            raise ConfigError(f"{where}: summarize must be true or false", hint="write summarize = true")
        try:
            tags = _tags(table.get("tags", []))
            collection = _collection(table["collection"])
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}", hint="see docs/daily.md") from None
        entries.append(DailyEntry(table["source"].strip(), collection, table.get("where"), tags,
                                  table.get("summarize")))
    return tuple(entries)


FREE_SECTIONS = ("filters", "daily")  # tables whose keys the user names


def _check_known(document: Mapping[str, Any], path: Path) -> None:
    """A misspelt section or key would be ignored silently: refuse it, naming what is known."""
    known: dict[str, list[str]] = {}
    for spec in SETTINGS:
        known.setdefault(spec.section, []).append(spec.key)
    for section, table in document.items():
        if section in FREE_SECTIONS:
            continue
        if section not in known:
            sections = ", ".join(f"[{k}]" for k in (*known, *FREE_SECTIONS))
            raise ConfigError(f"{path}: unknown section [{section}]", hint=f"the sections are {sections}")
        if not isinstance(table, Mapping):
            raise ConfigError(f"{path}: [{section}] must be a table of settings, not a single value",
                              hint=f"write it as [{section}] followed by key = value lines")
        for key in table:
            if key not in known[section]:
                raise ConfigError(f"{path}: unknown setting {key!r} in [{section}]",
                                  hint=f"[{section}] takes {', '.join(known[section])}")


@dataclass(frozen=True, slots=True)
class Given:
    """An override that did not come from a flag: its value and where it came from
    ("standard input", "the prompt"), named in errors about it."""

    value: Any
    origin: str


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> Settings:
    """Resolve every setting: defaults < config file < environment < `overrides` (flags).

    `overrides` values of None mean "flag not given".
    """
    environ = os.environ if environ is None else environ
    path = config_path or user_config_path()
    document = read_config_file(path)
    _check_known(document, path)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for spec in SETTINGS:
        raw: Any = None
        origin = "default"
        section = document.get(spec.section)
        if isinstance(section, dict) and spec.key in section:
            raw, origin = section[spec.key], f"{path} [{spec.section}] {spec.key}"
        for var in spec.env:
            if environ.get(var, "") != "":
                raw, origin = environ[var], f"${var}"
                break
        if overrides and overrides.get(spec.name) is not None:
            raw, origin = overrides[spec.name], "command line"
            if isinstance(raw, Given):
                raw, origin = raw.value, raw.origin
        if raw is None:
            values[spec.name] = spec.default
            continue
        try:
            values[spec.name] = spec.parse(raw)
        except (TypeError, ValueError) as exc:
            shown = "<hidden>" if spec.secret else repr(raw)
            from_file = origin.startswith(("$", str(path)))
            raise ConfigError(f"invalid {spec.section}.{spec.key} = {shown} from {origin}: {exc}",
                              hint="correct or remove it" if from_file else None) from None
        origins[spec.name] = origin
    return Settings(**values, filters=_filters(document, path), daily=_daily(document, path),
                    origins=origins)


def _edited(text: str, updates: Mapping[str, Any], path: Path) -> str:
    """`text` (a parsed config.toml) with `updates` set, everything else as it was.

    tomlkit edits the document in place, so TOML's other spellings of a section stay
    valid: dotted keys (`zotero.retries = 3` gets `zotero.api_key = ...` beside it, where a
    `[zotero]` header would declare the table twice), inline tables, quoted keys and
    headers. Comments, blank lines and key order are kept.
    """
    cannot = ConfigError(f"{path}: zotsync could not edit this file safely; it was not changed",
                         hint="add the settings by hand (see `zotsync config`) or move the file aside "
                              "and run `zotsync login` again")
    import tomlkit  # noqa: PLC0415  (only `login` edits the file: other commands never load it)
    from tomlkit.exceptions import TOMLKitError  # noqa: PLC0415

    try:
        document = tomlkit.parse(text)
        for name, value in updates.items():
            spec = _BY_NAME[name]
            section = document.get(spec.section)
            if section is None:
                if text.strip():
                    document.add(tomlkit.nl())
                document.add(spec.section, tomlkit.table())
                section = document[spec.section]
            if not isinstance(section, MutableMapping):
                raise cannot
            section[spec.key] = value
        edited = document.as_string()
    except TOMLKitError:
        raise cannot from None
    # The edit must mean exactly the file plus the updates: check it before writing.
    expected = tomllib.loads(text)
    for name, value in updates.items():
        spec = _BY_NAME[name]
        expected.setdefault(spec.section, {})[spec.key] = value
    try:
        understood = tomllib.loads(edited)
    except tomllib.TOMLDecodeError:
        understood = None
    if understood != expected:
        raise cannot
    return edited


def save_settings(updates: Mapping[str, Any], *, config_path: Path | None = None) -> Path:
    """Merge `updates` (setting name -> value) into config.toml, written atomically, 0600.

    The file is edited, not rewritten (see `_edited`): an updated key keeps its place
    (and its comment), a new key goes at the end of its section (a new section at the
    end of the file), and every other line stays as the user wrote it.
    """
    path = config_path or user_config_path()
    read_config_file(path)  # refuse to edit a file that does not parse
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = "# zotsync configuration: see `zotsync config --help` and docs/configuration.md\n"
    text = _edited(text, updates, path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text, mode=0o600)
    except OSError as exc:
        raise ConfigError(f"{exc.filename or path}: cannot be written: {exc.strerror}",
                          hint="make it (or its folder) writable, or set ZOTSYNC_CONFIG to another "
                               "file") from None
    return path

