# mk/bench.mk: kafarr against the tools users would pick (docs/benchmarks.md, issue 8).
#
# Included from the top-level Makefile after mk/python.mk; also usable alone
# from the repository root: make -f mk/bench.mk bench-all
#
#   bench-venv     .build/venv (py-venv) plus bench/requirements.txt (matplotlib)
#   bench-all      every comparison on one real broker: reads into pyarrow,
#                  pandas and Polars vs confluent-kafka + AvroDeserializer and a
#                  plain franz-go consumer; ingest vs confluent-kafka Producer +
#                  AvroSerializer; tick and wide records, 100k and 1M rows;
#                  reads of Protobuf and JSON Schema ticks written by
#                  confluent-kafka's serializers vs its ProtobufDeserializer and
#                  JSONDeserializer; peak RSS streaming 500k vs 5M ticks. Writes .build/bench/results.json,
#                  the table into docs/benchmarks.md and the plot docs/benchmarks.png.
#   bench-quick    the same at 100k rows only, 3 repetitions, no RSS run; the
#                  results go to .build/bench/quick.json, docs are left alone
#   bench-phases   where one 100k-tick read into pandas spends its time
#   bench-cli      `kafarr sql` aggregating 1,000,000 ticks vs the same query
#                  in Python (kafarr -> pyarrow -> DuckDB), same run; rewrites
#                  its table in docs/benchmarks.md (bench/cli.py)
#   bench-scaleout a 1-partition topic of 2,000,000 ticks read in 1 vs 4 splits
#                  on Dask LocalCluster(1, 2 workers), and Spark's Kafka source +
#                  from_avro vs kafarr's Spark source on local[1], local[2]
#                  (bench/scaleout.py; Spark 4.2.0 in .build/bench-spark, whose
#                  Kafka and Avro jars come from Maven Central); rewrites the
#                  scale-out section of docs/benchmarks.md
#   bench-decode   the seed's tick decoded into Arrow on one core as Avro,
#                  Protobuf and JSON, interleaved in one session
#                  (bench/decode.sh; no stack needed): DECODE_ROUNDS rounds of
#                  one run each, DECODE_BENCHTIME per run, summarised by
#                  benchstat (golang.org/x/perf, pinned) against SPEC §8's targets
#
# The stack comes from KAFARR_TEST_BROKERS / KAFARR_TEST_REGISTRY, sourced from
# $(KAFARR_STACK_DIR)/env (default .build/stack/env) when unset: start it with
# tests/stack/stack.sh up. BENCH_ARGS passes options to bench/run.py
# (e.g. BENCH_ARGS='--reps 7 --confluent-reps-1m 3').

ifndef PY_VENV
include mk/python.mk
endif
ifndef CLI_BIN
include mk/cli.mk
endif

BENCH_DIR        := .build/bench
BENCH_PLAIN      := $(BENCH_DIR)/plainconsumer
BENCH_DEPS_STAMP := $(PY_VENV)/.kafarr-bench-deps
BENCH_RESULTS    := $(BENCH_DIR)/results.json
BENCH_ARGS       ?=
BENCH_STACK_ENV  := $(abspath $(or $(KAFARR_STACK_DIR),.build/stack)/env)

# Runs a bench/ script in the venv with the freshly built library and the
# stack's env.
BENCH_PY = set -e; \
	if [ -z "$$KAFARR_TEST_BROKERS" ]; then \
		[ -f $(BENCH_STACK_ENV) ] || { echo "bench: no stack: run tests/stack/stack.sh up (or set KAFARR_TEST_BROKERS/KAFARR_TEST_REGISTRY)" >&2; exit 1; }; \
		. $(BENCH_STACK_ENV); \
	fi; \
	ADBC_KAFARR_LIBRARY=$(abspath $(CSHARED_LIB)) $(abspath $(PY_BIN))/python

BENCH_SPARK_VENV  := .build/bench-spark
BENCH_SPARK_DEPS  := $(BENCH_SPARK_VENV)/.kafarr-deps
BENCH_SPARK_STAMP := $(BENCH_SPARK_VENV)/.kafarr-installed
SCALEOUT_ARGS     ?=

.PHONY: bench-venv bench-all bench-quick bench-phases bench-cli bench-scaleout bench-decode

BENCH_DECODE_DIR  := $(BENCH_DIR)/decode
DECODE_ROUNDS     ?= 10
DECODE_BENCHTIME  ?= 1s
BENCHSTAT_VERSION := v0.0.0-20260908200009-22c9c6c9d4da
BENCHSTAT         := .build/tools/benchstat-$(BENCHSTAT_VERSION)/benchstat

