# Installs what building and testing Muster needs, skipping whatever is already there.
# Only the package registries are used (Debian, crates.io, npm): nothing is downloaded
# from anywhere else. Facts behind the versions: ../shared/TOOLCHAIN.md.
# shellcheck shell=bash

CARGO_LEPTOS_VERSION="0.3.10"   # 0.3.11 needs a newer rustc than the machine's 1.95

_apt_updated=""
ensure_apt_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    if [ -z "$_apt_updated" ]; then as_root apt-get update -qq; _apt_updated=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_service_packages() {
    ensure_apt_packages postgresql postgresql-contrib redis-server redis-tools
}

ensure_wasm_target() {
    rustup target list --installed | grep -qx wasm32-unknown-unknown && return 0
    log "adding the wasm32-unknown-unknown Rust target"
    rustup target add wasm32-unknown-unknown
}

# The wasm-bindgen CLI must match the wasm-bindgen crate exactly; the pin lives in the
# workspace Cargo.toml.
ensure_wasm_bindgen_cli() {
    local want have
    want="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' "$MUSTER_ROOT/Cargo.toml")"
    [ -n "$want" ] || die "wasm-bindgen is not pinned with \"=X.Y.Z\" in Cargo.toml"
    have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')"
    [ "$have" = "$want" ] && return 0
    log "installing wasm-bindgen-cli $want (takes ~8 minutes once)"
    # Not --locked: one of its locked dependencies is missing from the registry mirror.
    cargo install wasm-bindgen-cli --version "$want" --force
}

ensure_cargo_leptos() {
    cargo leptos --version >/dev/null 2>&1 && return 0
    log "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes ~20 minutes once)"
    # no_downloads: fail fast instead of fetching sass/tailwind/wasm-opt from the internet.
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
}

NODE_MIN_MAJOR="${NODE_MIN_MAJOR:-20}"   # Playwright's minimum

# Node from Debian if absent; Debian 12 ships Node 18, too old for Playwright, in which
# case the official Linux build of Node 20 comes from the npm registry (package
# node-linux-<arch>) into the data directory.
ensure_node() {
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || ensure_apt_packages nodejs npm
    local major
    major="$(node -p 'process.versions.node.split(".")[0]')"
    [ "$major" -ge "$NODE_MIN_MAJOR" ] && return 0
    local arch dir
    case "$(uname -m)" in
        x86_64) arch=x64 ;;
        aarch64) arch=arm64 ;;
        *) die "Node $major is too old (need $NODE_MIN_MAJOR+) and no npm build of Node exists for $(uname -m)" ;;
    esac
    dir="${MUSTER_DATA_DIR:-$MUSTER_ROOT/.muster}/node$NODE_MIN_MAJOR"
    if [ ! -x "$dir/node_modules/node-linux-$arch/bin/node" ]; then
        log "installing Node $NODE_MIN_MAJOR from the npm registry (this Node $major is too old for Playwright)"
        mkdir -p "$dir"
        (cd "$dir" && npm install --no-audit --no-fund --loglevel=error "node-linux-$arch@$NODE_MIN_MAJOR")
    fi
    export PATH="$dir/node_modules/node-linux-$arch/bin:$PATH"
}

# Playwright and binaryen (wasm-opt for release builds) come from npm, pinned by
# end2end/package-lock.json.
ensure_node_packages() {
    ensure_node
    local dir="$MUSTER_ROOT/end2end"
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        log "installing end2end npm packages"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    export PATH="$dir/node_modules/.bin:$PATH"
}

ensure_chromium() {
    ensure_apt_packages chromium
}

# Everything needed to build and serve the app.
ensure_build_toolchain() {
    command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust with rustup first"
    ensure_apt_packages build-essential pkg-config curl
    ensure_wasm_target
    ensure_wasm_bindgen_cli
    ensure_cargo_leptos
    ensure_node_packages
}
