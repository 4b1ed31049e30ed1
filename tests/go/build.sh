#!/usr/bin/env bash
# Build tests/go/clientcheck offline against the Debian-packaged go-sql-driver/mysql
# (/usr/share/gocode): GOPATH mode, no module download, no network.
# Usage: tests/go/build.sh OUTPUT_BINARY
set -euo pipefail
out=$(realpath -m "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
cp -r "$here/clientcheck" "$work/src/clientcheck"
cd "$work/src/clientcheck"
GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$work:/usr/share/gocode" go build -o "$out" .
