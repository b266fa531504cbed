# cairn: build, test, run.  GNU make.
#
#   make          build bin/cairnd and bin/cairn
#   make run      install what is missing, build, serve on 127.0.0.1:7443
#   make test     install what is missing, build, run every test
#   make unit     the cmocka unit tests
#   make e2e      the end-to-end suites, each on a cairnd and cluster of its
#                 own, CAIRN_JOBS (4) at once; CAIRN_SUITES="NAME ..." for some
#   make asan     the same tests under AddressSanitizer and UBSan
#   make bench    load generator against the embedded server, beside pgbench
#   make fuzz     libFuzzer targets (clang), each run FUZZ_SECONDS (60)
#   make install  PREFIX=/usr/local DESTDIR= (binaries, man pages,
#                 completions, the systemd unit, /etc/cairn/cairnd.conf)
#   make man      the man pages in $(BUILD)/man (scdoc)
#   make completion  bash and zsh completion in $(BUILD)/completion

PREFIX	?= /usr/local
DESTDIR	?=
# Where make install puts things (debian/rules gives Debian's).
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DATADIR	?= $(PREFIX)/share/cairn
SYSCONFDIR ?= /etc
UNITDIR	?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
CC	?= cc

PKGS	 = libevent libevent_openssl libevent_pthreads libssl libcrypto \
	   msgpack libpq libargon2 libcurl
PKGS_TEST = cmocka

ifeq ($(SANITIZE),1)
BUILD	?= build-asan
SAN	 = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
OPT	 = -O1 -g
else
BUILD	?= build
SAN	 =
OPT	 = -O2 -g
endif
BIN	 = $(BUILD)/bin
# run, test, asan and bench build with a job per core (42 s alone, 26 s
# on two); a plain "make" stays serial unless given -j.
JOBS	:= $(shell nproc 2>/dev/null || echo 2)

# pkg-config runs only when something is compiled, so that "make deps" can
# run before the -dev packages exist.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
TEST_LIBS  = $(shell pkg-config --libs $(PKGS_TEST) 2>/dev/null)

CFLAGS	+= -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	   -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter -Wno-format-truncation \
	   $(OPT) $(SAN) $(CPPFLAGS) -Icommon -Iserver -I$(BUILD)/gen \
	   -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql) \
	   $(PKG_CFLAGS)
LDFLAGS	+= $(SAN)

