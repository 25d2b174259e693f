"""One module per CLI command; `zotsync.cli` registers them."""
