# TWC master: host simulator, tests and the ESP32 firmware (Moddable SDK).
#
#   make start              host simulator (npm start)
#   make test               all tests (npm test)
#   make typecheck-device   type-check modules/ against @moddable/typings (no SDK needed)
#   make esp32              release build for ESP32, no flashing   (needs $MODDABLE, mcconfig, $IDF_PATH)
#   make flash              release build and flash                 (UPLOAD_PORT=/dev/ttyUSB0 make flash)
#   make esp32-debug        debug build, flash, and connect xsbug
#   make lin                debug build for the SDK's desktop simulator, started with xsbug
#                           (needs $MODDABLE, mcconfig; the SDK's own step first stops every
#                           running mcsim and serial2xsbug)
#   make lin-build          the same, built only (start mcsim yourself); LIN_OUT=dir for the output
#   make lin-release        release build for the simulator, built only (a release build only
#                           builds: mcconfig starts nothing without -d)
#
# Config overrides go to mcconfig as name=value, e.g.
#   make flash UPLOAD_PORT=/dev/ttyUSB0 ARGS="wiringMaxAmpsAllTWCs=32 wiringMaxAmpsPerTWC=32"

MCCONFIG ?= mcconfig
ARGS ?=
UPLOAD_PORT ?=

# mcconfig runs `tsc` from PATH for the .ts modules (moddable.md §1); use this project's pinned one.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
ifneq ($(strip $(UPLOAD_PORT)),)
export UPLOAD_PORT
endif

.PHONY: start test typecheck-device esp32 flash esp32-debug lin lin-build lin-release check-sdk check-idf check-node

start:
	npm start

test:
	npm test

typecheck-device: check-node
	npx tsc -p modules/tsconfig.json --noEmit

esp32: check-sdk check-idf check-node
	$(MCCONFIG) -m -p esp32 -t build $(ARGS)

flash: check-sdk check-idf check-node
	$(MCCONFIG) -m -p esp32 $(ARGS)

esp32-debug: check-sdk check-idf check-node
	$(MCCONFIG) -d -m -p esp32 $(ARGS)

lin: check-sdk check-node
	$(MCCONFIG) -d -m -p lin $(ARGS)

LIN_OUT ?= $(CURDIR)/build
lin-build: check-sdk check-node
	mkdir -p $(LIN_OUT)
	$(MCCONFIG) -d -m -p lin -t build -o $(LIN_OUT) $(ARGS)

lin-release: check-sdk check-node
	mkdir -p $(LIN_OUT)
	$(MCCONFIG) -m -p lin -t build -o $(LIN_OUT) $(ARGS)

check-sdk:
	@if [ -z "$$MODDABLE" ] || [ ! -d "$$MODDABLE" ]; then \
		echo "error: \$$MODDABLE is not set to the Moddable SDK directory." >&2; \
		echo "       Install the SDK (Moddable 'Getting Started' for your OS) and export MODDABLE=/path/to/moddable." >&2; \
		exit 1; \
	fi
	@if ! command -v $(MCCONFIG) >/dev/null 2>&1; then \
		echo "error: '$(MCCONFIG)' not found on PATH." >&2; \
		echo "       Build the SDK tools and add \$$MODDABLE/build/bin/<lin|mac>/release to PATH." >&2; \
		exit 1; \
	fi

check-idf:
	@if [ -z "$$IDF_PATH" ]; then \
		echo "error: \$$IDF_PATH is not set: install ESP-IDF (the version your Moddable SDK expects) and source its export.sh." >&2; \
		exit 1; \
	fi

check-node:
	@if [ ! -x node_modules/.bin/tsc ]; then \
		echo "error: node_modules/.bin/tsc missing: run 'npm install' first." >&2; \
		exit 1; \
	fi
