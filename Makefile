# SPDX-License-Identifier: MIT
# lockstep -- see README.md.  `make`, `make check`, `make demo`, `make bench`,
# `make install` (PREFIX, DESTDIR).
#
# SANITIZE=address,undefined builds into build/san/ so that sanitizer and
# plain objects never mix; the sanitized binary is build/san/lockstep.

PKGS      := ck libpmem yaml-0.1 check
DEPS_OK   := $(shell pkg-config --exists $(PKGS) 2>/dev/null && echo yes)

CC        ?= cc
SANITIZE  ?=
OPT       ?= -O2
CFLAGS    := -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers \
             -I. -D_GNU_SOURCE $(EXTRA_CFLAGS)
LDLIBS    := -pthread

ifneq ($(FUZZ_BUILD),)
  # make fuzz: clang, libFuzzer's instrumentation, ASan and UBSan, in
  # build/fuzz/ (tests/fuzz/, docs/fuzzing.md)
  BUILD   := build/fuzz
  BIN     := $(BUILD)/lockstep
  CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=address,undefined
else ifeq ($(SANITIZE),)
  BUILD   := build
  BIN     := ./lockstep
else
  BUILD   := build/san
  BIN     := $(BUILD)/lockstep
  CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=$(SANITIZE)
endif

