#!/usr/bin/env bash
# Set up (first time) and open Kebao on the bundled demo library.
set -euo pipefail
cd "$(dirname "$0")"
source tools/setup.sh
exec .venv/bin/kebao "$@"
