#!/usr/bin/env bash
# make test: bring up PostgreSQL and Redis (only if not already up), build, run every test project against them,
# print "N passed, N failed", and stop only what this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

TEST_DB=${SENTINEL_TEST_DB:-sentinel_test}
RESULTS=${SENTINEL_TEST_RESULTS:-$REPO/.test-results}
CONFIGURATION=${CONFIGURATION:-Debug}
FILTER=${TEST_FILTER:-}
REPEAT=${TEST_REPEAT:-1}   # make stress repeats the (filtered) run

started=""
cleanup() {
  local code=$?
  for svc in ${started//,/ }; do
    bash scripts/services.sh stop "$svc" >/dev/null 2>&1 || true
  done
  exit $code
}
trap cleanup EXIT INT TERM

echo "==> databases"
start_out=$(bash scripts/services.sh start)
echo "$start_out" | sed 's/^/    /'
started=$(echo "$start_out" | tail -n1 | sed -n 's/^started=//p')

set -a
eval "$(bash scripts/services.sh env)"
set +a
bash scripts/services.sh createdb "$TEST_DB" >/dev/null
# Tests use their own database and cluster ids: a running `make start` is never disturbed.
export DATABASE_URL=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$DATABASE_URL" "$TEST_DB")
export REDIS_TLS_VERIFY=required
export SENTINEL_TEST_CONFIGURATION=$CONFIGURATION

# The browser tests (tests/Sentinel.Browser.Tests) drive the system's Chromium, which they install themselves when it is
# missing (scripts/browser.sh path), as every test installs the tool it needs: no test relies on an earlier one.
# Playwright is told never to download a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export SENTINEL_TEST_RESULTS=$RESULTS

echo "==> build ($CONFIGURATION)"
dotnet build Sentinel.sln -c "$CONFIGURATION" -nologo -clp:ErrorsOnly -v:q

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
status=0
# One project at a time: the integration tests start real processes and want the two cores to themselves.
for run in $(seq 1 "$REPEAT"); do
[ "$REPEAT" -gt 1 ] && echo "==> run $run/$REPEAT"
for project in tests/*.Tests/*.csproj; do
  name=$(basename "$project" .csproj)
  [ "$REPEAT" -gt 1 ] && name="$name-run$run"
  echo "==> $name"
  args=(test "$project" -c "$CONFIGURATION" --no-build -nologo --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS")
  # A filter that selects nothing in a project is not a failure of that project.
  [ -n "$FILTER" ] && args+=(-- RunConfiguration.TreatNoTestsAsError=false)
  [ -n "$FILTER" ] && args=("${args[@]:0:2}" --filter "$FILTER" "${args[@]:2}")
  log="$RESULTS/$name.log"
  if dotnet "${args[@]}" >"$log" 2>&1; then
    grep -E '^(Passed!|Failed!)' "$log" || tail -n 5 "$log"
  else
    status=1
    # The failures, without the cluster's retry chatter; the whole log stays in $log.
    grep -vE '^\s*$|GatewayManager|Could not find any gateway' "$log" | tail -n 80
  fi
done
done

python3 scripts/trx_summary.py "$RESULTS" || status=1
exit $status
