# The two commands: `make demo` and `make test` (both install what they need first).
VENV   := .venv
PY     := $(VENV)/bin/python
BUILD  := build/release
JOBS   ?= $(shell nproc)
export CMAKE_BUILD_PARALLEL_LEVEL := $(JOBS)

.PHONY: all deps build test test-cpp test-python demo bench clean

all: build

deps:
	@bash scripts/install-deps.sh

# One build (scikit-build-core driving CMake in $(BUILD)) gives the library, the CLI
# (.venv/bin/rnnscope), the Python module and the C++ tests.
build: deps
	@$(PY) -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps -e . \
	  -Ccmake.define.RNNSCOPE_BUILD_TESTS=ON

test: build
	@$(MAKE) --no-print-directory test-cpp test-python

test-cpp:
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-python:
	$(PY) -m pytest -q tests/python

demo: build
	$(VENV)/bin/rnnscope train configs/demo.toml --out runs/demo-$$(date +%Y%m%d-%H%M%S)

clean:
	rm -rf build
