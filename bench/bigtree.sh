#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2026 The algfs authors
#
# bench/bigtree.sh [-D DIRS] [-F FILES] [-d SCRATCH] [-o OUTFILE]
#
# A tree far larger than any descriptor limit, through one algfs mount:
# DIRS directories (default 200000, 100 per parent) holding FILES empty
# files (default 1000000) are created, listed (find, ls -lR, du), and
# removed, each phase after dropping the kernel's caches.  For each phase:
# its time, the daemon's open descriptors (the peak of samples taken every
# 0.2 s) and its resident memory at the end.  The scratch directory (default
# /var/tmp/algfs-bigtree) must be on a disk with room for the inodes; it is
# removed at the end.  Run as root.  Exit status: 0, 1 a phase failed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${ALGFS_BIN:-$repo/build}
dirs=200000
files=1000000
scratch=/var/tmp/algfs-bigtree
out=

while [ $# -gt 0 ]; do
	case $1 in
	-D) dirs=$2; shift 2 ;;
	-F) files=$2; shift 2 ;;
	-d) scratch=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	-h|--help) sed -n '5,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bigtree.sh: unknown option $1" >&2; exit 64 ;;
	esac
done
[ ! -e "$scratch" ] || [ -z "$(ls -A "$scratch")" ] || { echo "bigtree.sh: $scratch is not empty" >&2; exit 1; }
mkdir -p "$scratch/cipher" "$scratch/plain"
pid=
cleanup()
{
	mountpoint -q "$scratch/plain" && fusermount3 -u "$scratch/plain"
	[ -n "$pid" ] && wait "$pid" 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT
echo benchpassword >"$scratch/pass"
chmod 600 "$scratch/pass"
"$bin/mkfs.algfs" "$scratch/cipher" --passfile "$scratch/pass" --quiet --no-recovery-key \
	--argon2-time 1 --argon2-memory 8M --argon2-lanes 1 >/dev/null
"$bin/algfs" -f "$scratch/cipher" "$scratch/plain" -o "passfile=$scratch/pass" 2>"$scratch/log" &
pid=$!
for ((i = 0; i < 100; i++)); do mountpoint -q "$scratch/plain" && break; sleep 0.1; done
mountpoint -q "$scratch/plain" || { cat "$scratch/log" >&2; exit 1; }

report() { printf '%s\n' "$*" | tee -a "${out:-/dev/null}"; }
# phase NAME COMMAND...: run it, sampling the daemon's descriptors.
phase()
{
	local name=$1 start end peak=0 n job
	shift
	sync
	echo 3 >/proc/sys/vm/drop_caches
	start=$(date +%s.%N)
	"$@" &
	job=$!
	while kill -0 "$job" 2>/dev/null; do
		n=$(find /proc/"$pid"/fd -mindepth 1 2>/dev/null | wc -l)
		[ "$n" -gt "$peak" ] && peak=$n
		sleep 0.2
	done
	wait "$job" || { report "$name: FAILED"; exit 1; }
	end=$(date +%s.%N)
	report "$(printf '| %-10s | %8.1f | %6d | %8d |' "$name" "$(echo "$end - $start" | bc)" \
		"$peak" "$(awk '/VmRSS/ { printf "%d", $2 / 1024 }' /proc/"$pid"/status)")"
}

make_tree()
{
	# DIRS directories, 100 per parent, files spread evenly over them.
	local d=0 per=$(((files + dirs - 1) / dirs))
	cd "$scratch/plain"
	while [ "$d" -lt "$dirs" ]; do
		local top=$((d / 100))
		mkdir -p "t/$top/$d"
		(cd "t/$top/$d" && seq -f "f%g" 1 "$per" | xargs touch)
		d=$((d + 1))
	done
}

report "bigtree: $dirs directories, $files files, algfs $(git -C "$repo" rev-parse --short HEAD), $(date -u +%FT%TZ), $(nproc) CPUs, open-file limit $(ulimit -Hn)"
report "| phase      | seconds  | peak fds | RSS MiB  |"
report "|---|---:|---:|---:|"
phase create make_tree
phase find sh -c "find '$scratch/plain/t' | wc -l >'$scratch/count'"
report "(find saw $(cat "$scratch/count") entries)"
phase ls-lR sh -c "ls -lR '$scratch/plain/t' >/dev/null"
phase du sh -c "du -s '$scratch/plain/t' >/dev/null"
phase rm-rf rm -rf "$scratch/plain/t"
