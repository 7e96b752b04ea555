#!/usr/bin/env bash
# Set up (first time) and run the whole test suite, plus lint and format checks.
set -euo pipefail
cd "$(dirname "$0")"
source tools/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# The suite takes ~4 min; a hang in native code (which no in-process timeout can break)
# fails the run after 25 min instead of holding CI until it is killed.
exec timeout --kill-after=30s 25m .venv/bin/python -m pytest "$@"
