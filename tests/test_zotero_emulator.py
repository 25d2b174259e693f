"""The Zotero Web API emulator itself, through real HTTP: the pyzotero client where zotsync
uses it, `requests` for raw protocol checks. Sections follow zotero-api.md §11."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx2
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyzotero import errors as ze
from pyzotero import zotero

from servers.zotero_emulator import (
    ITEM_TYPE_FIELDS,
    Fault,
    ZoteroEmulator,
    sanitize_note,
    synthetic_preprints,
)
from servers.zotero_fixtures import GROUP_ID

ROOT = Path(__file__).resolve().parents[1]
BERT = "1810.04805"

# -- helpers ---------------------------------------------------------------------------


def zot_for(emu: ZoteroEmulator, key: str | None = None, library_id: int = 1,
            library_type: str = "user") -> zotero.Zotero:
    """The real pyzotero client pointed at the emulator (no proxies from the environment)."""
    zot = zotero.Zotero(str(library_id), library_type, key or emu.api_key,
                        client=httpx2.Client(trust_env=False, verify=False, timeout=10))
    zot.endpoint = emu.url
    return zot


@pytest.fixture
def zot(zotero_emu: ZoteroEmulator) -> zotero.Zotero:
    return zot_for(zotero_emu)


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False
        yield session


def call(http: requests.Session, emu: ZoteroEmulator, method: str, path: str, body: Any = None, *,
         key: str | None = "write", headers: dict[str, str] | None = None,
         **params: Any) -> requests.Response:
    """A raw request; `key` is "write", "readonly", None or a literal key (sent as Zotero-API-Key)."""
    all_headers = {"Zotero-API-Version": "3"}
    literal = {"write": emu.api_key, "readonly": emu.readonly_key}.get(key or "", key)
    if literal:
        all_headers["Zotero-API-Key"] = literal
    all_headers.update(headers or {})
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        all_headers.setdefault("Content-Type", "application/json")
    return http.request(method, emu.url + path, data=data, headers=all_headers, params=params, timeout=10)


def preprint(**fields: Any) -> dict[str, Any]:
    """What zotsync sends for BERT (arXiv translator conventions)."""
    item: dict[str, Any] = {
        "itemType": "preprint",
        "title": "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        "creators": [{"creatorType": "author", "firstName": "Jacob", "lastName": "Devlin"},
                     {"creatorType": "author", "firstName": "Ming-Wei", "lastName": "Chang"}],
        "date": "2019-05-24",
        "repository": "arXiv",
        "archiveID": f"arXiv:{BERT}",
        "DOI": f"10.48550/arXiv.{BERT}",
        "url": f"http://arxiv.org/abs/{BERT}",
        "extra": f"arXiv:{BERT} [cs.CL]\nversion: 2",
        "libraryCatalog": "arXiv.org",
        "tags": [{"tag": "Computer Science - Computation and Language", "type": 1}],
    }
    item.update(fields)
    return item


def post_items(http: requests.Session, emu: ZoteroEmulator, objects: Any, **kwargs: Any) -> dict[str, Any]:
    response = call(http, emu, "POST", "/users/1/items", objects, **kwargs)
    assert response.status_code == 200, response.text
    return dict(response.json())


def failure(report: dict[str, Any], index: int = 0) -> tuple[int, str]:
    failed = report["failed"][str(index)]
    return failed["code"], failed["message"]


def create_one(zot: zotero.Zotero, item: dict[str, Any]) -> str:
    report = zot.create_items([item])
    assert report["failed"] == {}, report["failed"]
    return str(report["success"]["0"])


# -- 1. auth ---------------------------------------------------------------------------


def test_key_in_bearer_header_api_key_header_or_query(zotero_emu: ZoteroEmulator,
                                                      http: requests.Session) -> None:
    url = zotero_emu.url + "/users/1/items"
    key = str(zotero_emu.api_key)
    assert http.get(url, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert http.get(url, headers={"Zotero-API-Key": key}).status_code == 200
    assert http.get(url, params={"key": key}).status_code == 200
    assert http.get(url).status_code == 403  # private library, no key


def test_header_and_query_key_that_differ_are_400(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    url = zotero_emu.url + "/users/1/items"
    header = {"Zotero-API-Key": str(zotero_emu.api_key)}
    assert http.get(url, headers=header, params={"key": zotero_emu.readonly_key}).status_code == 400
    assert http.get(url, headers=header, params={"key": zotero_emu.api_key}).status_code == 200
    # DS ApiController::init() reads Authorization only when no other key was given:
    # with the header key present, a Bearer key (even a different one) is ignored.
    bearer = {"Authorization": f"Bearer {zotero_emu.readonly_key}"}
    written = http.post(url, headers=header | bearer | {"Content-Type": "application/json"},
                        json=[{"itemType": "note", "note": "x"}])
    assert written.status_code == 200
    assert http.get(url, headers={"Authorization": "Bearer not-a-key!"}).status_code == 400


def test_unknown_key_is_403_invalid_key(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    response = call(http, zotero_emu, "GET", "/users/1/items", key="NoSuchKey000000000000000")
    assert (response.status_code, response.text) == (403, "Invalid key")
    with pytest.raises(ze.UserNotAuthorisedError):
        zot_for(zotero_emu, "NoSuchKey000000000000000").items()


def test_writes_need_a_key_with_write_access(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    assert call(http, zotero_emu, "POST", "/users/1/items", [preprint()], key=None).status_code == 403
    readonly = zot_for(zotero_emu, zotero_emu.readonly_key)
    assert readonly.items() == []
    with pytest.raises(ze.UserNotAuthorisedError, match="Write access denied"):
        readonly.create_items([preprint()])
    assert zotero_emu.library().items == {}


def test_key_info_and_keys_current(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    info = zot_for(zotero_emu).key_info()  # pyzotero asks /keys/<key>
    assert info == {
        "key": zotero_emu.api_key, "userID": 1, "username": "alice", "displayName": "",
        "access": {"user": {"library": True, "notes": True, "write": True, "files": True},
                   "groups": {str(GROUP_ID): {"library": True, "write": True}}},
    }
    current = call(http, zotero_emu, "GET", "/keys/current", key="readonly").json()
    assert current["access"]["user"]["write"] is False
    assert current["access"]["groups"] == {str(GROUP_ID): {"library": True, "write": False}}
    assert call(http, zotero_emu, "GET", "/keys/current", key=None).status_code == 403


def test_libraries_the_key_has_no_rights_to_are_forbidden(zotero_emu: ZoteroEmulator,
                                                           http: requests.Session) -> None:
    zotero_emu.add_user(2, "bob")
    zotero_emu.add_group(7, "Other")
    assert call(http, zotero_emu, "GET", "/users/2/items").status_code == 403
    assert call(http, zotero_emu, "GET", "/groups/7/items").status_code == 403
    assert call(http, zotero_emu, "GET", f"/groups/{GROUP_ID}/items", key="readonly").status_code == 200


def test_group_library_write_rights(zotero_emu: ZoteroEmulator) -> None:
    group = zot_for(zotero_emu, library_id=GROUP_ID, library_type="group")
    assert create_one(group, preprint()) in zotero_emu.library(f"/groups/{GROUP_ID}").items
    readonly = zot_for(zotero_emu, zotero_emu.readonly_key, library_id=GROUP_ID, library_type="group")
    assert len(readonly.items()) == 1
    with pytest.raises(ze.UserNotAuthorisedError):
        readonly.create_items([preprint()])


def test_more_than_five_auth_failures_ban_the_ip(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    codes = [call(http, zotero_emu, "GET", "/users/1/items", key=f"Bad{i}").status_code for i in range(7)]
    assert codes == [403] * 6 + [429]
    assert call(http, zotero_emu, "GET", "/users/1/items").status_code == 429  # even a good key
    assert call(http, zotero_emu, "GET", "/itemTypes", key=None).status_code == 200  # no key: not banned
    zotero_emu.clear_auth_failures()
    assert call(http, zotero_emu, "GET", "/users/1/items").status_code == 200


# -- 2. headers and pagination -----------------------------------------------------------


def test_every_answer_carries_api_and_schema_versions(zotero_emu: ZoteroEmulator,
                                                      http: requests.Session) -> None:
    for path in ("/users/1/items", "/nowhere", "/items/new?itemType=preprint"):
        response = call(http, zotero_emu, "GET", path)
        assert response.headers["Zotero-API-Version"] == "3"
        assert response.headers["Zotero-Schema-Version"] == "41"


def test_last_modified_version_on_library_answers_even_412(zotero_emu: ZoteroEmulator,
                                                            http: requests.Session) -> None:
    post_items(http, zotero_emu, [preprint(), preprint(title="Two")])
    assert call(http, zotero_emu, "GET", "/users/1/items").headers["Last-Modified-Version"] == "2"
    refused = call(http, zotero_emu, "POST", "/users/1/items", [preprint()],
                   headers={"If-Unmodified-Since-Version": "1"})
    assert refused.status_code == 412
    assert refused.headers["Last-Modified-Version"] == "2"
    # any other 4xx drops it (ApiController::__call): a missing item, a refused write
    assert "Last-Modified-Version" not in call(http, zotero_emu, "GET", "/users/1/items/ABCD2345").headers
    bad = call(http, zotero_emu, "POST", "/users/1/items", [{"itemType": "preprint", "colour": "red"}])
    assert bad.status_code == 200  # (a per-object failure: the request itself succeeded)
    assert bad.headers["Last-Modified-Version"] == "2"
    assert "Last-Modified-Version" not in call(http, zotero_emu, "POST", "/users/1/items", "{").headers


def test_limit_defaults_to_25_and_is_clamped_to_100(zotero_emu: ZoteroEmulator,
                                                    http: requests.Session) -> None:
    zotero_emu.seed_items(items=list(synthetic_preprints(130)))
    def count(**params: Any) -> int:
        return len(call(http, zotero_emu, "GET", "/users/1/items", **params).json())
    assert count() == 25
    assert count(limit=500) == 100
    assert count(limit=0) == 25
    assert count(limit=-3) == 25
    assert count(limit=10, start=125) == 5
    assert call(http, zotero_emu, "GET", "/users/1/items").headers["Total-Results"] == "130"


def test_link_header_is_the_dataservers(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    zotero_emu.seed_items(items=list(synthetic_preprints(120)))
    base = zotero_emu.url + "/users/1/items"
    middle = call(http, zotero_emu, "GET", "/users/1/items", limit=25, start=50, locale="en-US")
    assert middle.headers["Link"] == ", ".join([
        f'<{base}>; rel="first"',
        f'<{base}?start=25>; rel="prev"',
        f'<{base}?start=75>; rel="next"',
        f'<{base}?start=100>; rel="last"',
        '<https://www.zotero.org/users/1/items>; rel="alternate"',
    ])
    first = call(http, zotero_emu, "GET", "/users/1/items", limit=100, format="json")
    assert first.headers["Link"] == (f'<{base}?limit=100&start=100>; rel="next", '
                                     f'<{base}?limit=100&start=100>; rel="last", '
                                     '<https://www.zotero.org/users/1/items>; rel="alternate"')
    last = call(http, zotero_emu, "GET", "/users/1/items", limit=100, start=100)
    assert 'rel="next"' not in last.headers["Link"]
    assert f'<{base}?limit=100>; rel="prev"' in last.headers["Link"]


def test_pyzotero_everything_follows_next_links(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    keys = zotero_emu.seed_items(items=list(synthetic_preprints(250)))
    zotero_emu.clear_log()
    everything = zot.everything(zot.items())
    assert sorted(i["key"] for i in everything) == sorted(keys)
    assert [(r.path, r.query.get("start")) for r in zotero_emu.log] == [
        ("/users/1/items", None), ("/users/1/items", "100"), ("/users/1/items", "200")]
    assert zot.num_items() == 250


def test_unknown_query_parameters_are_ignored(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    post_items(http, zotero_emu, [preprint()])
    response = call(http, zotero_emu, "GET", "/users/1/items", locale="en-US", foo="bar", timeout="30")
    assert response.status_code == 200
    assert len(response.json()) == 1


# -- 3. reads ----------------------------------------------------------------------------


def test_top_children_and_single_items(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    parent = create_one(zot, preprint())
    note = create_one(zot, {"itemType": "note", "parentItem": parent, "note": "<p>Comment: 13 pages</p>"})
    assert [i["key"] for i in zot.top()] == [parent]
    assert {i["key"] for i in zot.items()} == {parent, note}
    assert [i["key"] for i in zot.children(parent)] == [note]
    envelope = zot.item(parent)
    assert set(envelope) == {"key", "version", "library", "links", "meta", "data"}
    assert envelope["meta"] == {"creatorSummary": "Devlin and Chang", "parsedDate": "2019-05-24",
                                "numChildren": 1}
    assert envelope["library"]["type"] == "user"
    child = zot.item(note)
    assert child["data"]["parentItem"] == parent
    assert "collections" not in child["data"]
    assert child["links"]["up"]["href"].endswith(f"/users/1/items/{parent}")
    assert zot.request is not None
    assert zot.request.headers["Last-Modified-Version"] == str(child["version"])
    with pytest.raises(ze.ResourceNotFoundError):
        zot.item("ABCD2345")


def test_item_data_lists_every_field_of_its_type(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    key = create_one(zot, {"itemType": "preprint", "title": "Only a title"})
    data = zot.item(key)["data"]
    assert list(data)[:5] == ["key", "version", "itemType", "title", "creators"]
    assert set(ITEM_TYPE_FIELDS["preprint"]) <= set(data)
    assert data["repository"] == ""
    assert list(data)[-5:] == ["tags", "collections", "relations", "dateAdded", "dateModified"]


def test_collections_reads(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    made = zot.create_collections([{"name": "Reading"}])
    top = made["success"]["0"]
    sub = zot.create_collections([{"name": "NLP", "parentCollection": top}])["success"]["0"]
    parent = create_one(zot, preprint(collections=[sub]))
    create_one(zot, {"itemType": "note", "parentItem": parent, "note": "n"})
    assert [c["key"] for c in zot.collections_top()] == [top]
    assert [c["key"] for c in zot.collections_sub(top)] == [sub]
    assert {c["key"] for c in zot.all_collections()} == {top, sub}
    assert zot.collection(top)["meta"] == {"numCollections": 1, "numItems": 0}
    assert zot.collection(sub)["meta"] == {"numCollections": 0, "numItems": 1}
    assert [i["key"] for i in zot.collection_items(sub)] == [parent]
    assert [i["key"] for i in zot.collection_items_top(sub)] == [parent]
    assert zot.num_collectionitems(sub) == 1


def test_user_groups(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    groups = zot.groups()
    assert [(g["id"], g["data"]["name"], g["data"]["owner"]) for g in groups] == [(GROUP_ID, "Lab", 1)]


def test_item_templates(zotero_emu: ZoteroEmulator, zot: zotero.Zotero, http: requests.Session) -> None:
    template = zot.item_template("preprint")
    assert template["creators"] == [{"creatorType": "author", "firstName": "", "lastName": ""}]
    assert {"repository", "archiveID", "genre"} <= set(template)
    assert "publisher" not in template
    template.update(title="From a template")
    assert create_one(zot, template)  # the lone empty creator is dropped
    link = zot.item_template("attachment", "linked_url")
    assert (link["linkMode"], link["url"]) == ("linked_url", "")
    assert zot.item_template("note") == {"itemType": "note", "note": "", "tags": [], "collections": [],
                                         "relations": {}}
    assert call(http, zotero_emu, "GET", "/items/new", itemType="nope").status_code == 400
    assert call(http, zotero_emu, "GET", "/items/new", itemType="attachment").status_code == 400


def test_schema_endpoints_let_pyzotero_check_items(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    key = create_one(zot, preprint())
    item = zot.item(key)
    item["data"]["title"] = "Renamed"
    assert zot.update_items([item["data"]]) is True  # check_items() reads /itemFields
    assert zotero_emu.library().item(key)["title"] == "Renamed"  # type: ignore[index]
    fields: Any = zot.item_type_fields("preprint")
    creator_types: Any = zot.item_creator_types("thesis")
    item_types: Any = zot.item_types()
    assert {"field": "archiveID", "localized": "Archive ID"} in fields
    assert [c["creatorType"] for c in creator_types] == ["author", "contributor"]
    assert any(t["itemType"] == "preprint" for t in item_types)


def test_item_key_filter(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    keys = zotero_emu.seed_items(items=list(synthetic_preprints(60)))
    found = call(http, zotero_emu, "GET", "/users/1/items", itemKey=",".join(keys[:50]), limit=5)
    assert len(found.json()) == 50  # itemKey forces limit=50
    assert call(http, zotero_emu, "GET", "/users/1/items", itemKey=",".join(keys[:51])).status_code == 400
    assert call(http, zotero_emu, "GET", "/users/1/items", itemKey="nope").status_code == 400
    missing = call(http, zotero_emu, "GET", "/users/1/items", itemKey=f"{keys[0]},ABCD2345").json()
    assert [i["key"] for i in missing] == [keys[0]]


def test_keys_and_versions_formats_are_unlimited(zotero_emu: ZoteroEmulator, http: requests.Session,
                                                 zot: zotero.Zotero) -> None:
    keys = zotero_emu.seed_items(items=list(synthetic_preprints(150)))
    listed = call(http, zotero_emu, "GET", "/users/1/items", format="keys")
    assert listed.headers["Content-Type"].startswith("text/plain")
    assert sorted(listed.text.split()) == sorted(keys)
    assert zot.item_versions() == dict.fromkeys(keys, 1)
    assert call(http, zotero_emu, "GET", "/users/1/items", format="versions", since=1).json() == {}
    assert call(http, zotero_emu, "GET", "/users/1/items", format="bibtex").status_code == 400


def test_since_and_if_modified_since_version(zotero_emu: ZoteroEmulator, http: requests.Session,
                                             zot: zotero.Zotero) -> None:
    first = create_one(zot, preprint())
    second = create_one(zot, preprint(title="Second"))
    assert zot.item_versions(since=1) == {second: 2}
    assert [i["key"] for i in zot.items(since=0)] == [second, first]
    unchanged = call(http, zotero_emu, "GET", "/users/1/items", format="versions",
                     headers={"If-Modified-Since-Version": "2"})
    # DS checkLibraryIfModifiedSinceVersion() runs in init(), before any version header
    assert unchanged.status_code == 304
    assert "Last-Modified-Version" not in unchanged.headers
    assert "Zotero-API-Version" not in unchanged.headers
    changed = call(http, zotero_emu, "GET", "/users/1/items", headers={"If-Modified-Since-Version": "1"})
    assert changed.status_code == 200
    assert call(http, zotero_emu, "GET", "/users/1/items", since="x").status_code == 400
    assert zot.last_modified_version() == 2


def test_deleted_needs_since(zotero_emu: ZoteroEmulator, http: requests.Session, zot: zotero.Zotero) -> None:
    assert call(http, zotero_emu, "GET", "/users/1/deleted").status_code == 400
    key = create_one(zot, preprint())
    zot.delete_item(zot.item(key))
    assert zot.deleted(since=0) == {"collections": [], "items": [key], "searches": [], "tags": [],
                                    "settings": []}
    assert zot.deleted(since=2)["items"] == []


def test_quick_search_and_filters(zotero_emu: ZoteroEmulator, zot: zotero.Zotero,
                                  http: requests.Session) -> None:
    bert = create_one(zot, preprint())
    gpt = create_one(zot, preprint(title="Language Models are Few-Shot Learners",
                                   creators=[{"creatorType": "author", "name": "OpenAI"}], tags=[]))
    assert [i["key"] for i in zot.items(q="bidirectional")] == [bert]
    assert [i["key"] for i in zot.items(q="openai")] == [gpt]
    assert [i["key"] for i in zot.items(q="10.48550", qmode="everything")] == [gpt, bert]
    assert [i["key"] for i in zot.items(tag="Computer Science - Computation and Language")] == [bert]
    assert [i["key"] for i in zot.items(tag="-Computer Science - Computation and Language")] == [gpt]
    assert [i["key"] for i in zot.items(itemType="-note")] == [gpt, bert]
    assert [i["key"] for i in zot.items(sort="title", direction="asc")] == [bert, gpt]
    assert call(http, zotero_emu, "GET", "/users/1/items", sort="colour").status_code == 400


def test_tags_and_deleting_tags(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    create_one(zot, preprint(tags=[{"tag": "nlp"}, {"tag": "Computer Science", "type": 1}]))
    assert sorted(zot.tags()) == ["Computer Science", "nlp"]
    assert zot.delete_tags("nlp") is True  # reads the version from GET tags, then DELETE
    assert zot.tags() == ["Computer Science"]
    assert zot.deleted(since=1)["tags"] == ["nlp"]


def test_only_api_version_3(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    older = call(http, zotero_emu, "GET", "/users/1/items", headers={"Zotero-API-Version": "2"})
    assert older.status_code == 400
    assert call(http, zotero_emu, "GET", "/users/1/items", v="2").status_code == 400


def test_concurrent_writers_get_distinct_versions(zotero_emu: ZoteroEmulator) -> None:
    def write(batch: int) -> dict[str, Any]:
        with requests.Session() as session:
            session.trust_env = False
            return post_items(session, zotero_emu, [preprint(title=f"{batch}-{i}") for i in range(10)])

    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(pool.map(write, range(4)))
    versions = [o["version"] for r in reports for o in r["successful"].values()]
    assert sorted(versions) == list(range(1, 41))
    assert zotero_emu.library().version == 40


# -- 4-5. batch writes and client keys -----------------------------------------------------


def test_write_report_has_four_maps_keyed_by_index(zotero_emu: ZoteroEmulator,
                                                   http: requests.Session) -> None:
    report = post_items(http, zotero_emu, [preprint(), {"itemType": "preprint", "arXivID": BERT}])
    assert set(report) == {"successful", "success", "unchanged", "failed"}
    key = report["success"]["0"]
    assert report["successful"]["0"]["key"] == key
    assert report["successful"]["0"]["data"]["title"].startswith("BERT")
    assert set(report["successful"]["0"]) == {"key", "version", "library", "links", "meta", "data"}
    assert report["failed"] == {"1": {"code": 400, "message": "Invalid property 'arXivID'"}}
    assert report["unchanged"] == {}


def test_objects_are_independent_each_with_its_own_version(zotero_emu: ZoteroEmulator,
                                                           http: requests.Session) -> None:
    report = post_items(http, zotero_emu, [preprint(), {"itemType": "bogus"}, preprint(title="Third")])
    assert sorted(report["success"]) == ["0", "2"]
    assert report["failed"]["1"]["code"] == 400
    assert [report["successful"][i]["version"] for i in ("0", "2")] == [1, 2]
    assert zotero_emu.library().version == 2


def test_more_than_50_objects_is_413_and_nothing_is_written(zotero_emu: ZoteroEmulator,
                                                            http: requests.Session) -> None:
    response = call(http, zotero_emu, "POST", "/users/1/items", [preprint(title=str(i)) for i in range(51)])
    assert (response.status_code, response.text) == (413, "Cannot add more than 50 items at a time")
    assert zotero_emu.library().items == {}
    assert zotero_emu.library().version == 0
    assert len(post_items(http, zotero_emu, [preprint(title=str(i)) for i in range(50)])["success"]) == 50


def test_the_body_must_be_a_json_array(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    assert call(http, zotero_emu, "POST", "/users/1/items", preprint()).status_code == 400
    assert call(http, zotero_emu, "POST", "/users/1/items", b"[{").status_code == 400
    assert call(http, zotero_emu, "POST", "/users/1/items", b"[]",
                headers={"Content-Type": "text/plain"}).status_code == 400
    assert post_items(http, zotero_emu, [7])["failed"]["0"]["code"] == 400


def test_unchanged_objects_and_patch_semantics(zotero_emu: ZoteroEmulator, http: requests.Session,
                                               zot: zotero.Zotero) -> None:
    key = create_one(zot, preprint())
    again = post_items(http, zotero_emu, [{"key": key, "version": 1, "title": preprint()["title"]}])
    assert again["unchanged"] == {"0": key}
    assert zotero_emu.library().version == 1
    patched = post_items(http, zotero_emu, [{"key": key, "version": 1, "date": "2018-10-11"}])
    data = patched["successful"]["0"]["data"]
    assert (data["date"], data["DOI"], data["version"]) == ("2018-10-11", f"10.48550/arXiv.{BERT}", 2)
    assert len(data["creators"]) == 2


@pytest.mark.parametrize("bad", ["ABCD0EFG", "ABCD1EFG", "ABCDOEFG", "abcd2345", "ABCD234", "ABCD23456"])
def test_client_keys_must_use_the_alphabet(zotero_emu: ZoteroEmulator, http: requests.Session,
                                           bad: str) -> None:
    report = post_items(http, zotero_emu, [preprint(key=bad, version=0)])
    assert failure(report) == (400, f"'{bad}' is not a valid item key")
    assert report["failed"]["0"]["key"] == bad


def test_the_428_trap(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    report = post_items(http, zotero_emu, [preprint(key="ABCD2345")])
    assert failure(report)[0] == 428
    assert zotero_emu.library().items == {}
    created = post_items(http, zotero_emu, [preprint(key="ABCD2345")],
                         headers={"If-Unmodified-Since-Version": "0"})
    assert created["success"] == {"0": "ABCD2345"}


def test_version_checks_on_keyed_objects(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    assert post_items(http, zotero_emu, [preprint(key="ABCD2345", version=0)])["success"] == {"0": "ABCD2345"}
    post_items(http, zotero_emu, [{"key": "ABCD2345", "version": 1, "title": "Changed"}])
    report = post_items(http, zotero_emu, [
        preprint(key="ABCD2345", version=0),  # already created
        preprint(key="BCDE3456", version=5),  # never created
        {"key": "ABCD2345", "version": 1, "title": "Stale"},  # now at version 2
        {"version": 3, "title": "No key"},
    ])
    assert failure(report, 0) == (412, "Item has been modified since specified version (expected 0, found 2)")
    assert failure(report, 1)[0] == 404
    assert failure(report, 2)[0] == 412
    assert failure(report, 3)[0] == 400


def test_parent_and_child_in_one_request(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    report = post_items(http, zotero_emu, [
        preprint(key="PARENT23", version=0),
        {"itemType": "note", "key": "NTE23456", "version": 0, "parentItem": "PARENT23",
         "note": "<p>Comment: 13 pages</p>", "tags": [], "relations": {}},
        {"itemType": "attachment", "linkMode": "linked_url", "parentItem": "PARENT23", "title": "arXiv PDF",
         "url": f"https://arxiv.org/pdf/{BERT}", "tags": [], "relations": {}},
    ])
    assert sorted(report["success"]) == ["0", "1", "2"]
    assert zotero_emu.library().item("NTE23456")["parentItem"] == "PARENT23"  # type: ignore[index]


def test_missing_parent_is_409_and_a_failed_parent_fails_its_child(zotero_emu: ZoteroEmulator,
                                                                    http: requests.Session) -> None:
    report = post_items(http, zotero_emu, [
        {"itemType": "note", "parentItem": "ABCD2345", "note": "orphan"},
        preprint(key="PARENT23", version=0, publisher="nope"),
        {"itemType": "note", "parentItem": "PARENT23", "note": "child of a failed parent"},
    ])
    assert report["failed"]["0"] == {"code": 409, "message": "Parent item ABCD2345 not found",
                                     "data": {"parentItem": "ABCD2345"}}
    assert failure(report, 1)[0] == 400
    assert report["failed"]["2"]["data"] == {"parentItem": "PARENT23"}


def test_a_note_cannot_be_a_parent(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    report = post_items(http, zotero_emu, [
        {"itemType": "note", "key": "NTE23456", "version": 0, "note": "standalone"},
        {"itemType": "note", "parentItem": "NTE23456", "note": "child of a note"},
        preprint(parentItem="NTE23456"),
    ])
    assert report["failed"]["1"]["code"] == 409
    assert failure(report, 2) == (400, "Child item must be note or attachment")


def test_children_cannot_have_collections(zotero_emu: ZoteroEmulator, zot: zotero.Zotero,
                                          http: requests.Session) -> None:
    collection = zot.create_collections([{"name": "A"}])["success"]["0"]
    parent = create_one(zot, preprint())
    report = post_items(http, zotero_emu, [{"itemType": "note", "parentItem": parent, "note": "n",
                                            "collections": [collection]}])
    assert failure(report) == (400, "Child items cannot be assigned to collections")
    ok = post_items(http, zotero_emu, [{"itemType": "note", "parentItem": parent, "note": "n",
                                        "collections": []}])
    assert "collections" not in ok["successful"]["0"]["data"]


def test_missing_collection_is_409(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    report = post_items(http, zotero_emu, [preprint(collections=["ABCD2345"])])
    assert report["failed"]["0"] == {"code": 409, "message": "Collection ABCD2345 not found",
                                     "data": {"collection": "ABCD2345"}}
    assert failure(post_items(http, zotero_emu, [preprint(collections=["nope"])]))[0] == 400


def test_failure_messages_are_html_escaped(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    report = post_items(http, zotero_emu, [{"itemType": "preprint", "<b>&\"x\"": 1}])
    assert failure(report)[1] == "Invalid property '&lt;b&gt;&amp;&quot;x&quot;'"


# -- 6. write tokens and preconditions -----------------------------------------------------


def test_write_token_reuse_is_412_even_after_a_partial_failure(zotero_emu: ZoteroEmulator,
                                                                http: requests.Session) -> None:
    token = {"Zotero-Write-Token": "a" * 32}
    report = post_items(http, zotero_emu, [preprint(), {"itemType": "bogus"}], headers=token)
    assert (sorted(report["success"]), sorted(report["failed"])) == (["0"], ["1"])
    again = call(http, zotero_emu, "POST", "/users/1/items", [preprint()], headers=token)
    assert (again.status_code, again.text) == (412, "Write token already used")
    assert len(zotero_emu.library().items) == 1
    second_key = zotero_emu.add_key(user_id=1, write=True)
    other_key = call(http, zotero_emu, "POST", "/users/1/items", [preprint()], key=second_key, headers=token)
    assert other_key.status_code == 200  # tokens are remembered per (key, token)
    too_short = call(http, zotero_emu, "POST", "/users/1/items", [preprint()],
                     headers={"Zotero-Write-Token": "abcd"})
    assert too_short.status_code == 400


def test_a_whole_request_refusal_does_not_burn_the_token(zotero_emu: ZoteroEmulator,
                                                          http: requests.Session) -> None:
    token = {"Zotero-Write-Token": "token-413-then-ok"}
    big = [preprint(title=str(i)) for i in range(51)]
    assert call(http, zotero_emu, "POST", "/users/1/items", big, headers=token).status_code == 413
    assert call(http, zotero_emu, "POST", "/users/1/items", big[:50], headers=token).status_code == 200


def test_pyzotero_sends_a_fresh_token_per_call(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    create_one(zot, preprint())
    create_one(zot, preprint(title="Again"))
    tokens = [r.headers["zotero-write-token"] for r in zotero_emu.writes]
    assert len(set(tokens)) == 2


def test_if_unmodified_since_version_on_batches(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    create_one(zot, preprint())
    with pytest.raises(ze.PreConditionFailedError):
        zot.create_items([preprint(title="late")], last_modified=0)
    assert zot.request is not None
    assert zot.request.headers["Last-Modified-Version"] == "1"
    report = zot.create_items([preprint(title="current", key="ABCD2345")], last_modified=1)
    assert report["success"] == {"0": "ABCD2345"}


# -- single-object writes -------------------------------------------------------------------


def test_patch_and_put_one_item(zotero_emu: ZoteroEmulator, http: requests.Session,
                                zot: zotero.Zotero) -> None:
    key = create_one(zot, preprint())
    path = f"/users/1/items/{key}"
    assert call(http, zotero_emu, "PATCH", path, {"title": "x"}).status_code == 428
    mismatch = call(http, zotero_emu, "PATCH", path, {"title": "x", "version": 1},
                    headers={"If-Unmodified-Since-Version": "0"})
    assert mismatch.status_code == 400
    stale = call(http, zotero_emu, "PATCH", path, {"title": "x"},
                 headers={"If-Unmodified-Since-Version": "0"})
    assert stale.status_code == 412
    done = call(http, zotero_emu, "PATCH", path, {"title": "Patched", "version": 1})
    assert (done.status_code, done.headers["Last-Modified-Version"], done.content) == (204, "2", b"")
    assert zotero_emu.library().item(key)["DOI"] == f"10.48550/arXiv.{BERT}"  # type: ignore[index]
    replaced = call(http, zotero_emu, "PUT", path, {"itemType": "preprint", "title": "Replaced"},
                    headers={"If-Unmodified-Since-Version": "2"})
    assert replaced.status_code == 204
    data = zotero_emu.library().item(key)
    assert data is not None
    assert (data["title"], data["DOI"], data["creators"]) == ("Replaced", "", [])
    wrong_key = call(http, zotero_emu, "PATCH", path, {"key": "ABCD2345", "version": 3})
    assert wrong_key.status_code == 409


def test_pyzotero_update_item(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    key = create_one(zot, preprint())
    item = zot.item(key)
    item["data"]["extra"] = "arXiv:1810.04805 [cs.CL]"
    assert zot.update_item(item) is True
    assert zotero_emu.library().item(key)["extra"] == "arXiv:1810.04805 [cs.CL]"  # type: ignore[index]
    with pytest.raises(ze.PreConditionFailedError):
        zot.update_item(item)  # item still says version 1


def test_delete_one_item_takes_its_children(zotero_emu: ZoteroEmulator, zot: zotero.Zotero,
                                            http: requests.Session) -> None:
    parent = create_one(zot, preprint())
    note = create_one(zot, {"itemType": "note", "parentItem": parent, "note": "n"})
    path = f"/users/1/items/{parent}"
    assert call(http, zotero_emu, "DELETE", path).status_code == 428
    def delete(since: str) -> requests.Response:
        return call(http, zotero_emu, "DELETE", path, headers={"If-Unmodified-Since-Version": since})

    assert delete("0").status_code == 412
    deleted = delete("1")
    assert (deleted.status_code, deleted.headers["Last-Modified-Version"]) == (204, "3")
    assert zotero_emu.library().items == {}
    assert sorted(zot.deleted(since=2)["items"]) == sorted([parent, note])
    assert delete("3").status_code == 404


def test_delete_items_by_key(zotero_emu: ZoteroEmulator, http: requests.Session, zot: zotero.Zotero) -> None:
    keys = zotero_emu.seed_items(items=list(synthetic_preprints(3)))
    assert call(http, zotero_emu, "DELETE", "/users/1/items", itemKey=keys[0]).status_code == 428
    stale = call(http, zotero_emu, "DELETE", "/users/1/items", itemKey=keys[0],
                 headers={"If-Unmodified-Since-Version": "0"})
    assert stale.status_code == 412
    too_many = call(http, zotero_emu, "DELETE", "/users/1/items", itemKey=",".join(["ABCD2345"] * 51),
                    headers={"If-Unmodified-Since-Version": "1"})
    assert too_many.status_code == 400
    zot.delete_item([zot.item(keys[0]), zot.item(keys[1])])
    assert list(zotero_emu.library().items) == [keys[2]]
    assert sorted(zotero_emu.library().deleted["items"]) == sorted(keys[:2])


def test_collections_put_patch_delete(zotero_emu: ZoteroEmulator, zot: zotero.Zotero,
                                      http: requests.Session) -> None:
    top = zot.create_collections([{"name": "Reading"}])["success"]["0"]
    sub = zot.create_collections([{"name": "NLP", "parentCollection": top}])["success"]["0"]
    item = create_one(zot, preprint(collections=[sub]))
    collection = zot.collection(top)
    collection["data"]["name"] = "Reading list"
    assert zot.update_collection(collection) is True  # PUT with the whole envelope
    assert zotero_emu.library().collection(top)["name"] == "Reading list"  # type: ignore[index]
    patched = call(http, zotero_emu, "PATCH", f"/users/1/collections/{sub}", {"name": "NLP papers"},
                   headers={"If-Unmodified-Since-Version": "3"})
    assert patched.status_code == 204
    assert zot.delete_collection(zot.collection(top)) is True  # takes the subcollection along
    library = zotero_emu.library()
    assert library.collections == {}
    assert library.item(item)["collections"] == []  # type: ignore[index]
    assert sorted(zot.deleted(since=0)["collections"]) == sorted([top, sub])


# -- 7. validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(("item", "code", "message"), [
    ({"itemType": "bogus"}, 400, "'bogus' is not a valid itemType"),
    ({"itemType": "patent"}, 400, "Item type 'patent' is not supported by the Zotero emulator"),
    ({"title": "no type"}, 400, "'itemType' property not provided"),
    (preprint(arXivID=BERT), 400, "Invalid property 'arXivID'"),
    (preprint(publisher="arXiv"), 400, "'publisher' is not a valid field for type 'preprint'"),
    (preprint(number="1810.04805"), 400, "'number' is not a valid field for type 'preprint'"),
    (preprint(type="Preprint"), 400, "'type' is not a valid field for type 'preprint'"),
    ({"itemType": "bookSection", "publicationTitle": "B"}, 400,
     "'publicationTitle' is not a valid field for type 'bookSection'"),
    (preprint(title=["a"]), 400, "Unexpected array for property 'title'"),
    (preprint(note="<p>x</p>"), 400, "'note' property is valid only for note and attachment items"),
    ({"itemType": "note", "title": "t"}, 400, "'title' is not a valid field for type 'note'"),
    (preprint(creators=[{"creatorType": "author", "firstName": "Jacob"}]), 400,
     "'lastName' creator field must be set if 'firstName' is set"),
    (preprint(creators=[{"creatorType": "author", "name": "OpenAI", "lastName": "X"}]), 400,
     "'lastName' and 'name' creator fields are mutually exclusive"),
    (preprint(creators=[{"firstName": "A", "lastName": "B"}]), 400,
     "creator object must contain 'creatorType'"),
    (preprint(creators=[{"creatorType": "wizard", "name": "M"}]), 400,
     "'wizard' is not a valid creator type"),
    ({"itemType": "thesis", "creators": [{"creatorType": "editor", "name": "E"}]}, 400,
     "'editor' is not a valid creator type for item type 'thesis'"),
    (preprint(creators=[{"creatorType": "author", "name": "X", "orcid": "0000"}]), 400,
     "Invalid creator property 'orcid'"),
    (preprint(creators="Devlin"), 400, "'creators' property must be an array"),
    (preprint(tags=[{"tag": "x", "colour": "red"}]), 400, "Invalid tag property 'colour'"),
    (preprint(tags=[{"tag": ""}]), 400, "Tag cannot be empty"),
    (preprint(tags=[{}]), 400, "Tag object is empty"),
    (preprint(tags=[{"tag": "x", "type": "auto"}]), 400, "Invalid tag type 'auto'"),
    (preprint(tags=["x"]), 400, "Tag must be an object"),
    (preprint(relations={"dc:sees": "x"}), 400, "Unsupported predicate 'dc:sees'"),
    (preprint(accessDate="yesterday"), 400,
     "'accessDate' must be in ISO 8601 or UTC 'YYYY-MM-DD[ hh:mm:ss]' format or 'CURRENT_TIMESTAMP'"),
])
def test_invalid_items_fail_with_the_dataservers_message(zotero_emu: ZoteroEmulator, http: requests.Session,
                                                         item: dict[str, Any], code: int,
                                                         message: str) -> None:
    report = post_items(http, zotero_emu, [item])
    assert failure(report) == (code, message)
    assert zotero_emu.library().items == {}


def test_empty_base_fields_are_tolerated(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    key = create_one(zot, preprint(publisher="", number="", type="  "))
    assert "publisher" not in zotero_emu.library().item(key)  # type: ignore[operator]


def test_name_creators_and_all_empty_creators(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    key = create_one(zot, preprint(creators=[
        {"creatorType": "author", "name": " OpenAI "},
        {"creatorType": "reviewedAuthor", "firstName": "", "lastName": "Solo"},
        {"creatorType": "author", "firstName": "", "lastName": ""},  # ends the list
        {"creatorType": "author", "firstName": "Dropped", "lastName": "Too"},
    ]))
    assert zotero_emu.library().item(key)["creators"] == [  # type: ignore[index]
        {"creatorType": "author", "name": "OpenAI"},
        {"creatorType": "reviewedAuthor", "firstName": "", "lastName": "Solo"},
    ]


def test_lengths_over_the_limits_are_413(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    report = post_items(http, zotero_emu, [
        {"itemType": "note", "note": "x" * 500_001},
        preprint(abstractNote="中" * 21_846),  # 65538 bytes in UTF-8
        preprint(tags=[{"tag": "t" * 256}]),
        {"itemType": "note", "note": "y" * 500_000},
        preprint(abstractNote="中" * 21_845),
        preprint(tags=[{"tag": "t" * 255}]),
    ])
    assert [report["failed"][str(i)]["code"] for i in range(3)] == [413, 413, 413]
    assert sorted(report["success"]) == ["3", "4", "5"]
    names = call(http, zotero_emu, "POST", "/users/1/collections", [{"name": "n" * 256}, {"name": "n" * 255},
                                                                   {"name": "  "}]).json()
    assert names["failed"]["0"]["code"] == 413
    assert names["failed"]["2"] == {"code": 400, "message": "Collection name cannot be empty"}
    assert list(names["success"]) == ["1"]


def test_values_are_trimmed(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    creators = [{"creatorType": "author", "firstName": " Jacob ", "lastName": "Devlin\n"}]
    tags = [{"tag": " nlp "}, {"tag": "nlp"}]
    key = create_one(zot, preprint(title="  BERT  ", creators=creators, tags=tags))
    data = zotero_emu.library().item(key)
    assert data is not None
    assert data["title"] == "BERT"
    assert data["creators"] == [{"creatorType": "author", "firstName": "Jacob", "lastName": "Devlin"}]
    assert data["tags"] == [{"tag": "nlp"}]
    collection = zot.create_collections([{"name": "  Reading  "}])["successful"]["0"]["data"]
    assert collection["name"] == "Reading"


def test_notes_are_stored_sanitized(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    parent = create_one(zot, preprint())
    sent = ('<p onclick="steal()">评论：13 页 <a href=" javascript:alert(1)">x</a>'
            '<a href="https://arxiv.org/abs/1810.04805">arXiv</a></p>'
            '<script>alert(1)</script><style>p{}</style><h1>Summary</h1>')
    key = create_one(zot, {"itemType": "note", "parentItem": parent, "note": sent})
    stored = zotero_emu.library().item(key)["note"]  # type: ignore[index]
    assert stored != sent
    assert "<script" not in stored and "alert" not in stored and "onclick" not in stored
    assert "<style" not in stored and "javascript:" not in stored
    assert "评论：13 页" in stored
    assert '<a href="https://arxiv.org/abs/1810.04805">arXiv</a>' in stored
    assert "<h1>Summary</h1>" in stored


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["<script>", "</script>", "<p>", "</p>", "<a href='javascript:x'>",
                                 "<img src=x onerror=alert(1)>", "<b>", "text", "中文", "&amp;",
                                 "<style>", "</style>", "<!-- c -->", "<ScRiPt>", "<iframe>"]), max_size=12))
def test_sanitized_notes_never_keep_scripts(parts: list[str]) -> None:
    cleaned = sanitize_note("".join(parts)).lower()
    assert "<script" not in cleaned
    assert "<iframe" not in cleaned
    assert "onerror" not in cleaned
    assert "javascript:" not in cleaned
    assert sanitize_note(cleaned) == cleaned  # stable once sanitized


def test_attachments(zotero_emu: ZoteroEmulator, zot: zotero.Zotero, http: requests.Session) -> None:
    parent = create_one(zot, preprint())
    link = {"itemType": "attachment", "linkMode": "linked_url", "parentItem": parent, "title": "arXiv PDF",
            "url": f"https://arxiv.org/pdf/{BERT}", "accessDate": "2024-01-02 03:04:05", "contentType": "",
            "charset": "", "note": "", "tags": [], "relations": {}}
    key = create_one(zot, link)
    data = zotero_emu.library().item(key)
    assert data is not None
    assert (data["linkMode"], data["accessDate"]) == ("linked_url", "2024-01-02T03:04:05Z")
    report = post_items(http, zotero_emu, [
        {"key": key, "version": data["version"], "linkMode": "imported_url"},
        {**link, "filename": "x.pdf"},
        {**link, "linkMode": "embedded"},
        {"itemType": "attachment", "parentItem": parent, "title": "no mode"},
        {"itemType": "attachment", "linkMode": "imported_file", "parentItem": parent, "md5": "XYZ"},
        {"itemType": "attachment", "linkMode": "imported_file", "parentItem": parent, "filename": "a.pdf",
         "md5": "0" * 32, "mtime": 1700000000000, "contentType": "application/pdf"},
        {"itemType": "attachment", "linkMode": "linked_file", "parentItem": parent, "path": "/tmp/a.pdf"},
        preprint(contentType="application/pdf"),
    ])
    messages = {i: failure(report, i)[1] for i in (0, 1, 2, 3, 4, 7)}
    assert messages == {
        0: "Cannot change attachment linkMode",
        1: "'filename' is valid only for imported attachment items",
        2: "'embedded' is not a valid linkMode",
        3: "'linkMode' property not provided",
        4: "'XYZ' is not a valid MD5 hash",
        7: "'contentType' is valid only for attachment items",
    }
    assert sorted(report["success"]) == ["5", "6"]
    imported = report["successful"]["5"]["data"]
    assert (imported["filename"], imported["mtime"]) == ("a.pdf", 1700000000000)


@pytest.mark.parametrize("item_type", sorted(t for t in ITEM_TYPE_FIELDS if t not in ("note", "attachment")))
def test_every_field_of_every_type_round_trips(zotero_emu: ZoteroEmulator, zot: zotero.Zotero,
                                               item_type: str) -> None:
    item: dict[str, Any] = {"itemType": item_type}
    for name in ITEM_TYPE_FIELDS[item_type]:
        item[name] = "2024-01-02" if name in ("accessDate", "date") else f"{name} value"
    key = create_one(zot, item)
    data = zot.item(key)["data"]
    assert {name: data[name] for name in ITEM_TYPE_FIELDS[item_type]} == {
        name: item[name] for name in ITEM_TYPE_FIELDS[item_type]}


def test_changing_the_item_type_moves_base_mapped_fields(zotero_emu: ZoteroEmulator, zot: zotero.Zotero,
                                                         http: requests.Session) -> None:
    key = create_one(zot, preprint(creators=[{"creatorType": "reviewedAuthor", "name": "R"}]))
    report = post_items(http, zotero_emu, [{"key": key, "version": 1, "itemType": "report"}])
    data = report["successful"]["0"]["data"]
    assert (data["itemType"], data["institution"]) == ("report", "arXiv")
    assert data["url"] == f"http://arxiv.org/abs/{BERT}"
    assert data["creators"] == [{"creatorType": "contributor", "name": "R"}]
    assert "repository" not in data


# -- 9. collections ----------------------------------------------------------------------------


def test_parent_collection_false_empty_or_a_key(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    report = zot.create_collections([{"name": "A", "parentCollection": False}, {"name": "B"},
                                     {"name": "C", "parentCollection": "ABCD2345"}])
    assert [report["successful"][i]["data"]["parentCollection"] for i in ("0", "1")] == [False, False]
    assert report["failed"]["2"] == {"code": 409, "message": "Parent collection ABCD2345 not found",
                                     "data": {"parentCollection": "ABCD2345"}}
    a = report["success"]["0"]
    child = zot.create_collections([{"name": "A1", "parentCollection": a}])["successful"]["0"]
    assert child["data"]["parentCollection"] == a
    assert child["links"]["up"]["href"].endswith(f"/collections/{a}")
    cycle = zot.create_collections([{"key": a, "version": 1, "name": "A", "parentCollection": child["key"]}])
    assert cycle["failed"]["0"]["code"] == 400


def test_membership_lives_in_the_items_collections(zotero_emu: ZoteroEmulator, zot: zotero.Zotero,
                                                   http: requests.Session) -> None:
    made = zot.create_collections([{"name": "A"}, {"name": "B"}])["success"]
    a, b = made["0"], made["1"]
    key = create_one(zot, preprint(collections=[a]))
    assert call(http, zotero_emu, "POST", "/users/1/collections",
                [{"key": a, "version": 1, "items": [key]}]).json()["failed"]["0"]["code"] == 400
    assert zot.addto_collection(b, zot.item(key)) is True
    assert zotero_emu.library().item(key)["collections"] == [a, b]  # type: ignore[index]
    assert zot.deletefrom_collection(a, zot.item(key)) is True
    assert zotero_emu.library().item(key)["collections"] == [b]  # type: ignore[index]
    by_name = sorted(zot.collections(), key=lambda c: c["data"]["name"])
    assert [c["meta"]["numItems"] for c in by_name] == [0, 1]


# -- 10. trash and deletions ----------------------------------------------------------------


def test_trash_is_hidden_unless_include_trashed(zotero_emu: ZoteroEmulator, zot: zotero.Zotero,
                                                http: requests.Session) -> None:
    keep = create_one(zot, preprint())
    gone = create_one(zot, preprint(title="Trashed", deleted=1))
    assert [i["key"] for i in zot.items()] == [keep]
    assert [i["key"] for i in zot.top()] == [keep]
    assert [i["key"] for i in zot.trash()] == [gone]
    assert {i["key"] for i in zot.items(includeTrashed=1)} == {keep, gone}
    assert zot.item(gone)["data"]["deleted"] == 1
    assert zotero_emu.library().trashed == {gone}
    restored = post_items(http, zotero_emu, [{"key": gone, "version": 2, "deleted": 0}])
    assert "deleted" not in restored["successful"]["0"]["data"]


# -- 12. faults --------------------------------------------------------------------------------


def test_rate_limited_reads_are_retried_by_pyzotero(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    fault = zotero_emu.inject(Fault.rate_limited("GET", r"/items$", retry_after=0, times=2))
    assert zot.items() == []
    assert fault.hits == 2
    assert [r.status for r in zotero_emu.log] == [429, 429, 200]


def test_429_carries_retry_after_and_nothing_is_written(zotero_emu: ZoteroEmulator,
                                                        http: requests.Session, zot: zotero.Zotero) -> None:
    zotero_emu.inject(Fault.rate_limited("POST", retry_after=1))
    response = call(http, zotero_emu, "POST", "/users/1/items", [preprint()])
    assert (response.status_code, response.headers["Retry-After"]) == (429, "1")
    assert zotero_emu.library().items == {}
    zotero_emu.inject(Fault.rate_limited("POST", retry_after=0))
    with pytest.raises(json.JSONDecodeError):  # pyzotero parses a write's 429 text as JSON
        zot.create_items([preprint()])
    zotero_emu.inject(Fault.rate_limited("GET", retry_after=None))
    with pytest.raises(ze.TooManyRetriesError):
        zot.items()


def test_503_with_retry_after(zotero_emu: ZoteroEmulator, http: requests.Session, zot: zotero.Zotero) -> None:
    zotero_emu.inject(Fault.unavailable(retry_after=0, times=2))
    response = call(http, zotero_emu, "GET", "/users/1/items")
    assert (response.status_code, response.headers["Retry-After"]) == (503, "0")
    with pytest.raises(ze.HTTPError):
        zot.items()
    assert zot.items() == []


def test_backoff_header_on_a_200(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    zotero_emu.inject(Fault.with_backoff(5, "POST"))
    response = call(http, zotero_emu, "POST", "/users/1/items", [preprint()])
    assert (response.status_code, response.headers["Backoff"]) == (200, "5")
    assert len(zotero_emu.library().items) == 1
    assert "Backoff" not in call(http, zotero_emu, "POST", "/users/1/items", [preprint()]).headers


def test_library_locked(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    zotero_emu.inject(Fault.locked())
    with pytest.raises(ze.ConflictError, match="The target library is locked"):
        zot.create_items([preprint()])
    assert zotero_emu.library().items == {}
    assert create_one(zot, preprint())


def test_per_object_500(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    zotero_emu.inject(Fault.object_errors([1], path=r"/items$"))
    report = zot.create_items([preprint(), preprint(title="B"), preprint(title="C")])
    assert report["failed"] == {"1": {"code": 500, "message": "An error occurred"}}
    assert sorted(report["success"]) == ["0", "2"]
    assert len(zotero_emu.library().items) == 2


def test_connection_dropped_after_the_batch_commits(zotero_emu: ZoteroEmulator, zot: zotero.Zotero,
                                                    http: requests.Session) -> None:
    zotero_emu.inject(Fault.drop_after_commit(path=r"/items$"))
    with pytest.raises(httpx2.TransportError):
        zot.create_items([preprint(key="ABCD2345", version=0)])
    assert list(zotero_emu.library().items) == ["ABCD2345"]  # the write happened
    lost = zotero_emu.log[-1]
    assert (lost.method, lost.status) == ("POST", None)
    # resending the same request: the write token says "already done"
    token = lost.headers["zotero-write-token"]
    resent = call(http, zotero_emu, "POST", "/users/1/items", lost.json(), key=zotero_emu.api_key,
                  headers={"Zotero-Write-Token": token})
    assert (resent.status_code, resent.text) == (412, "Write token already used")
    # a keyed version-0 retry with a new token: the object says "already created"
    retry = zot.create_items([preprint(key="ABCD2345", version=0)])
    assert retry["failed"]["0"]["code"] == 412
    assert len(zotero_emu.library().items) == 1


def test_connection_dropped_before_anything_is_applied(zotero_emu: ZoteroEmulator,
                                                       zot: zotero.Zotero) -> None:
    zotero_emu.inject(Fault.drop_before("POST"))
    with pytest.raises(httpx2.TransportError):
        zot.create_items([preprint()])
    assert zotero_emu.library().items == {}
    assert create_one(zot, preprint())


def test_slow_answers_and_latency(http: requests.Session) -> None:
    with ZoteroEmulator(latency=0.05) as emu:
        emu.add_user(1, "alice")
        key = emu.add_key(user_id=1)
        emu.inject(Fault.slow(0.2, "GET", "/items"))
        started = time.monotonic()
        assert http.get(f"{emu.url}/users/1/items", headers={"Zotero-API-Key": key}).status_code == 200
        assert time.monotonic() - started >= 0.25
        started = time.monotonic()
        http.get(f"{emu.url}/users/1/items", headers={"Zotero-API-Key": key})
        assert 0.05 <= time.monotonic() - started < 0.2


def test_faults_match_method_path_and_times(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    forever = zotero_emu.inject(Fault.unavailable("GET", r"/collections", times=None))
    for _ in range(3):
        assert call(http, zotero_emu, "GET", "/users/1/collections").status_code == 503
    assert call(http, zotero_emu, "GET", "/users/1/items").status_code == 200
    assert call(http, zotero_emu, "POST", "/users/1/collections", [{"name": "A"}]).status_code == 200
    assert forever.hits == 3
    zotero_emu.clear_faults()
    assert call(http, zotero_emu, "GET", "/users/1/collections").status_code == 200


# -- 13. the request log -------------------------------------------------------------------


def test_the_log_records_each_request(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    call(http, zotero_emu, "GET", "/users/1/items", limit=5)
    call(http, zotero_emu, "POST", "/users/1/items", [preprint()],
         headers={"Zotero-Write-Token": "tok-12345"})
    read, write = zotero_emu.log
    assert (read.method, read.path, read.query, read.status, read.body) == (
        "GET", "/users/1/items", {"limit": "5"}, 200, None)
    assert read.headers["zotero-api-key"] == zotero_emu.api_key  # not redacted: test-only
    assert (write.method, write.status, write.headers["zotero-write-token"]) == ("POST", 200, "tok-12345")
    assert write.json()[0]["title"].startswith("BERT")
    assert zotero_emu.writes == [write]
    zotero_emu.clear_log()
    assert zotero_emu.log == []


def test_a_dry_run_is_provably_read_only(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    zot.everything(zot.items())
    zot.collections()
    assert zotero_emu.log and [r for r in zotero_emu.log if r.method != "GET"] == []


# -- setup helpers, fixture, script -----------------------------------------------------------


def test_seeding_is_validated_and_shares_one_version(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    keys = zotero_emu.seed_items(items=[preprint(key="ABCD2345", collections=["CLL23456"]),
                                        {"itemType": "note", "parentItem": "ABCD2345", "note": "n"}],
                                 collections=[{"key": "CLL23456", "name": "Seeded"}])
    assert keys[0] == "ABCD2345"
    assert zotero_emu.library().version == 2  # collections, then items
    assert [i["key"] for i in zot.collection_items_top("CLL23456")] == ["ABCD2345"]
    assert zot.item("ABCD2345")["meta"]["numChildren"] == 1
    with pytest.raises(ValueError, match="is not a valid field"):
        zotero_emu.seed_items(items=[preprint(publisher="x")])
    with pytest.raises(ValueError, match="already used"):
        zotero_emu.seed_items(items=[preprint(key="ABCD2345")])


def test_library_views_are_copies(zotero_emu: ZoteroEmulator, zot: zotero.Zotero) -> None:
    key = create_one(zot, preprint())
    items = zotero_emu.library("users/1").items
    items[key]["title"] = "mutated"
    assert zotero_emu.library().item(key)["title"].startswith("BERT")  # type: ignore[index]
    with pytest.raises(KeyError):
        zotero_emu.library("/users/99")


def test_fixture_env(zotero_emu: ZoteroEmulator) -> None:
    assert zotero_emu.env == {"ZOTERO_API_KEY": zotero_emu.api_key, "ZOTERO_LIBRARY_ID": "1",
                              "ZOTERO_LIBRARY_TYPE": "user", "ZOTSYNC_ZOTERO_URL": zotero_emu.url}
    assert zotero_emu.url.startswith("http://127.0.0.1:")


def test_runs_as_a_script(http: requests.Session) -> None:
    script = ROOT / "tests" / "servers" / "zotero_emulator.py"
    process = subprocess.Popen([sys.executable, str(script), "--port", "0", "--latency", "0",
                                "--seed-items", "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        env = dict(process.stdout.readline().strip().split("=", 1) for _ in range(4))
        assert set(env) == {"ZOTSYNC_ZOTERO_URL", "ZOTERO_API_KEY", "ZOTERO_LIBRARY_ID",
                            "ZOTERO_LIBRARY_TYPE"}
        response = http.get(env["ZOTSYNC_ZOTERO_URL"] + "/users/1/items",
                            headers={"Zotero-API-Key": env["ZOTERO_API_KEY"]}, params={"format": "keys"})
        assert len(response.text.split()) == 30
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


# -- errors raised in ApiController::init(), before the version headers (§1.1) -----------

@pytest.mark.parametrize(("method", "path", "key", "extra", "status", "text"), [
    ("GET", "/keys/current", "NoSuchKey000000000000000", {}, 403, "Invalid key"),
    ("GET", "/users/1/items", "NoSuchKey000000000000000", {}, 403, "Invalid key"),
    ("POST", "/users/1/items", None, {}, 403, "An API key is required for write requests."),
    ("GET", "/users/999/items", "write", {}, 404, "User 999 not found"),
    ("GET", "/groups/999/items", "write", {}, 404, "Not found"),
    ("GET", "/users/0/items", "write", {}, 400, "Invalid user ID"),
    ("GET", "/users/1/items", "bearer!", {}, 400, "Invalid Authorization header format"),
    ("POST", "/users/1/items", "write", {"Expect": "100-continue"}, 417, "Expect header is not supported"),
    ("POST", "/users/1/items", "write", {"Zotero-Write-Token": "abc"}, 400,
     "Write token must be 5-32 characters in length"),
])
def test_errors_before_the_headers_carry_no_version_headers(
        zotero_emu: ZoteroEmulator, http: requests.Session, method: str, path: str, key: str | None,
        extra: dict[str, str], status: int, text: str) -> None:
    headers = {"Zotero-API-Version": "3", "Content-Type": "application/json", **extra}
    if key == "write":
        headers["Zotero-API-Key"] = str(zotero_emu.api_key)
    elif key == "bearer!":
        headers["Authorization"] = "Bearer not-a-key!"
    elif key:
        headers["Zotero-API-Key"] = key
    response = http.request(method, zotero_emu.url + path, headers=headers,
                            data=b"[]" if method == "POST" else None)
    assert (response.status_code, response.text) == (status, text)
    for name in ("Zotero-API-Version", "Zotero-Schema-Version", "Last-Modified-Version"):
        assert name not in response.headers


def test_reused_write_token_is_412_before_the_headers(zotero_emu: ZoteroEmulator,
                                                      http: requests.Session) -> None:
    headers = {"Zotero-API-Key": str(zotero_emu.api_key), "Content-Type": "application/json",
               "Zotero-Write-Token": "T" * 32}
    body = [{"itemType": "note", "note": "x"}]
    first = http.post(zotero_emu.url + "/users/1/items", headers=headers, json=body)
    assert first.status_code == 200 and first.headers["Zotero-API-Version"] == "3"
    again = http.post(zotero_emu.url + "/users/1/items", headers=headers, json=body)
    assert (again.status_code, again.text) == (412, "Write token already used")
    assert "Zotero-API-Version" not in again.headers
    assert len(zotero_emu.library().items) == 1


def test_a_failed_precondition_keeps_the_token_unused(zotero_emu: ZoteroEmulator,
                                                      http: requests.Session) -> None:
    """DS stores the token only after the write: a 412 on If-Unmodified-Since-Version
    (raised in the controller, with the headers) leaves it usable."""
    zotero_emu.seed_items(items=[{"itemType": "note", "note": "seed"}])
    headers = {"Zotero-API-Key": str(zotero_emu.api_key), "Content-Type": "application/json",
               "Zotero-Write-Token": "U" * 32, "If-Unmodified-Since-Version": "0"}
    body = [{"itemType": "note", "note": "x"}]
    stale = http.post(zotero_emu.url + "/users/1/items", headers=headers, json=body)
    assert stale.status_code == 412 and stale.headers["Zotero-API-Version"] == "3"
    assert stale.headers["Last-Modified-Version"] == "1"
    assert len(zotero_emu.library().items) == 1
    fresh = http.post(zotero_emu.url + "/users/1/items",
                      headers=headers | {"If-Unmodified-Since-Version": "1"}, json=body)
    assert fresh.status_code == 200 and len(zotero_emu.library().items) == 2


def test_errors_after_init_carry_the_headers(zotero_emu: ZoteroEmulator, http: requests.Session) -> None:
    zotero_emu.add_user(2, "bob")
    other = http.get(zotero_emu.url + "/users/2/items", headers={"Zotero-API-Key": str(zotero_emu.api_key)})
    assert (other.status_code, other.headers["Zotero-API-Version"]) == (403, "3")
    read_only = http.post(zotero_emu.url + "/users/1/items", json=[{"itemType": "note"}],
                          headers={"Zotero-API-Key": str(zotero_emu.readonly_key)})
    assert (read_only.status_code, read_only.text) == (403, "Write access denied")
    assert read_only.headers["Zotero-API-Version"] == "3"


@pytest.mark.parametrize(("path", "params", "message"), [
    ("/users/1/items", {"since": "yesterday"}, "Invalid value for 'since' parameter"),
    ("/users/1/items", {"format": "pdf"}, "Invalid 'format' value 'pdf'"),
    ("/users/1/items/AAAAAAAA", {"format": "keys"}, "Invalid 'format' value 'keys'"),
    ("/users/1/collections", {"sort": "colour"}, "Invalid 'sort' value 'colour'"),
    ("/users/1/collections", {"sort": "name"}, "Invalid 'sort' value 'name'"),  # (title sorts them)
    ("/users/1/items", {"direction": "up"}, "Invalid 'direction' value 'up'"),
    ("/users/1/items", {"qmode": "all"}, "Invalid 'qmode' value 'all'"),
    ("/users/1/items", {"itemKey": "AAAAAAAA,,BBBBBBBB"}, "Invalid 'itemKey' value 'AAAAAAAA,,BBBBBBBB'"),
])
def test_bad_query_parameters_are_refused_before_the_headers(
        zotero_emu: ZoteroEmulator, http: requests.Session, path: str, params: dict[str, str],
        message: str) -> None:
    # Zotero_API::parseQueryParams runs in ApiController::init() before Zotero-API-Version is set
    response = call(http, zotero_emu, "GET", path, **params)
    assert (response.status_code, response.text) == (400, message)
    versions = {"Zotero-API-Version", "Zotero-Schema-Version", "Last-Modified-Version"}
    assert not versions & set(response.headers)
    # a check made later, in the controller, answers with them
    later = call(http, zotero_emu, "GET", "/users/1/deleted")
    assert later.status_code == 400 and later.headers["Zotero-API-Version"] == "3"


def test_locked_and_rate_limit_faults_come_before_the_headers(zotero_emu: ZoteroEmulator,
                                                              http: requests.Session) -> None:
    zotero_emu.inject(Fault.locked())
    response = http.post(zotero_emu.url + "/users/1/items", json=[{"itemType": "note"}],
                         headers={"Zotero-API-Key": str(zotero_emu.api_key)})
    assert response.status_code == 409 and "Zotero-API-Version" not in response.headers
