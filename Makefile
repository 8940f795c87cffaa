# Thin wrapper around meson/ninja and the test runner. See README.md.
BUILD ?= build
ARGS ?=

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

test: deps
	@$(MAKE) --no-print-directory build
	@bash tools/run-tests.sh

clean:
	rm -rf $(BUILD)
