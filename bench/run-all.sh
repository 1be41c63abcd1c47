#!/usr/bin/env bash
# make bench: every benchmark in bench/, one after another, then bench/RESULTS.md from their RESULT lines.
# PostgreSQL and Redis are brought up if they are not (and stopped again only if this script started them); each
# benchmark builds itself in Release. Bounded: each driver has its own deadline, and this script a total one.
#
# Arguments:
#   --only NAME[,NAME]   run a subset: refresh, ratelimit, authz, import, sessions, scaleout (RESULTS.md then lists only those)
#   --quick              short settings for development (a few minutes in all); the figures are not for RESULTS.md
#   --no-results         do not rewrite bench/RESULTS.md and bench/RESULTS.txt
#   --no-commit          write them, but do not commit them (a full run commits both, and only both, at the end)
#   --no-build           use the Release builds already there (each driver's run.sh builds otherwise)
#   anything else        passed to every driver (each ignores options it does not know), e.g. --seconds 8
# make bench ARGS="--only sessions --quick" passes them through.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

only="" quick="" write_results=1 commit_results=1 extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="$2"; shift 2 ;;
    --only=*) only="${1#--only=}"; shift ;;
    --quick) quick=1; shift ;;
    --no-results) write_results=""; shift ;;
    --no-commit) commit_results=""; shift ;;
    --no-build) export SENTINEL_BENCH_NO_BUILD=1; shift ;;
    *) extra+=("$1"); shift ;;
  esac
done

started=""
cleanup() {
  local code=$?
  for svc in ${started//,/ }; do bash scripts/services.sh stop "$svc" >/dev/null 2>&1 || true; done
  exit $code
}
trap cleanup EXIT INT TERM
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  start_out=$(bash scripts/services.sh start)
  started=$(echo "$start_out" | tail -n1 | sed -n 's/^started=//p')
  set -a; eval "$(bash scripts/services.sh env)"; set +a
fi
export DATABASE_URL REDIS_URL

# Settings sized so the whole run stays near 30 minutes on a 2-core box (medians over 3 runs each).
declare -A settings=(
  [refresh]="--runs 3 --seconds 5"
  [ratelimit]="--rounds 3 --seconds 5"
  [authz]="--runs 3 --seconds 3 --skip-large"
  [import]="--runs 3"
  [sessions]="--setup-budget-minutes 10"
  [scaleout]="--runs 3 --seconds 5 --failover-runs 3"
)
if [ -n "$quick" ]; then
  settings=(
    [refresh]="--runs 1 --seconds 3 --workers 8 --families-per-worker 4"
    [ratelimit]="--rounds 1 --seconds 2"
    [authz]="--quick --skip-large --members 1000 --resources 5000 --shares 5000"
    [import]="--runs 1 --rows 2000 --one-row-rows 50"
    [sessions]="--quick"
    [scaleout]="--quick --families 256"
  )
fi
# sessions last: its 100k-user population leaves PostgreSQL a large checkpoint and vacuum to do, which stalled the
# next driver's storage writes for minutes when it ran first (2026-11-28: bench/refresh measured nothing).
order=(scaleout refresh ratelimit authz import sessions)
if [ -n "$only" ]; then order=(${only//,/ }); fi

# Build every driver first (Release; the silo and web come with them), so the runs are not interleaved with builds.
if [ -z "${SENTINEL_BENCH_NO_BUILD:-}" ]; then
  for name in "${order[@]}"; do
    dotnet build bench/$name/*.csproj -c Release -nologo -clp:ErrorsOnly -v:q
  done
  export SENTINEL_BENCH_NO_BUILD=1
fi

stamp=$(date -u +%Y%m%d-%H%M%S)
logs="bench/results/run-$stamp"
mkdir -p "$logs"
echo "make bench: ${order[*]} -> $logs/ (started $(date -u '+%Y-%m-%d %H:%M:%S') UTC, ${#order[@]} benchmark(s))"
declare -A seconds status
total_start=$(date +%s)
summary="$logs/summary.tsv"
: > "$summary"
command="make bench${only:+ ARGS=\"--only $only\"}"
if [ -n "$quick" ] || [ ${#extra[@]} -gt 0 ]; then command="bash bench/run-all.sh${only:+ --only $only}${quick:+ --quick}${extra[*]:+ ${extra[*]}}"; fi
write_results() {
  [ -n "$write_results" ] || return 0
  python3 bench/results.py --logs "$logs" --summary "$summary" --command "$command" --total-seconds "$1" \
    --planned "${order[*]}" --out bench/RESULTS.md --txt bench/RESULTS.txt
}
for name in "${order[@]}"; do
  [ -f "bench/$name/run.sh" ] || { echo "no benchmark bench/$name" >&2; exit 2; }
  echo
  echo "==== bench/$name ${settings[$name]:-} ${extra[*]:-}"
  t0=$(date +%s)
  # Each driver has its own deadline; this bounds a hung one too.
  set +e
  timeout --kill-after=30 2400 bash "bench/$name/run.sh" ${settings[$name]:-} "${extra[@]}" 2>&1 | tee "$logs/$name.log"
  rc=${PIPESTATUS[0]}
  set -e
  seconds[$name]=$(( $(date +%s) - t0 ))
  status[$name]=$rc
  echo "==== bench/$name: exit $rc after ${seconds[$name]}s"
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "${seconds[$name]}" "${settings[$name]:-} ${extra[*]:-}" >> "$summary"
  # Rewritten after every benchmark, so a run cut short still leaves the figures it has.
  write_results "$(( $(date +%s) - total_start ))"
done
total=$(( $(date +%s) - total_start ))
if [ -n "$write_results" ]; then
  echo
  echo "bench/RESULTS.md and bench/RESULTS.txt written ($(( total / 60 )) min $(( total % 60 )) s); logs in $logs/"
fi
# A full run (every benchmark, default settings) records its figures as a commit of those two files alone, so the
# RESULT lines in git are the ones this run printed, at the commit they measured. --quick and --only runs are for
# development and are never committed.
if [ -n "$write_results" ] && [ -n "$commit_results" ] && [ -z "$quick" ] && [ -z "$only" ] && [ ${#extra[@]} -eq 0 ]; then
  measured=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  if git add -- bench/RESULTS.md bench/RESULTS.txt \
    && git commit -q -m "bench: RESULTS.md and RESULTS.txt from make bench at $measured" -- bench/RESULTS.md bench/RESULTS.txt; then
    echo "committed bench/RESULTS.md and bench/RESULTS.txt: $(git rev-parse --short HEAD)"
  else
    echo "make bench: could not commit bench/RESULTS.md and bench/RESULTS.txt (commit them by hand)" >&2
  fi
fi
failed=0
for name in "${order[@]}"; do [ "${status[$name]}" = 0 ] || failed=1; done
exit $failed
