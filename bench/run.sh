#!/usr/bin/env bash
# `make bench`: every benchmark, one after the other. Usage: bench/run.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/run_pq.sh" "$@"
"$here/run_dns.sh" "$@"
"$here/run_http.sh" "$@"
"$here/run_sync.sh" "$@"
