#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2026 The algfs authors
#
# bench/fs-bench.sh [-s SIZE] [-r REPEATS] [-o OUTFILE] [-d DIR] [-c CACHEDIR]
#                   [-t TIMEOUT] [--only LIST] [--no-install]
#
# Compares, in the same run on this machine, the bare backing directory with
# gocryptfs, securefs (lite format), CryFS and algfs mounted over it.  For
# each filesystem and repeat:
#   write  dd 1 MiB blocks from /dev/zero, conv=fsync, then sync     (MiB/s)
#   read   unmount, drop caches, mount, dd the file to /dev/null     (MiB/s)
#   untar  drop caches, tar -xf Debian's linux-source tarball (kept
#          decompressed in CACHEDIR, read from the page cache), sync  (s)
#   rm     unmount, drop caches, mount, rm -rf the tree, sync         (s)
# Repeats interleave the filesystems; the table shows the median of each and
# its ratio to bare.  Run as root (caches, apt-get, FUSE); SIZE takes a K, M
# or G suffix.
#   -s SIZE      dd file size (default 1G)
#   -r REPEATS   repeats, median reported (default 1)
#   -o OUTFILE   also write the report there
#   -d DIR       scratch directory on a real disk (default /var/tmp/algfs-bench;
#                created and removed; must be new or empty)
#   -c CACHEDIR  where the decompressed tarball is kept between runs
#                (default /var/tmp/algfs-bench-cache)
#   -t TIMEOUT   seconds any one step may take before it counts as hung (1800)
#   --only LIST  comma-separated subset of bare,gocryptfs,securefs,cryfs,algfs
#                (default: all but cryfs)
#   --no-install never run apt-get; skip what is missing
# ALGFS_BIN=DIR takes algfs and mkfs.algfs from DIR instead of build/.  Exit
# status: 0 all measured (or skipped), 1 a filesystem failed or set-up
# failed, 64 usage.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${ALGFS_BIN:-$repo/build}
size_arg=1G
repeats=1
outfile=
dir=/var/tmp/algfs-bench
cache=/var/tmp/algfs-bench-cache
step_timeout=1800
only=bare,gocryptfs,securefs,algfs
install=1
all_fs="bare gocryptfs securefs cryfs algfs"
pw=benchpassword

usage() { sed -n '5,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "fs-bench.sh: $*" >&2; exit 1; }
# Progress goes to fd 3 (the original stderr): attempt() sends the stderr of
# each measurement to a file and shows it only when the measurement fails.
exec 3>&2
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&3; }

while [ $# -gt 0 ]; do
	case $1 in
	-s) size_arg=$2; shift 2 ;;
	-r) repeats=$2; shift 2 ;;
	-o) outfile=$2; shift 2 ;;
	-d) dir=$2; shift 2 ;;
	-c) cache=$2; shift 2 ;;
	-t) step_timeout=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--no-install) install=; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "fs-bench.sh: unknown option $1" >&2; usage >&2; exit 64 ;;
	esac
done

