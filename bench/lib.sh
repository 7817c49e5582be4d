# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2026 The algfs authors
#
# bench/lib.sh: what bench/fs-bench.sh and bench/syscalls.sh share, sourced
# by both (not run): logging, unmounting that survives a hung daemon, the
# linux-source tarball and its slice, and how each filesystem is created
# and mounted.  The caller sets prog (its name, for messages) and bin (where
# algfs and mkfs.algfs are) before it sources this file.
# shellcheck shell=bash
# The caller's variables (prog, bin, repo) are used here, and the ones set
# here (tarball, tar_files, ...) are used there:
# shellcheck disable=SC2034,SC2154

all_systems="bare bindfs gocryptfs securefs cryfs algfs algfs1 algfs0"

# algfs_bin SYSTEM: the directory of that system's algfs and mkfs.algfs:
# algfs0 is a baseline build (ALGFS_BASE_BIN, e.g. main before a change),
# so that one change is measured against what it changes.
algfs_bin()
{
	if [ "$1" = algfs0 ]; then
		echo "${ALGFS_BASE_BIN:-ALGFS_BASE_BIN-not-set}"
	else
		echo "$bin"
	fi
}
pw=benchpassword

die() { echo "$prog: $*" >&2; exit 1; }
# Progress goes to fd 3 (the original stderr), so that a caller may send
# the stderr of a measurement elsewhere.
exec 3>&2
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&3; }

# ----------------------------------------------------------- packages ---

updated=
install=${install-1}
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

# system_missing SYSTEM: why SYSTEM cannot be measured here (nothing if it can).
system_missing()
{
	case $1 in
	bare) ;;
	bindfs|gocryptfs|securefs|cryfs)
		need "$1" "$1" || echo "$1 not installed and apt-get install failed" ;;
	algfs | algfs1 | algfs0)
		b=$(algfs_bin "$1")
		[ -x "$b/algfs" ] && [ -x "$b/mkfs.algfs" ] ||
			echo "$b/algfs or $b/mkfs.algfs not built yet (algfs0: set ALGFS_BASE_BIN)" ;;
	*) echo "unknown filesystem $1 (known: $all_systems)" ;;
	esac
}

# -------------------------------------------------------------- mounts ---

# Nothing here stats a mount point that may be dead: a stat on the mount of
# a hung daemon hangs too.  Mount points are looked up in mountinfo.

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

# kill_hung MNT: abort the FUSE connection and detach the mount.
kill_hung()
{
	mounted "$1" || return 0
	log "$1: aborting its FUSE connection and detaching it"
	fuse_abort "$1"
	umount -l "$1" 2> /dev/null || true
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

# wait_mounted MNT [PID]: the daemon may return before the mount is visible;
# a daemon run in the background (PID) may also die before it mounts.
wait_mounted()
{
	local _
	for _ in $(seq 100); do
		mounted "$1" && return 0
		if [ -n "${2:-}" ] && ! kill -0 "$2" 2> /dev/null; then
			echo "$1: the daemon exited before it mounted" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "$1: not mounted after 10 s" >&2
	return 1
}

# stop_pid PID SECONDS: wait up to SECONDS for PID (a child of this shell) to
# exit after its unmount, then TERM it, then KILL it.
stop_pid()
{
	local pid=$1 _
	for _ in $(seq $(($2 * 10))); do
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2> /dev/null; then
		log "process $pid still there $2 s after its unmount: killing it"
		kill "$pid" 2> /dev/null
		sleep 1
		kill -9 "$pid" 2> /dev/null
	fi
	wait "$pid" 2> /dev/null || true
}

# --------------------------------------------------------- the volumes ---

# A volume lives in a directory D: D/cipher (the backing directory: the
# ciphertext, or for bindfs the files themselves), D/mnt (the mount point;
# for bare, the plain directory itself) and the key in D/passfile.

vol_init()
{
	local sys=$1 d=$2
	mkdir -p "$d/mnt"
	printf '%s\n' "$pw" > "$d/passfile"
	chmod 600 "$d/passfile"
	case $sys in
	bare) ;;
	bindfs) mkdir -p "$d/cipher" ;;
	gocryptfs)
		mkdir -p "$d/cipher"
		gocryptfs -init -q -passfile "$d/passfile" -scryptn 10 "$d/cipher" ;;
	securefs)
		mkdir -p "$d/cipher"
		securefs create --format 4 -r 1 --pass "$pw" "$d/cipher" > "$d/create.log" 2>&1 ||
			{ cat "$d/create.log" >&2; return 1; } ;;
	cryfs)
		mkdir -p "$d/cipher" "$d/local"
		# The first mount creates the volume; scrypt defaults are kept.
		vol_mount cryfs "$d"
		unmount "$d/mnt" ;;
	algfs | algfs1 | algfs0)
		# Cheap key derivation at mkfs only; the mount takes the defaults.
		# algfs1 is a format 1 volume, to compare the formats.
		mkdir -p "$d/cipher"
		"$(algfs_bin "$sys")/mkfs.algfs" "$d/cipher" --passfile "$d/passfile" --argon2-time 1 \
			--argon2-memory 8M --argon2-lanes 1 --no-recovery-key -q \
			--format "$([ "$sys" = algfs1 ] && echo 1 || echo 2)" ;;
	esac
}

