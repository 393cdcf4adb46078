# The two commands of the README. Both install what is missing first (scripts/install-deps).
#   make demo   build in Release and run the default experiment
#   make test   build, run every test, then the unit tests and the multi-process node tests
#               again under ASan + UBSan
#   make fuzz   build the libFuzzer targets with clang and run each for FUZZ_SECONDS
#   make experiments   build sgmc, then run every experiments/*/run.py (docs/experiments/NAME.md)
JOBS ?= $(shell nproc)
BUILD ?= build/release
ASAN_BUILD ?= build/asan
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: deps build build-asan demo experiments test test-release test-asan soak bench clean fuzz

deps:
	@./scripts/install-deps
	@./scripts/install-python

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSGMC_SANITIZE=ON -DSGMC_BENCH=OFF

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

demo: build
	./scripts/demo $(BUILD)

# Every experiment is experiments/NAME/run.py: it runs sgmc and writes docs/experiments/NAME.md
# and NAME.png. EXPERIMENTS=stale_gradients runs a subset; EXPERIMENT_ARGS=--quick a smoke run.
# Debian's python3, which has python3-numpy and python3-matplotlib (scripts/install-deps).
PYTHON ?= /usr/bin/python3
EXPERIMENTS ?= $(notdir $(patsubst %/run.py,%,$(wildcard experiments/*/run.py)))
experiments: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target sgmc
	@set -e; for e in $(EXPERIMENTS); do \
	  echo "== experiment $$e"; \
	  SGMC=$(BUILD)/tools/sgmc $(PYTHON) experiments/$$e/run.py $(EXPERIMENT_ARGS); \
	done

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The unit and actor tests, then the multi-process `sgmc node` tests ([nodes]: a master,
# workers and a collector as separate sanitized processes on loopback). LeakSanitizer skips
# one leak inside CAF's network layer (tests/sanitizers/lsan.supp says which, and a test there
# shows that sgmc's own leaks are still reported).
SANITIZER_ENV = ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp
test-asan: build-asan
	cd $(ASAN_BUILD) && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS) -L "unit|actors" -LE slow
	cd $(ASAN_BUILD) && $(SANITIZER_ENV) ./tests/tools/sgmc_tools_system_tests "[nodes]"

test: test-release test-asan

# The soak alone (also part of test-release): tests/system/soak.py, 8 workers for 60 s.
soak: build
	cd $(BUILD) && ctest --output-on-failure -L soak

# libFuzzer targets of the network decoders (tests/fuzz/): built with Debian's clang
# (-fsanitize=fuzzer,address), each run for FUZZ_SECONDS from an empty corpus kept in
# $(FUZZ_BUILD)/corpus-NAME; a crash leaves its input in $(FUZZ_BUILD) and fails the target.
FUZZ_BUILD ?= build/fuzz
FUZZ_SECONDS ?= 30
FUZZ_CXX ?= clang++-14
fuzz: deps
	./scripts/install-deps --fuzz
	cmake -S tests/fuzz/libfuzzer -B $(FUZZ_BUILD) $(CMAKE_GEN) -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@set -e; for t in fuzz_wire fuzz_frame; do \
	  echo "== $$t for $(FUZZ_SECONDS) s"; mkdir -p $(FUZZ_BUILD)/corpus-$$t; \
	  $(FUZZ_BUILD)/$$t -max_total_time=$(FUZZ_SECONDS) -malloc_limit_mb=64 -artifact_prefix=$(FUZZ_BUILD)/ \
	    -print_final_stats=1 $(FUZZ_BUILD)/corpus-$$t; \
	done

bench: build
	./scripts/install-deps --bench
	./scripts/bench $(BUILD)

clean:
	rm -rf build
