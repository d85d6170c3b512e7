#!/usr/bin/env bash
# Installs the real servers brflow's tests and demo run against, into .tools/ (git-ignored):
#   .tools/bin/temporal   the Temporal CLI v1.5.1 (its dev server), built with `go install`
#   .tools/bin/moto_server an S3-compatible server (moto, from PyPI) in its own venv
#   .tools/bin/compose-check  validates docker-compose.yml with the compose-spec Go library (no container engine)
#   .tools/bin/pd-server, .tools/bin/tidb-server  the real PD v8.5.4 and TiDB v8.5.3 (unistore), decompressed
#                          from ../shared/real-parts (or $BRFLOW_REAL_PARTS) after checking their sha256
# Idempotent. Builds are cached per machine under ${BRFLOW_CACHE:-$HOME/.cache/brflow}, so a fresh
# clone on a machine that built them once only links them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${BRFLOW_CACHE:-$HOME/.cache/brflow}"
TEMPORAL_CLI_VERSION=1.5.1
MOTO_VERSION=5.2.5
mkdir -p "$root/.tools/bin" "$cache/bin"

log() { printf 'install-tools: %s\n' "$*" >&2; }

ensure_temporal() {
  local bin="$cache/bin/temporal-$TEMPORAL_CLI_VERSION"
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null || { log "Go is required to build the Temporal CLI (go install)"; exit 1; }
    log "building temporal CLI v$TEMPORAL_CLI_VERSION with go install (first time on this machine: several minutes)"
    local tmp; tmp="$(mktemp -d)"
    CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS=-mod=mod go install -trimpath \
      -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=$TEMPORAL_CLI_VERSION" \
      "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION"
    mv "$tmp/temporal" "$bin"
    rmdir "$tmp" || true
  fi
  ln -sf "$bin" "$root/.tools/bin/temporal"
}

ensure_moto() {
  local venv="$cache/moto-$MOTO_VERSION"
  if [ ! -x "$venv/bin/moto_server" ]; then
    log "installing moto[server]==$MOTO_VERSION from PyPI into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
  ln -sf "$venv/bin/moto_server" "$root/.tools/bin/moto_server"
}

# The Go module proxy refuses tikv/pd and pingcap/tidb, so the real servers come as xz files beside the
# project (shared/real-parts). Their digests are pinned here: a changed file is refused, not run.
REAL_PARTS_DIR="${BRFLOW_REAL_PARTS:-$root/../shared/real-parts}"
PD_XZ_SHA256=a346b1adb2b02934c5fed72ee707688e1157f4000857e38c80e8772d8c0f106c
TIDB_XZ_SHA256=b9402a4f3048209f3eb8f8155b8dbef2fcc0fae34609fa1bca1c5168940f392b

ensure_real_part() { # name version sha256
  local name="$1" version="$2" sum="$3"
  local bin="$cache/bin/$name-$version"
  if [ ! -x "$bin" ]; then
    local xz="$REAL_PARTS_DIR/$name.xz"
    [ -f "$xz" ] || { log "$xz is missing: set BRFLOW_REAL_PARTS to the folder holding $name.xz"; exit 1; }
    command -v xz >/dev/null || { log "xz is required (Debian: apt-get install xz-utils)"; exit 1; }
    local got; got="$(sha256sum "$xz" | cut -d' ' -f1)"
    [ "$got" = "$sum" ] || { log "$xz has sha256 $got, expected $sum: refusing to run it"; exit 1; }
    log "decompressing $name $version into $bin"
    xz -dc "$xz" > "$bin.tmp"
    chmod +x "$bin.tmp"
    mv "$bin.tmp" "$bin"
  fi
  ln -sf "$bin" "$root/.tools/bin/$name"
}

ensure_real_parts() {
  ensure_real_part pd-server v8.5.4 "$PD_XZ_SHA256"
  ensure_real_part tidb-server v8.5.3 "$TIDB_XZ_SHA256"
}

ensure_compose_check() {
  local src="$root/scripts/compose-check"
  # Rebuilt when its source or pinned modules change.
  local sum; sum="$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-16)"
  local bin="$cache/bin/compose-check-$sum"
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null || { log "Go is required to build compose-check"; exit 1; }
    log "building compose-check (compose-spec/compose-go)"
    (cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$bin.tmp" .)
    mv "$bin.tmp" "$bin"
  fi
  ln -sf "$bin" "$root/.tools/bin/compose-check"
}

case "${1:-all}" in
  temporal) ensure_temporal ;;
  s3) ensure_moto ;;
  real-parts) ensure_real_parts ;;
  compose-check) ensure_compose_check ;;
  all) ensure_temporal; ensure_moto; ensure_real_parts; ensure_compose_check ;;
  *) log "usage: install-tools.sh [all|temporal|s3|real-parts|compose-check]"; exit 2 ;;
esac
