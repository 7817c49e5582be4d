#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2026 The algfs authors
#
# bench/shared-bench.sh [-r REPEATS] [-n FILES] [-s MIB] [--systems LIST]
#                       [-o OUTFILE] BASEDIR
#
# What shared mode (algfs -o sharedstorage) costs, with the ciphertext in BASEDIR:
# an NFS or sshfs mount, or any directory.  For each repeat and system
# (repeats interleave the systems), on a new volume in BASEDIR:
#   untar   tar -xf of a generated tree of FILES files (1 to 16 KiB, 20
#           directories), then sync
#   lslr    ls -lR of the tree, cold
#   cat     read every file of the tree, cold
#   write   dd MIB MiB from /dev/zero, bs=1M conv=fsync
#   read    dd that file to /dev/null, cold
#   rm      rm -rf of the tree, cold, then sync
# "Cold": the volume is unmounted and mounted again and the kernel's caches
# dropped before the step.  Each step gives its seconds and, where BASEDIR
# is on NFS, the RPC calls that the NFS client made meanwhile (from
# /proc/net/rpc/nfs): the requests that travel to the server, which is
# what a network charges for, and all that means anything where the times
# do not (the TCG test bed).  The report gives the median of each.
#   --systems LIST  comma-separated subset of algfs,algfs-shared,gocryptfs,
#                   gocryptfs-shared (gocryptfs -sharedstorage); default
#                   the algfs two, and the gocryptfs two where gocryptfs
#                   is installed
#   -r REPEATS      repeats (default 3)
#   -n FILES        files in the tree (default 1000)
#   -s MIB          the dd file (default 64)
#   -o OUTFILE      also write the report there
# ALGFS_BIN=DIR takes algfs and mkfs.algfs from DIR instead of build/.  Run
# as root (drop_caches, FUSE).  Exit status: 0 all measured, 1 a step or
# set-up failed, 64 usage.
set -euo pipefail

prog=shared-bench.sh
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${ALGFS_BIN:-$repo/build}
repeats=3
nfiles=1000
mib=64
systems=
outfile=

usage() { sed -n '5,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
bad() { echo "$prog: $*" >&2; exit 64; }
die() { echo "$prog: $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

while [ $# -gt 0 ]; do
	case $1 in
	-r) repeats=${2:?}; shift 2 ;;
	-n) nfiles=${2:?}; shift 2 ;;
	-s) mib=${2:?}; shift 2 ;;
	--systems) systems=${2:?}; shift 2 ;;
	-o) outfile=${2:?}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	-*) bad "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || bad "BASEDIR is needed (see --help)"
base=$(cd "$1" && pwd) || bad "$1: not a directory"
[[ $repeats =~ ^[1-9][0-9]*$ ]] || bad "-r $repeats: not a number"
[[ $nfiles =~ ^[1-9][0-9]*$ ]] || bad "-n $nfiles: not a number"
[[ $mib =~ ^[1-9][0-9]*$ ]] || bad "-s $mib: not a number"
[ "$(id -u)" -eq 0 ] || die "run as root (drop_caches, FUSE)"
[ -x "$bin/algfs" ] && [ -x "$bin/mkfs.algfs" ] || die "no algfs in $bin: run make first"
if [ -z "$systems" ]; then
	systems=algfs,algfs-shared
	command -v gocryptfs >/dev/null && systems+=,gocryptfs,gocryptfs-shared
fi
IFS=, read -r -a sys_list <<<"$systems"
for s in "${sys_list[@]}"; do
	case $s in
	algfs|algfs-shared) ;;
	gocryptfs|gocryptfs-shared) command -v gocryptfs >/dev/null || die "$s: gocryptfs is not installed" ;;
	*) bad "--systems: unknown system $s" ;;
	esac
done
steps=(untar lslr cat write read rm)

