# distgate — plain GNU make.  Targets: all check demo bench fuzz install clean.
# Quiet unless V=1.  SANITIZER=address,undefined builds with sanitizers.

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/sbin
CC       ?= cc
BUILD    ?= build
PKGS     := libevent openssl inih
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN     := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Wpointer-arith -Wcast-qual
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) -MMD -MP -D_GNU_SOURCE -I. \
            -DDISTGATE_VERSION='"$(VERSION)"' \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -levent -lssl -lcrypto -linih)
ifneq ($(SANITIZER),)
CFLAGS   += -fsanitize=$(SANITIZER) -fno-omit-frame-pointer
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

.PHONY: all check unit integration demo deps bench bench-quick fuzz install clean

all: distgate

distgate: $(BUILD)/proxy/main.o $(BUILD)/libdistgate.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libdistgate.a: $(LIB_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libdistgate.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

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

install: distgate
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 distgate $(DESTDIR)$(BINDIR)/distgate

clean:
	rm -rf $(BUILD) distgate

-include $(LIB_OBJS:.o=.d) $(BUILD)/proxy/main.d
