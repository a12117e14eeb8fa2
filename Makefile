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
FUZZ_SMOKE_SECONDS ?= 10
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

# The C++ suite built with GCC's AddressSanitizer and UBSan in build/sanitize, by hand (it
# builds everything again, too slow for `make test`), then the Python tests that drive the
# CLI against that build's program. UBSan findings stop the test that hits them.
# allocator_may_return_null: libhdf5 asks malloc for ~2^64 bytes on a damaged file (a test
# reads one) and fails cleanly when it gets NULL, as it does without ASan. The Python module
# itself under ASan would need libasan preloaded into python: not done here. Suppressions
# (third-party code only, each with its reason): tests/sanitize/lsan.supp.
SANITIZE_BUILD := build/sanitize
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANITIZED_PY_TESTS := $(addprefix tests/python/,test_cli.py test_bad_input_corpus.py test_kill_resume.py \
  test_failed_writes.py test_sweep.py test_task_training.py test_experiment_long_deps.py test_topo.py test_ltr.py)

test-sanitize: deps
	@$(CMAKE_NINJA) -S . -B $(SANITIZE_BUILD) -DRNNSCOPE_BUILD_TESTS=ON -DRNNSCOPE_BUILD_PYTHON=OFF \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
	  -DCMAKE_CXX_FLAGS="$(SANITIZE_FLAGS)" -DCMAKE_C_FLAGS="$(SANITIZE_FLAGS)" \
	  -DCMAKE_EXE_LINKER_FLAGS="$(SANITIZE_FLAGS)" -DCMAKE_SHARED_LINKER_FLAGS="$(SANITIZE_FLAGS)" \
	  -DCMAKE_MODULE_LINKER_FLAGS="$(SANITIZE_FLAGS)" -DPython_EXECUTABLE=$(abspath $(PY)) >/dev/null
	@$(VENV)/bin/cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && ASAN_OPTIONS=allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(abspath tests/sanitize/lsan.supp) ctest --output-on-failure -j $(JOBS)
	@# The Python tests that drive the CLI, against the sanitized program. Left out: `report`
	@# (it runs the venv's Python beside the program) and the tests that compare the CLI bit for
	@# bit with the Python module, which is built with other optimisation flags.
	RNNSCOPE_CLI=$(abspath $(SANITIZE_BUILD)/rnnscope) \
	  ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=0:verify_asan_link_order=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(PY) -m pytest -q \
	  -k "not report and not cli_and_python_give_the_same_fit and not integer_spike_counts_are_read_as_numbers" \
	  $(SANITIZED_PY_TESTS)

demo: build
	$(VENV)/bin/rnnscope train configs/demo.toml --out runs/demo-$$(date +%Y%m%d-%H%M%S)

clean:
	rm -rf build
