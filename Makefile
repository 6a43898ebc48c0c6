# aspace - plain GNU Makefile.  `make` builds the libraries and the tool,
# `make test` builds and runs every test, `make run` runs the main job,
# `make bench` the benchmarks.  SAN=1 builds with ASan + UBSan into
# build-san/.  CC=clang works too.

CC      ?= cc
PREFIX  ?= /usr/local
SAN     ?= 0

ifeq ($(SAN),1)
BUILD   ?= build-san
else
BUILD   ?= build
endif

CSTD     := -std=gnu11
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
OPT      ?= -O2 -g
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) -fPIC -Iinclude -Isrc $(CFLAGS)
LDFLAGS_ALL = $(LDFLAGS)
ifeq ($(SAN),1)
CFLAGS_ALL += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS_ALL += -fsanitize=address,undefined
endif

SONAME  := libaspace.so.0
LIB_SRC := $(sort $(wildcard src/*/*.c))
LIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC))
TOOL_SRC := $(sort $(wildcard tools/*.c))
TOOL_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(TOOL_SRC))
TOOL_LIB_OBJ := $(filter-out $(BUILD)/obj/tools/main.o,$(TOOL_OBJ))
TEST_SRC := $(sort $(wildcard tests/*.c tests/*/*.c tests/*/*/*.c))
TEST_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(TEST_SRC))
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

.PHONY: all test run bench install clean
all: $(BUILD)/libaspace.a $(BUILD)/libaspace.so $(BUILD)/aspace

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libaspace.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libaspace.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) -o $@ $^ $(LDFLAGS_ALL)

$(BUILD)/aspace: $(TOOL_OBJ) $(BUILD)/libaspace.a
	$(CC) -o $@ $(TOOL_OBJ) -Wl,--whole-archive $(BUILD)/libaspace.a -Wl,--no-whole-archive $(LDFLAGS_ALL) -lm

$(BUILD)/aspace-tests: $(TEST_OBJ) $(TOOL_LIB_OBJ) $(BUILD)/libaspace.a
	$(CC) -o $@ $(TEST_OBJ) $(TOOL_LIB_OBJ) -Wl,--whole-archive $(BUILD)/libaspace.a -Wl,--no-whole-archive $(LDFLAGS_ALL) -lm

$(BUILD)/bench/%: bench/%.c $(BUILD)/libaspace.a $(TOOL_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O2 -o $@ $< $(TOOL_LIB_OBJ) -Wl,--whole-archive $(BUILD)/libaspace.a -Wl,--no-whole-archive $(LDFLAGS_ALL) -lm

# The test runner prints one closing line "N passed, N failed".
test: all $(BUILD)/aspace-tests
	./$(BUILD)/aspace-tests

# `make run`: mirror a real program (python3 allocating, mapping a file and
# anonymous memory, one thread) into the model while it runs, then replay
# the recording; both must end with 0 divergences.
RUN_PY := import json, mmap, threading; d = [bytearray(50000 * i) for i in range(1, 40)]; m = mmap.mmap(-1, 1 << 22); m[:4] = b'data'; t = threading.Thread(target=lambda: [bytearray(300000) for _ in range(20)]); t.start(); t.join(); m.close(); print(json.dumps({'allocated': sum(map(len, d))}))
run: all
	./$(BUILD)/aspace trace -o $(BUILD)/run.trace -- /usr/bin/python3 -c "$(RUN_PY)"
	./$(BUILD)/aspace replay $(BUILD)/run.trace > /dev/null

bench: all $(BENCH_BIN)
	@for b in $(BENCH_BIN); do echo "== $$b"; ./$$b || exit 1; done

install: all
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/aspace.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(BUILD)/libaspace.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libaspace.so $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libaspace.so
	install -m 755 $(BUILD)/aspace $(DESTDIR)$(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|' aspace.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/aspace.pc

# Trace-parser fuzzing (libFuzzer, clang only; installs clang when missing).
# Seeds: tests/fuzz/corpus (copied, the fuzzer adds to the copy).  Fails on
# any crash or sanitizer report.
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= build-fuzz
.PHONY: fuzz-parser
fuzz-parser:
	@command -v clang >/dev/null 2>&1 || { apt-get update && apt-get install -y clang; }
	@mkdir -p $(FUZZ_BUILD)
	@echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' > $(FUZZ_BUILD)/probe.c
	@clang -fsanitize=fuzzer $(FUZZ_BUILD)/probe.c -o $(FUZZ_BUILD)/probe 2>/dev/null || \
		{ apt-get update && apt-get install -y libclang-rt-14-dev; }
	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -Iinclude -Isrc \
		tests/fuzz/parse_fuzz.c tools/trace_parse.c -o $(FUZZ_BUILD)/parse_fuzz
	rm -rf $(FUZZ_BUILD)/corpus && mkdir -p $(FUZZ_BUILD)/corpus
	cp tests/fuzz/corpus/* $(FUZZ_BUILD)/corpus/ && chmod u+w $(FUZZ_BUILD)/corpus/*
	$(FUZZ_BUILD)/parse_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		-timeout=10 -artifact_prefix=$(FUZZ_BUILD)/ $(FUZZ_BUILD)/corpus

# The `aspace report --html` page in headless chromium (installed when
# missing): loads without script or console errors; screenshots in $(BUILD)/.
.PHONY: test-html
test-html: all
	tests/insight/html_check.sh $(BUILD)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
