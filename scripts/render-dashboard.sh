#!/usr/bin/env bash
# Renders a dashboard snapshot (written by `npm run bench:e2e -- --dashboard <dir>`) to PNG images:
#   bash scripts/render-dashboard.sh <snapshot.json> <out-dir>
# matplotlib comes from PyPI into a venv under .local/plot-venv (made once).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
MATPLOTLIB_VERSION=3.11.2
venv=.local/plot-venv
if ! "$venv/bin/python" -c "import matplotlib, sys; sys.exit(matplotlib.__version__ != '$MATPLOTLIB_VERSION')" 2>/dev/null; then
  log "making $venv with matplotlib $MATPLOTLIB_VERSION (PyPI; first run only)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "matplotlib==$MATPLOTLIB_VERSION"
fi
"$venv/bin/python" scripts/render-dashboard.py "$@"
