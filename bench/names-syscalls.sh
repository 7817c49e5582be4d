#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2026 The algfs authors
#
# bench/names-syscalls.sh [-n COUNT] [--crypto MODE] [-d DIR]
#
# What a file name costs the daemon in system calls, format 1 (CBC-CTS)
# against format 2 (EME), on the crypto backend MODE (default auto: the
# kernel's where AF_ALG works, so run it in tests/vm/run's guest for the
# kernel backend).  For each format, on a fresh volume over a tmpfs, the
# daemon runs under strace -f -c while, on three fresh mounts:
#   create  COUNT empty files with names of 12 to 60 bytes (touch)
#   lookup  stat of each by name (one LOOKUP and one name encryption each)
#   readdir ls -f of the directory (names decrypted)
# and prints system calls per file of each phase, and the calls that
# differ.  Timings are not taken: in a TCG guest they mean nothing.
# Run as root.  Exit status: 0, 1 a step failed, 64 usage.
set -euo pipefail
prog=names-syscalls.sh
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${ALGFS_BIN:-$repo/build}
count=1000
mode=auto
dir=/var/tmp/algfs-names-syscalls

usage() { sed -n '5,18p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	-n) count=${2:?}; shift 2 ;;
	--crypto) mode=${2:?}; shift 2 ;;
	-d) dir=${2:?}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$prog: unknown option $1" >&2; usage >&2; exit 64 ;;
	esac
done
[[ $count =~ ^[1-9][0-9]*$ ]] || { echo "$prog: -n: not a positive number" >&2; exit 64; }
[ "$(id -u)" -eq 0 ] || { echo "$prog: run as root" >&2; exit 1; }
command -v strace >/dev/null || { echo "$prog: strace is missing" >&2; exit 1; }
[ ! -e "$dir" ] || [ -z "$(ls -A "$dir")" ] || { echo "$prog: $dir is not empty" >&2; exit 1; }

mkdir -p "$dir"
mount -t tmpfs -o size=256m algfs-names "$dir"
trap 'fusermount3 -u "$dir/mnt" 2>/dev/null; umount "$dir"' EXIT
printf 'pw\n' >"$dir/pf"
chmod 600 "$dir/pf"

# The file names: 12 to 60 bytes, sharing prefixes as photos and logs do.
name()
{
	local i=$1
	printf 'IMG_2024%04d_%06d%.*s.jpg' $((i % 1231)) "$i" $((i % 45)) \
		'-holiday-in-the-mountains-with-the-family----'
}

mounted() { grep -qs " $dir/mnt fuse" /proc/mounts; }

# phase FORMAT PHASE: one traced mount, one phase; prints the total calls
# and keeps the table.
phase()
{
	local f=$1 p=$2 i out=$dir/strace.$1.$2 pid
	strace -f -c -o "$out" "$bin/algfs" -f "$dir/c$f" "$dir/mnt" \
		-o "passfile=$dir/pf,crypto=$mode" 2>>"$dir/log" &
	pid=$!
	for i in $(seq 300); do
		mounted && break
		sleep 0.2
	done
	mounted || { echo "$prog: format $f: not mounted" >&2; cat "$dir/log" >&2; exit 1; }
	case $p in
	create) for ((i = 0; i < count; i++)); do : >"$dir/mnt/d/$(name $i)"; done ;;
	lookup) for ((i = 0; i < count; i++)); do stat -c %s "$dir/mnt/d/$(name $i)" >/dev/null; done ;;
	readdir) ls -f "$dir/mnt/d" | wc -l >/dev/null ;;
	esac
	fusermount3 -u "$dir/mnt"
	wait "$pid" || true
	awk '$NF == "total" { print $4 }' "$out"
}

declare -A total=()
for f in 1 2; do
	"$bin/mkfs.algfs" "$dir/c$f" --format "$f" --passfile "$dir/pf" --argon2-time 1 \
		--argon2-memory 8M --argon2-lanes 1 --no-recovery-key -q --crypto "$mode"
	mkdir -p "$dir/mnt"
	"$bin/algfs" "$dir/c$f" "$dir/mnt" -o "passfile=$dir/pf,crypto=$mode"
	mkdir "$dir/mnt/d"
	fusermount3 -u "$dir/mnt"
	for p in create lookup readdir; do
		total[$f.$p]=$(phase "$f" "$p")
	done
done
backend=$(grep -o 'crypto backend: [a-z]*' "$dir/log" | sort -u | paste -sd ' ')
echo "algfs names-syscalls, $count files, $(uname -r), $backend"
echo
echo "| phase | format 1 calls per file | format 2 calls per file | difference |"
echo "|---|---:|---:|---:|"
for p in create lookup readdir; do
	awk -v p="$p" -v a="${total[1.$p]}" -v b="${total[2.$p]}" -v n="$count" \
		'BEGIN { printf "| %s | %.2f | %.2f | %+.2f |\n", p, a / n, b / n, (b - a) / n }'
done
echo
echo "Calls whose count differs by more than 1 per 100 files (format 1 -> format 2):"
for p in create lookup readdir; do
	awk -v p="$p" -v n="$count" '
		$NF == "total" || $NF !~ /^[a-z_0-9]+$/ { next }
		FNR == NR { a[$NF] = $4; seen[$NF] = 1; next }
		{ b[$NF] = $4; seen[$NF] = 1 }
		END {
			for (c in seen) {
				d = b[c] - a[c]
				if (d * 100 > n || -d * 100 > n)
					printf "  %-8s %-20s %d -> %d\n", p, c, a[c], b[c]
			}
		}' "$dir/strace.1.$p" "$dir/strace.2.$p" | sort
done
