#!/usr/bin/env bash
# Installs the real servers brflow's tests and demo run against, into .tools/ (git-ignored):
#   .tools/bin/temporal   the Temporal CLI v1.5.1 (its dev server), built with `go install`
#   .tools/bin/moto_server an S3-compatible server (moto, from PyPI) in its own venv
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

case "${1:-all}" in
  temporal) ensure_temporal ;;
  s3) ensure_moto ;;
  all) ensure_temporal; ensure_moto ;;
  *) log "usage: install-tools.sh [all|temporal|s3]"; exit 2 ;;
esac
