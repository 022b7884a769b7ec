#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: a fresh cluster in DIR, listening on 127.0.0.1 at a
# free port and on a socket in DIR, trust authentication for the local test user only.
#   postgres_server.sh start DIR   -> prints the database URL (postgresql://USER@127.0.0.1:PORT/vanthu)
#   postgres_server.sh stop DIR
# As root the server runs as the 'postgres' system user (PostgreSQL refuses to run as root).
set -euo pipefail
command=${1:?start|stop}
dir=${2:?DIR}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "postgres_server.sh: PostgreSQL is not installed (script/bootstrap installs it)" >&2; exit 1; }
as_owner=()
owner=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  as_owner=(runuser -u postgres --)
fi
case $command in
  start)
    mkdir -p "$dir"
    # The cluster lives where its owner can reach it: as root, a private directory of its own
    # (the caller's temporary directory is usually 0700 root).
    cluster=$dir/cluster
    if [ "$(id -u)" -eq 0 ]; then
      cluster=$(mktemp -d /tmp/vanthu-pg.XXXXXX)
      chown postgres "$cluster"
    fi
    echo "$cluster" >"$dir/cluster-path"
    port=""
    for candidate in $(shuf -i 30000-60000 -n 40); do
      if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
    done
    [ -n "$port" ] || { echo "postgres_server.sh: no free port" >&2; exit 1; }
    "${as_owner[@]}" "$bindir/initdb" -D "$cluster/data" -U "$owner" -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
      -o "-p $port -k $cluster -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null \
      || { cat "$cluster/server.log" >&2; exit 1; }
    "${as_owner[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U "$owner" vanthu
    echo "$port" >"$dir/port"
    echo "postgresql://$owner@127.0.0.1:$port/vanthu"
    ;;
  stop)
    cluster=$(cat "$dir/cluster-path" 2>/dev/null || true)
    if [ -n "$cluster" ] && [ -d "$cluster/data" ]; then
      "${as_owner[@]}" "$bindir/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null 2>&1 || true
      [ "$cluster" != "$dir/cluster" ] && rm -rf "$cluster"
    fi
    ;;
  *) echo "usage: postgres_server.sh start|stop DIR" >&2; exit 2 ;;
esac
