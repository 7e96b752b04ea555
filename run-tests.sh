#!/usr/bin/env bash
# Set up (first time) and run the whole test suite, plus lint and format checks.
set -euo pipefail
cd "$(dirname "$0")"
source tools/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
