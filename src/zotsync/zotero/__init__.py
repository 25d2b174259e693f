"""Talking to Zotero: the interface the engine needs, the Web API client, the library index."""
