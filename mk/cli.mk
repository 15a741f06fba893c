# mk/cli.mk: the kafarr command line (cmd/kafarr, docs/cli.md).
#
# Included from the top-level Makefile; also usable alone from the
# repository root: make -f mk/cli.mk cli
#
#   cli        .build/bin/kafarr
#   cli-vet    go vet and a tidy check of the CLI module
#   cli-test   its tests: unit tests, and acceptance tests that run the
#              built binary against the real stack (KAFARR_TEST_BROKERS /
#              KAFARR_TEST_REGISTRY, sourced from .build/stack/env when
#              unset) and read its output back with the venv's pyarrow
#              (make cshared py-venv)
#
# cmd/kafarr is its own Go module (cmd/kafarr/go.mod), so that DuckDB, which
# it embeds through cgo, never enters the driver's or the C library's
# dependency graph; `go build ./...` at the root does not enter it. DuckDB's
# Arrow interface in duckdb-go is compiled only under the duckdb_arrow build
# tag, which every command below passes.

GO        ?= go
CLI_DIR   := cmd/kafarr
CLI_BIN   := .build/bin/kafarr
CLI_TAGS  := duckdb_arrow
CLI_SRCS  := $(CLI_DIR)/go.mod $(CLI_DIR)/go.sum $(shell find $(CLI_DIR) -name '*.go' -not -name '*_test.go' 2>/dev/null) \
	$(shell find . -name '*.go' -not -path './.build/*' -not -path './$(CLI_DIR)/*' -not -name '*_test.go' 2>/dev/null) go.mod go.sum
CLI_TEST_TIMEOUT ?= 20m

.PHONY: cli cli-vet cli-tidy-check cli-test

## cli: build the kafarr command into .build/bin/kafarr (cgo; the first
## build compiles and links DuckDB, a few minutes).
cli: $(CLI_BIN)

$(CLI_BIN): $(CLI_SRCS)
	@mkdir -p $(dir $@)
	cd $(CLI_DIR) && $(GO) build -tags $(CLI_TAGS) -o $(abspath $@) .

## cli-tidy-check: fail when cmd/kafarr's go.mod or go.sum is not tidy.
cli-tidy-check:
	@out=$$(cd $(CLI_DIR) && $(GO) mod tidy -diff) && [ -z "$$out" ] || { printf '%s\n' "$$out"; echo "$(CLI_DIR)/go.mod/go.sum are not tidy: run 'cd $(CLI_DIR) && go mod tidy' and commit the result"; exit 1; }

## cli-vet: go vet of the CLI module.
cli-vet: cli-tidy-check
	cd $(CLI_DIR) && $(GO) vet -tags $(CLI_TAGS) ./...

## cli-test: the CLI module's tests with the race detector, against the
## real stack (tests/stack/stack.sh up) and the venv (make py-venv).
cli-test:
	@if [ -z "$$KAFARR_TEST_BROKERS" ] && [ -f .build/stack/env ]; then . ./.build/stack/env; fi; \
	cd $(CLI_DIR) && $(GO) test -race -tags $(CLI_TAGS) -count=1 -timeout $(CLI_TEST_TIMEOUT) ./...
