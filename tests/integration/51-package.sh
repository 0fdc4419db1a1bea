#!/usr/bin/env bash
# Goal of this test: the Debian package builds and works from where it
# installs.  A copy of the repository (so the checkout stays clean) is
# built with `dpkg-buildpackage -b -us -uc`; the .deb carries the VERSION
# file's version and lintian finds no error or warning in it.  It is then
# installed with a real `dpkg -i` into a clean root: a throwaway overlay of
# this machine's root file system (a tmpfs on top, mounted in a mount
# namespace of its own, so the machine itself is never touched), entered
# with chroot.  There the postinst has created the system user and group
# distgate; the unit is installed, not enabled, not started;
# /etc/distgate/proxy.ini is a conffile holding proxy.ini.example; the man
# pages are where man finds them.  The installed binary prints the
# version, and its `-t` (as the unit's user) accepts the shipped
# configuration once the certificates it names exist.  Then the demo's
# configuration runs from the installed paths: hostA's gateway is the
# unit's ExecStart, in the clean root, as the unit's User, reading
# /etc/distgate/proxy.ini; hostB's gateway is the installed binary too; an
# Elixir node on hostA reaches one on hostB through them and sends it a
# message.  Finally a reinstall keeps the changed conffile, remove keeps
# it, purge removes it.  Needs root (namespaces, mounts, chroot).
source "$(dirname "$0")/lib.sh"
require_root
for cmd in dpkg-buildpackage dh lintian chroot unshare nsenter; do
	command -v "$cmd" >/dev/null || fail "$cmd not found (make deps installs it)"
done

version=$(cat "$DG_ROOT/VERSION")
build=$DG_WORK/build

# The clean root's mounts live in a mount namespace of their own, held by
# a sleeping process: nothing is mounted where this script, its cleanup
# (rm -rf $DG_WORK) or the rest of the machine looks, and the mounts
# vanish with the holder, which the cleanup stops with every other
# process.  $cr is the root's path inside that namespace (for mount and
# chroot, through nsenter); $R is the same directory seen from here,
# through the holder's /proc/PID/root.
cr=$DG_WORK/root
mkdir -p "$cr" "$DG_WORK/rw"
env DG_RUN_TAG="$DG_TAG" unshare --mount --propagation private \
    sleep 600 </dev/null >/dev/null 2>&1 &
holder=$!
DG_PIDS+=("$holder")
# own_mnt_ns: the holder runs in a mount namespace other than ours.
own_mnt_ns() { [ "$(readlink "/proc/$holder/ns/mnt")" != "$(readlink /proc/$$/ns/mnt)" ]; }
wait_for 5 own_mnt_ns ||
	fail "unshare --mount did not make a mount namespace"
R=/proc/$holder/root$cr

# in_mnt CMD...: run CMD in the clean root's mount namespace.
in_mnt() { nsenter -t "$holder" -m "$@"; }

# in_root CMD...: run CMD inside the clean root, stdin closed.
in_root() { nsenter -t "$holder" -m chroot "$cr" "$@" </dev/null; }

step "build the .deb from a copy of the repository"
mkdir -p "$build/distgate"
# The sources as git sees them (tracked and untracked, not ignored), or,
# outside a git checkout, the tree without build products and test runs.
if git -C "$DG_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	(
		cd "$DG_ROOT" &&
		git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
			xargs -0 cp --parents -t "$build/distgate"
	) || fail "could not copy the repository"
else
	tar -C "$DG_ROOT" --exclude=./build --exclude=./build-san \
	    --exclude=./distgate --exclude=./tests/integration/.run -cf - . |
		tar -C "$build/distgate" -xf - || fail "could not copy the tree"
fi
t0=$(date +%s)
(cd "$build/distgate" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
    timeout 110 dpkg-buildpackage -b -us -uc) >"$DG_LOGDIR/build.log" 2>&1 ||
	{ tail -n 30 "$DG_LOGDIR/build.log" >&2; fail "dpkg-buildpackage failed (build.log)"; }
