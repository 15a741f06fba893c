# kafarr build entry points. `make demo` and `make test` are the README's two
# commands; both set up what they need themselves.

GO          ?= go
STACK       := tests/stack/stack.sh
BENCHTIME   ?= 2s

.PHONY: all build vet tidy-check fmt test test-go test-unit demo demo-go bench bench-go stack-up stack-down clean

all: build

# cshared, py-venv, py-test, py-examples: the C library and the Python package.
include mk/python.mk
# cli, cli-vet, cli-test: the kafarr command line, a Go module of its own.
include mk/cli.mk
# bench-all, bench-quick, bench-phases, bench-scaleout: the comparison harness (bench/).
include mk/bench.mk

## build: compile every Go package, the C shared library and the CLI.
build: cshared cli
	$(GO) build ./...

## vet: go vet (the root module and the CLI's), a gofmt check and tidy-check.
vet: tidy-check cli-vet
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## tidy-check: fail when go.mod or go.sum is not what `go mod tidy` writes
## (tidy -diff prints the change and exits non-zero; its stderr, such as
## "go: downloading", is not part of the diff).
tidy-check: cli-tidy-check
	@out=$$($(GO) mod tidy -diff) && [ -z "$$out" ] || { printf '%s\n' "$$out"; echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit the result"; exit 1; }

## test: the whole suite against a real local stack (Kafka broker + schema
## registry) that it starts first and always stops afterwards.
test:
	tests/run-suite.sh

## test-unit: the fast tests only (in-process kfake/srfake; no Java).
test-unit:
	$(GO) test -count=1 ./...

## demo: the Python quickstart: build a frame of ticks, ingest it into a
## topic and read it back with SQL into pandas, on a local default stack
## (in-process Kafka + schema registry) that the demo starts itself.
demo: py-venv
	$(PY_BIN)/python examples/quickstart.py

## demo-go: the same round trip from Go, without Python.
demo-go:
	$(GO) run ./examples/demo

## bench: the comparison with the tools users would otherwise pick (issues 8
## and 14): kafarr into pyarrow, pandas and Polars vs confluent-kafka + its
## Avro, Protobuf and JSON Schema deserializers and a plain franz-go consumer,
## ingest, peak RSS; on a real local stack that it starts (and stops) unless
## one is already up. Rewrites the tables in docs/benchmarks.md and
## docs/benchmarks.png; about 15 minutes. (`make bench-decode`: the codecs
## alone, interleaved, no stack.)
bench:
	@set -e; started=; \
	trap 'if [ -n "$$started" ]; then $(STACK) down; fi' EXIT; \
	if ! $(STACK) status >/dev/null 2>&1; then $(STACK) up; started=1; fi; \
	$(MAKE) --no-print-directory bench-all

## bench-go: the Go codec benchmarks (no stack needed).
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -cpu 1 ./avroarrow/ ./protoarrow/ ./jsonarrow/

## stack-up / stack-down: start or stop the real test stack by hand.
stack-up:
	$(STACK) up
stack-down:
	$(STACK) down

clean:
	-$(STACK) down
	rm -rf .build
