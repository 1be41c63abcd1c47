#!/usr/bin/env bash
# make bench (rate limiting): databases up if needed, Release build, then the bench against real processes on loopback.
# Arguments go to the driver: --path /users/me --rounds 5 --seconds 5 --connections 16 --hot 2 --clients 50000
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"
bench_main ratelimit Sentinel.Bench.RateLimit.csproj Sentinel.Bench.RateLimit.dll "$@"
