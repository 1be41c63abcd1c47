#!/usr/bin/env python3
"""Writes bench/RESULTS.md from the RESULT lines of one `make bench` run (bench/run-all.sh calls it)."""
import argparse
import datetime
import os
import subprocess


def result_lines(path):
    """Every `RESULT k=v k=v ...` line of a driver's log, exactly as the driver printed it (without the newline)."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", errors="replace") as f:
        return [line.rstrip("\r\n") for line in f if line.startswith("RESULT ")]


def parse(path):
    """Every `RESULT k=v k=v ...` line of a driver's log, as dicts."""
    rows = []
    for line in result_lines(path):
        fields = {}
        for token in line.strip()[len("RESULT "):].split():
            if "=" in token:
                k, v = token.split("=", 1)
                fields[k] = v
        rows.append(fields)
    return rows


def num(v, fmt="{:,.0f}"):
    try:
        return fmt.format(float(v))
    except (TypeError, ValueError):
        return "n/a"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--logs", required=True)
    ap.add_argument("--summary", required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--total-seconds", type=int, default=0)
    ap.add_argument("--planned", default="")
    ap.add_argument("--out", required=True)
    ap.add_argument("--txt", help="also write every RESULT line, verbatim, to this file (bench/RESULTS.txt)")
    a = ap.parse_args()

    status = {}
    with open(a.summary, encoding="utf-8") as f:
        for line in f:
            name, rc, secs, settings = (line.rstrip("\n").split("\t") + ["", "", ""])[:4]
            status[name] = (rc, secs, settings.strip())
    results = {name: parse(os.path.join(a.logs, name + ".log")) for name in status}

    def git(*args):
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    commit = git("rev-parse", "--short", "HEAD")
    # This file itself is rewritten after every driver: it doesn't make the tree "uncommitted".
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench/RESULTS.md", ":(exclude)bench/RESULTS.txt")
    with open("/proc/loadavg", encoding="utf-8") as f:
        load = f.read().split()[:3]

    rows = []

    def row(bench, figure, baseline, ratio, runs, notes):
        rows.append(f"| {bench} | {figure} | {baseline} | {ratio} | {runs} | {notes} |")

    def missing(name, bench):
        if name not in status:
            return
        rc = status[name][0]
        row(bench, "not measured", "—", "—", "—", f"bench/{name} exited {rc}; see its log")

    # Refresh throughput vs RS256 signing: the single signature (the access token's, the only RSA work a refresh must
    # do once refresh tokens are HMAC-signed) and the pair of RS256 tokens the older format signed.
    r = [x for x in results.get("refresh", []) if "refresh_per_second" in x]
    if r:
        x = r[-1]
        if "ratio_single_sign" in x:
            row("refresh throughput (POST /auth/refresh over HTTP, rotation persisted)", f"{num(x['refresh_per_second'])} refreshes/s",
                f"{num(x.get('single_sign_per_second'))} RS256 signatures/s (one token), in-process, same key, same concurrency",
                num(x["ratio_single_sign"], "{:.3f}"), x.get("runs", "?"),
                f"goal ≥ 0.5, ceiling 1.0; by CPU time per operation {num(x.get('cpu_ratio_single_sign'), '{:.3f}')}; "
                f"CPU per refresh {num(x.get('cpu_us_per_refresh'))} µs (web + silo; {num(x.get('cpu_us_per_refresh_with_postgres'))} µs with PostgreSQL) vs {num(x.get('rsa_sign_cpu_us'))} µs per RS256 signature; "
                f"{x.get('workers', '?')} workers, {x.get('seconds', '?')} s per phase")
        if "baseline_per_second" in x:
            row("refresh throughput (POST /auth/refresh over HTTP, rotation persisted)", f"{num(x['refresh_per_second'])} refreshes/s",
                f"{num(x['baseline_per_second'])} RS256 signings of a 2-token pair/s, in-process, same key, same concurrency",
                num(x.get("ratio"), "{:.3f}"), x.get("runs", "?"),
                f"ceiling 1.0 (the baseline signs both tokens); by CPU time per operation {num(x.get('cpu_ratio'), '{:.3f}')}")
    else:
        missing("refresh", "refresh throughput")

    # Rate-limited endpoint vs no limiter and vs Redis-Lua: one RESULT line per route measured.
    r = [x for x in results.get("ratelimit", []) if x.get("bench") == "ratelimit"]
    for x in r:
        user_route = x.get("path") == "/users/me"
        goal_a = "goal ≥ 0.8" if user_route else "reported, no goal"
        goal_c = "goal ≥ 1.2" if user_route else "goal ≥ 1.0"
        cpu = (f"; web + silo CPU per decision {num(x.get('limiter_cpu_us_per_decision'), '{:.1f}')} µs (grain) vs "
               f"{num(x.get('redis_lua_cpu_us_per_decision'), '{:.1f}')} µs (Redis Lua, redis-server's own CPU not counted)") if "limiter_cpu_us_per_decision" in x else ""
        row(f"rate-limited endpoint (GET {x.get('path')}, grain limiter)", f"{num(x['limiter_rps'])} req/s (p99 {num(x.get('limiter_p99_ms'), '{:.2f}')} ms)",
            f"no limiter: {num(x['no_limiter_rps'])} req/s (p99 {num(x.get('no_limiter_p99_ms'), '{:.2f}')} ms)", num(x["ratio_no_limiter"], "{:.2f}"), x.get("rounds", "?"),
            f"{goal_a}; {x.get('connections')} connections, {x.get('seconds')} s per round{cpu}")
        row(f"rate-limited endpoint (GET {x.get('path')}, grain limiter)", f"{num(x['limiter_rps'])} req/s",
            f"Redis-Lua (INCR+EXPIRE per request): {num(x['redis_lua_rps'])} req/s (p99 {num(x.get('redis_lua_p99_ms'), '{:.2f}')} ms)", num(x["ratio_redis_lua"], "{:.2f}"),
            x.get("rounds", "?"), f"{goal_c}; hot-key p99 factor {num(x.get('hot_p99_factor'), '{:.2f}')} (goal ≤ 2)")
    if not r:
        missing("ratelimit", "rate-limited endpoint")

    # Permission checks vs SQL.
    r = [x for x in results.get("authz", []) if x.get("bench") == "authz"]
    for x in r:
        scenario = x.get("scenario", "?").replace("_", " ")
        row(f"permission check ({scenario}), from workspace-grain memory", f"{num(x['sentinel_rps'])} req/s (p99 {num(x.get('sentinel_p99_ms'), '{:.2f}')} ms at fixed rate)",
            f"SQL per check: {num(x['sql_rps'])} req/s (p99 {num(x.get('sql_p99_ms'), '{:.2f}')} ms)", num(x["ratio"], "{:.2f}"), x.get("runs", "?"),
            f"concurrency {x.get('concurrency')}, {x.get('seconds')} s per phase, errors {x.get('errors')}")
    if not r:
        missing("authz", "permission check")

    # Memory per session grain: a growth curve.
    r = [x for x in results.get("sessions", []) if x.get("bench") == "session_memory"]
    if r:
        first = r[0]
        for x in r:
            growth = float(x["bytes_per_grain"]) / float(first["bytes_per_grain"]) if float(first["bytes_per_grain"]) else float("nan")
            row(f"memory per active session grain, {int(x['size']):,} active sessions",
                f"{num(x['bytes_per_grain'])} managed bytes/grain (RSS {num(x.get('rss_bytes_per_grain'))} B/grain)",
                f"same silo before the session grains (0 activations); {int(first['size']):,}-session figure for the curve",
                f"{growth:.2f} vs {int(first['size']):,}", x.get("runs", "1"),
                f"silo heap {num(x.get('managed_mb'), '{:.1f}')} MB managed / {num(x.get('rss_mb'), '{:.1f}')} MB RSS; user+workspace grains {num(x.get('directory_bytes_per_user'))} B/user, excluded")
    else:
        missing("sessions", "memory per active session grain")

    # Stored session row: bounded by live families, not by how often they refresh.
    r = [x for x in results.get("sessions", []) if x.get("bench") == "session_row"]
    if r:
        x = r[-1]
        first, last = float(x["bytes_per_session_after_1"]), float(x["bytes_per_session"])
        row(f"stored session row after {x.get('refreshes_per_family')} refreshes per family",
            f"{num(last)} B per session row (max {num(x.get('max_bytes'))} B)",
            f"{num(first)} B after 1 refresh", f"{last / first:.2f}" if first else "—", "1",
            f"goal 1.00 (state does not grow with refreshes); {x.get('families')} families; PostgreSQL TOASTs rows past ~2 KB; errors {x.get('errors')}")
    elif "sessions" in status:
        missing("sessions", "stored session row")

    # Refresh latency at 1k vs 100k.
    r = [x for x in results.get("sessions", []) if x.get("bench") == "refresh_latency"]
    if r:
        x = r[-1]
        small, large = int(x["small"]), int(x["large"])
        note = f"goal ≤ 1.20; open loop {x.get('rate')} req/s, {x.get('seconds')} s per run, synchronous_commit={x.get('synchronous_commit')}; curve p50/p99 ms {x.get('curve', '')}; errors {x.get('errors')}"
        row(f"refresh latency p50 at {large:,} users", f"{num(x['p50_large_ms'], '{:.2f}')} ms", f"{num(x['p50_small_ms'], '{:.2f}')} ms at {small:,} users",
            num(x["p50_ratio"], "{:.2f}"), x.get("runs", "?"), note)
        row(f"refresh latency p99 at {large:,} users", f"{num(x['p99_large_ms'], '{:.2f}')} ms", f"{num(x['p99_small_ms'], '{:.2f}')} ms at {small:,} users",
            num(x["p99_ratio"], "{:.2f}"), x.get("runs", "?"), "goal ≤ 1.20")
    else:
        missing("sessions", "refresh latency 1k vs 100k")

    # Throughput 1 vs 2 silos.
    r = [x for x in results.get("scaleout", []) if x.get("bench") == "silos"]
    if r:
        x = r[-1]
        row("refresh throughput, 2 silos (same web, same load)", f"{num(x['two_silos_per_second'])} refreshes/s {x.get('two', '')}",
            f"1 silo: {num(x['one_silo_per_second'])} refreshes/s {x.get('one', '')}", num(x["ratio"], "{:.2f}"), x.get("runs", "?"),
            f"{x.get('workers')} workers closed loop, {x.get('seconds')} s per phase; on 2 cores a second silo competes with web, driver and PostgreSQL; errors {x.get('errors')}")
    else:
        missing("scaleout", "throughput 1 vs 2 silos")

    r = [x for x in results.get("scaleout", []) if x.get("bench") == "failover"]
    if r:
        x = r[-1]
        row("failover window (SIGKILL 1 of 2 silos)", f"{num(x['median_seconds'], '{:.1f}')} s until every grain answers and web is ready", "—", "—", x.get("runs", "?"),
            f"samples {x.get('samples', '')} s; {x.get('grains')} grains spread over both silos; goal ≤ 5 s")
    else:
        missing("scaleout", "failover window")

    # Bulk user import vs one row at a time.
    r = [x for x in results.get("import", []) if x.get("bench") == "import"]
    if r:
        x = r[-1]
        row(f"user import, {int(float(x.get('rows', 0))):,} CSV rows (admin import job: validated, batched, one transaction)",
            f"{num(x.get('seconds_10k'), '{:.2f}')} s ({num(x.get('batched_rows_per_s'))} rows/s)",
            f"one row at a time (the old execute route): {num(x.get('one_row_rows_per_s'), '{:.1f}')} rows/s over {x.get('one_row_rows', '?')} rows",
            num(x.get("ratio"), "{:.1f}"), x.get("runs", "1"),
            f"goal ≤ 20 s for 10,000 rows; ratio = seconds per row one at a time ÷ batched; CPU per row (web + silo + PostgreSQL) "
            f"{x.get('cpu_ms_per_row_one', '?')} ms → {x.get('cpu_ms_per_row_batched', '?')} ms")
    else:
        missing("import", "user import")

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    runs_line = ", ".join(f"{n} {s[1]} s (exit {s[0]})" for n, s in status.items())
    pending = [n for n in a.planned.split() if n not in status]
    if pending:
        runs_line += "; not run (yet): " + ", ".join(pending)
    out = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`bench/run-all.sh`), which regenerates this file. Every figure sits beside a baseline",
        "measured in the same run, or is a growth curve; see `bench/README.md` for what each benchmark does and how to read it.",
        "",
        f"- Date: {now}",
        f"- Commit: `{commit}`" + (" (with uncommitted changes)" if dirty and dirty != "unknown" else ""),
        f"- Cores: {os.cpu_count()}; load average at the end: {' '.join(load)} (the machine is shared: absolute figures are noisy, ratios from the same run are what counts)",
        f"- Command: `{a.command}`",
        f"- Time: {a.total_seconds // 60} min {a.total_seconds % 60} s in all; {runs_line}",
        "",
        "| Benchmark | Figure | Baseline | Ratio | Runs | Notes |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "Runs: medians over that many runs (each run measures figure and baseline back to back, in alternating order).",
        "Memory is one growth per `make bench`: the silo is measured at each size after a full GC; the ratio column there is",
        "bytes/grain relative to the smallest size (1.00 = flat).",
        "",
        "Settings per benchmark:",
        "",
        *[f"- `bench/{n}`: `{s[2] or '(defaults)'}`" for n, s in status.items()],
        "",
    ]
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(out))

    if a.txt:
        # The drivers' own lines, unchanged, so a reader (or a script) can check RESULTS.md against them.
        lines = [
            f"# RESULT lines of one `make bench`, verbatim, per benchmark; RESULTS.md is the table made from them.",
            f"# date {now}; commit {commit}{' (with uncommitted changes)' if dirty and dirty != 'unknown' else ''}; command `{a.command}`",
        ]
        for name, (rc, secs, settings) in status.items():
            lines.append(f"# bench/{name}: exit {rc} after {secs} s; settings `{settings or '(defaults)'}`")
            lines.extend(result_lines(os.path.join(a.logs, name + ".log")))
        with open(a.txt, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