deb=$build/distgate_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || fail "no $deb after the build: $(ls "$build")"
pass "dpkg-buildpackage -b -us -uc built $(basename "$deb") in $(($(date +%s) - t0)) s"
for f in debian/distgate debian/files debian/.debhelper debian/debhelper-build-stamp; do
	[ ! -e "$DG_ROOT/$f" ] || fail "the build left $f in the checkout"
done
pass "the checkout has no debian/distgate, debian/files or debian/.debhelper"
expect_eq "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" \
    "distgate $version" "the package is distgate at VERSION's version"

step "lintian"
rc=0
lintian -I --fail-on error,warning "${deb%.deb}.changes" >"$DG_LOGDIR/lintian.log" 2>&1 || rc=$?
{ grep -v 'running with root privileges' "$DG_LOGDIR/lintian.log" || true; } | sed 's/^/# lintian: /'
expect_eq "$rc" 0 "lintian: no error or warning (its log: lintian.log)"

step "a clean root: this machine's root file system under a throwaway overlay"
in_mnt mount -t tmpfs -o size=512m,mode=0755 dgroot "$DG_WORK/rw"
mkdir -p "/proc/$holder/root$DG_WORK/rw/upper" "/proc/$holder/root$DG_WORK/rw/work"
in_mnt mount -t overlay dgroot \
    -o "lowerdir=/,upperdir=$DG_WORK/rw/upper,workdir=$DG_WORK/rw/work" "$cr" ||
	fail "cannot mount an overlay of / (overlayfs missing?)"
in_mnt mount -t tmpfs -o mode=0755 dgdev "$cr/dev"
for d in null:3 zero:5 random:8 urandom:9; do
	mknod -m 0666 "$R/dev/${d%:*}" c 1 "${d#*:}"
done
in_mnt mount -t proc proc "$cr/proc"
in_mnt mount -t tmpfs -o mode=0755 dgrun "$cr/run"	# no /run/systemd: no systemd runs here
if [ ! -e "$R/usr/bin/dpkg" ] || [ -e "$cr/usr/bin/dpkg" ]; then
	fail "test bug: the overlay is not where it should be"
fi
# What the machine may already have of distgate goes, in the overlay only.
if in_root dpkg-query -W distgate >/dev/null 2>&1; then
	in_root dpkg --purge distgate >/dev/null 2>&1
fi
if in_root getent passwd distgate >/dev/null; then
	in_root userdel distgate
fi
in_root getent group distgate >/dev/null && in_root groupdel distgate
[ ! -e "$R/etc/distgate" ] || rm -rf "$R/etc/distgate"
[ ! -e "$R/var/lib/distgate" ] || rm -rf "$R/var/lib/distgate"
pass "an overlay root, without distgate"

step "dpkg -i"
cp "$deb" "$R/tmp/distgate.deb"
in_root dpkg -i /tmp/distgate.deb >"$DG_LOGDIR/dpkg-install.log" 2>&1 ||
	{ cat "$DG_LOGDIR/dpkg-install.log" >&2; fail "dpkg -i failed"; }
# shellcheck disable=SC2016 # dpkg-query's fields, not the shell's
expect_eq "$(in_root dpkg-query -W -f='${Status} ${Version}' distgate)" \
    "install ok installed $version" "dpkg -i installed distgate $version"
IFS=: read -r _ _ uid gid _ home shell < <(in_root getent passwd distgate) ||
	fail "postinst made no user distgate"
[ "$uid" -lt 1000 ] || fail "distgate's uid $uid is not a system uid"
expect_eq "$(in_root getent group distgate | cut -d: -f3)" "$gid" \
    "postinst made the system user distgate (uid $uid) and its group"
expect_eq "$home $shell" "/var/lib/distgate /usr/sbin/nologin" \
    "its home is /var/lib/distgate, its shell nologin"
