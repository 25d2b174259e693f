#!/bin/sh
# zotsync on the two bundled digests, with no account and no network:
#   1. the deduplicated papers, 2. the Zotero push plan (dry run), 3. a .bib file.
# State goes to a throw-away folder, so your own store (seen papers, citation keys) is
# untouched. Run from anywhere: sh examples/demo.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ZOTSYNC_DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/zotsync-demo.XXXXXX")
export ZOTSYNC_DATA_DIR
trap 'rm -rf "$ZOTSYNC_DATA_DIR"' EXIT
digests="$here/arxiv-daily-digest.md $here/hf-daily-papers.txt"
out="${ZOTSYNC_DEMO_OUT:-$here/out}"  # where refs.bib goes
mkdir -p "$out"

echo "== 1. zotsync parse: the papers of both digests, duplicates merged"
# --no-enrich: no lookups (without it, papers lacking an arXiv ID, authors or a date are
# looked up on arXiv and Hugging Face; see `zotsync resolve` and docs/enrichment.md).
# shellcheck disable=SC2086
zotsync parse $digests --no-enrich

echo
echo "== 2. zotsync push --dry-run: what a push into Zotero would do (nothing is written)"
# shellcheck disable=SC2086
zotsync push $digests --collection "Reading/Daily digests" --no-enrich --dry-run

echo
echo "== 3. zotsync bib: the arXiv digest as BibTeX, ready for LaTeX"
zotsync bib "$here/arxiv-daily-digest.md" -o "$out/refs.bib" --no-enrich
echo
echo "wrote $out/refs.bib; next: zotsync login, then the push without --dry-run (docs/usage.md)"