work=$(mktemp -d "${TMPDIR:-/tmp}/algfs-shared-bench.XXXXXX")
mnt=$work/mnt
mkdir -p "$mnt"
printf 'benchpassword\n' >"$work/pass"
chmod 600 "$work/pass"
cleanup()
{
	if grep -qs " $mnt fuse" /proc/mounts; then
		fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
	fi
	rm -rf "$work" "$base"/algfs-shared-bench.* 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The tree: FILES files in 20 directories, 1 to 16 KiB each, made once.
log "generating a tree of $nfiles files"
mkdir -p "$work/tree"
for ((i = 0; i < nfiles; i++)); do
	d=$work/tree/d$((i % 20))
	[ -d "$d" ] || mkdir "$d"
	head -c $((1024 + (i * 7919) % 15360)) /dev/urandom >"$d/file-$i"
done
tar -C "$work" -cf "$work/tree.tar" tree
rm -rf "$work/tree"

rpc_calls()
{
	if [ -r /proc/net/rpc/nfs ]; then
		awk '$1 == "rpc" { print $2 }' /proc/net/rpc/nfs
	else
		echo 0
	fi
}
now() { date +%s.%N; }

# mount_sys SYSTEM CIPHERDIR: mount it on $mnt.
mount_sys()
{
	case $1 in
	algfs) "$bin/algfs" "$2" "$mnt" -o "passfile=$work/pass" ;;
	algfs-shared) "$bin/algfs" "$2" "$mnt" -o "passfile=$work/pass,sharedstorage" ;;
	gocryptfs) gocryptfs -q -passfile "$work/pass" "$2" "$mnt" ;;
	gocryptfs-shared) gocryptfs -q -sharedstorage -passfile "$work/pass" "$2" "$mnt" ;;
	esac
}

umount_sys()
{
	fusermount3 -u "$mnt" || die "cannot unmount $mnt"
}

mkfs_sys()
{
	mkdir -p "$2"
	case $1 in
	algfs*) "$bin/mkfs.algfs" "$2" --passfile "$work/pass" --quiet --no-recovery-key \
			--argon2-time 1 --argon2-memory 8M --argon2-lanes 1 >/dev/null 2>&1 ;;
	gocryptfs*) gocryptfs -q -init -scryptn 10 -passfile "$work/pass" "$2" >/dev/null ;;
	esac
}

cold()
{
	umount_sys
	sync
	echo 3 >/proc/sys/vm/drop_caches
	mount_sys "$1" "$2"
}

# step SYSTEM NAME CMD...: run one step, record its seconds and RPC calls.
declare -A secs calls
step()
{
	local sys=$1 name=$2 t0 r0 t1 r1
	shift 2

	r0=$(rpc_calls)
	t0=$(now)
	"$@" || die "$sys: step $name failed"
	t1=$(now)
	r1=$(rpc_calls)
	secs[$sys,$name]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') "
	calls[$sys,$name]+="$((r1 - r0)) "
}

do_untar() { tar -C "$mnt" -xf "$work/tree.tar" && sync; }
do_lslr() { ls -lR "$mnt/tree" >/dev/null; }
do_cat() { find "$mnt/tree" -type f -exec cat {} + >/dev/null; }
do_write() { dd if=/dev/zero of="$mnt/big" bs=1M count="$mib" conv=fsync status=none; }
do_read() { dd if="$mnt/big" of=/dev/null bs=1M status=none; }
do_rm() { rm -rf "$mnt/tree" "$mnt/big" && sync; }

for ((r = 1; r <= repeats; r++)); do
	for sys in "${sys_list[@]}"; do
		log "repeat $r/$repeats: $sys"
		cdir=$(mktemp -d "$base/algfs-shared-bench.XXXXXX")
		mkfs_sys "$sys" "$cdir" || die "$sys: cannot create a volume in $cdir"
		mount_sys "$sys" "$cdir" || die "$sys: cannot mount $cdir"
		step "$sys" untar do_untar
		cold "$sys" "$cdir"
		step "$sys" lslr do_lslr
		cold "$sys" "$cdir"
		step "$sys" cat do_cat
		step "$sys" write do_write
		cold "$sys" "$cdir"
		step "$sys" read do_read
		cold "$sys" "$cdir"
		step "$sys" rm do_rm
		umount_sys
		rm -rf "$cdir"
	done
done

median()
{
	tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

report()
{
	local s st

	echo "shared-bench.sh: $repeats repeats, $nfiles files, $mib MiB; ciphertext in $base"
	echo "backing: $(df -PT "$base" | awk 'NR == 2 { print $2 " (" $1 ")" }'); kernel $(uname -r)"
	echo
	echo "Medians: seconds / NFS RPC calls (0 where the backing is not NFS)"
	printf '%-18s' system
	for st in "${steps[@]}"; do printf '%18s' "$st"; done
	echo
	for s in "${sys_list[@]}"; do
		printf '%-18s' "$s"
		for st in "${steps[@]}"; do
			printf '%18s' "$(median <<<"${secs[$s,$st]}") / $(median <<<"${calls[$s,$st]}")"
		done
		echo
	done
	echo
	echo "Every repeat (seconds; RPC calls):"
	for s in "${sys_list[@]}"; do
		for st in "${steps[@]}"; do
			echo "$s $st: ${secs[$s,$st]% }; ${calls[$s,$st]% }"
		done
	done
}

if [ -n "$outfile" ]; then
	report | tee "$outfile"
else
	report
fi
