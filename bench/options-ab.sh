#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2026 The algfs authors
#
# bench/options-ab.sh [-s SIZE] [-r REPEATS] [-d DIR] [-o OUTFILE]
#                     OPTIONS-A OPTIONS-B
#
# One algfs change, measured alone: the same volume mounted with the -o
# options OPTIONS-A, then with OPTIONS-B ("" for the defaults), repeats
# interleaved (A, B, A, B, ...), on a tmpfs backing.  Each repeat, on a
# fresh mount each:
#   write   dd SIZE from /dev/zero, bs=1M conv=fsync into a new file (MB/s)
#   read    dd of that file to /dev/null, bs=1M, after unmount,
#           drop_caches and mount (cold)                              (MB/s)
# Prints every repeat's figures and the medians, and B's median against
# A's.  Run as root.
#   -s SIZE     the file (default 1G; K, M or G suffix)
#   -r REPEATS  repeats of each (default 5)
#   -d DIR      scratch directory (default /var/tmp/algfs-ab; a tmpfs is
#               mounted on it and removed)
#   -o OUTFILE  also write the report there
# Example: bench/options-ab.sh "" crypto_threads=online
# Exit status: 0 measured, 1 a step failed, 64 usage.
set -euo pipefail

prog="options-ab.sh"
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${ALGFS_BIN:-$repo/build}
size_arg=1G
repeats=5
dir=/var/tmp/algfs-ab
outfile=

usage() { sed -n '5,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
bad() { echo "$prog: $*" >&2; exit 64; }

while [ $# -gt 0 ]; do
	case $1 in
	-s) size_arg=${2:?}; shift 2 ;;
	-r) repeats=${2:?}; shift 2 ;;
	-d) dir=${2:?}; shift 2 ;;
	-o) outfile=${2:?}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	-*) bad "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
[ $# -eq 2 ] || bad "need OPTIONS-A and OPTIONS-B (see --help)"
opts=("$1" "$2")
[[ $repeats =~ ^[1-9][0-9]*$ ]] || bad "-r $repeats: not a number of repeats"
case $size_arg in
*G) mib=$((${size_arg%G} * 1024)) ;;
*M) mib=${size_arg%M} ;;
*K) mib=$((${size_arg%K} / 1024)) ;;
*) bad "-s $size_arg: give K, M or G" ;;
esac
[ "$mib" -ge 1 ] || bad "-s $size_arg: at least 1M"
[ "$(id -u)" -eq 0 ] || die "run as root (tmpfs, drop_caches, FUSE)"

# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"

[ -x "$bin/algfs" ] || die "$bin/algfs not built (run make)"
d=$dir/vol
cleanup()
{
	unmount "$d/mnt" || true
	umount "$dir" 2> /dev/null || true
	rmdir "$dir" 2> /dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$dir"
mount -t tmpfs -o "size=$((mib * 2 + 512))M" tmpfs "$dir"
vol_init algfs "$d"

# mount_with OPTS: mount the volume with the -o options OPTS (may be "").
mount_with()
{
	local o=(-o "passfile=$d/passfile")
	[ -n "$1" ] && o+=(-o "$1")
	timeout -k 5 120 "$bin/algfs" "$d/cipher" "$d/mnt" "${o[@]}" < /dev/null \
		>> "$d/mount.log" 2>&1 3>&- || { tail -5 "$d/mount.log" >&2; exit 1; }
	wait_mounted "$d/mnt"
}

# mbps BYTES NANOSECONDS
mbps() { echo "$1 $2" | awk '{ printf "%.0f", $1 / ($2 / 1e9) / 1e6 }'; }

declare -A fig
for ((r = 1; r <= repeats; r++)); do
	for v in 0 1; do
		log "repeat $r, ${opts[v]:-defaults}"
		mount_with "${opts[v]}"
		t0=$(date +%s%N)
		dd if=/dev/zero of="$d/mnt/f" bs=1M count="$mib" conv=fsync status=none
		t1=$(date +%s%N)
		fig[$v,write]+=" $(mbps $((mib << 20)) $((t1 - t0)))"
		unmount "$d/mnt"
		sync
		echo 3 > /proc/sys/vm/drop_caches
		mount_with "${opts[v]}"
		t0=$(date +%s%N)
		dd if="$d/mnt/f" of=/dev/null bs=1M status=none
		t1=$(date +%s%N)
		fig[$v,read]+=" $(mbps $((mib << 20)) $((t1 - t0)))"
		rm "$d/mnt/f"
		unmount "$d/mnt"
	done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

report()
{
	local v c ma mb
	echo "algfs options-ab, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$repo" describe --always --dirty 2> /dev/null || echo ?)"
	echo "machine:  $(uname -sr) $(uname -m); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "file:     $mib MiB, dd bs=1M; tmpfs backing; $repeats repeats interleaved"
	echo "A:        -o ${opts[0]:-(defaults)}"
	echo "B:        -o ${opts[1]:-(defaults)}"
	echo
	echo "| | write MB/s | read MB/s |"
	echo "|---|---:|---:|"
	for v in 0 1; do
		echo "| $( [ $v = 0 ] && echo A || echo B ) median | $(echo "${fig[$v,write]}" | median) | $(echo "${fig[$v,read]}" | median) |"
	done
	printf '| B / A |'
	for c in write read; do
		ma=$(echo "${fig[0,$c]}" | median)
		mb=$(echo "${fig[1,$c]}" | median)
		printf ' %sx |' "$(awk -v a="$ma" -v b="$mb" 'BEGIN { printf "%.2f", b / a }')"
	done
	echo
	echo
	for v in 0 1; do
		for c in write read; do
			echo "  $( [ $v = 0 ] && echo A || echo B ) $c:${fig[$v,$c]}"
		done
	done
}
report | if [ -n "$outfile" ]; then tee "$outfile"; else cat; fi
