# distgate — plain GNU make.  Targets: all check check-sanitize fuzz demo
# bench install uninstall clean.  Quiet unless V=1.  SANITIZER=address,undefined
# builds with sanitizers; BUILD names the object directory, DISTGATE the
# binary.

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/sbin
CC       ?= cc
BUILD    ?= build
DISTGATE ?= distgate
PKGS     := libevent openssl inih libsystemd
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN     := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Wpointer-arith -Wcast-qual
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) -MMD -MP -D_GNU_SOURCE -I. \
            -DDISTGATE_VERSION='"$(VERSION)"' \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -levent -lssl -lcrypto -linih -lsystemd)
ifneq ($(SANITIZER),)
CFLAGS   += -fsanitize=$(SANITIZER) -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=$(SANITIZER)
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRCS := $(filter-out proxy/main.c,$(wildcard proxy/*.c proxy/*/*.c crypto/*.c config/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

# The sanitizer build lives apart, so both can coexist.
SAN_BUILD := build-san
SAN_MAKE  := BUILD=$(SAN_BUILD) SANITIZER=address,undefined \
             DISTGATE=$(SAN_BUILD)/distgate
SAN_BINS  := $(UNIT_BINS:$(BUILD)/%=$(SAN_BUILD)/%)

# The libFuzzer build: the library with clang, coverage instrumentation,
# ASan and UBSan in its own object directory (under BUILD, so clean takes
# it); one harness per parser, tests/fuzz/fuzz_NAME.c -> bin/fuzz_NAME.
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_MAKE  := BUILD=$(FUZZ_BUILD) CC=clang \
              SANITIZER=fuzzer-no-link,address,undefined
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  := $(FUZZ_NAMES:%=$(BUILD)/bin/fuzz_%)

.PHONY: all check check-sanitize unit integration demo deps bench bench-quick \
        fuzz fuzz-build install uninstall clean

all: $(DISTGATE)

$(DISTGATE): $(BUILD)/proxy/main.o $(BUILD)/libdistgate.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libdistgate.a: $(LIB_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libdistgate.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libdistgate.a \
	    -lcmocka $(LDLIBS)

# Harnesses link libFuzzer's main; config's also stubs DNS (numeric
# addresses only) and reuses the unit tests' config invariants (cmocka).
$(BUILD)/bin/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/libdistgate.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -Itests/fuzz -fsanitize=fuzzer $(LDFLAGS) -o $@ \
	    $< $(BUILD)/libdistgate.a \
	    $(FUZZ_LDLIBS) $(LDLIBS)

$(BUILD)/bin/fuzz_config: CFLAGS += -Itests/unit
$(BUILD)/bin/fuzz_config: FUZZ_LDLIBS = -Wl,--wrap=getaddrinfo -lcmocka

# Built only inside the fuzz build (FUZZ_MAKE), as make fuzz does.
fuzz-build: $(FUZZ_BINS)

# deps: install what is missing from Debian's packages (needs root or sudo).
deps:
	$(Q)./deploy/deps.sh

unit: $(UNIT_BINS)
	$(Q)./tests/unit/run.sh $(UNIT_BINS)

integration: distgate
	$(Q)./tests/integration/run.sh

check: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BINS)
	$(Q)./tests/check.sh $(UNIT_BINS)

# check-sanitize: the same suites with AddressSanitizer (leak detection on)
# and UndefinedBehaviorSanitizer; any report fails the run.
check-sanitize: deps
	$(Q)$(MAKE) --no-print-directory $(SAN_MAKE) all $(SAN_BINS)
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    DG_BIN=$(CURDIR)/$(SAN_BUILD)/distgate \
	    ./tests/check.sh $(SAN_BINS)

# fuzz: every harness for FUZZ_SECONDS (default 30) each, or FUZZ_RUNS
# executions each, on a copy of its seed corpus; see tests/fuzz/run.sh.
fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_MAKE) fuzz-build
	$(Q)./tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_NAMES)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./deploy/demo.sh

# bench: the full benchmark (bench/README.md); bench-quick: a short run of
# every cell.  Both need root (network namespaces).
bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./bench/run.sh

bench-quick: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./bench/run.sh --quick

# install: the binary and distgate-pki, the man pages, the systemd unit
# (its ExecStart pointed at BINDIR), proxy.ini.example, the docs and the
# examples (release recipes, alert rules), under DESTDIR.
# Nothing goes to /etc: the Debian package installs /etc/distgate/proxy.ini
# as a conffile; elsewhere copy proxy.ini.example there.  uninstall
# removes what install put.
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/distgate
ifeq ($(PREFIX),/usr)
UNITDIR  ?= /lib/systemd/system
else
UNITDIR  ?= $(PREFIX)/lib/systemd/system
endif
DOCS     := README.md $(wildcard docs/*.md)
EXDIR    := $(DOCDIR)/examples
RELEASE  := $(wildcard deploy/release/rel/*.eex)
ALERTS   := $(wildcard deploy/prometheus/*.yml)

install: $(DISTGATE)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(DISTGATE) $(DESTDIR)$(BINDIR)/distgate
	install -m 0644 docs/man/distgate.8 $(DESTDIR)$(MANDIR)/man8/distgate.8
	install -m 0644 docs/man/proxy.ini.5 $(DESTDIR)$(MANDIR)/man5/proxy.ini.5
	sed 's|/usr/sbin/distgate|$(BINDIR)/distgate|' deploy/distgate.service \
	    >$(DESTDIR)$(UNITDIR)/distgate.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/distgate.service
	install -m 0644 proxy.ini.example $(DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 0755 deploy/distgate-pki $(DESTDIR)$(BINDIR)/distgate-pki
	install -d $(DESTDIR)$(EXDIR)/release/rel $(DESTDIR)$(EXDIR)/prometheus
	install -m 0644 $(RELEASE) $(DESTDIR)$(EXDIR)/release/rel/
	install -m 0644 deploy/release/vm.args $(DESTDIR)$(EXDIR)/release/
	install -m 0644 $(ALERTS) $(DESTDIR)$(EXDIR)/prometheus/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/distgate $(DESTDIR)$(MANDIR)/man8/distgate.8 \
	    $(DESTDIR)$(MANDIR)/man5/proxy.ini.5 \
	    $(DESTDIR)$(UNITDIR)/distgate.service \
	    $(DESTDIR)$(BINDIR)/distgate-pki
	rm -f $(DESTDIR)$(DOCDIR)/proxy.ini.example \
	    $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)))
	rm -rf $(DESTDIR)$(EXDIR)
	-rmdir $(DESTDIR)$(DOCDIR)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) distgate

-include $(LIB_OBJS:.o=.d) $(BUILD)/proxy/main.d $(FUZZ_BINS:=.d) $(UNIT_BINS:=.d)
