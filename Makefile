# Thin wrapper over CMake. The README's whole set-up is `make run` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DLLMON_WERROR=ON
endif

# Debian bookworm packages needed to build and test (README "Dependencies" says why each).
DEBIAN_PACKAGES := cmake g++ make pkg-config git curl clang-format \
	prometheus-cpp-dev libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
	libtomlplusplus-dev libspdlog-dev doctest-dev librocm-smi-dev zlib1g-dev libsystemd-dev jq \
	prometheus prometheus-node-exporter python3 librocm-smi64-1 dbus-daemon debootstrap \
	systemd-container libssl-dev libcrypt-dev openssl apache2-utils
# make package and its tests: the .deb, lintian, the man page.
DEBIAN_PACKAGES += dpkg-dev lintian man-db groff-base bsdextrautils
# The fuzz targets (tests/fuzz): clang, libFuzzer and its sanitizer runtimes.
DEBIAN_PACKAGES += clang-14 libclang-rt-14-dev
PREFIX ?= /usr/local

.PHONY: all deps configure build test run collect install package demo bench format \
	format-check clean fuzz-build fuzz test-asan test-tsan

all: build

deps:
	@missing=""; \
	for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing missing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

configure: deps
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

test: build fuzz-build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS)
	ctest --test-dir $(FUZZ_DIR) --output-on-failure -j$(JOBS)

# Only the daemon, not the test binaries.
run: configure
	cmake --build $(BUILD_DIR) -j$(JOBS) --target llmon
	$(BUILD_DIR)/llmon serve

collect: configure
	cmake --build $(BUILD_DIR) -j$(JOBS) --target llmon
	$(BUILD_DIR)/llmon collect

# make install [PREFIX=/usr/local] [DESTDIR=...] (stripped, as the package is);
# make package: build/llmon_<version>_amd64.deb
INSTALL_TARGETS := llmon man_page deb_changelog
install: configure
	cmake --build $(BUILD_DIR) -j$(JOBS) --target $(INSTALL_TARGETS)
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD_DIR) --prefix "$(PREFIX)" --strip

package: configure
	cmake --build $(BUILD_DIR) -j$(JOBS) --target $(INSTALL_TARGETS)
	cd $(BUILD_DIR) && cpack --config CPackConfig.cmake

# Every metric populated without a GPU or Ollama: fake Ollama instances and a GPU fixture.
demo: build
	BUILD_DIR=$(BUILD_DIR) tests/support/demo.sh
bench: build ; bench/scrape_bench.sh --llmon $(BUILD_DIR)/llmon $(BENCH_ARGS)

SOURCES = $(shell git ls-files '*.cpp' '*.hpp' 2>/dev/null)
format:
	@clang-format -i $(SOURCES)
format-check:
	@clang-format --dry-run --Werror $(SOURCES)

# --- fuzzing and sanitizers (tests/fuzz/README.md) ---
# The fuzz targets are a clang build of their own; `make test` replays each one's corpus and
# fuzzes it for a few seconds, `make fuzz` for FUZZ_SECONDS each, keeping what it finds in
# $(FUZZ_DIR)/corpus (never in the source tree).
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz-build: deps
	cmake -S . -B $(FUZZ_DIR) $(CMAKE_FLAGS) -DLLMON_FUZZ=ON \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14
	cmake --build $(FUZZ_DIR) -j$(JOBS)
fuzz: fuzz-build
	tests/fuzz/run.sh --build $(FUZZ_DIR) --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The whole suite built with sanitizers (clang, whose runtime links statically, so the programs
# the tests copy elsewhere still run), in build dirs of their own; any report fails the suite
# (tests/support/sanitized_ctest.sh says where reports are looked for).
test-asan: SAN_DIR := build-asan
test-asan: SAN := address,undefined
test-tsan: SAN_DIR := build-tsan
test-tsan: SAN := thread
test-asan test-tsan: deps
	cmake -S . -B $(SAN_DIR) $(CMAKE_FLAGS) -DLLMON_SANITIZE=$(SAN) \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14
	cmake --build $(SAN_DIR) -j$(JOBS)
	tests/support/sanitized_ctest.sh $(SAN_DIR) $(JOBS)

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR) build-asan build-tsan
