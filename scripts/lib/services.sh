# Project-local Postgres primary, streaming replica and Redis, for `scripts/run` and
# `scripts/test`. Never touches the system's own clusters: everything lives under
# $MUSTER_DATA_DIR/<profile>/ and listens on 127.0.0.1 ports of its own.
#
# Usage (after sourcing common.sh): services_profile run|test; services_up; ...;
# services_down_if_started.
# shellcheck shell=bash

services_profile() {
    MUSTER_SERVICES_PROFILE="$1"
    local base="${MUSTER_DATA_DIR:-$MUSTER_ROOT/.muster}"
    SERVICES_DIR="$base/$1"
    # `run` and `test` use different ports so a test run never disturbs a running Muster.
    case "$1" in
        run)  PG_PRIMARY_PORT="${MUSTER_PG_PORT:-55432}"; PG_REPLICA_PORT="${MUSTER_PG_REPLICA_PORT:-55433}"; REDIS_PORT="${MUSTER_REDIS_PORT:-56379}" ;;
        test) PG_PRIMARY_PORT="${MUSTER_TEST_PG_PORT:-55442}"; PG_REPLICA_PORT="${MUSTER_TEST_PG_REPLICA_PORT:-55443}"; REDIS_PORT="${MUSTER_TEST_REDIS_PORT:-56389}"
              PG_DELAYED_PORT="${MUSTER_TEST_PG_DELAYED_PORT:-55444}" ;;
        *) die "unknown services profile $1" ;;
    esac
    PG_PRIMARY_DIR="$SERVICES_DIR/pg-primary"
    PG_REPLICA_DIR="$SERVICES_DIR/pg-replica"
    # Test profile only: a second replica that applies the WAL 2 s late, for the tests
    # of reading one's own writes while replicas lag.
    PG_DELAYED_DIR="$SERVICES_DIR/pg-delayed"
    REDIS_DIR="$SERVICES_DIR/redis"
    SOCKET_DIR="$SERVICES_DIR/sockets"
    SECRETS_FILE="$SERVICES_DIR/secrets.env"
    LOG_DIR="$SERVICES_DIR/logs"
    STARTED_SERVICES=()
}

STARTED_SERVICES=()

