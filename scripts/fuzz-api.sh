#!/usr/bin/env bash
# Fuzzes the controller's HTTP API from its document, as a client author would try it: schemathesis
# (pinned, in a virtual environment this script makes) against a real plumb-controller on its embedded
# PostgreSQL, with every check, positive and negative data, the examples, the coverage phase and the
# stateful phase (the document's links). The facility is the document's own example for
# PUT /v1/facility, declared first, so that the example materialization really allocates.
# Any finding fails the script. Runs as root (the embedded PostgreSQL runs as the postgres user).
# Usage: scripts/fuzz-api.sh [extra schemathesis arguments]
# Environment: PLUMB_FUZZ_EXAMPLES (test cases per operation and phase, default 300: about two minutes on two cores), PLUMB_FUZZ_SEED
# (default 1, so that a run can be repeated), PLUMB_FUZZ_VENV (default .build/fuzz-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

schemathesis_version=4.32.5
venv="${PLUMB_FUZZ_VENV:-$root/.build/fuzz-venv}"
examples="${PLUMB_FUZZ_EXAMPLES:-300}"
seed="${PLUMB_FUZZ_SEED:-1}"

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$schemathesis_version"; then
    python3 -m venv "$venv"  # python3 and python3-venv: scripts/install-deps.sh
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

swift build --quiet --product plumb-controller
work=$(mktemp -d /tmp/plumb-fuzz.XXXXXX)
chmod 755 "$work"
controller_pid=""
cleanup() {
    if [ -n "$controller_pid" ]; then
        kill -TERM "$controller_pid" 2>/dev/null || true
        wait "$controller_pid" 2>/dev/null || true
    fi
    if [ "${PLUMB_FUZZ_KEEP:-0}" = 1 ]; then echo "fuzz-api: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

"$root/.build/debug/plumb-controller" --listen 127.0.0.1:0 --data-dir "$work/controller" --log-level notice \
    >"$work/controller.log" 2>&1 &
controller_pid=$!
address=""
for _ in $(seq 1 600); do
    address=$(sed -n 's/.*listening address=\([0-9.]*:[0-9]*\).*/\1/p' "$work/controller.log" | head -n 1)
    [ -n "$address" ] && break
    kill -0 "$controller_pid" 2>/dev/null || { cat "$work/controller.log" >&2; echo "fuzz-api: the controller exited" >&2; exit 1; }
    sleep 0.1
done
[ -n "$address" ] || { cat "$work/controller.log" >&2; echo "fuzz-api: the controller did not listen within 60 s" >&2; exit 1; }
base="http://$address"
token=$(cat "$work/controller/admin.token")

# The facility: the document's example body of PUT /v1/facility.
python3 -c 'import json, sys
d = json.load(open("controller/openapi.json"))
print(json.dumps(d["paths"]["/v1/facility"]["put"]["requestBody"]["content"]["application/json"]["examples"]["default"]["value"]))' \
    >"$work/facility.json"
curl --silent --show-error --fail-with-body -X PUT -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
    --data-binary "@$work/facility.json" "$base/v1/facility" >/dev/null

# Every check; a schema-valid request may still be refused by a rule of Plumb (422) or by the state
# (404, 409): those are documented answers, not findings.
cat >"$work/schemathesis.toml" <<TOML
[checks]
enabled = true
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422"]
# A long poll may rightly be held for up to 300 s; the fuzzer asks for answers at once.
[parameters]
"query.wait" = 0
TOML

start=$(date +%s)
status=0
# From the temporary directory: schemathesis keeps its cache (.schemathesis/) in the working directory.
(cd "$work" && "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run "$root/controller/openapi.json" \
    --url "$base" --header "Authorization: Bearer $token" \
    --checks all --mode all --phases examples,coverage,fuzzing,stateful \
    --max-examples "$examples" --seed "$seed" --workers 1 --request-timeout 30 \
    --generation-database none --no-color --suppress-health-check all \
    "$@") || status=$?
echo "fuzz-api: schemathesis ran $(( $(date +%s) - start )) s, exit status $status"
# The run must have reached the allocator: some PUT of a materialization answered 201.
created=$(curl --silent --show-error "$base/metrics" | grep '^plumb_http_request_duration_seconds_count{' \
    | grep -F 'method="PUT"' | grep -F 'route="/v1/materializations/{id}"' | grep -F 'status="201"' | awk '{ n += $NF } END { print n + 0 }')
echo "fuzz-api: materializations created during the run: ${created:-0}"
[ "${created:-0}" -gt 0 ] || { echo "fuzz-api: no materialization succeeded: the run never reached the allocator" >&2; status=1; }
if [ "$status" != 0 ] || grep -q "unexpected error" "$work/controller.log"; then
    echo "fuzz-api: findings (controller log: $work/controller.log)" >&2
    grep -m 20 "unexpected error" "$work/controller.log" >&2 || true
    PLUMB_FUZZ_KEEP=1
    exit 1
fi
