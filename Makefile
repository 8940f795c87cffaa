# Thin wrapper around meson/ninja and the test runner. See README.md.
BUILD ?= build
ARGS ?=
SANITIZE ?= 0

.PHONY: all build deps demo test unit integration clean

all: build

deps:
	@bash tools/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# The inline-gateway demo (needs root). ARGS=--keep leaves it running; tools/demo.sh --down.
demo: deps
	@$(MAKE) --no-print-directory build
	@TOLLGATED="$${TOLLGATED:-$(BUILD)/tollgated}" bash tools/demo.sh $(ARGS)

# SANITIZE=1: the end-to-end layer also runs against the ASan/UBSan daemon (the unit and
# integration layers always do).
test: deps
	@$(MAKE) --no-print-directory build
	@SANITIZE=$(SANITIZE) bash tools/run-tests.sh

clean:
	rm -rf $(BUILD)
