#!/usr/bin/env bash
# Regenerates src/proto/*.ts from the hand-written subsets in proto/ (ts-proto + grpc-js services).
# The output is committed so builds and CI need no protoc; run this after editing proto/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
plugin="$root/node_modules/.bin/protoc-gen-ts_proto"
[ -x "$plugin" ] || { echo "gen-proto: $plugin missing; run npm ci" >&2; exit 1; }
command -v protoc >/dev/null || { echo "gen-proto: protoc missing; apt-get install protobuf-compiler" >&2; exit 1; }

out="$root/src/proto"
rm -rf "$out"
mkdir -p "$out"
# forceLong=bigint: TSOs and u64 checksums exceed 2^53.
# env=node: bytes are Buffers, as grpc-js hands them over.
# outputServices=grpc-js: typed clients (XxxClient) and server definitions (XxxService).
# useDate=false/outputJsonMethods: JSON helpers stay for debugging output.
protoc \
  --plugin=protoc-gen-ts_proto="$plugin" \
  --ts_proto_out="$out" \
  --ts_proto_opt=outputServices=grpc-js,forceLong=bigint,env=node,esModuleInterop=true,useExactTypes=false,useDate=false \
  -I "$root/proto" \
  "$root"/proto/*.proto
echo "gen-proto: wrote $(ls "$out" | wc -l) files to src/proto"
