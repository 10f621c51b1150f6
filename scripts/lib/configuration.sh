# Checks the configuration the scripts read from the environment before anything is
# installed or started: a typo must cost seconds, not the half hour of first-run
# installs. Values are never printed (connection strings hold passwords).
# shellcheck shell=bash

_config_problems=()
_config_problem() { _config_problems+=("$1"); }

_check_port() {
    local name="$1" value="${!1:-}"
    [ -z "$value" ] && return 0
    if ! [[ "$value" =~ ^[0-9]{1,5}$ ]] || [ "$value" -lt 1 ] || [ "$value" -gt 65535 ]; then
        _config_problem "$name must be a port number from 1 to 65535"
    fi
}

_check_url() {
    local name="$1" value="$2" schemes="$3"
    [[ "$value" =~ ^($schemes)://[^/]+ ]] || _config_problem "$name must be a ${schemes//|/:// or }:// URL with a host"
}

# validate_configuration run|test: dies listing every problem found, or returns.
validate_configuration() {
    local profile="$1" url
    _config_problems=()

    case "${MUSTER_SERVICES_PROFILE:-$profile}" in
        run|test) ;;
        *) _config_problem "MUSTER_SERVICES_PROFILE must be run or test" ;;
    esac

    # Services of one's own: all of them or none (README "Services").
    if [ -n "${DATABASE_URL:-}" ] || [ -n "${REDIS_URL:-}" ]; then
        [ -n "${DATABASE_URL:-}" ] || _config_problem "REDIS_URL is set but DATABASE_URL is not: configure both services, or neither to use the project-local ones"
        [ -n "${REDIS_URL:-}" ] || _config_problem "DATABASE_URL is set but REDIS_URL is not: configure both services, or neither to use the project-local ones"
        [ -n "${DATABASE_MIGRATION_URL:-}" ] || _config_problem "DATABASE_URL is set but DATABASE_MIGRATION_URL is not: it must name the role that owns the schema (README \"Database roles\")"
    fi
    [ -z "${DATABASE_URL:-}" ] || _check_url DATABASE_URL "$DATABASE_URL" 'postgres|postgresql'
    [ -z "${DATABASE_MIGRATION_URL:-}" ] || _check_url DATABASE_MIGRATION_URL "$DATABASE_MIGRATION_URL" 'postgres|postgresql'
    if [ -n "${DATABASE_REPLICA_URLS:-}" ]; then
        local IFS=','
        for url in $DATABASE_REPLICA_URLS; do
            _check_url "each of DATABASE_REPLICA_URLS (comma-separated)" "$url" 'postgres|postgresql'
        done
        unset IFS
    fi
    [ -z "${REDIS_URL:-}" ] || _check_url REDIS_URL "$REDIS_URL" 'redis|rediss'

    local port
    for port in MUSTER_PG_PORT MUSTER_PG_REPLICA_PORT MUSTER_REDIS_PORT \
                MUSTER_TEST_PG_PORT MUSTER_TEST_PG_REPLICA_PORT MUSTER_TEST_REDIS_PORT; do
        _check_port "$port"
    done
    if [ -n "${LEPTOS_SITE_ADDR:-}" ] && ! [[ "$LEPTOS_SITE_ADDR" =~ ^[^:]+:[0-9]{1,5}$|^\[[0-9a-fA-F:]+\]:[0-9]{1,5}$ ]]; then
        _config_problem "LEPTOS_SITE_ADDR must be HOST:PORT, e.g. 127.0.0.1:3000"
    fi
    [ -z "${MUSTER_PUBLIC_URL:-}" ] || _check_url MUSTER_PUBLIC_URL "$MUSTER_PUBLIC_URL" 'http|https'
    if [ -n "${MUSTER_DATA_DIR:-}" ] && [[ "$MUSTER_DATA_DIR" != /* ]]; then
        _config_problem "MUSTER_DATA_DIR must be an absolute path"
    fi

    [ "${#_config_problems[@]}" -eq 0 ] && return 0
    local problem
    for problem in "${_config_problems[@]}"; do
        error_line "$problem"
    done
    die "the configuration above is not usable; nothing was installed or started (README \"Configuration\")"
}
