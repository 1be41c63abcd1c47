#!/usr/bin/env bash
# PostgreSQL's CPU per session write, apart from everything else (docs/sessions.md, "Where a refresh's time goes"):
# pgbench runs the silo's ETag-checked write (sql/orleans/0002, WriteToStorageKey) against orleans_storage, one row per
# client with a 1,029-byte payload, over TLS as the silo connects, in three ways: with a DISCARD ALL ahead of it and
# unprepared (what Npgsql's default pool and the ADO.NET provider sent), unprepared, and prepared without reset (what
# the silo's storage pool sends now). It prints the serving backends' CPU per write, read from /proc (Linux, same host).
# Its rows (service_id 'pgbench-write') are deleted before and after. Usage: bash bench/refresh/pg-write.sh [clients]
set -euo pipefail
cd "$(dirname "$0")/../.."
clients=${1:-4}
set -a; eval "$(bash scripts/services.sh env)"; set +a
db=${SENTINEL_BENCH_DB:-sentinel_bench}
bash scripts/services.sh createdb "$db" >/dev/null
url=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2], query="")))' "$DATABASE_URL" "$db")
export PGSSLMODE=require
work=$(mktemp -d)
cleanup() { psql "$url" -qAtc "DELETE FROM orleans_storage WHERE service_id = 'pgbench-write'" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
psql "$url" -qAtc "SELECT 1 FROM orleans_storage LIMIT 0" >/dev/null || { echo "orleans_storage missing in $db: run bench/refresh first" >&2; exit 1; }

python3 - "$work" <<'PY'
import os, sys
work = sys.argv[1]
payload = os.urandom(1029).hex()
write = ("WITH updated AS (UPDATE orleans_storage SET payload_binary = '\\x{p}'::bytea, version = version + 1, modified_on = now() "
    "WHERE :v::int IS NOT NULL AND version = :v::int AND grain_id_hash = :client_id AND grain_type_hash = 7 AND service_id = 'pgbench-write' "
    "AND grain_type_string = 'pgbench-write' AND grain_id_n0 = :client_id AND grain_id_n1 = 0 AND grain_id_extension_string IS NOT DISTINCT FROM NULL RETURNING version), "
    "inserted AS (INSERT INTO orleans_storage (grain_id_hash, grain_type_hash, service_id, grain_type_string, grain_id_n0, grain_id_n1, "
    "grain_id_extension_string, payload_binary, version) SELECT :client_id, 7, 'pgbench-write', 'pgbench-write', :client_id, 0, NULL, '\\x{p}'::bytea, 1 "
    "WHERE :v::int IS NULL ON CONFLICT ON CONSTRAINT orleans_storage_grain_key DO NOTHING RETURNING version) "
    "SELECT version AS v FROM updated UNION ALL SELECT version FROM inserted\n\\gset\n").format(p=payload)
open(os.path.join(work, "write.sql"), "w").write(write)
open(os.path.join(work, "discard_write.sql"), "w").write("DISCARD ALL;\n" + write)
PY

measure() {  # label script mode
  psql "$url" -qAtc "DELETE FROM orleans_storage WHERE service_id = 'pgbench-write';
    INSERT INTO orleans_storage (grain_id_hash, grain_type_hash, service_id, grain_type_string, grain_id_n0, grain_id_n1, payload_binary, version)
    SELECT g, 7, 'pgbench-write', 'pgbench-write', g, 0, '\\x00', 1 FROM generate_series(0, $clients) g"
  pgbench "$url" -n -f "$work/$2" -M "$3" -c "$clients" -j 1 -T 9 -D v=1 > "$work/out.txt" 2>&1 &
  local pb=$!
  sleep 2
  local pids
  pids=$(psql "$url" -qAtc "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench' AND datname = '$db' AND backend_start > now() - interval '3 seconds'")
  cpu() { local t=0 p s; for p in $pids; do s=$(cat "/proc/$p/stat"); s=${s##*) }; read -r -a f <<<"$s"; t=$((t + f[11] + f[12])); done; echo "$t"; }
  local c0 c1; c0=$(cpu); sleep 5; c1=$(cpu)
  wait $pb
  local tps; tps=$(grep -o "tps = [0-9.]*" "$work/out.txt" | cut -d' ' -f3)
  python3 -c "c=($c1-$c0)*10000; n=$tps*5; print(f'  {\"$1\":<46} {c/n:6.0f} us per write  ({n:.0f} writes in 5 s)')"
}
echo "PostgreSQL backend CPU per session write, $clients clients:"
measure "DISCARD ALL + write, unprepared" discard_write.sql simple
measure "write, unprepared" write.sql simple
measure "write, prepared, no reset" write.sql prepared
