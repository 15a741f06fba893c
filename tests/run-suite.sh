#!/usr/bin/env bash
# run-suite.sh is `make test`: it builds the C library and the Python venv,
# starts the real stack (Apache Kafka broker and schema registry), runs every
# Go test (the root module's and the CLI module's, cmd/kafarr) and Python
# test against it, and always stops the stack, also when a test
# fails or the run is interrupted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# First, since it takes seconds and the suite takes minutes.
echo "== go mod tidy -diff"
make --no-print-directory tidy-check

echo "== build: C shared library and Python venv (pinned, from PyPI)"
make --no-print-directory cshared py-venv

stack=tests/stack/stack.sh
trap '"$stack" down || true' EXIT
"$stack" up

set -a
# shellcheck disable=SC1091
. "${KAFARR_STACK_DIR:-.build/stack}/env"
set +a
# Real-broker tests fail rather than skip when the stack is missing.
export KAFARR_REQUIRE_STACK=1

echo "== go vet"
go vet ./...
echo "== go test -race (real broker at $KAFARR_TEST_BROKERS, registry at $KAFARR_TEST_REGISTRY)"
go test -race -count=1 -timeout 25m ./...
# cmd/kafarr is a module of its own (it embeds DuckDB through cgo), which
# `go vet ./...` and `go test ./...` above do not enter.
echo "== kafarr CLI (cmd/kafarr): build, go vet, go test -race (builds and runs the binary against the stack)"
cli_start=$(date +%s)
make --no-print-directory cli cli-vet
make --no-print-directory cli-test
echo "== kafarr CLI took $(( $(date +%s) - cli_start ))s"
echo "== pytest (adbc_driver_manager loading the real library)"
make --no-print-directory py-test
