# Throwaway PostgreSQL 15 and Redis on free loopback ports, for CI and benchmarks.
# Source it, then call start_services; it exports TEST_DATABASE_URL and TEST_REDIS_URL and
# stops both servers (by their PIDs) when the calling shell exits.

PG_BIN=/usr/lib/postgresql/15/bin

# Arguments: commands to have, each as COMMAND or COMMAND:PACKAGE when the Debian package that
# provides it has another name (envsubst:gettext-base).
install_missing_packages() {
    local needed=() wanted
    command -v redis-server >/dev/null 2>&1 || needed+=(redis-server)
    [ -x "$PG_BIN/initdb" ] || needed+=(postgresql-15)
    for wanted in "$@"; do
        command -v "${wanted%%:*}" >/dev/null 2>&1 || needed+=("${wanted#*:}")
    done
    if [ ${#needed[@]} -gt 0 ]; then
        echo "[services] installing ${needed[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${needed[@]}" >/dev/null
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_services() {
    local status=$?
    if [ -n "${SERVICES_DIR:-}" ]; then
        if [ -f "$SERVICES_DIR/data/postmaster.pid" ]; then
            runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$SERVICES_DIR/data" -m fast -w stop \
                >/dev/null || true
        fi
        if [ -f "$SERVICES_DIR/redis.pid" ]; then
            kill -TERM "$(cat "$SERVICES_DIR/redis.pid")" 2>/dev/null || true
        fi
        rm -rf "$SERVICES_DIR"
    fi
    exit "$status"
}

start_services() {
    SERVICES_DIR=$(mktemp -d /tmp/bakery-services.XXXXXX)
    chown postgres:postgres "$SERVICES_DIR"
    trap stop_services EXIT INT TERM
    local pg_port redis_port
    pg_port=$(free_port)
    redis_port=$(free_port)

    echo "[services] PostgreSQL 15 on 127.0.0.1:$pg_port"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$SERVICES_DIR/data" -U postgres --auth=trust \
        -E UTF8 --locale=C.UTF-8 >/dev/null
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$SERVICES_DIR/data" -l "$SERVICES_DIR/postgres.log" \
        -o "-p $pg_port -k $SERVICES_DIR -c listen_addresses=127.0.0.1 -c fsync=off" -w start \
        >/dev/null
    runuser -u postgres -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" bakery_test

    echo "[services] Redis on 127.0.0.1:$redis_port"
    redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$SERVICES_DIR" --save '' \
        --appendonly no --daemonize yes --pidfile "$SERVICES_DIR/redis.pid" \
        --logfile "$SERVICES_DIR/redis.log"
    for _ in $(seq 50); do
        redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done

    export TEST_DATABASE_URL="postgresql+psycopg2://postgres@127.0.0.1:$pg_port/bakery_test"
    export TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"
}
