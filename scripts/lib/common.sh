# Shared helpers for Muster's scripts. Sourced, never run.
# shellcheck shell=bash

MUSTER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export MUSTER_ROOT

log()  { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if is_root; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root for: $* (install sudo or run as root)"
    fi
}

# Waits until "$@" succeeds, polling every 0.2 s, for at most $1 seconds. Readiness is
# polled, never assumed after a fixed sleep.
wait_until() {
    local timeout="$1"; shift
    local deadline=$(( $(date +%s) + timeout ))
    until "$@" >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$deadline" ]; then return 1; fi
        sleep 0.2
    done
}

random_secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
