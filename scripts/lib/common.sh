# Shared helpers for Muster's scripts. Sourced, never run; sourcing it also sets the
# shell options everything here relies on (see "Failing loudly").
# shellcheck shell=bash
set -Eeuo pipefail
# Nothing here reads standard input, and CI may start us with it closed: then the next
# pipe or file opened becomes descriptor 0, a child reading "stdin" waits on our own
# output, and Redis crashes on it. Every script and service gets /dev/null instead.
exec </dev/null

MUSTER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export MUSTER_ROOT

# Colours only for a terminal: logs and CI output stay plain text.
if [ -t 2 ] && [ "${TERM:-dumb}" != dumb ]; then
    _blue=$'\033[1;34m' _yellow=$'\033[1;33m' _red=$'\033[1;31m' _plain=$'\033[0m'
else
    _blue="" _yellow="" _red="" _plain=""
fi
log()  { printf '%s==>%s %s\n' "$_blue" "$_plain" "$*" >&2; }
warn() { printf '%swarning:%s %s\n' "$_yellow" "$_plain" "$*" >&2; }
error_line() { printf '%serror:%s %s\n' "$_red" "$_plain" "$*" >&2; }
die()  { error_line "$*"; exit 1; }

# --- Failing loudly -----------------------------------------------------------------
#
# Every script runs under `set -Eeuo pipefail`. A command that fails outside a
# condition ends the script; the ERR trap below first says which step was running, the
# command, its exit status and what to do, so nothing ever stops silently. `-E` makes
# functions and subshells inherit the trap.
#
# MUSTER_STEP names what is being done (set by run_step, or by hand around longer
# stretches); MUSTER_HINT says what the user can do when it fails.
MUSTER_STEP=""
MUSTER_HINT=""
MUSTER_DEFAULT_HINT="fix the cause shown above and run the same command again: finished steps are skipped"

MUSTER_STEP_COMMAND=""
MUSTER_STEP_CALLER=""

_on_error() {
    local status="$1" command="$2" where="$3"
    # Inside a command substitution the parent reports the failure with its own context.
    [ "$BASH_SUBSHELL" -eq 0 ] || exit "$status"
    # A wrapper's "$@" says nothing: name the step's own command and where it was asked for.
    if [[ "$command" == *'"$@"'* ]] && [ -n "$MUSTER_STEP_COMMAND" ]; then
        command="$MUSTER_STEP_COMMAND"; where="$MUSTER_STEP_CALLER"
    fi
    {
        error_line "${MUSTER_STEP:-a step of ${0##*/}} failed"
        printf '  command:     %s\n' "$command"
        printf '  exit status: %s\n' "$status"
        printf '  at:          %s\n' "$where"
        printf '  what to do:  %s\n' "${MUSTER_HINT:-$MUSTER_DEFAULT_HINT}"
    } >&2
    exit "$status"
}
trap '_on_error "$?" "$BASH_COMMAND" "${BASH_SOURCE[0]#"$MUSTER_ROOT"/}:$LINENO"' ERR

# Durations for people: 75 -> "1 min 15 s".
human_duration() {
    local s="$1"
    if [ "$s" -ge 60 ]; then printf '%d min %d s' $((s / 60)) $((s % 60)); else printf '%d s' "$s"; fi
}

# run_step WHAT TAKES HINT COMMAND...: says what is starting and roughly how long it
# takes (TAKES may be empty for quick steps), runs COMMAND, then says how long it took.
# A failure goes through the ERR trap with WHAT and HINT. COMMAND runs with `set -e` in
# force, so never call run_step inside a condition (`if`, `||`, `&&`).
run_step() {
    local what="$1" takes="$2" hint="$3"; shift 3
    local outer_step="$MUSTER_STEP" outer_hint="$MUSTER_HINT" started
    MUSTER_STEP="$what"; MUSTER_HINT="${hint:-$MUSTER_DEFAULT_HINT}"
    MUSTER_STEP_COMMAND="$*"; MUSTER_STEP_CALLER="${BASH_SOURCE[1]#"$MUSTER_ROOT"/}:${BASH_LINENO[0]}"
    started="$(date +%s)"
    if [ -n "$takes" ]; then log "$what (takes $takes)"; else log "$what"; fi
    "$@"
    [ -z "$takes" ] || log "$what: done in $(human_duration $(( $(date +%s) - started )))"
    MUSTER_STEP="$outer_step"; MUSTER_HINT="$outer_hint"; MUSTER_STEP_COMMAND=""
}

# Exits with a clear message when a command the scripts cannot install is missing.
require_command() {
    command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"
}

# Prints what `COMMAND ARGS...` prints (a version, typically), or nothing when COMMAND is
# missing or fails. Safe inside `$(...)` under `set -euo pipefail`: probing for a tool
# that is not there must never end the script.
probe() {
    command -v "$1" >/dev/null 2>&1 || return 0
    "$@" 2>/dev/null || true
}

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