# vol_argv SYSTEM D [ALGFS-OPTION...]: set vol_cmd to the command that
# serves D in the foreground (for strace); algfs takes the extra -o options.
vol_argv()
{
	local sys=$1 d=$2 o
	shift 2
	case $sys in
	bindfs) vol_cmd=(bindfs -f -o multithreaded "$d/cipher" "$d/mnt") ;;
	gocryptfs) vol_cmd=(gocryptfs -fg -q -nosyslog -passfile "$d/passfile" "$d/cipher" "$d/mnt") ;;
	securefs) vol_cmd=(securefs mount --pass "$pw" "$d/cipher" "$d/mnt") ;;
	algfs | algfs1 | algfs0)
		vol_cmd=("$(algfs_bin "$sys")/algfs" -f "$d/cipher" "$d/mnt" -o "passfile=$d/passfile")
		for o in "$@"; do
			vol_cmd+=(-o "$o")
		done ;;
	*) die "vol_argv: $sys has no foreground command here" ;;
	esac
}

# vol_mount SYSTEM D: mount D's volume the way a user would (the daemon
# goes to the background) and wait until the mount is there.
vol_mount()
{
	local sys=$1 d=$2
	case $sys in
	bare) return 0 ;;
	bindfs)
		timeout -k 5 120 bindfs -o multithreaded "$d/cipher" "$d/mnt" \
			< /dev/null >> "$d/mount.log" 2>&1 3>&- ;;
	gocryptfs)
		timeout -k 5 120 gocryptfs -q -passfile "$d/passfile" "$d/cipher" "$d/mnt" \
			< /dev/null >> "$d/mount.log" 2>&1 3>&- ;;
	securefs)
		timeout -k 5 120 securefs mount -b --log "$d/securefs.log" --pass "$pw" \
			"$d/cipher" "$d/mnt" < /dev/null >> "$d/mount.log" 2>&1 3>&- ;;
	cryfs)
		CRYFS_FRONTEND=noninteractive CRYFS_NO_UPDATE_CHECK=true \
			XDG_CONFIG_HOME=$d/local HOME=$d/local \
			timeout -k 5 120 cryfs --cipher aes-256-gcm --logfile "$d/cryfs.log" \
			"$d/cipher" "$d/mnt" < "$d/passfile" >> "$d/mount.log" 2>&1 3>&- ;;
	algfs | algfs1 | algfs0)
		timeout -k 5 120 "$(algfs_bin "$sys")/algfs" "$d/cipher" "$d/mnt" -o passfile="$d/passfile" \
			< /dev/null >> "$d/mount.log" 2>&1 3>&- ;;
	esac || { tail -20 "$d/mount.log" >&2; return 1; }
	wait_mounted "$d/mnt"
}

vol_umount()
{
	[ "$1" = bare ] && return 0
	unmount "$2/mnt" || { echo "$2/mnt: cannot unmount" >&2; return 1; }
}