case $size_arg in
*[kK]) size=$((${size_arg%?} * 1024)) ;;
*[mM]) size=$((${size_arg%?} * 1024 * 1024)) ;;
*[gG]) size=$((${size_arg%?} * 1024 * 1024 * 1024)) ;;
*[!0-9]*|'') die "bad size $size_arg" ;;
*) size=$size_arg ;;
esac
[ $((size % 1048576)) -eq 0 ] && [ "$size" -gt 0 ] || die "size must be a positive multiple of 1M"
count=$((size / 1048576))
[[ $repeats =~ ^[1-9][0-9]*$ ]] || die "bad repeat count $repeats"
[[ $step_timeout =~ ^[1-9][0-9]*$ ]] || die "bad timeout $step_timeout"
selected=()
for fs in ${only//,/ }; do
	[[ " $all_fs " == *" $fs "* ]] || die "unknown filesystem $fs (known: $all_fs)"
	selected+=("$fs")
done
[ ${#selected[@]} -gt 0 ] || die "--only: empty list"
[ "$(id -u)" -eq 0 ] || die "run as root (drop_caches, apt-get, FUSE mounts)"

# ---------------------------------------------------------------- set-up ---

updated=
apt_install()
{
	[ -n "$install" ] || return 1
	if [ -z "$updated" ]; then
		log "apt-get update"
		apt-get update -qq >&2 || return 1
		updated=1
	fi
	log "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# need COMMAND PACKAGE: make sure COMMAND exists, installing PACKAGE if not.
need()
{
	command -v "$1" > /dev/null && return 0
	apt_install "$2" > /dev/null || true
	command -v "$1" > /dev/null
}

for c in "fusermount3 fuse3" "mountpoint util-linux" "xz xz-utils" "timeout coreutils"; do
	need $c || die "${c% *} is missing and could not be installed"
done
fs_list=()
declare -A skipped=()
for fs in "${selected[@]}"; do
	case $fs in
	gocryptfs|securefs|cryfs)
		need $fs $fs || { skipped[$fs]="$fs not installed and apt-get install failed"; log "${skipped[$fs]}"; continue; } ;;
	algfs)
		if [ ! -x "$bin/algfs" ] || [ ! -x "$bin/mkfs.algfs" ]; then
			skipped[$fs]="$bin/algfs or $bin/mkfs.algfs not built yet"
			log "skipping algfs: ${skipped[$fs]}"
			continue
		fi ;;
	esac
	fs_list+=("$fs")
done
[ ${#fs_list[@]} -gt 0 ] || die "nothing to measure"

# The tarball: Debian's linux-source, decompressed once into the cache so
# that untar measures the filesystem, not xz.
shopt -s nullglob
xzs=(/usr/src/linux-source-*.tar.xz)
if [ ${#xzs[@]} -eq 0 ]; then
	apt_install linux-source || true
	xzs=(/usr/src/linux-source-*.tar.xz)
fi
[ ${#xzs[@]} -gt 0 ] || die "no /usr/src/linux-source-*.tar.xz (apt-get install linux-source)"
xzfile=${xzs[-1]}
mkdir -p "$cache"
tarball=$cache/$(basename "$xzfile" .xz)
if [ ! -s "$tarball" ] || [ "$xzfile" -nt "$tarball" ]; then
	log "decompressing $xzfile into $cache (once)"
	xz -dc -T0 "$xzfile" > "$tarball.part"
	mv "$tarball.part" "$tarball"
fi
# What a correct extraction holds: regular files, their bytes, one sample.
if [ ! -s "$tarball.manifest" ] || [ "$tarball" -nt "$tarball.manifest" ] ||
   [ "$(wc -l < "$tarball.manifest")" -ne 2 ]; then
	tar -tvf "$tarball" | awk 'NR == 1 { top = $6; sub("/.*", "", top) }
		$1 ~ /^-/ { n++; s += $3 } END { print n, s, top }' > "$tarball.manifest.part"
	read -r _ _ tar_top < "$tarball.manifest.part"
	tar -xOf "$tarball" "$tar_top/MAINTAINERS" | sha256sum | cut -d' ' -f1 >> "$tarball.manifest.part"
	mv "$tarball.manifest.part" "$tarball.manifest"
fi
{ read -r tar_files tar_bytes tar_top; read -r sample_sum; } < "$tarball.manifest"
sample=$tar_top/MAINTAINERS

# ------------------------------------------------------------- mounting ---

# mnt FS: where FS is read and written.
mnt()
{
	if [ "$1" = bare ]; then
		echo "$dir/bare/plain"
	else
		echo "$dir/$1/mnt"
	fi
}

# Nothing here stats a mount point that may be dead: a stat on the mount of a
# hung daemon hangs too.  Mount points are looked up in /proc/self/mountinfo.

# mount_dev MNT: the device number (major:minor) of the mount on MNT, if any.
mount_dev() { awk -v m="$1" '$5 == m { d = $3 } END { if (d != "") print d }' /proc/self/mountinfo; }
mounted() { [ -n "$(mount_dev "$1")" ]; }

# fuse_abort MNT: abort the FUSE connection behind MNT, so that everything
# waiting on a hung daemon gets ENOTCONN (mounts fusectl if it is not).
fuse_abort()
{
	local devno
	devno=$(mount_dev "$1")
	[ -n "$devno" ] || return 0
	grep -q ' /sys/fs/fuse/connections fusectl ' /proc/self/mounts ||
		mount -t fusectl fusectl /sys/fs/fuse/connections 2> /dev/null || true
	if [ -w "/sys/fs/fuse/connections/${devno#*:}/abort" ]; then
		echo 1 > "/sys/fs/fuse/connections/${devno#*:}/abort" || true
	fi
}

# unmount MNT: unmount and wait until it is gone; escalate if it will not go.
unmount()
{
	local m=$1 _
	mounted "$m" || return 0
	timeout -k 2 20 fusermount3 -u "$m" 2> /dev/null ||
		timeout -k 2 20 umount "$m" 2> /dev/null || true
	for _ in $(seq 50); do
		mounted "$m" || return 0
		sleep 0.2
	done
	kill_hung "$m"
	! mounted "$m"
}

# kill_hung MNT: abort the FUSE connection and detach the mount.
kill_hung()
{
	mounted "$1" || return 0
	log "$1: aborting its FUSE connection and detaching it"
	fuse_abort "$1"
	umount -l "$1" 2> /dev/null || true
}

# wait_mounted MNT: the daemon may return before the mount is visible.
wait_mounted()
{
	local _
	for _ in $(seq 100); do
		mounted "$1" && return 0
		sleep 0.1
	done
	echo "$1: not mounted after 10 s" >&2
	return 1
}

fs_init()
{
	local fs=$1 d=$dir/$1
	mkdir -p "$d"
	case $fs in
	bare)
		mkdir -p "$d/plain" ;;
	gocryptfs)
		mkdir -p "$d/cipher" "$d/mnt"
		gocryptfs -init -q -extpass "echo $pw" -scryptn 10 "$d/cipher" ;;
	securefs)
		mkdir -p "$d/cipher" "$d/mnt"
		securefs create --format 4 --pass "$pw" "$d/cipher" > "$d/create.log" 2>&1 ||
			{ cat "$d/create.log" >&2; return 1; } ;;
	cryfs)
		mkdir -p "$d/cipher" "$d/mnt" "$d/local"
		# First mount creates the volume; scrypt defaults are kept.
		fs_mount cryfs
		unmount "$d/mnt" ;;
	algfs)
		mkdir -p "$d/cipher" "$d/mnt"
		printf '%s\n' "$pw" > "$d/passfile"
		chmod 600 "$d/passfile"
		"$bin/mkfs.algfs" "$d/cipher" --passfile "$d/passfile" --argon2-time 1 \
			--argon2-memory 8M --argon2-lanes 1 --no-recovery-key -q ;;
	esac
}

fs_mount()
{
	local fs=$1 d=$dir/$1
	case $fs in
	bare) return 0 ;;
	gocryptfs)
		timeout -k 5 120 gocryptfs -q -extpass "echo $pw" "$d/cipher" "$d/mnt" \
			< /dev/null >> "$d/mount.log" 2>&1 3>&- || { tail -20 "$d/mount.log" >&2; return 1; } ;;
	securefs)
		timeout -k 5 120 securefs mount -b --log "$d/securefs.log" --pass "$pw" "$d/cipher" "$d/mnt" \
			< /dev/null >> "$d/mount.log" 2>&1 3>&- || { tail -20 "$d/mount.log" >&2; return 1; } ;;
	cryfs)
		printf '%s\n' "$pw" | CRYFS_FRONTEND=noninteractive CRYFS_NO_UPDATE_CHECK=true \
			XDG_CONFIG_HOME=$d/local HOME=$d/local \
			timeout -k 5 120 cryfs --cipher aes-256-gcm --logfile "$d/cryfs.log" "$d/cipher" "$d/mnt" \
			>> "$d/mount.log" 2>&1 3>&- || { tail -20 "$d/mount.log" >&2; return 1; } ;;
	algfs)
		timeout -k 5 120 "$bin/algfs" "$d/cipher" "$d/mnt" -o passfile="$d/passfile" \
			< /dev/null >> "$d/mount.log" 2>&1 3>&- || { tail -20 "$d/mount.log" >&2; return 1; } ;;
	esac
	wait_mounted "$d/mnt"
}

