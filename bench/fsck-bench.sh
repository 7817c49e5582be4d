#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2026 The algfs authors
#
# bench/fsck-bench.sh [-r REPEATS] [-d DIR] [--dirs "DIR..."] [--cold]
#                     [--no-gocryptfs] [-o OUTFILE]
#
# How fast fsck.algfs checks a real tree, against the cipher's own rate on
# this machine and against gocryptfs -fsck.  A part of Debian's
# linux-source-6.1 tree (--dirs, default drivers/gpu/drm/amd fs include:
# about 10,000 files, 507 MB) is copied with cp -a through a mount into a
# new algfs volume (user backend) and into a new gocryptfs volume, both in
# DIR on the root filesystem.  Then, REPEATS times, interleaved:
#   cipher   crypto-bench --backend user --op gcm --decrypt: AES-256-GCM
#            decryption of 4 KiB blocks with a 24-byte AAD, batches of 256
#            blocks, on 1 thread and on one thread per CPU
#   full     FSCK -n --crypto user --passfile (every block's tag)
#   fast     FSCK -n --fast --crypto user --passfile (no block tags)
#   gocrypt  gocryptfs -fsck -passfile (every block's tag)
# Each check must exit 0 (no damage).  The page cache holds the ciphertext
# (it is read once before the first repeat) unless --cold is given: then
# every check starts after sync and drop_caches.
# Prints, for each, the medians: files, bytes (of plaintext, as the
# volume's files hold them), seconds, MB/s (10^6 bytes of plaintext per
# second), and the full check's MB/s against the cipher's.  Run as root.
#   -r REPEATS      repeats (default 3)
#   -d DIR          scratch directory (default /var/tmp/algfs-fsck-bench);
#                   the extracted tree is kept there between runs, the
#                   volumes are made anew and removed at the end
#   --dirs "D..."   the directories of linux-source-6.1 to copy
#   --cold          drop the page cache before each check
#   --no-gocryptfs  leave gocryptfs out
#   -o OUTFILE      also write the report there
# Environment: FSCK=/path/to/fsck.algfs (default build/fsck.algfs),
# ALGFS_BIN=DIR for algfs, mkfs.algfs and crypto-bench (default build/).
# Exit status: 0 measured, 1 a step failed, 64 usage.
set -euo pipefail

prog="fsck-bench.sh"
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${ALGFS_BIN:-$repo/build}
fsck=${FSCK:-$bin/fsck.algfs}
repeats=3
dir=/var/tmp/algfs-fsck-bench
dirs="drivers/gpu/drm/amd fs include"
cold=
peer=1
outfile=

usage() { sed -n '5,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
bad() { echo "$prog: $*" >&2; exit 64; }

while [ $# -gt 0 ]; do
	case $1 in
	-r) repeats=${2:?}; shift 2 ;;
	-d) dir=${2:?}; shift 2 ;;
	--dirs) dirs=${2:?}; shift 2 ;;
	--cold) cold=1; shift ;;
	--no-gocryptfs) peer=; shift ;;
	-o) outfile=${2:?}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) bad "unknown argument $1 (see --help)" ;;
	esac