$(BENCH_DEPS_STAMP): $(PY_STAMP) bench/requirements.txt
	$(PY_BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	$(PY_BIN)/python -m pip check
	touch $@

## bench-venv: the Python venv with the harness's plotting dependency.
bench-venv: $(BENCH_DEPS_STAMP)

$(BENCH_PLAIN): bench/plainconsumer/main.go go.mod go.sum
	@mkdir -p $(BENCH_DIR)
	$(GO) build -o $@ ./bench/plainconsumer

## bench-all: the full comparison; rewrites docs/benchmarks.md's table and docs/benchmarks.png.
bench-all: $(BENCH_DEPS_STAMP) $(BENCH_PLAIN) $(CSHARED_LIB)
	$(BENCH_PY) bench/run.py --plain $(abspath $(BENCH_PLAIN)) --out $(BENCH_RESULTS) $(BENCH_ARGS)
	$(PY_BIN)/python bench/report.py $(BENCH_RESULTS) --md docs/benchmarks.md --png docs/benchmarks.png

## bench-quick: 100k rows, 3 repetitions, no RSS run; docs untouched.
bench-quick: $(BENCH_DEPS_STAMP) $(BENCH_PLAIN) $(CSHARED_LIB)
	$(BENCH_PY) bench/run.py --plain $(abspath $(BENCH_PLAIN)) --sizes 100000 --reps 3 --rss-sizes '' \
		--out $(BENCH_DIR)/quick.json $(BENCH_ARGS)
	$(PY_BIN)/python bench/report.py $(BENCH_DIR)/quick.json

## bench-phases: execute / fetch / to_pandas split of a 100k-tick read.
bench-phases: $(BENCH_DEPS_STAMP) $(CSHARED_LIB)
	$(BENCH_PY) bench/phases.py 100000 15

## bench-cli: kafarr sql's GROUP BY over 1,000,000 ticks vs kafarr -> pyarrow
## -> DuckDB in Python, same run; rewrites the bench:cli table of docs/benchmarks.md.
BENCH_CLI_ARGS ?=
bench-cli: $(PY_STAMP) $(CLI_BIN)
	$(BENCH_PY) bench/cli.py --kafarr $(abspath $(CLI_BIN)) --md docs/benchmarks.md --out $(BENCH_DIR)/cli.json $(BENCH_CLI_ARGS)

$(BENCH_SPARK_DEPS): bench/requirements-spark.txt python/requirements.txt
	rm -rf $(BENCH_SPARK_VENV)
	$(PYTHON) -m venv $(BENCH_SPARK_VENV)
	cd bench && $(abspath $(BENCH_SPARK_VENV))/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-spark.txt
	touch $@

$(BENCH_SPARK_STAMP): $(BENCH_SPARK_DEPS) $(CSHARED_LIB) $(PY_SRCS)
	KAFARR_PREBUILT_LIBRARY=$(abspath $(CSHARED_LIB)) \
		$(BENCH_SPARK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./python
	touch $@

## bench-scaleout: splits on Dask and Spark (issue 15); rewrites the scale-out section of docs/benchmarks.md.
bench-scaleout: $(PY_STAMP) $(BENCH_SPARK_STAMP) $(CSHARED_LIB)
	@mkdir -p $(BENCH_DIR)
	$(BENCH_PY) bench/scaleout.py --spark-python $(abspath $(BENCH_SPARK_VENV))/bin/python \
		--out $(abspath $(BENCH_DIR))/scaleout.json --md docs/benchmarks.md $(SCALEOUT_ARGS)

$(BENCHSTAT):
	GOBIN=$(abspath $(dir $(BENCHSTAT))) $(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)

## bench-decode: Avro, Protobuf and JSON tick decode on one core, interleaved
## (DECODE_ROUNDS=10 rounds, DECODE_BENCHTIME=1s each); raw output in
## .build/bench/decode/raw.txt.
bench-decode: $(BENCHSTAT)
	@mkdir -p $(BENCH_DECODE_DIR)
	for p in avroarrow protoarrow jsonarrow; do $(GO) test -c -o $(BENCH_DECODE_DIR)/$$p.test ./$$p/ || exit 1; done
	bench/decode.sh $(BENCH_DECODE_DIR) $(DECODE_ROUNDS) $(DECODE_BENCHTIME) $(BENCHSTAT)
