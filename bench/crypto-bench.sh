#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2026 The algfs authors
#
# bench/crypto-bench.sh [-n OPS] [-t "1 2 4"] [-s "4096 65536"] [--no-strace]
#
# Runs crypto-bench for every backend (user; kernel where AF_ALG works), every
# kernel I/O method (sendmsg, splice), block size and thread count, and
# prints a table: operations per second and, counted with strace -c -f in a
# second run, system calls per operation (start-up excluded: a run of 1
# operation per thread is subtracted).  Wall-clock columns mean something only
# on real hardware; inside the TCG test bed only the counts do:
#
#   tests/vm/run -- bench/crypto-bench.sh
set -u

bin=${ALGFS_BIN:-$(cd "$(dirname "$0")/.." && pwd)/build}
ops=2000
threads="1 2 4"
sizes="4096 16384 65536"
use_strace=1

while [ $# -gt 0 ]; do
	case $1 in
	-n) ops=$2; shift 2 ;;
	-t) threads=$2; shift 2 ;;
	-s) sizes=$2; shift 2 ;;
	--no-strace) use_strace=; shift ;;
	-h|--help) sed -n '5,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "crypto-bench.sh: unknown option $1" >&2; exit 64 ;;
	esac
done
command -v strace > /dev/null || use_strace=

# syscalls ARGS...: total system calls of one crypto-bench run.
syscalls()
{
	local log

	log=$(mktemp)
	strace -f -c -o "$log" "$bin/crypto-bench" "$@" > /dev/null 2>&1 || { rm -f "$log"; return 1; }
	awk '$NF == "total" { print $4 }' "$log"
	rm -f "$log"
}

# per_op ARGS...: system calls per operation, start-up subtracted.
per_op()
{
	local t=$1 full base
	shift
	full=$(syscalls "$@" --threads "$t" --ops "$ops") || return 1
	base=$(syscalls "$@" --threads "$t" --ops 1) || return 1
	awk -v f="$full" -v b="$base" -v n=$(((ops - 1) * t)) 'BEGIN { r = (f - b) / n; if (r < 0.005 && r > -0.005) r = 0; printf "%.2f", r }'
}

printf '%-7s %-8s %-7s %6s %3s %12s %10s %12s\n' \
	backend io op size thr ops/s MiB/s syscalls/op
for backend in user kernel; do
	if [ $backend = kernel ] &&
	   ! "$bin/crypto-bench" --backend kernel --ops 1 > /dev/null 2>&1; then
		echo "kernel  (not available: AF_ALG missing or refused here)"
		continue
	fi
	ios=sendmsg
	[ $backend = kernel ] && ios="sendmsg splice"
	for io in $ios; do
		for op in encrypt decrypt; do
			dflag=
			[ $op = decrypt ] && dflag=--decrypt
			for size in $sizes; do
				for t in $threads; do
					args=(--backend $backend --io $io --size $size $dflag)
					line=$("$bin/crypto-bench" "${args[@]}" --threads $t --ops $ops) ||
						{ echo "crypto-bench ${args[*]} failed" >&2; continue; }
					rate=$(sed -n 's/.*ops_per_s=\([0-9.]*\).*/\1/p' <<< "$line")
					mibs=$(sed -n 's/.*MiB_per_s=\([0-9.]*\).*/\1/p' <<< "$line")
					calls=-
					[ -n "$use_strace" ] && calls=$(per_op $t "${args[@]}")
					shown_io=$io
					[ $backend = user ] && shown_io=-
					printf '%-7s %-8s %-7s %6s %3s %12s %10s %12s\n' \
						$backend $shown_io $op $size $t "$rate" "$mibs" "$calls"
				done
			done
		done
	done
done