fs_umount()
{
	[ "$1" = bare ] && return 0
	unmount "$dir/$1/mnt" || { echo "$dir/$1/mnt: cannot unmount" >&2; return 1; }
}

cleanup()
{
	local rc=$? fs
	trap - EXIT INT TERM
	set +e
	for fs in $all_fs; do
		unmount "$dir/$fs/mnt"
	done
	if [ -n "${dir:-}" ] && [ -d "$dir" ]; then
		if grep -q " $dir/" /proc/self/mounts; then
			log "something is still mounted under $dir; leaving it"
		else
			rm -rf "${dir:?}"/* "$dir"/.state
			[ -n "$made_dir" ] && rmdir "$dir"
		fi
	fi
	exit $rc
}

# The scratch directory: on a disk, not in memory, new or empty.
made_dir=
if [ -e "$dir" ]; then
	[ -d "$dir" ] && [ -z "$(ls -A "$dir")" ] || die "$dir exists and is not an empty directory"
else
	mkdir -p "$dir"
	made_dir=1
fi
trap cleanup EXIT
trap 'exit 130' INT TERM
dir=$(cd "$dir" && pwd)
read -r scratch_dev scratch_type scratch_avail <<< "$(df --output=source,fstype,avail "$dir" | tail -1)"
case $scratch_type in
tmpfs|ramfs|overlay|fuse*|squashfs) die "$dir is on $scratch_type, not a disk; pick one with -d" ;;
esac
need_kib=$(( (size + tar_bytes * 3) / 1024 + 1048576 ))
[ "$scratch_avail" -ge "$need_kib" ] ||
	die "$dir has $((scratch_avail / 1024)) MiB free, needs about $((need_kib / 1024)) MiB"

state=$dir/.state
mkdir -p "$state"
: > "$state/results"

# ------------------------------------------------------------ measuring ---

can_drop=1
drop_caches()
{
	timeout -k 2 "$step_timeout" sync
	if [ -n "$can_drop" ]; then
		echo 3 > /proc/sys/vm/drop_caches 2> /dev/null || {
			can_drop=
			log "cannot write /proc/sys/vm/drop_caches: reads may come from the page cache"
		}
	fi
}

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
record() { echo "$1 $2 $3 $4" >> "$state/results"; log "$1 #$2 $3 = $4"; }
run() { timeout -k 10 "$step_timeout" "$@"; }

# measure FS REP: one round of every step on FS.
measure()
{
	local fs=$1 rep=$2 m t0 t1 got files bytes sum
	m=$(mnt "$fs")

	echo "write" > "$state/step"
	fs_mount "$fs"
	drop_caches
	t0=$(now)
	run dd if=/dev/zero of="$m/big" bs=1M count=$count conv=fsync status=none
	run sync
	t1=$(now)
	got=$(run stat -c %s "$m/big")
	[ "$got" -eq "$size" ] || { echo "wrote $size bytes, file has $got" >&2; return 1; }
	record "$fs" "$rep" write "$(awk -v s="$size" -v t="$(elapsed "$t0" "$t1")" 'BEGIN { printf "%.1f", s / 1048576 / t }')"
	fs_umount "$fs"

	echo "read" > "$state/step"
	drop_caches
	fs_mount "$fs"
	t0=$(now)
	got=$(run dd if="$m/big" of=/dev/null bs=1M 2>&1 | awk '/bytes/ { print $1 }')
	t1=$(now)
	[ "$got" = "$size" ] || { echo "read ${got:-0} bytes of $size" >&2; return 1; }
	record "$fs" "$rep" read "$(awk -v s="$size" -v t="$(elapsed "$t0" "$t1")" 'BEGIN { printf "%.1f", s / 1048576 / t }')"
	run rm -f "$m/big"
	run sync

	echo "untar" > "$state/step"
	drop_caches
	cat "$tarball" > /dev/null
	run mkdir "$m/src"
	t0=$(now)
	run tar -xf "$tarball" -C "$m/src" --no-same-owner
	run sync
	t1=$(now)
	record "$fs" "$rep" untar "$(elapsed "$t0" "$t1")"
	read -r files bytes <<< "$(run find "$m/src" -type f -printf '%s\n' | awk '{ n++; s += $1 } END { print n + 0, s + 0 }')"
	[ "$files" -eq "$tar_files" ] && [ "$bytes" -eq "$tar_bytes" ] ||
		{ echo "extracted $files files, $bytes bytes; the tarball has $tar_files, $tar_bytes" >&2; return 1; }
	sum=$(run sha256sum "$m/src/$sample" | cut -d' ' -f1)
	[ "$sum" = "$sample_sum" ] || { echo "$sample differs from the tarball's" >&2; return 1; }
	fs_umount "$fs"

	echo "rm" > "$state/step"
	drop_caches
	fs_mount "$fs"
	t0=$(now)
	run rm -rf "$m/src"
	run sync
	t1=$(now)
	record "$fs" "$rep" rm "$(elapsed "$t0" "$t1")"
	[ -z "$(run ls -A "$m")" ] || { echo "$m not empty after rm -rf" >&2; return 1; }
	fs_umount "$fs"
}

# attempt FS WHAT ARGS...: run WHAT in a subshell with errexit; on failure
# note the step and the error in failed[FS], unmount, and let the other
# filesystems go on.  Never call it where errexit is ignored (after || or &&,
# in an if): errexit would then be off inside the subshell too.
declare -A failed=()
attempt()
{
	local fs=$1 rc errs
	shift
	: > "$state/err"
	echo "${1#fs_}" > "$state/step"
	set +e
	(
		set -eE
		trap 'echo "line $LINENO: \"$BASH_COMMAND\" exited $?" >> "$state/err"' ERR
		"$@"
	) 2>> "$state/err"
	rc=$?
	set -e
	[ $rc -eq 0 ] && return 0
	# The summary: the error lines, or for many of them (tar) the most
	# frequent messages with their counts and the first line.  (No head in
	# these pipes: with pipefail, a writer cut off by it fails the script.)
	grep -v -e '^$' -e '^line [0-9]*: ' "$state/err" > "$state/errlines" || true
	if [ "$(wc -l < "$state/errlines")" -gt 4 ]; then
		errs="$(sed 's/^.*: //' "$state/errlines" | sort | uniq -c | sort -rn |
			awk 'NR <= 3 { c = $1; sub(/^ *[0-9]+ /, ""); printf "%s x \"%s\"; ", c, $0 }')first: $(sed -n 1p "$state/errlines")"
	else
		errs=$(cat "$state/errlines")
	fi
	failed[$fs]="$(cat "$state/step") failed (exit $rc): $(tr '\n' ' ' <<< "${errs:-?}")"
	log "$fs: ${failed[$fs]}"
	if [ "$(wc -l < "$state/err")" -gt 4 ]; then
		log "$fs: its first errors:"
		head -10 "$state/err" >&3
	fi
	if [ "$fs" != bare ]; then
		# A step that timed out may have left the daemon hung.
		case $rc in 124|137) kill_hung "$dir/$fs/mnt" ;; esac
		unmount "$dir/$fs/mnt" || true
		if [ -s "$dir/$fs/mount.log" ]; then
			log "$fs mount.log:"
			tail -20 "$dir/$fs/mount.log" >&3
		fi
	fi
	return 0
}

# ------------------------------------------------------------ reporting ---

version_of()
{
	local v
	case $1 in
	bare) echo "$scratch_type on $scratch_dev" ;;
	gocryptfs) gocryptfs -version 2> /dev/null | sed -n 1p ;;
	securefs)
		v=$(dpkg-query -W -f '${Version}' securefs 2> /dev/null) || v='?'
		echo "securefs $v (lite format 4), $(securefs version 2>&1 | grep -m1 Crypto)" ;;
	cryfs) cryfs --version 2> /dev/null | sed -n 1p ;;
	algfs)
		v=$(timeout 5 "$bin/algfs" --version 2> /dev/null < /dev/null | sed -n 1p) || v=
		echo "${v:-algfs} (git $(git -C "$repo" describe --always --dirty 2> /dev/null || echo ?))" ;;
	esac
}

# has_cap N: whether this shell holds capability N (24: CAP_SYS_RESOURCE,
# which lets a daemon raise its open-file limit above the hard one).
has_cap()
{
	local eff
	eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	if (( (16#${eff:-0} >> $1) & 1 )); then echo yes; else echo no; fi
}

header()
{
	local cpu
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	echo "algfs fs-bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "kernel:   $(uname -srm)"
	echo "cpu:      $(nproc) x ${cpu:-?}; $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
	echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) at start"
	echo "scratch:  $dir on $scratch_dev ($scratch_type)"
	echo "fuse:     $(fusermount3 -V 2>&1 | sed -n 1p); open files $(ulimit -Sn)/$(ulimit -Hn) (soft/hard), CAP_SYS_RESOURCE $(has_cap 24)"
	echo "dd:       $((size / 1048576)) MiB, bs=1M, conv=fsync + sync; caches dropped, remounted before read"
	echo "untar:    $(basename "$tarball") ($tar_files files, $((tar_bytes / 1048576)) MiB) + sync; rm -rf cold + sync"
	echo "repeats:  $repeats (median shown)"
	for fs in "${selected[@]}"; do
		if [ -n "${skipped[$fs]:-}" ]; then
			printf '%-10s skipped: %s\n' "$fs:" "${skipped[$fs]}"
		else
			printf '%-10s %s\n' "$fs:" "$(version_of "$fs")"
		fi
	done
}

median()
{
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) print "-";
		else if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

fmt2() { if [ "$1" = - ]; then echo -; else printf '%.2f' "$1"; fi; }

table()
{
	local fs metric val
	declare -A med=()
	for fs in "${selected[@]}"; do
		for metric in write read untar rm; do
			med[$fs.$metric]=$(awk -v f="$fs" -v m="$metric" '$1 == f && $3 == m { print $4 }' "$state/results" | median)
		done
	done
	printf '\n%-10s %11s %11s %9s %9s   %-26s\n' filesystem "write MiB/s" "read MiB/s" "untar s" "rm s" "vs bare: write read untar rm"
	for fs in "${selected[@]}"; do
		if [ -n "${skipped[$fs]:-}" ]; then
			printf '%-10s %11s %11s %9s %9s   skipped\n' "$fs" - - - -
			continue
		fi
		printf '%-10s %11s %11s %9s %9s  ' "$fs" "${med[$fs.write]}" "${med[$fs.read]}" \
			"$(fmt2 "${med[$fs.untar]}")" "$(fmt2 "${med[$fs.rm]}")"
		for metric in write read untar rm; do
			val=$(awk -v a="${med[$fs.$metric]}" -v b="${med[bare.$metric]:--}" -v m="$metric" 'BEGIN {
				if (a == "-" || b == "-" || a + 0 == 0 || b + 0 == 0) { print "-"; exit }
				if (m == "write" || m == "read") printf "%.0f%%", 100 * a / b
				else printf "%.1fx", a / b }')
			printf ' %6s' "$val"
		done
		[ -n "${failed[$fs]:-}" ] && printf '  FAILED'
		echo
	done
	echo
	echo "MiB/s: higher is better, ratio = % of bare; seconds: lower is better, ratio = x bare."
	for fs in "${selected[@]}"; do
		[ -n "${failed[$fs]:-}" ] && echo "$fs FAILED: ${failed[$fs]}"
	done
	if [ "$repeats" -gt 1 ]; then
		echo
		echo "every repeat (fs metric: values in run order):"
		for fs in "${selected[@]}"; do
			for metric in write read untar rm; do
				val=$(awk -v f="$fs" -v m="$metric" '$1 == f && $3 == m { printf " %s", $4 }' "$state/results")
				[ -n "$val" ] && printf '  %-10s %-6s%s\n' "$fs" "$metric" "$val"
			done
		done
	fi
	return 0
}

# ----------------------------------------------------------------- main ---

header > "$state/header"
cat "$state/header" >&2

for fs in "${fs_list[@]}"; do
	attempt "$fs" fs_init "$fs"
done
for rep in $(seq "$repeats"); do
	for fs in "${fs_list[@]}"; do
		[ -n "${failed[$fs]:-}" ] && continue
		log "$fs: repeat $rep of $repeats"
		attempt "$fs" measure "$fs" "$rep"
	done
done

{ cat "$state/header"; table; } > "$state/report"
cat "$state/report"
if [ -n "$outfile" ]; then
	cp "$state/report" "$outfile"
fi
# Exit status 1 when a filesystem failed (a skipped one does not count).
[ ${#failed[@]} -eq 0 ]
