# The two commands: `make demo` and `make test` (both install what they need first).
VENV   := .venv
PY     := $(VENV)/bin/python
BUILD  := build/release
JOBS   ?= $(shell nproc)
export CMAKE_BUILD_PARALLEL_LEVEL := $(JOBS)

.PHONY: all deps build test test-cpp test-python test-sanitize fuzz fuzz-run demo bench clean

all: build

deps:
	@bash scripts/install-deps.sh

# One build (scikit-build-core driving CMake in $(BUILD)) gives the library, the CLI
# (.venv/bin/rnnscope), the Python module and the C++ tests.
build: deps
	@$(PY) -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps -e . \
	  -Ccmake.define.RNNSCOPE_BUILD_TESTS=ON

test: build
	@$(MAKE) --no-print-directory test-cpp test-python fuzz-run FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

test-cpp:
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-python:
	$(PY) -m pytest -q tests/python

# libFuzzer targets (tests/fuzz) in their own clang build; `make fuzz FUZZ_SECONDS=600` runs
# each for that long. `make test` runs each for FUZZ_SMOKE_SECONDS, which keeps them building
# and replays every seed and regression input (docs/reliability.md "Fuzzing": the cost).
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_BUILD         := build/fuzz
# The CMake and Ninja that pip put in .venv (as the release build uses): none needed on PATH.
CMAKE_NINJA := $(VENV)/bin/cmake -G Ninja -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja)

fuzz: build
	@$(MAKE) --no-print-directory fuzz-run

# Without the release build step (`make test` and `make fuzz` have done it): the fuzz build
# links the release build's LibTorch library.
fuzz-run:
	@$(CMAKE_NINJA) -S . -B $(FUZZ_BUILD) -DRNNSCOPE_BUILD_FUZZ=ON -DRNNSCOPE_BUILD_PYTHON=OFF \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DPython_EXECUTABLE=$(abspath $(PY)) >/dev/null
	@$(VENV)/bin/cmake --build $(FUZZ_BUILD) --target fuzz_targets -j $(JOBS)
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

# The benchmark programs (bench/bench_engine; the Python benchmarks need only `make build`) in
# their own release build, build-bench. Run by hand, never in CI: bench/RESULTS.md gives each
# benchmark's command.
bench: build
	@$(CMAKE_NINJA) -S . -B build-bench -DRNNSCOPE_BUILD_BENCH=ON -DRNNSCOPE_BUILD_PYTHON=OFF \
	  -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE=$(abspath $(PY)) >/dev/null
	@$(VENV)/bin/cmake --build build-bench --target bench_engine -j $(JOBS)

# The whole suite under GCC's AddressSanitizer and UBSan, by hand (it builds everything again
# in build/sanitize, too slow for `make test`): the C++ tests, then the Python tests with the
# sanitized module (staged in build/sanitize/python, preloaded libasan; libstdc++ too, or
# ASan cannot find the real __cxa_throw in a python that does not link it) and the sanitized
# program (RNNSCOPE_CLI). UBSan findings stop the test that hits them; pybind11's GIL checks
# are on (no NDEBUG). allocator_may_return_null: libhdf5 asks malloc for ~2^64 bytes on a
# damaged file (a test reads one) and fails cleanly when it gets NULL, as it does without
# ASan. Left out of the Python run: `report` (headless Chromium would inherit the preload),
# the docs and wheel tests (they run the venv's own install). Suppressions (third-party code
# only, each with its reason): tests/sanitize/lsan.supp; leaks are not checked in python.
SANITIZE_BUILD := build/sanitize
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANITIZE_PY    := $(SANITIZE_BUILD)/python

test-sanitize: deps
	@$(CMAKE_NINJA) -S . -B $(SANITIZE_BUILD) -DRNNSCOPE_BUILD_TESTS=ON -DRNNSCOPE_BUILD_PYTHON=ON \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
	  -DCMAKE_CXX_FLAGS="$(SANITIZE_FLAGS)" -DCMAKE_C_FLAGS="$(SANITIZE_FLAGS)" \
	  -DCMAKE_EXE_LINKER_FLAGS="$(SANITIZE_FLAGS)" -DCMAKE_SHARED_LINKER_FLAGS="$(SANITIZE_FLAGS)" \
	  -DCMAKE_MODULE_LINKER_FLAGS="$(SANITIZE_FLAGS)" -DPython_EXECUTABLE=$(abspath $(PY)) >/dev/null
	@$(VENV)/bin/cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && ASAN_OPTIONS=allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(abspath tests/sanitize/lsan.supp) ctest --output-on-failure -j $(JOBS)
	@rm -rf $(SANITIZE_PY) && mkdir -p $(SANITIZE_PY) && cp -r python/rnnscope tests/sanitize/sitecustomize.py $(SANITIZE_PY)/ \
	  && cp $(SANITIZE_BUILD)/_core.*.so $(SANITIZE_PY)/rnnscope/
	LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libstdc++.so)" \
	  PYTHONPATH=$(abspath $(SANITIZE_PY)) RNNSCOPE_CLI=$(abspath $(SANITIZE_BUILD)/rnnscope) \
	  ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=0:verify_asan_link_order=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(PY) -m pytest -q -p no:cacheprovider -k "not report" \
	  --ignore=tests/python/test_report.py --ignore=tests/python/test_docs.py --ignore=tests/python/test_wheel.py \
	  tests/python

demo: build
	$(VENV)/bin/rnnscope train configs/demo.toml --out runs/demo-$$(date +%Y%m%d-%H%M%S)

clean:
	rm -rf build
