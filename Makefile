# SPDX-License-Identifier: GPL-2.0-or-later
#
# algfs build.  Plain GNU make, out of tree into $(BUILDDIR).
#
#   make                 build everything into build/
#   make check           every test: host suite, sanitizer build, AF_ALG suite
#                        in QEMU guests with Linux 6.12 and 6.1
#   make deps            install the Debian build and test dependencies (root)
#   make fuzz            the libFuzzer harnesses of fuzz/, built with clang,
#                        ASan and UBSan into build-fuzz/ (fuzz/README.md)
#   make fuzz-smoke      each harness over its seed corpus and then for
#                        FUZZ_SECONDS (10) seconds; fails on any crash
#   make install         PREFIX=/usr/local DESTDIR= (and make uninstall)
#   make demo            install, then show a volume at work in a guest with
#                        AF_ALG and here, left mounted on /var/tmp/algfs-demo
#   make bench           algfs against gocryptfs, securefs and bindfs on tmpfs
#                        and ext4 (root; hours: see bench/README.md);
#                        BENCH_ARGS="..." passes options to bench/fs-bench.sh
#   make bench-syscalls  system calls per file and per FUSE request (root);
#                        BENCH_ARGS="..." passes options to bench/syscalls.sh
#   make clean

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
# Where 1.0 put mkfs.algfs and algfsctl; make uninstall still clears it.
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
DOCDIR		?= $(PREFIX)/share/doc/algfs
UNITDIR		?= $(PREFIX)/lib/systemd/system
COMPLETIONDIR	?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR	?= /etc
# mount(8) looks for mount.TYPE helpers in /sbin only, whatever PREFIX is.
MOUNTHELPERDIR	?= /sbin
DESTDIR		?=
BUILDDIR	?= build

CC		?= cc
PKG_CONFIG	?= pkg-config
INSTALL		?= install

# SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer;
# make check does that in build-asan/.
SANITIZE	?= 0

WARNINGS	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wformat=2 -Wvla
HARDENING	:= -fstack-protector-strong -fstack-clash-protection \
		   -fcf-protection -fPIE
ifeq ($(SANITIZE),1)
OPTFLAGS	:= -O1 -g -fno-omit-frame-pointer \
		   -fsanitize=address,undefined -fno-sanitize-recover=all
LDSAN		:= -fsanitize=address,undefined
else
OPTFLAGS	:= -O2 -g -D_FORTIFY_SOURCE=2
LDSAN		:=
endif

CFLAGS		?=
LDFLAGS		?=
ALL_CFLAGS	:= -std=c11 -D_GNU_SOURCE $(WARNINGS) $(HARDENING) $(OPTFLAGS) \
		   -MMD -MP $(CFLAGS)
ALL_LDFLAGS	:= -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(LDSAN) $(LDFLAGS)

FUSE_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags fuse3 2>/dev/null)
FUSE_LIBS	:= $(shell $(PKG_CONFIG) --libs fuse3 2>/dev/null)

CRYPTO_LIBS	:= -lcrypto -lkeyutils -luring -largon2 -lpthread