# The build's identity: git describe, and a hash of the sources that decide
# how an execution runs (which decisions a trace's schedule takes, what the
# checkers and oracles find).  Any edit to them changes the hash, committed or
# not, so replay can tell that a trace comes from another build.  Not in
# it: report/ (how findings are printed), gen/, campaign/ and cli/ (which
# executions run, not what they do), tests, docs.  `make source-hash` prints
# it, `make source-hash-inputs` the files it covers.
SOURCE_DIRS  := pmem sim checkers core scenarios oracle engine
SOURCE_FILES := $(sort $(wildcard $(foreach d,$(SOURCE_DIRS),$(d)/*.c $(d)/*.h)))
SOURCE_HASH  := $(shell sha256sum $(SOURCE_FILES) | sha256sum | cut -c1-12)
VERSION   := $(shell git describe --always --dirty 2>/dev/null || echo unknown) sources $(SOURCE_HASH)

.PHONY: all check demo bench soak deps format format-check clean unit scenarios FORCE \
	source-hash source-hash-inputs fuzz fuzz-targets install uninstall

ifeq ($(DEPS_OK),yes)

CFLAGS    += $(shell pkg-config --cflags ck libpmem yaml-0.1)
LIBS      := $(shell pkg-config --libs ck libpmem yaml-0.1) $(LDLIBS)
CHECKLIBS := $(shell pkg-config --libs check)

# The layers, lowest first (docs/design.md draws them): a directory may call
# the ones before it in this list, never one after it.  Each is found by
# directory; every layer but cli/ goes into liblockstep.a, which the
# binary, the tests and the benchmark all link.
LAYERS    := pmem sim checkers core scenarios oracle gen report engine campaign
LIB_SRCS  := $(foreach d,$(LAYERS),$(wildcard $(d)/*.c))
CLI_SRCS  := $(wildcard cli/*.c)
TEST_SRCS := $(wildcard tests/test_*.c)
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/%.o)
TESTS     := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)

# The man page and the bash completion are made from the binary's help
# text (scripts/man.sh, scripts/completion.sh), so they say what it says.
MANPAGE    := $(BUILD)/lockstep.1
COMPLETION := $(BUILD)/lockstep.bash

all: $(BIN) $(MANPAGE) $(COMPLETION)

$(MANPAGE): $(BIN) scripts/man.sh
	sh scripts/man.sh $(BIN) > $@.tmp && mv $@.tmp $@

$(COMPLETION): $(BIN) scripts/completion.sh
	sh scripts/completion.sh $(BIN) > $@.tmp && mv $@.tmp $@

# make install: the binary, lockstep(1) and the bash completion under
# PREFIX (default /usr/local), below DESTDIR when it is given.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

install: $(BIN) $(MANPAGE) $(COMPLETION)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/lockstep
	install -m 644 $(MANPAGE) $(DESTDIR)$(MANDIR)/man1/lockstep.1
	install -m 644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/lockstep

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/lockstep $(DESTDIR)$(MANDIR)/man1/lockstep.1 \
		$(DESTDIR)$(BASHCOMPDIR)/lockstep

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -DLOCKSTEP_VERSION='"$(VERSION)"' -c $< -o $@

# The objects that print the version (--version, reports, traces' build:)
# are built again when it changes: a new commit, or a tree made dirty.
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@

$(BUILD)/cli/main.o $(BUILD)/report/text.o: $(BUILD)/version.stamp

FORCE:

$(BUILD)/liblockstep.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJS) $(BUILD)/liblockstep.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/liblockstep.a $(LIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/liblockstep.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags check) $(LDFLAGS) -o $@ $< \
		$(BUILD)/liblockstep.a $(LIBS) $(CHECKLIBS)

# The fuzz targets (tests/fuzz/): each is an LLVMFuzzerTestOneInput.  With
# driver.c (a main() that runs files through it, built with cc) it replays
# its corpus in make check; `make fuzz` links it with libFuzzer.
FUZZ_TARGETS := scen trace campaign
FUZZ_REPLAY  := $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay/%)
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang

$(BUILD)/fuzz-replay/%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c tests/fuzz/fuzz.h \
		$(BUILD)/liblockstep.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ tests/fuzz/fuzz_$*.c tests/fuzz/driver.c \
		$(BUILD)/liblockstep.a $(LIBS)

$(BUILD)/fuzz-%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(BUILD)/liblockstep.a
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ tests/fuzz/fuzz_$*.c \
		$(BUILD)/liblockstep.a $(LIBS)

fuzz-targets: $(FUZZ_TARGETS:%=$(BUILD)/fuzz-%)

# make fuzz: each target FUZZ_SECONDS seconds (default 60), its corpus
# growing in build/fuzz/corpus/TARGET from the seeds in tests/fuzz/corpus/,
# with its dictionary; a crash leaves crash-* here and fails.
fuzz:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
		echo "make fuzz: needs clang (FUZZ_CC=$(FUZZ_CC))" >&2; exit 2; }
	@$(MAKE) --no-print-directory CC=$(FUZZ_CC) FUZZ_BUILD=1 fuzz-targets
	@mkdir -p build/fuzz/seeds/scen build/fuzz/seeds/trace build/fuzz/seeds/campaign
	@cp scenarios/*.yaml tests/bad/*.yaml build/fuzz/seeds/scen/
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus/$$t; \
		echo "== fuzz $$t: $(FUZZ_SECONDS) s"; \
		build/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-rss_limit_mb=2048 -close_fd_mask=3 -print_final_stats=1 \
			-dict=tests/fuzz/$$t.dict build/fuzz/corpus/$$t \
			tests/fuzz/corpus/$$t build/fuzz/seeds/$$t $(FUZZ_FLAGS) \
			2> build/fuzz/$$t.log || { tail -40 build/fuzz/$$t.log; exit 1; }; \
		grep -E 'DONE|number_of_executed_units' build/fuzz/$$t.log; \
	done

# make check: every Check suite, then every bundled scenario's expectation.
# Keeps going after a failure and fails at the end, like ck's own check.
check: $(BIN) $(TESTS) $(FUZZ_REPLAY)
	@BIN=$(BIN) BUILD=$(BUILD) sh tests/run-all.sh $(TESTS)

unit: $(TESTS)
	@for t in $(TESTS); do $$t || exit 1; done

# make soak: 2,000 generated programs at the newest preset; every finding
# is a false one (docs/gen.md).  SOAK_N, SOAK_SEED, SOAK_KERNEL override.
soak: $(BIN)
	@sh tests/soak.sh $(BIN) $(or $(SOAK_N),2000) $(or $(SOAK_SEED),1) \
		$(or $(SOAK_KERNEL),v5.15) 30

demo: $(BIN)
	@$(BIN) run --summary scenarios/*.yaml; test $$? -le 1

# The last section: time for fuzz --generate to rediscover each race class
# of the seed threads (bench/rediscover.sh; REDISCOVER_CAP seconds each).
bench: $(BIN) $(BUILD)/bench/bench
	$(BUILD)/bench/bench $(BIN)
	@sh bench/rediscover.sh $(BIN) $(or $(REDISCOVER_CAP),600)

$(BUILD)/bench/bench: bench/bench.c $(BUILD)/liblockstep.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liblockstep.a $(LIBS) -lm

-include $(shell find build -name '*.d' 2>/dev/null)

else

ifeq ($(DEPS_TRIED),yes)
# deps ran and pkg-config still cannot find a library: say which, once,
# rather than calling make again for ever.
all check demo bench soak unit install:
	@echo "lockstep: pkg-config still cannot find: $$(for p in $(PKGS); do \
		pkg-config --exists $$p || printf '%s ' $$p; done)" >&2
	@echo "  (installed, but no .pc file? check PKG_CONFIG_PATH)" >&2
	@exit 1
else
all check demo bench soak unit install: deps
	@$(MAKE) --no-print-directory DEPS_TRIED=yes $@
endif

endif

source-hash:
	@echo '$(SOURCE_HASH)'

source-hash-inputs:
	@for f in $(SOURCE_FILES); do echo $$f; done

# deps: install what pkg-config cannot find (Debian/Ubuntu: apt-get).
deps:
	@sh scripts/install-deps.sh $(PKGS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# format-check: the tree as .clang-format has it; CI runs it.
format-check:
	@command -v clang-format >/dev/null 2>&1 || { \
		echo "make format-check: clang-format is not installed" >&2; exit 2; }
	@bad=0; for f in $$(git ls-files '*.c' '*.h'); do \
		clang-format --style=file "$$f" | cmp -s - "$$f" || \
		{ echo "not formatted: $$f (make format)"; bad=1; }; \
	done; exit $$bad

clean:
	rm -rf build lockstep lockstep-out
