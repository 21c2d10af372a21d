# Shared by scripts/run and scripts/test: where cargo builds, and the
# system packages a fresh Debian/Ubuntu machine needs.

# Build outside the clone so a fresh clone reuses earlier builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gridsafe/target}"

# Debian packages for building and testing (the Tauri desktop build, the
# real-webview and headless-browser tests, the document renderer).
GRIDSAFE_APT_PACKAGES=(
  build-essential pkg-config curl ca-certificates
  libwebkit2gtk-4.1-dev libjavascriptcoregtk-4.1-dev libgtk-3-dev
  libsoup-3.0-dev librsvg2-dev libssl-dev libxdo-dev
  webkit2gtk-driver xvfb xauth chromium fonts-noto-cjk
  libreoffice-writer-nogui poppler-utils
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs whichever of the packages are missing, when we may (root);
# otherwise says exactly what to install.
ensure_apt_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing system packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    return 1
  fi
}

# Node.js 20.19 or newer and npm build the UI.
ensure_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "Node.js (>= 20.19) and npm are needed to build the UI: https://nodejs.org/en/download" >&2
    return 1
  fi
  local v; v=$(node -p 'process.versions.node')
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    echo "Node.js $v is too old; the UI needs 20.19 or newer: https://nodejs.org/en/download" >&2
    return 1
  fi
}

ensure_rust() {
  if ! command -v cargo >/dev/null; then
    echo "Rust is needed: install it with rustup (https://rustup.rs), then open a new shell" >&2
    return 1
  fi
}

# tauri-driver puts the desktop app's webview behind WebDriver for the
# real-webview test (version 2, matching Tauri 2).
ensure_tauri_driver() {
  command -v tauri-driver >/dev/null && return 0
  say "installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
  export PATH="$HOME/.cargo/bin:$PATH"
}

# Installs the UI's npm packages, again only when package-lock.json changed.
install_ui_packages() {
  local stamp=ui/node_modules/.gridsafe-lock
  if [ ! -f "$stamp" ] || ! cmp -s ui/package-lock.json "$stamp"; then
    say "installing the UI's npm packages"
    (cd ui && npm ci --no-audit --no-fund --loglevel=error)
    cp ui/package-lock.json "$stamp"
  fi
}

# Builds ui/dist: the server serves ui/dist/office, the app embeds ui/dist/app.
build_ui() {
  install_ui_packages
  say "building the UI"
  (cd ui && npm run --silent build)
}
