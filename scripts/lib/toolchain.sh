# Installs what building and testing Muster needs, skipping whatever is already there.
# Only the package registries are used (Debian, crates.io, npm): nothing is downloaded
# from anywhere else. Facts behind the versions: ../shared/TOOLCHAIN.md.
#
# Every "is it there, which version?" check goes through `probe` (common.sh), which never
# fails: a missing tool is something to install, not a reason to stop.
# shellcheck shell=bash

CARGO_LEPTOS_VERSION="0.3.10"   # 0.3.11 needs a newer rustc than the machine's 1.95
NODE_MIN_MAJOR="20"             # Playwright's minimum
REGISTRY_HINT="check that the package registries (Debian, crates.io, npm) can be reached and that the disk has room (df -h), then run the same command again: finished steps are skipped"

_apt_updated=""
_apt_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

ensure_apt_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        _apt_installed "$pkg" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    require_command apt-get "this needs Debian's packages ${missing[*]}: install them by hand, or run on Debian 12 (README)"
    if [ -z "$_apt_updated" ]; then
        run_step "updating Debian's package lists" "" "$REGISTRY_HINT" as_root apt-get update -qq
        _apt_updated=1
    fi
    run_step "installing Debian packages: ${missing[*]}" "a minute or two" "$REGISTRY_HINT" \
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# cargo and rustup are the one thing a new machine must bring (README). A rustup
# installation not yet on PATH (a new shell before ~/.profile ran) is found anyway.
ensure_rust() {
    local cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
    if ! command -v cargo >/dev/null 2>&1 && [ -x "$cargo_bin/cargo" ]; then
        export PATH="$cargo_bin:$PATH"
    fi
    require_command rustup "install Rust with rustup first (README.md, first section), then open a new shell"
    require_command cargo "rustup is there but cargo is not: run \`rustup default stable\`"
}

ensure_wasm_target() {
    rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown && return 0
    run_step "adding the wasm32-unknown-unknown Rust target" "about 10 s" "$REGISTRY_HINT" \
        rustup target add wasm32-unknown-unknown
}

# The wasm-bindgen CLI must match the wasm-bindgen crate exactly; the pin lives in the
# workspace Cargo.toml.
wasm_bindgen_pin() {
    sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' "$MUSTER_ROOT/Cargo.toml"
}

ensure_wasm_bindgen_cli() {
    local want have
    want="$(wasm_bindgen_pin)"
    [ -n "$want" ] || die "wasm-bindgen is not pinned with \"=X.Y.Z\" in Cargo.toml"
    have="$(probe wasm-bindgen --version | awk '{print $2}')"
    # The same package brings wasm-bindgen-test-runner, which runs the engine's WASM
    # tests under Node.
    [ "$have" = "$want" ] && command -v wasm-bindgen-test-runner >/dev/null 2>&1 && return 0
    # Not --locked: one of its locked dependencies is missing from the registry mirror.
    run_step "installing wasm-bindgen-cli $want${have:+ (replacing $have)}" "2 to 8 minutes, once" "$REGISTRY_HINT" \
        cargo install wasm-bindgen-cli --version "$want" --force
}

ensure_cargo_leptos() {
    local have
    have="$(probe cargo-leptos --version | awk '{print $2}')"
    [ "$have" = "$CARGO_LEPTOS_VERSION" ] && return 0
    # no_downloads: fail fast instead of fetching sass/tailwind/wasm-opt from the internet.
    run_step "installing cargo-leptos $CARGO_LEPTOS_VERSION${have:+ (replacing $have)}" "10 to 20 minutes, once" "$REGISTRY_HINT" \
        cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads --force
}

_node_major() { probe node -p 'process.versions.node.split(".")[0]'; }