# crypto/: a static library that fs/, tools/ and the tests link.
CRYPTO_SRCS	:= $(wildcard crypto/*.c)
CRYPTO_OBJS	:= $(patsubst %.c,$(BUILDDIR)/%.o,$(CRYPTO_SRCS))
LIBCRYPTO	:= $(BUILDDIR)/libalgfs-crypto.a

# fs/format/: the format library, which every program links (header
# fs/format/format.h); fs/daemon/: the FUSE daemon, which only algfs links
# (header fs/daemon/fuse_fs.h).
FORMAT_SRCS	:= $(wildcard fs/format/*.c)
FORMAT_OBJS	:= $(patsubst %.c,$(BUILDDIR)/%.o,$(FORMAT_SRCS))
LIBFORMAT	:= $(BUILDDIR)/libalgfs-format.a
DAEMON_SRCS	:= $(wildcard fs/daemon/*.c)
DAEMON_OBJS	:= $(patsubst %.c,$(BUILDDIR)/%.o,$(DAEMON_SRCS))
LIBDAEMON	:= $(BUILDDIR)/libalgfs-daemon.a
FS_SRCS		:= $(FORMAT_SRCS) $(DAEMON_SRCS)

# tools/: one main per program, sharing one file per concern (tools/README.md).
# algfs, the daemon, is the only one that links libfuse.
TOOLS		:= mkfs.algfs algfsctl
DAEMON		:= algfs
# fsck.algfs: tools/fsck.algfs.c and the checker in tools/fsck/, linked with
# the tools' shared objects, the format and crypto libraries (no libfuse).
FSCK		:= fsck.algfs
FSCK_OBJS	:= $(patsubst %.c,$(BUILDDIR)/%.o,$(wildcard tools/fsck/*.c))
TOOLS_SHARED	:= $(patsubst %,$(BUILDDIR)/tools/%.o,cipherdir kdfcost options process \
		   recovery secret unlock)

# Programs the test suite uses; they are not installed.
TEST_PROGRAMS	:= afalg-probe hellofs fsx fsop powercut holdread directio fhandle
# Test programs over crypto/'s API: tests/src/crypto-*.c; over fs/format/'s:
# tests/src/format-*.c; over fs/daemon/'s: tests/src/daemon-*.c.
CRYPTO_TESTS	:= $(patsubst tests/src/%.c,%,$(wildcard tests/src/crypto-*.c))
FORMAT_TESTS	:= $(patsubst tests/src/%.c,%,$(wildcard tests/src/format-*.c))
DAEMON_TESTS	:= $(patsubst tests/src/%.c,%,$(wildcard tests/src/daemon-*.c))
# Over fsck.algfs's report (tools/fsck/report.c): tests/src/fsck-*.c.
FSCK_TESTS	:= $(patsubst tests/src/%.c,%,$(wildcard tests/src/fsck-*.c))

BENCH_PROGRAMS	:= crypto-bench

all: $(addprefix $(BUILDDIR)/,$(TOOLS) $(DAEMON) $(FSCK) $(TEST_PROGRAMS) $(CRYPTO_TESTS) $(FORMAT_TESTS) $(DAEMON_TESTS) \
	$(FSCK_TESTS) $(BENCH_PROGRAMS))

$(BUILDDIR)/tests $(BUILDDIR)/crypto $(BUILDDIR)/bench $(BUILDDIR)/fs/format \
		$(BUILDDIR)/fs/daemon $(BUILDDIR)/tools $(BUILDDIR)/tools/fsck:
	@mkdir -p $@

# The format code sees crypto/ only; the daemon, the format library too.
$(BUILDDIR)/fs/format/%.o: fs/format/%.c | $(BUILDDIR)/fs/format
	$(CC) $(ALL_CFLAGS) -Icrypto -c -o $@ $<

$(BUILDDIR)/fs/daemon/%.o: fs/daemon/%.c | $(BUILDDIR)/fs/daemon
	$(CC) $(ALL_CFLAGS) $(FUSE_CFLAGS) -Ifs/format -Icrypto -c -o $@ $<

$(LIBFORMAT): $(FORMAT_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBDAEMON): $(DAEMON_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILDDIR)/tools/%.o: tools/%.c | $(BUILDDIR)/tools
	$(CC) $(ALL_CFLAGS) -Ifs/format -Icrypto -c -o $@ $<

$(addprefix $(BUILDDIR)/,$(TOOLS)): $(BUILDDIR)/%: $(BUILDDIR)/tools/%.o $(TOOLS_SHARED) \
		$(LIBFORMAT) $(LIBCRYPTO)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRYPTO_LIBS)

$(BUILDDIR)/tools/algfs.o $(BUILDDIR)/tools/daemon.o: ALL_CFLAGS += $(FUSE_CFLAGS) -Ifs/daemon

$(BUILDDIR)/tools/fsck/%.o: tools/fsck/%.c | $(BUILDDIR)/tools/fsck
	$(CC) $(ALL_CFLAGS) -Itools -Ifs/format -Icrypto -c -o $@ $<

$(BUILDDIR)/$(FSCK): $(BUILDDIR)/tools/fsck.algfs.o $(FSCK_OBJS) $(TOOLS_SHARED) $(LIBFORMAT) \
		$(LIBCRYPTO)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRYPTO_LIBS)

$(BUILDDIR)/$(DAEMON): $(BUILDDIR)/tools/algfs.o $(BUILDDIR)/tools/daemon.o $(TOOLS_SHARED) \
		$(LIBDAEMON) $(LIBFORMAT) $(LIBCRYPTO)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FUSE_LIBS) $(CRYPTO_LIBS)

$(BUILDDIR)/tests/format-%.o: ALL_CFLAGS += -Ifs/format -Icrypto

$(addprefix $(BUILDDIR)/,$(FORMAT_TESTS)): $(BUILDDIR)/%: $(BUILDDIR)/tests/%.o $(LIBFORMAT) \
		$(LIBCRYPTO)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRYPTO_LIBS)

$(BUILDDIR)/tests/fsck-%.o: ALL_CFLAGS += -Itools -Itools/fsck -Ifs/format -Icrypto

$(addprefix $(BUILDDIR)/,$(FSCK_TESTS)): $(BUILDDIR)/%: $(BUILDDIR)/tests/%.o \
		$(BUILDDIR)/tools/fsck/report.o $(LIBFORMAT) $(LIBCRYPTO)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRYPTO_LIBS)

$(BUILDDIR)/tests/daemon-%.o: ALL_CFLAGS += $(FUSE_CFLAGS) -Ifs/daemon -Ifs/format -Icrypto

$(addprefix $(BUILDDIR)/,$(DAEMON_TESTS)): $(BUILDDIR)/%: $(BUILDDIR)/tests/%.o $(LIBDAEMON) \
		$(LIBFORMAT) $(LIBCRYPTO)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FUSE_LIBS) $(CRYPTO_LIBS)

$(BUILDDIR)/bench/%.o: bench/%.c | $(BUILDDIR)/bench
	$(CC) $(ALL_CFLAGS) -Icrypto -c -o $@ $<

$(addprefix $(BUILDDIR)/,$(BENCH_PROGRAMS)): $(BUILDDIR)/%: $(BUILDDIR)/bench/%.o $(LIBCRYPTO)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRYPTO_LIBS)

$(BUILDDIR)/crypto/%.o: crypto/%.c | $(BUILDDIR)/crypto
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBCRYPTO): $(CRYPTO_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILDDIR)/tests/crypto-%.o: ALL_CFLAGS += -Icrypto

$(addprefix $(BUILDDIR)/,$(CRYPTO_TESTS)): $(BUILDDIR)/%: $(BUILDDIR)/tests/%.o $(LIBCRYPTO)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRYPTO_LIBS)

$(BUILDDIR)/tests/%.o: tests/src/%.c | $(BUILDDIR)/tests
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILDDIR)/tests/hellofs.o: ALL_CFLAGS += $(FUSE_CFLAGS)

$(BUILDDIR)/afalg-probe: $(BUILDDIR)/tests/afalg-probe.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILDDIR)/hellofs: $(BUILDDIR)/tests/hellofs.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FUSE_LIBS)

$(BUILDDIR)/fsx: $(BUILDDIR)/tests/fsx.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lpthread

$(BUILDDIR)/fsop: $(BUILDDIR)/tests/fsop.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILDDIR)/fhandle: $(BUILDDIR)/tests/fhandle.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILDDIR)/powercut: $(BUILDDIR)/tests/powercut.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILDDIR)/holdread: $(BUILDDIR)/tests/holdread.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILDDIR)/directio: $(BUILDDIR)/tests/directio.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -luring

-include $(wildcard $(BUILDDIR)/tests/*.d $(BUILDDIR)/crypto/*.d $(BUILDDIR)/bench/*.d \
	$(BUILDDIR)/fs/format/*.d $(BUILDDIR)/fs/daemon/*.d $(BUILDDIR)/tools/*.d \
	$(BUILDDIR)/tools/fsck/*.d)

# The sanitizer build lives beside the normal one, so both can be tested.
asan:
	$(MAKE) BUILDDIR=build-asan SANITIZE=1 all

# Test 108 runs the fuzzers briefly when clang has libFuzzer.
check: all asan
	@if fuzz/smoke -p $(FUZZ_CC); then $(MAKE) fuzz; \
	else echo "make check: $(FUZZ_CC) with libFuzzer not found: no fuzzers (test 108)"; fi
	tests/check-all

# libFuzzer harnesses (fuzz/README.md): fs/ and crypto/ again, with clang,
# ASan, UBSan and the fuzzer's coverage, into build-fuzz/.  Each
# fuzz/fuzz-NAME.c is a program build-fuzz/fuzz-NAME.
FUZZ_CC		?= clang
FUZZDIR		:= build-fuzz
FUZZ_SECONDS	?= 10
FUZZERS		:= $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz-*.c))
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS	:= -std=c11 -D_GNU_SOURCE $(WARNINGS) -O1 -g -fno-omit-frame-pointer \
		   $(FUZZ_SAN) -MMD -MP
FUZZ_LIB_OBJS	:= $(patsubst %.c,$(FUZZDIR)/%.o,$(FS_SRCS) $(CRYPTO_SRCS))

fuzz: $(addprefix $(FUZZDIR)/,$(FUZZERS))

$(FUZZDIR)/fs/format $(FUZZDIR)/fs/daemon $(FUZZDIR)/crypto $(FUZZDIR)/fuzz:
	@mkdir -p $@

$(FUZZDIR)/fs/format/%.o: fs/format/%.c | $(FUZZDIR)/fs/format
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -Icrypto -c -o $@ $<

$(FUZZDIR)/fs/daemon/%.o: fs/daemon/%.c | $(FUZZDIR)/fs/daemon
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUSE_CFLAGS) -Ifs/format -Icrypto \
		-c -o $@ $<

$(FUZZDIR)/crypto/%.o: crypto/%.c | $(FUZZDIR)/crypto
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZDIR)/fuzz/%.o: fuzz/%.c | $(FUZZDIR)/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUSE_CFLAGS) -Ifs/format -Ifs/daemon \
		-Icrypto -c -o $@ $<

$(FUZZDIR)/libalgfs-fuzz.a: $(FUZZ_LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(addprefix $(FUZZDIR)/,$(FUZZERS)): $(FUZZDIR)/%: $(FUZZDIR)/fuzz/%.o $(FUZZDIR)/libalgfs-fuzz.a
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(FUSE_LIBS) $(CRYPTO_LIBS)

-include $(wildcard $(FUZZDIR)/fs/format/*.d $(FUZZDIR)/fs/daemon/*.d $(FUZZDIR)/crypto/*.d \
	$(FUZZDIR)/fuzz/*.d)

fuzz-smoke: fuzz
	fuzz/smoke -t $(FUZZ_SECONDS) $(FUZZDIR)

# The main job: install, then show algfs at work inside the test bed's guest
# (the kernel's AF_ALG backend, then unmounted) and on this machine, where the
# demo volume stays mounted on /var/tmp/algfs-demo/plain.
DEMODIR		?= /var/tmp/algfs-demo

demo: install
	@echo "== A QEMU guest with AF_ALG (tests/vm/run --kernel 6.12)"
	-@tests/vm/run --kernel 6.12 -- sh -c 'build/afalg-probe kat && tests/demo'
	@echo
	@echo "== This machine, Linux $$(uname -r)"
	@$(BUILDDIR)/afalg-probe kat || echo "(afalg-probe: exit status $$?)"
	@tests/demo --keep $(DEMODIR)

# The benchmarks (bench/README.md): root, this machine, not the test bed.
BENCH_ARGS	?=

bench: all
	bench/fs-bench.sh $(BENCH_ARGS)

bench-syscalls: all
	bench/syscalls.sh $(BENCH_ARGS)

# mount.algfs is algfs itself (it reads mount(8)'s command line when called
# by that name), copied rather than linked so that it works from any DESTDIR.
MANPAGES	:= $(addsuffix .8,$(TOOLS) $(DAEMON) fsck.algfs mount.algfs algfs-unlock@.service)
COMPLETIONS	:= algfs mount.algfs mkfs.algfs algfsctl fsck.algfs

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MOUNTHELPERDIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(COMPLETIONDIR)
	$(INSTALL) -d -m 700 $(DESTDIR)$(SYSCONFDIR)/algfs $(DESTDIR)$(SYSCONFDIR)/algfs/keys
	$(INSTALL) -m 755 $(BUILDDIR)/$(DAEMON) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 755 $(BUILDDIR)/$(DAEMON) $(DESTDIR)$(MOUNTHELPERDIR)/mount.algfs
	# Users run these on their own volumes, as gocryptfs and its tools.
	$(INSTALL) -m 755 $(addprefix $(BUILDDIR)/,$(TOOLS)) $(DESTDIR)$(BINDIR)/
	# 1.0 put them in sbin, which comes first in root's PATH: not any more.
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(TOOLS))
	# fsck(8) runs fsck.TYPE from PATH (util-linux 2.38; /sbin when PATH is
	# unset), older ones from /sbin first: both places (fsck.algfs(8)).
	$(INSTALL) -m 755 $(BUILDDIR)/$(FSCK) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 755 $(BUILDDIR)/$(FSCK) $(DESTDIR)$(MOUNTHELPERDIR)/
	$(INSTALL) -m 644 $(addprefix docs/,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man8/
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		'tools/systemd/algfs-unlock@.service.in' >'$(DESTDIR)$(UNITDIR)/algfs-unlock@.service'
	chmod 644 '$(DESTDIR)$(UNITDIR)/algfs-unlock@.service'
	$(INSTALL) -m 644 tools/completion/algfs.bash $(DESTDIR)$(COMPLETIONDIR)/algfs
	for c in $(filter-out algfs,$(COMPLETIONS)); do \
		ln -sf algfs $(DESTDIR)$(COMPLETIONDIR)/$$c || exit 1; done
	$(INSTALL) -m 644 README.md docs/TESTING.md docs/CRYPTO.md docs/FORMAT.md $(DESTDIR)$(DOCDIR)/

# Leaves $(SYSCONFDIR)/algfs alone unless it is empty: it may hold keys.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/$(DAEMON) $(addprefix $(DESTDIR)$(BINDIR)/,$(TOOLS)) \
		$(addprefix $(DESTDIR)$(SBINDIR)/,$(TOOLS))
	rm -f $(DESTDIR)$(MOUNTHELPERDIR)/mount.algfs
	rm -f $(DESTDIR)$(BINDIR)/$(FSCK) $(DESTDIR)$(MOUNTHELPERDIR)/$(FSCK)
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(MANPAGES))
	rm -f '$(DESTDIR)$(UNITDIR)/algfs-unlock@.service'
	rm -f $(addprefix $(DESTDIR)$(COMPLETIONDIR)/,$(COMPLETIONS))
	rm -rf $(DESTDIR)$(DOCDIR)
	rmdir $(DESTDIR)$(SYSCONFDIR)/algfs/keys $(DESTDIR)$(SYSCONFDIR)/algfs 2>/dev/null || true

# Debian 12 packages for building and for every test (run as root).
DEPS_BUILD	:= gcc make pkg-config libc6-dev libfuse3-dev libkeyutils-dev \
		   libssl-dev libargon2-dev liburing-dev clang
DEPS_TEST	:= fuse3 keyutils attr acl diffutils util-linux mount bsdutils groff-base strace xxd e2fsprogs jq \
		   systemd bash-completion sshfs openssh-server openssh-client rsync \
		   qemu-system-x86 busybox-static cpio kmod xz-utils zstd \
		   nfs-kernel-server nfs-common rpcbind \
		   debian-archive-keyring

deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		$(DEPS_BUILD) $(DEPS_TEST)

clean:
	rm -rf $(BUILDDIR) build-asan $(FUZZDIR) tests/results

.PHONY: all asan check demo bench bench-syscalls install uninstall deps clean fuzz fuzz-smoke