# version_of SYSTEM: one line naming the version measured.
version_of()
{
	local v
	case $1 in
	bare) echo "the backing directory itself" ;;
	bindfs) echo "$(bindfs --version 2> /dev/null | sed -n 1p) -o multithreaded (FUSE passthrough, no crypto)" ;;
	gocryptfs) gocryptfs -version 2> /dev/null | sed -n 1p ;;
	securefs)
		v=$(dpkg-query -W -f '${Version}' securefs 2> /dev/null) || v='?'
		echo "securefs $v (lite format 4), $(securefs version 2>&1 | grep -m1 Crypto)" ;;
	cryfs) cryfs --version 2> /dev/null | sed -n 1p ;;
	algfs | algfs1 | algfs0)
		b=$(algfs_bin "$1")
		v=$(timeout 5 "$b/algfs" --version 2> /dev/null < /dev/null | sed -n 1p) || v=
		echo "${v:-algfs} (git $(git -C "$b" describe --always --dirty 2> /dev/null || echo ?)), defaults$([ "$1" = algfs1 ] && echo ", --format 1")$([ "$1" = algfs0 ] && echo ", the baseline build in $b")" ;;
	esac
}

# ------------------------------------------------------- the tarballs ---

# prepare_tarball CACHEDIR: Debian's linux-source, decompressed once into
# CACHEDIR so that untar measures the filesystem, not xz.  Sets tarball,
# tar_files, tar_bytes (its regular files and their bytes), tar_top (its
# top directory), sample (a file in it) and sample_sum (its sha256).
prepare_tarball()
{
	local cache=$1 xzs
	shopt -s nullglob
	xzs=(/usr/src/linux-source-*.tar.xz)
	if [ ${#xzs[@]} -eq 0 ]; then
		apt_install linux-source || true
		xzs=(/usr/src/linux-source-*.tar.xz)
	fi
	shopt -u nullglob
	[ ${#xzs[@]} -gt 0 ] || die "no /usr/src/linux-source-*.tar.xz (apt-get install linux-source)"
	mkdir -p "$cache"
	tarball=$cache/$(basename "${xzs[-1]}" .xz)
	if [ ! -s "$tarball" ] || [ "${xzs[-1]}" -nt "$tarball" ]; then
		log "decompressing ${xzs[-1]} into $cache (once)"
		xz -dc -T0 "${xzs[-1]}" > "$tarball.part"
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
}

# prepare_slice: after prepare_tarball, make the slice (fs/ext4, fs/btrfs,
# fs/xfs of the same tree: 399 files in 8 directories for linux 6.1) in the
# same cache, and point tarball and the rest at it.
slice_dirs="fs/ext4 fs/btrfs fs/xfs"
prepare_slice()
{
	local full=$tarball s=${tarball%.tar}-slice.tar t d
	if [ ! -s "$s" ] || [ "$full" -nt "$s" ]; then
		log "making $s from $(basename "$full") ($slice_dirs)"
		t=$(mktemp -d "${s%/*}/slice.XXXXXX")
		set -f
		# shellcheck disable=SC2046 # the list of directories, split on purpose
		tar -xf "$full" -C "$t" $(for d in $slice_dirs; do echo "$tar_top/$d"; done)
		set +f
		tar -cf "$s.part" -C "$t" "$tar_top"
		rm -rf "$t"
		mv "$s.part" "$s"
		rm -f "$s.manifest"
	fi
	if [ ! -s "$s.manifest" ] || [ "$s" -nt "$s.manifest" ]; then
		tar -tvf "$s" | awk '$1 ~ /^-/ { n++; s += $3 } END { print n, s }' > "$s.manifest.part"
		tar -xOf "$s" "$tar_top/fs/ext4/inode.c" | sha256sum | cut -d' ' -f1 >> "$s.manifest.part"
		mv "$s.manifest.part" "$s.manifest"
	fi
	{ read -r tar_files tar_bytes; read -r sample_sum; } < "$s.manifest"
	tarball=$s
	sample=$tar_top/fs/ext4/inode.c
}
