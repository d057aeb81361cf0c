#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite: `start` creates a fresh cluster in a temporary
# directory and starts it on 127.0.0.1:$PORT; `stop` stops it and removes the directory.
# `make test` starts it before `swift test` and stops it afterwards, whatever the tests' outcome.
set -euo pipefail

PORT=${STATML_TEST_PG_PORT:-54329}
DIR=${STATML_TEST_PG_DIR:-/tmp/statml-test-postgres}
BIN=${STATML_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}
URL="postgresql://statml@127.0.0.1:$PORT/postgres"

# PostgreSQL refuses to run as root: as root, run its programs as the `postgres` user.
as_server_user() {
    if [ "$(id -u)" = 0 ]; then
        su postgres -s /bin/sh -c "cd / && $1"
    else
        sh -c "$1"
    fi
}

stop() {
    if [ -f "$DIR/data/postmaster.pid" ]; then
        as_server_user "$BIN/pg_ctl -D '$DIR/data' -m fast -w stop" >/dev/null 2>&1 ||
            as_server_user "$BIN/pg_ctl -D '$DIR/data' -m immediate -w stop" >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR"
}

start() {
    if [ ! -x "$BIN/initdb" ]; then
        echo "error: $BIN/initdb not found; install the Debian package 'postgresql' (make deps does)" >&2
        exit 1
    fi
    # A server left running by an aborted run is stopped and its cluster thrown away: each run starts
    # from an empty database.
    stop
    if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
        echo "error: port $PORT is taken by a PostgreSQL server this script did not start;" \
            "stop it or set STATML_TEST_PG_PORT" >&2
        exit 1
    fi
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    if ! as_server_user "$BIN/initdb -D '$DIR/data' -A trust -U statml --no-sync" >"$DIR/initdb.log" 2>&1; then
        cat "$DIR/initdb.log" >&2
        exit 1
    fi
    if ! as_server_user "$BIN/pg_ctl -D '$DIR/data' -l '$DIR/data/server.log' -w start \
        -o '-p $PORT -k $DIR -c listen_addresses=127.0.0.1'" >/dev/null 2>&1; then
        echo "error: PostgreSQL did not start; its log:" >&2
        cat "$DIR/data/server.log" >&2 || true
        exit 1
    fi
    echo "== PostgreSQL for tests: $URL"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
url) echo "$URL" ;;
*)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
