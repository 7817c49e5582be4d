#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2026 The algfs authors
#
# bench/stream-rss.sh [-s SIZE] [-d SCRATCH]
#
# The daemon's memory after a long streaming write and read: one algfs
# mount on SCRATCH (default /var/tmp/algfs-rss, on the disk), a SIZE file
# (default 10G) written with dd bs=1M conv=fsync, then read back cold.
# Prints the daemon's resident memory (VmRSS) and its peak (VmHWM) after
# the mount, the write and the read.  Run as root (drop_caches).
# Exit status: 0 measured, 1 a step failed, 64 usage.
set -euo pipefail

prog="stream-rss.sh"
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${ALGFS_BIN:-$repo/build}
size_arg=10G
dir=/var/tmp/algfs-rss

bad() { echo "$prog: $*" >&2; exit 64; }
while [ $# -gt 0 ]; do
	case $1 in
	-s) size_arg=${2:?}; shift 2 ;;
	-d) dir=${2:?}; shift 2 ;;
	-h|--help) sed -n '5,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) bad "unknown argument $1 (see --help)" ;;
	esac
done
case $size_arg in
*G) mib=$((${size_arg%G} * 1024)) ;;
*M) mib=${size_arg%M} ;;
*) bad "-s $size_arg: give M or G" ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "$prog: run as root (drop_caches)" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"

[ -e "$dir" ] && die "$dir exists; give a new scratch directory with -d"
d=$dir/vol
trap 'unmount "$d/mnt" || true; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$dir"
vol_init algfs "$d"
vol_mount algfs "$d"
pid=$(pgrep -n -f "^$bin/algfs $d/cipher ") || die "cannot find the daemon"

mem() { awk '/^VmRSS/ { r = $2 } /^VmHWM/ { h = $2 } END { printf "RSS %d MiB, peak %d MiB", r / 1024, h / 1024 }' "/proc/$pid/status"; }

echo "algfs stream-rss, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$repo" describe --always --dirty 2> /dev/null || echo ?)"
echo "backing: $(stat -f -c %T "$dir") ($dir); file: $mib MiB, dd bs=1M"
echo "after the mount:  $(mem)"
dd if=/dev/zero of="$d/mnt/big" bs=1M count="$mib" conv=fsync status=none
echo "after the write:  $(mem)"
sync
echo 3 > /proc/sys/vm/drop_caches
dd if="$d/mnt/big" of=/dev/null bs=1M status=none
echo "after the read:   $(mem)"