expect_eq "$(stat -c %u:%g "$R/var/lib/distgate")" "$uid:$gid" "the home exists and is distgate's"
# shellcheck disable=SC2016 # dpkg-query's field
conf=$(in_root dpkg-query -W -f='${Conffiles}' distgate)
expect_match "$conf" '^ /etc/distgate/proxy\.ini [0-9a-f]{32}$' \
    "/etc/distgate/proxy.ini is the package's one conffile"
cmp -s "$R/etc/distgate/proxy.ini" "$DG_ROOT/proxy.ini.example" ||
	fail "/etc/distgate/proxy.ini is not proxy.ini.example"
pass "/etc/distgate/proxy.ini is proxy.ini.example"
unit=$R/lib/systemd/system/distgate.service
[ -f "$unit" ] || fail "no /lib/systemd/system/distgate.service"
wants=$(find "$R/etc/systemd/system" -name distgate.service 2>/dev/null)
expect_eq "$wants" "" "the unit is installed and not enabled (no .wants link)"
enabled=$(in_root systemctl is-enabled distgate.service 2>&1 || true)
expect_eq "$enabled" disabled "systemctl is-enabled: disabled"
if grep -q 'deb-systemd-invoke' "$R/var/lib/dpkg/info/distgate.postinst"; then
	fail "postinst starts the unit"
