#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2026 The algfs authors
#
# bench/handles-ab.sh [-n FILES] [-r REPEATS] [-d DIR] [-o OUTFILE]
#
# What stable node IDs (file handles that outlive a remount) cost: a
# baseline build (ALGFS_BASE_BIN=DIR, e.g. main before the change) against
# build/ (ALGFS_BIN), on a lookup-heavy workload, repeats interleaved
# (A, B, A, B, ...), each system on its own volume in DIR.  Each repeat:
#   untar   tar x of a tree of FILES small files in FILES/30 directories
#   ls-lR   ls -lR of it after unmount, drop_caches and mount (cold)
#   rm      rm -rf of it (mounted afresh, cold)
# in seconds, wall clock and the daemon's CPU time (user + system, from
# /proc: what the change costs, even on a loaded machine); then one more ls -lR (cold) per system with the daemon under
# strace -f -c: its system calls, in all and name_to_handle_at.  Prints
# every figure and the medians.  Run as root.
#   -n FILES    files in the tree (default 3000)
#   -r REPEATS  repeats of each (default 3)
#   -d DIR      scratch directory (default /var/tmp/algfs-handles: on
#               the root filesystem, ext4 here; give a tmpfs to measure that)
#   -o OUTFILE  also write the report there
# Exit status: 0 measured, 1 a step failed, 64 usage.
set -euo pipefail

prog="handles-ab.sh"
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${ALGFS_BIN:-$repo/build}
files=3000
repeats=3
dir=/var/tmp/algfs-handles
outfile=

usage() { sed -n '5,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
bad() { echo "$prog: $*" >&2; exit 64; }

while [ $# -gt 0 ]; do
	case $1 in
	-n) files=${2:?}; shift 2 ;;
	-r) repeats=${2:?}; shift 2 ;;
	-d) dir=${2:?}; shift 2 ;;
	-o) outfile=${2:?}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) bad "unknown argument $1 (see --help)" ;;
	esac
done
[[ $files =~ ^[1-9][0-9]*$ ]] || bad "-n $files: not a number of files"
[[ $repeats =~ ^[1-9][0-9]*$ ]] || bad "-r $repeats: not a number of repeats"
[ "$(id -u)" -eq 0 ] || die "run as root (drop_caches, FUSE)"
[ -n "${ALGFS_BASE_BIN:-}" ] || bad "set ALGFS_BASE_BIN to the baseline build"

# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
command -v strace > /dev/null || die "strace not installed"

systems=(algfs0 algfs)
cleanup()
{
	local s
	for s in "${systems[@]}"; do
		unmount "$dir/$s/mnt" || true
	done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
rm -rf "$dir"
mkdir -p "$dir/src"
for ((i = 0; i < files; i++)); do
	((i % 30)) || mkdir -p "$dir/src/tree/d$((i / 30))"
	head -c $((i % 4096 + 1)) /dev/urandom > "$dir/src/tree/d$((i / 30))/f$i"
done
tar -C "$dir/src" -cf "$dir/tree.tar" tree
rm -rf "$dir/src"
for s in "${systems[@]}"; do
	vol_init "$s" "$dir/$s"
done

cold() { sync; echo 3 > /proc/sys/vm/drop_caches; }
# start SYSTEM D: mount D with the daemon in the foreground, as a child
# (dpid), so that its CPU time can be read; stop SYSTEM D: its CPU time in
# seconds into cpu, then unmount.
start()
{
	vol_argv "$1" "$2"
	"${vol_cmd[@]}" < /dev/null >> "$2/mount.log" 2>&1 3>&- &
	dpid=$!
	wait_mounted "$2/mnt" "$dpid"
}
stop()
{
	cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$dpid/stat")
	vol_umount "$1" "$2"
	stop_pid "$dpid" 30
}
secs() { awk -v n="$1" 'BEGIN { printf "%.3f", n / 1e9 }'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

declare -A fig
for ((r = 1; r <= repeats; r++)); do
	for s in "${systems[@]}"; do
		d=$dir/$s
		log "repeat $r, $s"
		start "$s" "$d"
		t0=$(date +%s%N)
		tar -C "$d/mnt" -xf "$dir/tree.tar"
		t1=$(date +%s%N)
		stop "$s" "$d"
		fig[$s,untar]+=" $(secs $((t1 - t0)))"
		fig[$s,untarcpu]+=" $cpu"
		cold
		start "$s" "$d"
		t0=$(date +%s%N)
		ls -lR "$d/mnt/tree" > /dev/null
		t1=$(date +%s%N)
		stop "$s" "$d"
		fig[$s,ls]+=" $(secs $((t1 - t0)))"
		fig[$s,lscpu]+=" $cpu"
		cold
		start "$s" "$d"
		t0=$(date +%s%N)
		rm -rf "$d/mnt/tree"
		t1=$(date +%s%N)
		stop "$s" "$d"
		fig[$s,rm]+=" $(secs $((t1 - t0)))"
		fig[$s,rmcpu]+=" $cpu"
	done
done

# The system calls of one cold ls -lR.
declare -A calls
for s in "${systems[@]}"; do
	d=$dir/$s
	vol_mount "$s" "$d"
	tar -C "$d/mnt" -xf "$dir/tree.tar"
	vol_umount "$s" "$d"
	cold
	vol_argv "$s" "$d"
	strace -f -c -o "$d/strace.txt" "${vol_cmd[@]}" < /dev/null >> "$d/mount.log" 2>&1 &
	pid=$!
	wait_mounted "$d/mnt" "$pid"
	ls -lR "$d/mnt/tree" > /dev/null
	vol_umount "$s" "$d"
	stop_pid "$pid" 30
	calls[$s,total]=$(awk '$NF == "total" { print $4 }' "$d/strace.txt")
	calls[$s,nth]=$(awk '$NF == "name_to_handle_at" { print $4 }' "$d/strace.txt")
	calls[$s,top]=$(sort -k4 -n -r "$d/strace.txt" | awk '$NF != "total" && NF >= 5 { printf "%s %s, ", $NF, $4 }' | head -c 300)
done

report()
{
	local s c
	echo "algfs handles-ab, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$repo" describe --always --dirty 2> /dev/null || echo ?)"
	echo "machine:  $(uname -sr) $(uname -m); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "backing:  $(stat -f -c %T "$dir") ($dir); $files files in $(((files + 29) / 30)) directories; $repeats repeats interleaved"
	echo "A:        $ALGFS_BASE_BIN"
	echo "B:        $bin"
	echo
	echo "| median, s | untar | ls -lR cold | rm -rf cold | daemon CPU: untar | ls -lR | rm -rf | daemon syscalls, ls -lR | of which name_to_handle_at |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for s in "${systems[@]}"; do
		printf '| %s |' "$([ "$s" = algfs0 ] && echo A || echo B)"
		for c in untar ls rm untarcpu lscpu rmcpu; do
			printf ' %s |' "$(echo "${fig[$s,$c]}" | median)"
		done
		echo " ${calls[$s,total]:-?} | ${calls[$s,nth]:-0} |"
	done
	echo
	for s in "${systems[@]}"; do
		for c in untar ls rm untarcpu lscpu rmcpu; do
			echo "  $([ "$s" = algfs0 ] && echo A || echo B) $c:${fig[$s,$c]}"
		done
		echo "  $([ "$s" = algfs0 ] && echo A || echo B) syscalls: ${calls[$s,top]}"
	done
}
if [ -n "$outfile" ]; then
	report | tee "$outfile"
else
	report
fi
