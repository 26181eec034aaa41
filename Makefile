# Sibyl: the two commands a newcomer needs are `make run` and `make test`. Both install the system
# libraries first when they are missing (Debian: apt-get, through sudo when not root).

APT_PACKAGES := libopenblas-dev libfftw3-dev pkg-config
SWIFT ?= swift
SIBYL := .build/release/sibyl

.PHONY: deps build run test bench benchmarks fuzz clean

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product sibyl

# The main jobs on the bundled data: train a model and forecast the next bar, with the evaluation
# against naive baselines; then backtest an SMA crossover with costs and write an HTML report.
run: build
	$(SIBYL) forecast
	$(SIBYL) backtest --strategy sma-cross --fast 10 --slow 30 --commission 0.001 --report .build/backtest-report.html

# Builds everything (the debug build failing on any compiler warning in Sibyl's own code), then
# runs every test twice: on the debug build, and on an optimized one, which is the code users run
# (the kernels' unrolled and vectorized loops exist only there, and an optimized build may release
# a local object after its last use, which a debug build never does).
test: deps
	@mkdir -p .build
	$(SWIFT) build --build-tests 2>&1 | tee .build/test-build.log
	@if grep -E "^/.*/(Sources|Tests)/.*warning:" .build/test-build.log; then \
		echo "error: the build printed warnings (above)"; exit 1; fi
	$(SWIFT) test
	$(SWIFT) test -c release -Xswiftc -enable-testing --scratch-path .build-release-tests

# Kernel throughput at 1 and 2 threads, as a table (`$(SIBYL) bench --json` for machines).
bench: build
	$(SIBYL) bench

# The package-benchmark suites in the nested Benchmarks package.
benchmarks: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --no-progress

# libFuzzer on the CSV reader for FUZZ_SECONDS (default 60), with address sanitizer; findings
# (crashing inputs) land in .build/fuzz-findings. The seeds in Fuzz/corpus start the corpus.
FUZZ_SECONDS ?= 60
fuzz:
	@mkdir -p .build/fuzz-corpus .build/fuzz-findings
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name SibylData \
		Sources/SibylData/*.swift Fuzz/CSVFuzzer.swift -o .build/csv-fuzzer 2>&1 | grep -v "Cannot export local symbol" || true
	cp -n Fuzz/corpus/* .build/fuzz-corpus/
	.build/csv-fuzzer -max_total_time=$(FUZZ_SECONDS) -timeout=5 -artifact_prefix=.build/fuzz-findings/ .build/fuzz-corpus

clean:
	rm -rf .build .build-release-tests Benchmarks/.build