# Node from Debian if absent; Debian 12 ships Node 18, too old for Playwright, in which
# case the official Linux build of Node 20 comes from the npm registry (package
# node-linux-<arch>) into the data directory.
ensure_node() {
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        ensure_apt_packages nodejs npm
    fi
    local major arch dir
    major="$(_node_major)"
    [ -n "$major" ] || die "node is installed but does not run (\`node -v\` fails): repair or remove it, then run the same command again"
    [ "$major" -ge "$NODE_MIN_MAJOR" ] && return 0
    case "$(uname -m)" in
        x86_64) arch=x64 ;;
        aarch64) arch=arm64 ;;
        *) die "Node $major is too old (need $NODE_MIN_MAJOR+) and no npm build of Node exists for $(uname -m): install Node $NODE_MIN_MAJOR+ by hand" ;;
    esac
    dir="${MUSTER_DATA_DIR:-$MUSTER_ROOT/.muster}/node$NODE_MIN_MAJOR"
    if [ ! -x "$dir/node_modules/node-linux-$arch/bin/node" ]; then
        mkdir -p "$dir"
        run_step "installing Node $NODE_MIN_MAJOR from the npm registry (this Node $major is too old for Playwright)" "under a minute" "$REGISTRY_HINT" \
            npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "node-linux-$arch@$NODE_MIN_MAJOR"
    fi
    export PATH="$dir/node_modules/node-linux-$arch/bin:$PATH"
    major="$(_node_major)"
    [ "${major:-0}" -ge "$NODE_MIN_MAJOR" ] || die "Node $NODE_MIN_MAJOR from the npm registry does not run here (node -v says ${major:-nothing})"
}

# Playwright and binaryen (wasm-opt for release builds) come from npm, pinned by
# end2end/package-lock.json.
ensure_node_packages() {
    ensure_node
    local dir="$MUSTER_ROOT/end2end"
    if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        run_step "installing end2end npm packages (Playwright, binaryen)" "about a minute" "$REGISTRY_HINT" \
            npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    fi
    export PATH="$dir/node_modules/.bin:$PATH"
}

# Leaflet, Leaflet.markercluster and ZXing, pinned by frontend/package-lock.json, are copied into public/vendor
# (not in git) where cargo-leptos serves them like any asset; frontend/vendor.list says
# which files.
ensure_browser_libraries() {
    ensure_node
    local dir="$MUSTER_ROOT/frontend" from to
    if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        run_step "installing the browser libraries (Leaflet, Leaflet.markercluster, ZXing)" "under a minute" "$REGISTRY_HINT" \
            npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    fi
    while read -r from to; do
        case "$from" in ''|'#'*) continue ;; esac
        [ -f "$dir/node_modules/$from" ] || die "frontend/node_modules/$from is missing although npm installed the browser libraries: delete frontend/node_modules and run the same command again"
        mkdir -p "$(dirname "$MUSTER_ROOT/public/vendor/$to")"
        cp -p "$dir/node_modules/$from" "$MUSTER_ROOT/public/vendor/$to"
    done < "$dir/vendor.list"
}

# Everything needed to build and serve the app.
ensure_build_toolchain() {
    ensure_rust
    ensure_apt_packages build-essential pkg-config curl
    ensure_wasm_target
    ensure_wasm_bindgen_cli
    ensure_cargo_leptos
    ensure_node_packages
    ensure_browser_libraries
}

# What only the tests need: the browser and the shell linter.
ensure_test_tools() {
    ensure_apt_packages chromium shellcheck
}

# PostGIS (submission locations) comes for the server's major version, which only
# the installed server tells (Debian 12: 15); services_up enables it in template1.
ensure_service_packages() {
    ensure_apt_packages postgresql postgresql-contrib redis-server redis-tools
    resolve_pg_bin
    ensure_apt_packages "postgresql-$(basename "$(dirname "$PG_BIN")")-postgis-3"
}

# The whole set-up of one of the README's commands, in the order it runs, so the
# set-up test (scripts/setup-test) exercises exactly what they do. PROFILE: run | test.
# Service packages are skipped when services of one's own are configured.
ensure_prerequisites() {
    ensure_build_toolchain
    [ "$1" = test ] && ensure_test_tools
    services_configured || ensure_service_packages
    return 0
}
