# mk/python.mk: the C shared library and the Python package.
#
# Included from the top-level Makefile; also usable alone from the
# repository root: make -f mk/python.mk py-test
#
#   cshared      .build/cshared/libadbc_driver_kafarr.so + kafarr.toml/kafka.toml
#                manifests (pkg/cshared/build.sh; the C export layer is generated
#                from the pinned arrow-adbc module at build time)
#   py-venv      .build/venv: pinned dependencies from PyPI
#                (python/requirements-test.txt), the adbc_kafarr package with
#                that library, and driver manifests in .build/venv/etc/adbc/drivers
#   py-test      pytest python/tests against the real stack named by
#                KAFARR_TEST_BROKERS / KAFARR_TEST_REGISTRY (sourced from
#                .build/stack/env when unset); a missing stack fails
#   py-examples  run examples/*.py (each starts its own in-process stack)
#   py-clean     remove the venv and the library

GO            ?= go
PYTHON        ?= python3.11
PY_VENV       := .build/venv
PY_BIN        := $(PY_VENV)/bin
CSHARED_DIR   := .build/cshared
CSHARED_LIB   := $(CSHARED_DIR)/libadbc_driver_kafarr.so
PY_STAMP      := $(PY_VENV)/.kafarr-installed
PY_DEPS_STAMP := $(PY_VENV)/.kafarr-deps
STACK_ENV     := .build/stack/env
PYTEST_ARGS   ?=

# The library depends on every Go source of the module (the driver and all
# it imports; not the CLI's module, cmd/kafarr) and on the build's own files.
CSHARED_SRCS := go.mod go.sum $(shell find . -name '*.go' -not -path './.build/*' -not -path './cmd/kafarr/*' -not -name '*_test.go' 2>/dev/null) \
	pkg/cshared/build.sh pkg/cshared/alias.go pkg/cshared/exports.map pkg/cshared/manifest.toml.in
PY_SRCS := $(shell find python/adbc_kafarr python/adbc_driver_kafka -name '*.py' 2>/dev/null) \
	python/pyproject.toml python/setup.py

.PHONY: cshared py-venv py-test py-examples py-clean

## cshared: build the C shared library and its ADBC driver manifests.
cshared: $(CSHARED_LIB)

$(CSHARED_LIB): $(CSHARED_SRCS)
	GO=$(GO) pkg/cshared/build.sh -o $(CSHARED_DIR)

$(PY_DEPS_STAMP): python/requirements.txt python/requirements-test.txt
	rm -rf $(PY_VENV)
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_BIN)/python -m pip install --quiet --disable-pip-version-check -r python/requirements-test.txt
	touch $@

$(PY_STAMP): $(PY_DEPS_STAMP) $(CSHARED_LIB) $(PY_SRCS)
	KAFARR_PREBUILT_LIBRARY=$(abspath $(CSHARED_LIB)) \
		$(PY_BIN)/python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./python
	$(PY_BIN)/python -m pip check
	$(PY_BIN)/python -m adbc_kafarr install-manifests
	touch $@

## py-venv: .build/venv with pinned dependencies and adbc_kafarr installed.
py-venv: $(PY_STAMP)

## py-test: the Python suite against the real stack (tests/stack/stack.sh up).
py-test: py-venv
	@if [ -z "$$KAFARR_TEST_BROKERS" ] && [ -f $(STACK_ENV) ]; then . ./$(STACK_ENV); fi; \
	KAFARR_REQUIRE_STACK=$${KAFARR_REQUIRE_STACK:-1} KAFARR_CSHARED_DIR=$(abspath $(CSHARED_DIR)) \
		$(PY_BIN)/pytest python/tests -p no:cacheprovider $(PYTEST_ARGS)

## py-examples: run the Python examples, each against its own in-process stack.
py-examples: py-venv
	@set -e; for ex in quickstart polars_example duckdb_example parallel_read; do \
		echo "== examples/$$ex.py"; $(PY_BIN)/python examples/$$ex.py; done

py-clean:
	rm -rf $(PY_VENV) $(CSHARED_DIR) .build/python-build