fi
pass "postinst does not start the unit"
for m in 8/distgate 5/proxy.ini; do
	expect_eq "$(in_root man -w "${m#*/}" 2>&1)" "/usr/share/man/man${m%/*}/${m#*/}.${m%/*}.gz" \
	    "man -w ${m#*/}: installed"
done

step "the installed binary"
expect_match "$(in_root /usr/sbin/distgate --version)" "^distgate $version " \
    "/usr/sbin/distgate --version: $version"
rc=0
out=$(in_root /usr/sbin/distgate -t 2>&1) || rc=$?
expect_eq "$rc" 1 "-t without the certificates exits 1"
expect_match "$out" '^/etc/distgate/proxy\.ini:[0-9]+: cert: .*/etc/distgate/hostA\.crt' \
    "-t reads /etc/distgate/proxy.ini by default and says its cert is missing"
pki_setup
cp "$DG_PKI/hostA.crt" "$DG_PKI/ca.crt" "$R/etc/distgate/"
install -m 0600 -o "$uid" -g "$gid" "$DG_PKI/hostA.key" "$R/etc/distgate/hostA.key"
user=$(sed -n 's/^User=//p' "$unit")
expect_eq "$user" distgate "the unit runs as distgate"
# (numeric: the user exists only in the clean root)
as_user=(nsenter -t "$holder" -m chroot --userspec="$uid:$gid" --groups="$gid" "$cr")
out=$("${as_user[@]}" /usr/sbin/distgate -c /etc/distgate/proxy.ini -t 2>&1 </dev/null) ||
	fail "-t on the shipped proxy.ini (with its certificates) failed: $out"
expect_match "$out" '^configuration OK$' \
    "as $user, -t accepts the shipped /etc/distgate/proxy.ini once its certificates exist"

step "the demo's configuration from the installed paths"
ns_setup 2
# The demo's hostA configuration (deploy/demo.sh: gw_start with the
# cluster's cookie), its files moved to /etc/distgate in the clean root.
cfg=$(gw_config hostA "cookie_file = $DG_COOKIE_FILE")
install -m 0600 -o "$uid" -g "$gid" "$DG_COOKIE_FILE" "$R/etc/distgate/cookie"
sed -e "s|$DG_PKI/|/etc/distgate/|" -e "s|$DG_COOKIE_FILE|/etc/distgate/cookie|" \
    "$cfg" >"$R/etc/distgate/proxy.ini"
grep -q "$DG_WORK" "$R/etc/distgate/proxy.ini" && fail "test bug: $DG_WORK left in proxy.ini"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
expect_eq "$exec_start" "/usr/sbin/distgate -c /etc/distgate/proxy.ini" "the unit's ExecStart"
"${as_user[@]}" /usr/sbin/distgate -c /etc/distgate/proxy.ini inetrc </dev/null >"$(inetrc_of hostA)" ||
	fail "installed distgate inetrc failed"
log=$(gw_log hostA)
echo "### 51: start $(date -u +%FT%TZ) in the clean root as $user: $exec_start" >>"$log"
# shellcheck disable=SC2086 # ExecStart is words
spawn "$log" hostA env DG_RUN_TAG="$DG_TAG" "${as_user[@]}" $exec_start
DG_GW_PID[hostA]=$DG_LAST_PID
gw_ready hostA || { tail -n 20 "$log" >&2; fail "hostA's installed gateway did not start"; }
pass "hostA: the unit's ExecStart runs as $user in the clean root and listens"
# hostB: the installed binary as well, from the clean root's /usr/sbin.
DG_BIN=$R/usr/sbin/distgate gw_start hostB "cookie_file = $DG_COOKIE_FILE"
pass "hostB: the clean root's /usr/sbin/distgate runs the demo's hostB configuration"

SERVER='
pid = spawn(fn ->
  loop = fn loop ->
    receive do
      msg -> IO.puts("got: #{msg}"); loop.(loop)
    end
  end
  loop.(loop)
end)
:yes = :global.register_name(:server, pid)'
CLIENT='
true = Node.connect(:"b1@hostB.test")
:ok = :global.sync()
send(:global.whereis_name(:server), "hello from the package")
:rpc.call(:"b1@hostB.test", Node, :self, [])'
node_start hostB b1 elixir name "$SERVER"
r=$(node_eval --elixir --timeout 30 hostA a2 "$CLIENT") || fail "a2 on hostA got no answer"
expect_eq "$r" ':"b1@hostB.test"' "a2@hostA reaches b1@hostB through the installed gateways"
wait_for 5 grep -qF 'got: hello from the package' "$DG_LOGDIR/node-b1@hostB.log" ||
	fail "b1 never printed the message"
pass "b1 got the message"
expect_log hostA 'audit .*dir=out peer=hostB .*acceptor=b1@hostB\.test .*verdict=ok'
expect_log hostB 'audit .*dir=in peer=hostA .*initiator=a2@hostA\.test .*verdict=ok'
rc=0
gw_stop hostA || rc=$?
expect_eq "$rc" 0 "hostA's gateway stops on SIGTERM (systemctl stop) with status 0"

step "conffile: reinstall keeps it, remove keeps it, purge removes it"
sum=$(md5sum <"$R/etc/distgate/proxy.ini")
in_root dpkg -i /tmp/distgate.deb >"$DG_LOGDIR/dpkg-reinstall.log" 2>&1 ||
	{ cat "$DG_LOGDIR/dpkg-reinstall.log" >&2; fail "dpkg -i again failed"; }
expect_eq "$(md5sum <"$R/etc/distgate/proxy.ini")" "$sum" \
    "a reinstall keeps the changed /etc/distgate/proxy.ini (no prompt)"
in_root dpkg --remove distgate >"$DG_LOGDIR/dpkg-remove.log" 2>&1 || fail "dpkg --remove failed"
[ ! -e "$R/usr/sbin/distgate" ] || fail "remove left /usr/sbin/distgate"
expect_eq "$(md5sum <"$R/etc/distgate/proxy.ini")" "$sum" "remove keeps the conffile"
in_root dpkg --purge distgate >"$DG_LOGDIR/dpkg-purge.log" 2>&1 || fail "dpkg --purge failed"
[ ! -e "$R/etc/distgate/proxy.ini" ] || fail "purge left /etc/distgate/proxy.ini"
[ ! -e "$R/var/lib/distgate" ] || fail "purge left /var/lib/distgate"
pass "purge removes /etc/distgate/proxy.ini and /var/lib/distgate"
in_root dpkg-query -W distgate >/dev/null 2>&1 && fail "dpkg still knows distgate after purge"
pass "dpkg no longer knows distgate"