done
[[ $repeats =~ ^[1-9][0-9]*$ ]] || bad "-r $repeats: not a number of repeats"
[[ $dir == /* ]] || bad "-d $dir: give an absolute path"

# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"

[ "$(id -u)" -eq 0 ] || die "run as root (FUSE mounts, drop_caches)"
for p in algfs mkfs.algfs crypto-bench; do
	[ -x "$bin/$p" ] || die "$bin/$p not built (run make)"
done
[ -x "$fsck" ] || die "$fsck not built (make, or FSCK=/path/to/fsck.algfs)"
[ -z "$peer" ] || need gocryptfs gocryptfs || die "gocryptfs not installed"

vols=$dir/vols
cleanup()
{
	unmount "$vols/algfs/mnt" || true
	unmount "$vols/gocryptfs/mnt" || true
	rm -rf "$vols"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The tree: extracted once from the tarball, then kept.
shopt -s nullglob
xzs=(/usr/src/linux-source-6.1.tar.xz)
shopt -u nullglob
tree=$dir/tree
if [ "$(cat "$tree/.dirs" 2> /dev/null)" != "$dirs" ]; then
	[ ${#xzs[@]} -gt 0 ] || die "no /usr/src/linux-source-6.1.tar.xz (apt-get install linux-source-6.1)"
	rm -rf "$tree"
	mkdir -p "$tree"
	log "extracting $dirs from ${xzs[0]}"
	# shellcheck disable=SC2046 # the list of directories, split on purpose
	tar -xJf "${xzs[0]}" -C "$tree" $(for d in $dirs; do echo "linux-source-6.1/$d"; done)
	echo "$dirs" > "$tree/.dirs"
fi
src=$tree/linux-source-6.1
files=$(find "$src" -type f | wc -l)
bytes=$(find "$src" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s }')
ndirs=$(find "$src" -type d | wc -l)
log "tree: $files files, $bytes bytes, $ndirs directories"

rm -rf "$vols"
mkdir -p "$vols"
systems="algfs${peer:+ gocryptfs}"
for sys in $systems; do
	log "$sys: a new volume, cp -a of the tree into it through the mount"
	vol_init "$sys" "$vols/$sys"
	vol_mount "$sys" "$vols/$sys"
	cp -a "$src" "$vols/$sys/mnt/"
	vol_umount "$sys" "$vols/$sys"
done
sync
if [ -z "$cold" ]; then
	log "reading the ciphertext into the page cache"
	for sys in $systems; do
		find "$vols/$sys/cipher" -type f -exec cat {} + > /dev/null
	done
fi

# secs NANOSECONDS
secs() { awk -v n="$1" 'BEGIN { printf "%.3f", n / 1e9 }'; }

# timed NAME CMD...: run CMD (stdout and stderr to DIR/NAME.log), which
# must exit 0; add its wall-clock seconds to fig[NAME].
declare -A fig
timed()
{
	local name=$1 t0 t1 rc=0
	shift
	if [ -n "$cold" ]; then
		sync
		echo 3 > /proc/sys/vm/drop_caches
	fi
	t0=$(date +%s%N)
	"$@" > "$dir/$name.log" 2>&1 < /dev/null || rc=$?
	t1=$(date +%s%N)
	if [ "$rc" -ne 0 ]; then
		tail -20 "$dir/$name.log" >&2
		die "$name: $* exited $rc (see $dir/$name.log)"
	fi
	fig[$name]+=" $(secs $((t1 - t0)))"
}

# cipher THREADS: crypto-bench's MiB/s, as MB/s, into fig[cipherTHREADS].
# Each thread decrypts 256 MiB.
cipher()
{
	local out mib
	out=$("$bin/crypto-bench" --backend user --op gcm --decrypt --size 4096 --batch 256 \
		--threads "$1" --ops 256) || die "crypto-bench --threads $1 failed"
	echo "$out" >> "$dir/cipher.log"
	mib=$(echo "$out" | sed -n 's/.* MiB_per_s=\([0-9.]*\).*/\1/p')
	[ -n "$mib" ] || die "crypto-bench printed no MiB_per_s: $out"
	fig[cipher$1]+=" $(awk -v m="$mib" 'BEGIN { printf "%.0f", m * 1048576 / 1e6 }')"
}

cpus=$(nproc)
: > "$dir/cipher.log"
for ((r = 1; r <= repeats; r++)); do
	log "repeat $r of $repeats"
	cipher 1
	cipher "$cpus"
	timed full "$fsck" -n --crypto user --passfile "$vols/algfs/passfile" "$vols/algfs/cipher"
	cp "$dir/full.log" "$dir/full.$r.log"
	timed fast "$fsck" -n --fast --crypto user --passfile "$vols/algfs/passfile" \
		"$vols/algfs/cipher"
	[ -z "$peer" ] ||
		timed gocrypt gocryptfs -fsck -passfile "$vols/gocryptfs/passfile" \
			"$vols/gocryptfs/cipher"
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f", b / s / 1e6 }'; }

# fsck.algfs's own count, from its summary line: "N files, ... X bytes checked".
fsck_files=$(sed -n 's/.*: \([0-9]*\) files, .*/\1/p' "$dir/full.log" | tail -1)
fsck_bytes=$(sed -n 's/.* \([0-9]*\) bytes checked.*/\1/p' "$dir/full.log" | tail -1)

report()
{
	local name what s c1 cn full
	echo "algfs fsck-bench, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$repo" describe --always --dirty 2> /dev/null || echo ?)"
	echo "machine:  $(uname -sr) $(uname -m); $cpus CPUs; load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "fsck:     $fsck ($("$fsck" --version 2> /dev/null | sed -n 1p))"
	[ -z "$peer" ] || echo "peer:     $(version_of gocryptfs)"
	echo "tree:     linux-source-6.1: $dirs; $files files, $bytes bytes, $ndirs directories"
	echo "          (fsck.algfs counted ${fsck_files:-?} files, ${fsck_bytes:-?} bytes checked)"
	echo "backing:  $(findmnt -no FSTYPE -T "$dir") ($dir); page cache: $([ -n "$cold" ] && echo "dropped before each check" || echo "warm")"
	echo "repeats:  $repeats, interleaved (median shown; MB/s = 10^6 bytes of plaintext per second)"
	echo
	echo "| check | files | bytes | s | MB/s |"
	echo "|---|---:|---:|---:|---:|"
	for name in full fast${peer:+ gocrypt}; do
		case $name in
		full) what="fsck.algfs -n" ;;
		fast) what="fsck.algfs -n --fast" ;;
		gocrypt) what="gocryptfs -fsck" ;;
		esac
		s=$(echo "${fig[$name]}" | median)
		echo "| $what | $files | $bytes | $s | $(mbps "$s") |"
	done
	c1=$(echo "${fig[cipher1]}" | median)
	cn=$(echo "${fig[cipher$cpus]}" | median)
	echo
	echo "| AES-256-GCM decrypt, 4 KiB blocks (crypto-bench, user backend) | MB/s |"
	echo "|---|---:|"
	echo "| 1 thread | $c1 |"
	echo "| $cpus threads | $cn |"
	full=$(mbps "$(echo "${fig[full]}" | median)")
	echo
	echo "fsck.algfs -n: $full MB/s = $(awk -v a="$full" -v b="$cn" 'BEGIN { printf "%.2f", a / b }') of the cipher's rate on $cpus threads ($cn MB/s)"
	echo
	for name in cipher1 "cipher$cpus" full fast${peer:+ gocrypt}; do
		echo "  $name:${fig[$name]}"
	done
}

if [ -n "$outfile" ]; then
	report | tee "$outfile"
else
	report
fi
