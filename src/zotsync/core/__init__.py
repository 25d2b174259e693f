"""The pure core: records, identity, deduplication, mapping and planning. No I/O here."""
