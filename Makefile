# Sibyl: the two commands a newcomer needs are `make run` and `make test`. Both install the system
# libraries first when they are missing (Debian: apt-get, through sudo when not root).

APT_PACKAGES := libopenblas-dev libfftw3-dev pkg-config
SWIFT ?= swift
SIBYL := .build/release/sibyl

.PHONY: deps build run test bench benchmarks clean

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

# The main job on the bundled data.
run: build
	$(SIBYL) bench --repeats 3 --min-time 0.05

# Builds everything (failing on any compiler warning in Sibyl's own code), then runs every test.
test: deps
	@mkdir -p .build
	$(SWIFT) build --build-tests 2>&1 | tee .build/test-build.log
	@if grep -E "^/.*/(Sources|Tests)/.*warning:" .build/test-build.log; then \
		echo "error: the build printed warnings (above)"; exit 1; fi
	$(SWIFT) test

# Kernel throughput at 1 and 2 threads, as a table (`$(SIBYL) bench --json` for machines).
bench: build
	$(SIBYL) bench

# The package-benchmark suites in the nested Benchmarks package.
benchmarks: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --no-progress

clean:
	rm -rf .build Benchmarks/.build
