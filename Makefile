# Thin driver over CMake. `make run` and `make test` install whatever Debian
# packages are missing first, so both work on a fresh Debian 12 machine.

# Debian packages the build, the tests and the benchmarks need.
DEB_BUILD = build-essential cmake pkg-config clang libclang-rt-14-dev \
	libsodium-dev libargon2-dev libjansson-dev libuv1-dev libsqlite3-dev \
	libbearssl-dev libsystemd-dev libprotobuf-c-dev protobuf-c-compiler \
	libhttp-parser-dev libyaml-dev
DEB_TEST = dnsutils knot-dnsutils ldnsutils curl sqlite3 python3 systemd openssl ca-certificates
DEB_BENCH = nsd dnsperf wrk
DEBS = $(DEB_BUILD) $(DEB_TEST)

MAKEFLAGS += --no-print-directory

BUILD_DIR ?= build
TEST_DIR ?= build-test
FUZZ_DIR ?= build-fuzz
SANITIZE ?= 1
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 30

ifeq ($(SANITIZE),1)
TEST_FLAGS = -DDM_ASAN=ON -DDM_UBSAN=ON
endif

.PHONY: all deps deps-bench build run test test-build fuzz-smoke bench format clean print-debs

all: build

print-debs:
	@echo $(DEBS)

# Install only what is missing (dpkg-query), so a set-up machine stays quiet.
deps:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

deps-bench:
	@$(MAKE) --no-print-directory deps DEBS="$(DEBS) $(DEB_BENCH)"

build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@./scripts/run-local.sh $(BUILD_DIR)

test-build: deps
	@cmake -S . -B $(TEST_DIR) -DCMAKE_BUILD_TYPE=Debug $(TEST_FLAGS) >/dev/null
	@cmake --build $(TEST_DIR) -j $(JOBS)

# Every test: vectors (one line per file), then unit, fuzz-replay and
# integration tests through CTest.
test: test-build
	@tests/vectors/run_all.sh $(TEST_DIR)/bin ../shared/vectors
	@cd $(TEST_DIR) && ctest --output-on-failure -j $(JOBS) -LE vectors

# Each libFuzzer target for FUZZ_SECONDS, starting from the committed corpus.
fuzz-smoke: deps
	@cmake -S . -B $(FUZZ_DIR) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DDM_FUZZ=ON -DDM_ASAN=ON -DDM_UBSAN=ON >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS)
	@./tests/fuzz/smoke.sh $(FUZZ_DIR)/bin $(FUZZ_SECONDS)

bench: build deps-bench
	@./bench/run.sh $(BUILD_DIR)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD_DIR) $(TEST_DIR) $(FUZZ_DIR)