# Debian installs each PostgreSQL major version's server programs under its own
# directory; the newest is used. Resolved once, in the script's own shell (never inside
# `$(...)`, where a failure would end only the subshell).
PG_BIN=""
resolve_pg_bin() {
    [ -n "$PG_BIN" ] && return 0
    local root="${MUSTER_POSTGRES_LIBDIR:-/usr/lib/postgresql}" dir="" candidate
    for candidate in "$root"/*/bin; do
        [ -x "$candidate/pg_ctl" ] || continue
        if [ -z "$dir" ] || [ "$(printf '%s\n%s\n' "$dir" "$candidate" | sort -V | tail -n1)" = "$candidate" ]; then
            dir="$candidate"
        fi
    done
    [ -n "$dir" ] || die "PostgreSQL server programs not found under $root (Debian package postgresql)"
    PG_BIN="$dir"
}

# Postgres refuses to run as root: when we are root, its processes run as the
# `postgres` system user that Debian's package creates.
as_pg() {
    if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

_pg_owns() {
    if is_root; then chown -R postgres:postgres "$@"; fi
}

_load_secrets() {
    mkdir -p "$SERVICES_DIR"
    chmod 755 "$SERVICES_DIR"
    if [ ! -f "$SECRETS_FILE" ]; then
        (umask 077; printf 'PG_PASSWORD=%s\nREDIS_PASSWORD=%s\n' "$(random_secret)" "$(random_secret)" > "$SECRETS_FILE")
    fi
    # The runtime role's password (added to secrets files of older checkouts too).
    grep -q '^APP_PG_PASSWORD=' "$SECRETS_FILE" || (umask 077; printf 'APP_PG_PASSWORD=%s\n' "$(random_secret)" >> "$SECRETS_FILE")
    # shellcheck disable=SC1090
    . "$SECRETS_FILE"
    mkdir -p "$LOG_DIR"
    _pg_owns "$LOG_DIR"
    # A passfile keeps the password out of process listings.
    PGPASS_FILE="$SERVICES_DIR/pgpass"
    (umask 077; printf '127.0.0.1:*:*:muster:%s\n127.0.0.1:*:*:muster_web:%s\n' "$PG_PASSWORD" "$APP_PG_PASSWORD" > "$PGPASS_FILE")
    _pg_owns "$PGPASS_FILE"
}

_pg_running() { as_pg "$PG_BIN/pg_ctl" status -D "$1" >/dev/null 2>&1; }

_psql() {
    PGPASSFILE="$PGPASS_FILE" psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U muster "$@"
}

_init_primary() {
    log "creating Postgres primary in $PG_PRIMARY_DIR"
    rm -rf "$PG_PRIMARY_DIR" "$PG_REPLICA_DIR"   # a replica of an older primary is useless
    mkdir -p "$PG_PRIMARY_DIR" "$SOCKET_DIR"
    _pg_owns "$PG_PRIMARY_DIR" "$SOCKET_DIR"
    chmod 700 "$PG_PRIMARY_DIR"
    local pwfile="$SERVICES_DIR/.pwfile"
    (umask 077; printf '%s\n' "$PG_PASSWORD" > "$pwfile")
    _pg_owns "$pwfile"
    as_pg "$PG_BIN/initdb" -D "$PG_PRIMARY_DIR" -U muster --pwfile="$pwfile" -A scram-sha-256 -E UTF8 --no-locale >/dev/null
    rm -f "$pwfile"
    local durability=""
    # Test data is thrown away: skipping fsync makes creating a database per test cheap.
    [ "$MUSTER_SERVICES_PROFILE" = test ] && durability=$'fsync = off\nsynchronous_commit = off\nfull_page_writes = off'
    cat >> "$PG_PRIMARY_DIR/postgresql.conf" <<CONF

# --- Muster project-local settings ---
listen_addresses = '127.0.0.1'
port = $PG_PRIMARY_PORT
unix_socket_directories = '$SOCKET_DIR'
max_connections = 300
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
hot_standby = on
wal_keep_size = 256MB
$durability
CONF
}

# Two roles: `muster` (the superuser initdb made) owns the schema and runs migrations;
# `muster_web` serves requests as a member of `muster_app`, owns nothing and cannot
# bypass row level security, so tenants stay isolated (README "Database roles").
_ensure_runtime_role() {
    # The password travels on stdin, never on a command line.
    _psql -d postgres <<SQL >/dev/null
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'muster_app') THEN
        CREATE ROLE muster_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'muster_web') THEN
        CREATE ROLE muster_web LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE muster_app;
    END IF;
END
\$\$;
ALTER ROLE muster_web PASSWORD '$APP_PG_PASSWORD';
SQL
}

# A streaming replica of the primary in DIR on PORT, replicating through slot SLOT;
# EXTRA is appended to its settings.
_init_replica() {
    local dir="$1" port="$2" slot="$3" extra="${4:-}"
    log "creating streaming replica in $dir (pg_basebackup)"
    rm -rf "$dir"   # leftovers of an interrupted attempt
    mkdir -p "$dir"
    _pg_owns "$dir"
    chmod 700 "$dir"
    _psql -d postgres -c "SELECT pg_drop_replication_slot('$slot') FROM pg_replication_slots WHERE slot_name = '$slot'" >/dev/null
    # -c fast: checkpoint at once instead of spreading it over minutes.
    as_pg env PGPASSFILE="$PGPASS_FILE" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U muster \
        -D "$dir" -X stream -C -S "$slot" -R -c fast
    # Our own connection string (pg_basebackup -R may leave the password out).
    as_pg sh -c "cat >> '$dir/postgresql.auto.conf'" <<CONF
primary_conninfo = 'host=127.0.0.1 port=$PG_PRIMARY_PORT user=muster passfile=$PGPASS_FILE application_name=$slot'
primary_slot_name = '$slot'
CONF
    as_pg sh -c "printf '\nport = $port\n%s\n' '$extra' >> '$dir/postgresql.conf'"
}

# True when something already listens on 127.0.0.1:$1.
_port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

_start_pg() {
    local name="$1" dir="$2" port="$3"
    if _pg_running "$dir"; then
        log "$name already running (reused)"
        return 0
    fi
    _port_taken "$port" && die "port $port is taken by another process (another checkout's services?); stop it or choose other ports (README: MUSTER_*_PORT)"
    rm -f "$dir/postmaster.pid"
    as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$LOG_DIR/$name.log" -w -t 120 start </dev/null >/dev/null \
        || die "$name did not start; see $LOG_DIR/$name.log"
    STARTED_SERVICES+=("$name")
}

# The password travels in the environment (REDISCLI_AUTH), never on a command line
# that `ps` shows to every user.
_redis_cli() { REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }
# Only call after _require_redis_tools: without redis-cli every Redis would look stopped.
_redis_running() { [ "$(_redis_cli ping 2>/dev/null || true)" = PONG ]; }
_require_redis_tools() {
    require_command redis-cli "it comes with Debian's redis-tools package (\`scripts/services up\` installs it)"
    require_command redis-server "it comes with Debian's redis-server package (\`scripts/services up\` installs it)"
}

_start_redis() {
    _require_redis_tools
    if _redis_running; then
        log "redis already running (reused)"
        return 0
    fi
    _port_taken "$REDIS_PORT" && die "port $REDIS_PORT is taken by another process; stop it or choose other ports (README: MUSTER_*_PORT)"
    mkdir -p "$REDIS_DIR"
    # Settings, the password among them, go in a file only we can read: command-line
    # arguments are visible to every user in `ps`.
    local conf="$REDIS_DIR/redis.conf"
    (umask 077; cat > "$conf" <<CONF
bind 127.0.0.1
port $REDIS_PORT
dir $REDIS_DIR
daemonize yes
pidfile $REDIS_DIR/redis.pid
logfile $LOG_DIR/redis.log
requirepass $REDIS_PASSWORD
appendonly yes
save ""
CONF
    )
    redis-server "$conf" </dev/null >/dev/null
    wait_until 30 _redis_running || die "redis did not start; see $LOG_DIR/redis.log"
    STARTED_SERVICES+=(redis)
}

# True when the user configured services of their own (README "Services"); the
# configuration is checked beforehand by validate_configuration.
services_configured() { [ -n "${DATABASE_URL:-}" ]; }

# Starts (or reuses) primary, replica and Redis, and exports DATABASE_URL,
# DATABASE_MIGRATION_URL, DATABASE_REPLICA_URLS and REDIS_URL for them. With services of
# one's own configured, starts nothing and uses those as they are.
services_up() {
    if services_configured; then
        log "using configured services (DATABASE_URL, DATABASE_REPLICA_URLS, REDIS_URL)"
        export DATABASE_REPLICA_URLS="${DATABASE_REPLICA_URLS:-}"
        return 0
    fi
    ensure_service_packages
    resolve_pg_bin
    _load_secrets
    # shellcheck disable=SC2034 # read by the ERR trap (common.sh)
    MUSTER_STEP="starting the project-local services ($MUSTER_SERVICES_PROFILE)"
    MUSTER_HINT="see the logs in $LOG_DIR; \`scripts/services status\` shows what runs; then run the same command again"
    [ -f "$PG_PRIMARY_DIR/PG_VERSION" ] || _init_primary
    _start_pg pg-primary "$PG_PRIMARY_DIR" "$PG_PRIMARY_PORT"
    # Every database made from here on (muster, and each test's) has PostGIS already:
    # creating the extension costs half a second per database.
    _psql -d template1 -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
    if ! _psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'muster'" | grep -q 1; then
        _psql -d postgres -c "CREATE DATABASE muster" >/dev/null
    fi
    _ensure_runtime_role
    [ -f "$PG_REPLICA_DIR/PG_VERSION" ] || _init_replica "$PG_REPLICA_DIR" "$PG_REPLICA_PORT" muster_replica_1
    _start_pg pg-replica "$PG_REPLICA_DIR" "$PG_REPLICA_PORT"
    if [ "$MUSTER_SERVICES_PROFILE" = test ]; then
        # The tests that use it assert which server answered each read: a read cancelled
        # by replay (vacuum removing rows its snapshot sees) would rightly go to the
        # primary and fail them by chance. The primary keeps those rows for this replica
        # instead, and replay waits for reads rather than cancelling them.
        [ -f "$PG_DELAYED_DIR/PG_VERSION" ] || _init_replica "$PG_DELAYED_DIR" "$PG_DELAYED_PORT" muster_replica_delayed \
            "recovery_min_apply_delay = 2000
hot_standby_feedback = on
max_standby_streaming_delay = -1"
        _start_pg pg-delayed "$PG_DELAYED_DIR" "$PG_DELAYED_PORT"
    fi
    _start_redis
    # shellcheck disable=SC2034 # read by the ERR trap (common.sh)
    MUSTER_STEP="" MUSTER_HINT=""

    export DATABASE_URL="postgres://muster_web:$APP_PG_PASSWORD@127.0.0.1:$PG_PRIMARY_PORT/muster"
    export DATABASE_MIGRATION_URL="postgres://muster:$PG_PASSWORD@127.0.0.1:$PG_PRIMARY_PORT/muster"
    export DATABASE_REPLICA_URLS="postgres://muster_web:$APP_PG_PASSWORD@127.0.0.1:$PG_REPLICA_PORT/muster"
    export REDIS_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/"
    if [ "$MUSTER_SERVICES_PROFILE" = test ]; then
        export MUSTER_TEST_DELAYED_REPLICA_URL="postgres://muster_web:$APP_PG_PASSWORD@127.0.0.1:$PG_DELAYED_PORT/muster"
    fi
    log "services ready: primary 127.0.0.1:$PG_PRIMARY_PORT, replica 127.0.0.1:$PG_REPLICA_PORT, redis 127.0.0.1:$REDIS_PORT"
}

# Stops what services_up started in this invocation (services that were already
# running belong to someone else and are left alone). Runs from EXIT traps: it never
# fails, whatever it finds.
services_down_if_started() {
    local svc
    [ "${#STARTED_SERVICES[@]}" -gt 0 ] || return 0
    for svc in "${STARTED_SERVICES[@]}"; do
        case "$svc" in
            pg-replica) as_pg "$PG_BIN/pg_ctl" -D "$PG_REPLICA_DIR" -m fast -w stop >/dev/null 2>&1 || warn "could not stop the replica" ;;
            pg-delayed) as_pg "$PG_BIN/pg_ctl" -D "$PG_DELAYED_DIR" -m fast -w stop >/dev/null 2>&1 || warn "could not stop the delayed replica" ;;
            pg-primary) ;; # after the replica, below
            redis) _redis_cli shutdown >/dev/null 2>&1 || true ;;
        esac
    done
    for svc in "${STARTED_SERVICES[@]}"; do
        if [ "$svc" = pg-primary ]; then
            as_pg "$PG_BIN/pg_ctl" -D "$PG_PRIMARY_DIR" -m fast -w stop >/dev/null 2>&1 || warn "could not stop the primary"
        fi
    done
    log "stopped ${STARTED_SERVICES[*]}"
    STARTED_SERVICES=()
}

# Stops every service of the profile, whoever started it.
services_stop_all() {
    resolve_pg_bin
    _require_redis_tools
    _load_secrets
    STARTED_SERVICES=(pg-replica pg-primary redis)
    [ "$MUSTER_SERVICES_PROFILE" = test ] && STARTED_SERVICES=(pg-delayed "${STARTED_SERVICES[@]}")
    services_down_if_started
}

# One line per service: running or stopped (or not installed).
services_status() {
    _load_secrets
    # In a subshell: a missing Postgres is something to report here, not to die of.
    if ! (resolve_pg_bin) 2>/dev/null; then
        echo "postgres: not installed (\`scripts/services up\` installs it)"
    else
        resolve_pg_bin
        if _pg_running "$PG_PRIMARY_DIR"; then echo "primary: running on 127.0.0.1:$PG_PRIMARY_PORT"; else echo "primary: stopped"; fi
        if _pg_running "$PG_REPLICA_DIR"; then echo "replica: running on 127.0.0.1:$PG_REPLICA_PORT"; else echo "replica: stopped"; fi
        if [ "$MUSTER_SERVICES_PROFILE" = test ]; then
            if _pg_running "$PG_DELAYED_DIR"; then echo "delayed replica: running on 127.0.0.1:$PG_DELAYED_PORT"; else echo "delayed replica: stopped"; fi
        fi
    fi
    if ! command -v redis-cli >/dev/null 2>&1; then
        echo "redis: not installed (\`scripts/services up\` installs it)"
    elif _redis_running; then
        echo "redis: running on 127.0.0.1:$REDIS_PORT"
    else
        echo "redis: stopped"
    fi
}
