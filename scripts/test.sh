#!/usr/bin/env bash
# Runs Plumb's whole test suite: the pure unit tests, then the integration tests that start their own
# PostgreSQL cluster and make network namespaces (those need root). One build, then the tests without
# rebuilding. Usage: scripts/test.sh [extra `swift test` arguments, e.g. --filter PlumbModelTests]
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc)
swift build --build-tests -j "$jobs"
swift test --skip-build "$@"