COMMON_SRC = $(wildcard common/*.c)
SERVER_SRC = $(wildcard server/*.c)
CLIENT_SRC = $(wildcard client/*.c)
BENCH_SRC  = $(wildcard tests/bench/*.c)
SQL	   = $(sort $(wildcard sql/[0-9][0-9][0-9]_*.sql))
# gone.sql drops first, core.sql (cairn_refuse, the append-only trigger
# function) next, then the entities in any order: each file's triggers call
# its own functions or core's (docs/operations.md, "Migrations").
LOGIC	   = sql/logic/gone.sql sql/logic/core.sql \
	   $(filter-out sql/logic/gone.sql sql/logic/core.sql, \
	   $(sort $(wildcard sql/logic/*.sql)))
LEGACY	   = sql/legacy/6e09e4c.sql

COMMON_OBJ = $(COMMON_SRC:%.c=$(BUILD)/%.o)
SERVER_OBJ = $(SERVER_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o
CLIENT_OBJ = $(CLIENT_SRC:%.c=$(BUILD)/%.o)
BENCH_OBJ  = $(BENCH_SRC:%.c=$(BUILD)/%.o)

UNIT_TESTS = $(patsubst tests/unit/%.c,$(BIN)/%,$(wildcard tests/unit/test_*.c))
E2E_TESTS  = $(patsubst tests/e2e/%.c,$(BIN)/%,$(wildcard tests/e2e/test_*.c))

.SECONDARY:
.PHONY: all deps run test unit e2e asan bench install clean certs fuzz \
	check-deps man completion
all: $(BIN)/cairnd $(BIN)/cairn $(BIN)/cairn-bench $(UNIT_TESTS) $(E2E_TESTS)

deps:
	@sh tests/deps.sh

$(BUILD)/%.o: %.c $(wildcard common/*.h server/*.h server/*.inc client/*.h tests/bench/*.h)
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

# Migrations and logic are compiled in, so cairnd never depends on its
# working directory to find them.  sql-defs.sh first: each function,
# trigger and view is created in one place only.
$(BUILD)/gen/migrations.c: $(SQL) $(LOGIC) $(LEGACY) tests/embed-sql.sh \
    tests/sql-defs.sh
	@mkdir -p $(dir $@)
	@sh tests/sql-defs.sh $(SQL) $(LOGIC)
	sh tests/embed-sql.sh -m $(SQL) -l $(LOGIC) -u $(LEGACY) > $@.tmp && \
	    mv $@.tmp $@

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BIN)/cairnd: $(SERVER_OBJ) $(COMMON_OBJ)
	@mkdir -p $(BIN)
	@echo "LD $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/cairn: $(CLIENT_OBJ) $(COMMON_OBJ)
	@mkdir -p $(BIN)
	@echo "LD $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/cairn-bench: $(BENCH_OBJ) $(COMMON_OBJ)
	@mkdir -p $(BIN)
	@echo "LD $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/test_%: $(BUILD)/tests/unit/test_%.o $(COMMON_OBJ)
	@mkdir -p $(BIN)
	@echo "LD $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS)

$(BIN)/test_%: $(BUILD)/tests/e2e/test_%.o $(COMMON_OBJ)
	@mkdir -p $(BIN)
	@echo "LD $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS)

# The raw-frame suites share their helpers.
$(BIN)/test_proto $(BIN)/test_conn: $(BUILD)/tests/e2e/proto-lib.o \
    $(BUILD)/tests/e2e/reqpack.o
$(BIN)/test_auth $(BIN)/test_batch $(BIN)/test_memory: \
    $(BUILD)/tests/e2e/reqpack.o

# Unit tests of server modules that need no server around them.
$(BIN)/test_authz: $(BUILD)/server/authz.o
$(BIN)/test_rules: $(BUILD)/server/rules.o
$(BIN)/test_json_print: $(BUILD)/client/json.o
$(BIN)/test_csv: $(BUILD)/client/csv.o
$(BIN)/test_file: $(BUILD)/client/file.o
$(BIN)/test_text: $(BUILD)/client/output.o $(BUILD)/client/json.o
# The command table, with every client module but main's.
$(BIN)/test_commands: $(filter-out $(BUILD)/client/cairn.o,$(CLIENT_OBJ))
$(BIN)/test_report: $(BUILD)/client/report.o $(BUILD)/client/html.o \
    $(BUILD)/client/output.o $(BUILD)/client/json.o
# The pool against the end-to-end run's PostgreSQL, with its own statements.
$(BIN)/test_db: $(BUILD)/server/db.o $(BUILD)/server/db-pool.o $(BUILD)/server/db-query.o \
    $(BUILD)/server/db-stream.o $(BUILD)/server/db-conn.o $(BUILD)/server/db-error.o $(BUILD)/server/resolve.o \
    $(BUILD)/server/stmt.o $(BUILD)/server/row.o
# The Prometheus reader against the real Prometheus prom.sh starts.
$(BIN)/test_prom: $(BUILD)/server/prom.o $(BUILD)/server/prom-json.o \
    $(BUILD)/server/http-loop.o
# Named parameters: compiling a statement and filling it by name.
$(BIN)/test_stmt: $(BUILD)/server/stmt.o
$(BIN)/test_addrcount: $(BUILD)/server/addrcount.o
$(BIN)/test_kpi_at: $(BUILD)/server/kpi-at.o
$(BIN)/test_prom_json: $(BUILD)/server/prom-json.o
$(BIN)/test_login: $(BUILD)/server/login.o $(BUILD)/server/roles.o
$(BIN)/test_scope: $(BUILD)/server/scope.o
$(BIN)/test_watch_rule: $(BUILD)/server/watch-rule.o
$(BIN)/test_event_ring: $(BUILD)/server/event-ring.o
$(BIN)/test_cache: $(BUILD)/server/cache.o $(BUILD)/server/metrics.o
$(BIN)/test_mail: $(BUILD)/server/mail.o
$(BIN)/test_metrics: $(BUILD)/server/metrics.o
$(BIN)/test_secret: $(BUILD)/server/secret.o
# The query runner against the e2e run's database 'ops' (sources.sh).
$(BIN)/test_pgsource: $(BUILD)/server/pgsource.o $(BUILD)/server/pgsource-dsn.o \
    $(BUILD)/server/resolve.o

certs: certs/ca.pem
certs/ca.pem:
	sh certs/make-dev-certs.sh certs

run: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@$(MAKE) --no-print-directory certs
	@sh tests/run-dev.sh $(BIN)

unit: all
	@sh tests/run-unit.sh $(UNIT_TESTS)
	@$(MAKE) --no-print-directory check-deps

# No two of cairnd's files may call each other, even through others
# (tests/check-deps.py; the allow list names the knots still to untie).
check-deps: all
	@python3 tests/check-deps.py --self-test
	@python3 tests/check-deps.py --allow tests/check-deps.allow \
	    $(SERVER_OBJ) $(COMMON_OBJ)

e2e: all
	@bash tests/e2e/run.sh $(BIN)

test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory e2e

# detect_stack_use_after_return: a pointer kept to a returned function's
# locals (as sp_set keeps its values) is caught, not read by luck.
asan: deps
	@ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_stack_use_after_return=1} \
	    $(MAKE) --no-print-directory SANITIZE=1 test

bench: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@sh tests/bench/run.sh $(BIN)

# The man pages and completions are made from tables the binaries print
# (cairnd --dump-settings, cairn --commands), so that they list what the
# code has: docs/man/gen.sh, contrib/completion.sh.
MAN_PAGES = $(BUILD)/man/cairn.1 $(BUILD)/man/cairnd.8 \
	   $(BUILD)/man/cairnd.conf.5
COMPLETIONS = $(BUILD)/completion/cairn.bash $(BUILD)/completion/_cairn

man: $(MAN_PAGES)
completion: $(COMPLETIONS)

$(BUILD)/man/settings.tsv: $(BIN)/cairnd
	@mkdir -p $(dir $@)
	$(BIN)/cairnd --dump-settings > $@.tmp && mv $@.tmp $@

$(BUILD)/man/commands.tsv: $(BIN)/cairn
	@mkdir -p $(dir $@)
	$(BIN)/cairn --commands > $@.tmp && mv $@.tmp $@

$(BUILD)/man/cairn.1: docs/man/cairn.1.scd.in docs/man/gen.sh \
    $(BUILD)/man/commands.tsv
	sh docs/man/gen.sh commands $< $(BUILD)/man/commands.tsv > $@.scd
	scdoc < $@.scd > $@.tmp && mv $@.tmp $@

$(BUILD)/man/cairnd.8: docs/man/cairnd.8.scd.in docs/man/gen.sh \
    $(BUILD)/man/settings.tsv
	sh docs/man/gen.sh options $< $(BUILD)/man/settings.tsv > $@.scd
	scdoc < $@.scd > $@.tmp && mv $@.tmp $@

$(BUILD)/man/cairnd.conf.5: docs/man/cairnd.conf.5.scd.in docs/man/gen.sh \
    $(BUILD)/man/settings.tsv
	sh docs/man/gen.sh settings $< $(BUILD)/man/settings.tsv > $@.scd
	scdoc < $@.scd > $@.tmp && mv $@.tmp $@

$(BUILD)/completion/cairn.bash: contrib/completion.sh $(BUILD)/man/commands.tsv
	@mkdir -p $(dir $@)
	sh contrib/completion.sh bash $(BUILD)/man/commands.tsv > $@.tmp && \
	    mv $@.tmp $@

$(BUILD)/completion/_cairn: contrib/completion.sh $(BUILD)/man/commands.tsv
	@mkdir -p $(dir $@)
	sh contrib/completion.sh zsh $(BUILD)/man/commands.tsv > $@.tmp && \
	    mv $@.tmp $@

# cairnd under sbin (run by the service manager), the unit with these
# paths written in, and the example config only where there is none: an
# operator's edited file is never overwritten (docs/operations.md,
# "Installing").
install: $(BIN)/cairnd $(BIN)/cairn $(MAN_PAGES) $(COMPLETIONS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DATADIR)/certs \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(SYSCONFDIR)/cairn
	install -m 0755 $(BIN)/cairn $(DESTDIR)$(BINDIR)/
	install -m 0755 $(BIN)/cairnd $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(BUILD)/man/cairn.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(BUILD)/man/cairnd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(BUILD)/man/cairnd.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(BUILD)/completion/cairn.bash \
	    $(DESTDIR)$(BASHCOMPDIR)/cairn
	install -m 0644 $(BUILD)/completion/_cairn $(DESTDIR)$(ZSHCOMPDIR)/
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    contrib/cairnd.service.in > $(DESTDIR)$(UNITDIR)/cairnd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/cairnd.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/cairn/cairnd.conf ] || \
	    install -m 0640 contrib/cairnd.conf \
	    $(DESTDIR)$(SYSCONFDIR)/cairn/cairnd.conf
	install -m 0755 certs/make-dev-certs.sh $(DESTDIR)$(DATADIR)/certs/

# libFuzzer targets in tests/fuzz, built with clang, ASan and UBSan, from
# the sources they exercise only.
FUZZ_SECONDS ?= 60
FUZZ_CC	 ?= clang
FUZZ_BUILD = build-fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	   -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	   -Wall -Wextra -Wno-unused-parameter -O1 -g $(FUZZ_SAN) \
	   -Icommon -Iclient -Iserver \
	   $(shell pkg-config --cflags msgpack 2>/dev/null)
FUZZ_LIBS = $(shell pkg-config --libs msgpack 2>/dev/null) -lm
FUZZ_SRC = common/frame.c common/mpack.c common/wire.c common/xmalloc.c \
	   common/date.c \
	   common/log.c common/json2mp.c common/utf8.c client/json.c \
	   client/csv.c server/prom-json.c server/metrics.c
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,\
	   $(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRC) \
	    $(wildcard common/*.h client/*.h server/prom-json.h server/metrics.h)
	@mkdir -p $(FUZZ_BUILD)
	@echo "FUZZ $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_SRC) \
	    $(FUZZ_LIBS)

fuzz:
	@sh tests/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_BUILD)

clean:
	rm -rf build build-asan build-fuzz
