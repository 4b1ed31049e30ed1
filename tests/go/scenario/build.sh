#!/usr/bin/env bash
# Build tests/go/scenario offline against the Debian-packaged go-sql-driver/mysql
# (/usr/share/gocode): GOPATH mode, no module download, no network.
# Usage: tests/go/scenario/build.sh OUTPUT_BINARY
set -euo pipefail
out=$(realpath -m "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/scenario"
cp "$here/main.go" "$work/src/scenario/"
cd "$work/src/scenario"
GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$work:/usr/share/gocode" go build -o "$out" .
