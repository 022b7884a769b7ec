#!/usr/bin/env bash
# Runs a storage test binary against a real PostgreSQL server started for the run (the same
# tests that run against SQLite): with_postgres.sh BINARY [CATCH ARGS...]
set -uo pipefail
binary=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap '"$here/../support/postgres_server.sh" stop "$tmp/pg"; rm -rf "$tmp"' EXIT
url=$("$here/../support/postgres_server.sh" start "$tmp/pg") || exit 1
VANTHU_TEST_POSTGRES_URL=$url "$binary" "$@"
