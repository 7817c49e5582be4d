#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2026 The algfs authors
#
# bench/fs-bench.sh [--systems LIST] [--steps LIST] [--backings LIST]
#                   [-s SIZE] [--fio-size SIZE] [--fio-time SECONDS]
#                   [--fio-direct 0|1] [--tree full|slice] [-r REPEATS]
#                   [-o OUTFILE] [-d DIR] [-c CACHEDIR] [-t TIMEOUT]
#                   [--no-install]
#
# The gocryptfs "canonical" set, in one run on this machine, on algfs and
# its peers: gocryptfs, securefs (lite format), bindfs -o multithreaded
# (FUSE passthrough without crypto: the ceiling) and the bare backing
# directory (the reference), each over a backing directory on tmpfs and on
# ext4.  For each backing, repeat and filesystem (repeats interleave the
# filesystems), after a fresh mount and drop_caches each:
#   write   dd SIZE from /dev/zero, bs=1M conv=fsync             (MB/s)
#   read    dd that file to /dev/null, cold                      (MB/s)
#   untar   tar -xf of Debian's linux-source tree, then sync      (s)
#   md5     md5sum of every file of the tree, cold                (s)
#   lslr    ls -lR of the tree, cold                              (s)
#   rm      rm -rf of the tree, cold, then sync                   (s)
#   fio     4 KiB random read and random write of a FIO-SIZE file,
#           1 job and 4 jobs, FIO-TIME seconds each, cold each    (IOPS)
# Prints the median of each column per backing and filesystem, the ratio of
# algfs to the best peer (gocryptfs, securefs, cryfs) and to bindfs, and
# every repeat's figures.  Run as root (drop_caches, tmpfs, FUSE).
#   --systems LIST   comma-separated subset of bare,bindfs,gocryptfs,
#                    securefs,cryfs,algfs,algfs1,algfs0 (algfs1: a format 1
#                    volume; algfs0: the baseline build ALGFS_BASE_BIN;
#                    default all but cryfs, algfs1 and algfs0; --only is
#                    the same)
#   --steps LIST     subset of write,read,untar,md5,lslr,rm,fio (default
#                    all; a step that another needs runs untimed)
#   --backings LIST  subset of tmpfs,ext4 (default tmpfs,ext4)
#   -s SIZE          the dd file (default 1G; K, M or G suffix)
#   --fio-size SIZE  the fio file (default 1G)
#   --fio-time SECS  each fio run (default 15)
#   --fio-direct N   1: fio with O_DIRECT (each I/O a FUSE request);
#                    0: through the page cache (default 0)
#   --tree WHICH     full: the whole tree (default); slice: fs/ext4,
#                    fs/btrfs and fs/xfs only (399 files), for quick checks
#   -r REPEATS       repeats, median reported (default 3)
#   -o OUTFILE       also write the report there
#   -d DIR           scratch directory on an ext4 disk (default
#                    /var/tmp/algfs-bench; created and removed; must be
#                    new or empty); the ext4 backing is DIR/ext4, the tmpfs
#                    one a tmpfs mounted on DIR/tmpfs
#   -c CACHEDIR      where the decompressed tarball is kept between runs
#                    (default /var/tmp/algfs-bench-cache)
#   -t TIMEOUT       seconds any one step may take before it counts as
#                    hung (1800)
#   --no-install     never run apt-get; skip what is missing
# ALGFS_BIN=DIR takes algfs and mkfs.algfs from DIR instead of build/;
# ALGFS_BASE_BIN=DIR is where the system algfs0 takes them from.  Exit
# status: 0 all measured (or skipped), 1 a filesystem failed or set-up
# failed, 64 usage.
set -euo pipefail

prog="fs-bench.sh"
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${ALGFS_BIN:-$repo/build}
size_arg=1G
fio_size_arg=1G
fio_time=15
fio_direct=0
tree=full
repeats=3
outfile=
dir=/var/tmp/algfs-bench
cache=/var/tmp/algfs-bench-cache
step_timeout=1800
systems=bare,bindfs,gocryptfs,securefs,algfs
steps=write,read,untar,md5,lslr,rm,fio
backings=tmpfs,ext4
install=1

usage() { sed -n '5,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
bad() { echo "$prog: $*" >&2; exit 64; }

while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || case $1 in --no-install|-h|--help) ;; *) bad "$1 needs a value" ;; esac
	case $1 in
	--systems|--only) systems=$2; shift 2 ;;
	--steps) steps=$2; shift 2 ;;
	--backings) backings=$2; shift 2 ;;
	-s) size_arg=$2; shift 2 ;;
	--fio-size) fio_size_arg=$2; shift 2 ;;
	--fio-time) fio_time=$2; shift 2 ;;
	--fio-direct) fio_direct=$2; shift 2 ;;
	--tree) tree=$2; shift 2 ;;
	-r) repeats=$2; shift 2 ;;
	-o) outfile=$2; shift 2 ;;
	-d) dir=$2; shift 2 ;;
	-c) cache=$2; shift 2 ;;
	-t) step_timeout=$2; shift 2 ;;
	--no-install) install=; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$prog: unknown option $1" >&2; usage >&2; exit 64 ;;
	esac
done

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$repo/bench/lib.sh"

# bytes SIZE: SIZE (a K, M or G suffix allowed) in bytes, a multiple of 1 MiB.
bytes()
{
	local n
	case $1 in
	*[kK]) n=$((${1%?} * 1024)) ;;
	*[mM]) n=$((${1%?} * 1048576)) ;;
	*[gG]) n=$((${1%?} * 1073741824)) ;;
	*) n=$1 ;;
	esac 2> /dev/null || n=x
	if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -eq 0 ] || [ $((n % 1048576)) -ne 0 ]; then
		bad "bad size $1: a positive multiple of 1M"
	fi
	echo "$n"
}
size=$(bytes "$size_arg")
fio_size=$(bytes "$fio_size_arg")
[[ $repeats =~ ^[1-9][0-9]*$ ]] || bad "bad repeat count $repeats"
[[ $step_timeout =~ ^[1-9][0-9]*$ ]] || bad "bad timeout $step_timeout"
[[ $fio_time =~ ^[1-9][0-9]*$ ]] || bad "bad fio time $fio_time"
[[ $fio_direct =~ ^[01]$ ]] || bad "--fio-direct: 0 or 1"
[[ $tree =~ ^(full|slice)$ ]] || bad "--tree: full or slice"

# list NAME VALUE KNOWN: the comma-separated VALUE as words, each in KNOWN.
list()
{
	local w out=
	for w in ${2//,/ }; do
		[[ " $3 " == *" $w "* ]] || bad "$1: unknown $w (known: $3)"
		out+="$w "
	done
	[ -n "$out" ] || bad "$1: empty list"
	echo "${out% }"
}
words=$(list --systems "$systems" "$all_systems")
read -r -a selected <<< "$words"
words=$(list --backings "$backings" "tmpfs ext4")
read -r -a backing_list <<< "$words"
words=$(list --steps "$steps" "write read untar md5 lslr rm fio")
step_set=" $words "
timed() { [[ $step_set == *" $1 "* ]]; }
[ "$(id -u)" -eq 0 ] || die "run as root (drop_caches, tmpfs, FUSE)"

# ---------------------------------------------------------------- set-up ---

for c in "fusermount3 fuse3" "mountpoint util-linux" "xz xz-utils" "timeout coreutils"; do
	need "${c% *}" "${c#* }" || die "${c% *} is missing and could not be installed"
done
if timed fio; then
	need fio fio || die "fio is missing and could not be installed"
fi
fs_list=()
declare -A skipped=()
for fs in "${selected[@]}"; do
	why=$(system_missing "$fs")
	if [ -n "$why" ]; then
		skipped[$fs]=$why
		log "skipping $fs: $why"
	else
		fs_list+=("$fs")
	fi
done
[ ${#fs_list[@]} -gt 0 ] || die "nothing to measure"

prepare_tarball "$cache"
[ "$tree" = full ] || prepare_slice

# The scratch directory: on ext4, new or empty.
made_dir=
if [ -e "$dir" ]; then
	if [ ! -d "$dir" ] || [ -n "$(ls -A "$dir")" ]; then
		die "$dir exists and is not an empty directory"
	fi
else
	mkdir -p "$dir"
	made_dir=1
fi

cleanup()
{
	local rc=$? m
	trap - EXIT INT TERM
	set +e
	for m in "$dir"/*/*/mnt; do
		[ -d "$m" ] && unmount "$m"
	done
	if mounted "$dir/tmpfs"; then
		umount "$dir/tmpfs" || umount -l "$dir/tmpfs"
	fi
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
trap cleanup EXIT
trap 'exit 130' INT TERM
dir=$(cd "$dir" && pwd)
read -r scratch_dev scratch_type scratch_avail <<< "$(df --output=source,fstype,avail "$dir" | tail -1)"
if [[ " ${backing_list[*]} " == *" ext4 "* ]] && [ "$scratch_type" != ext4 ]; then
	die "$dir is on $scratch_type, not ext4; pick a directory on ext4 with -d (or --backings tmpfs)"
fi
big=$((size > fio_size ? size : fio_size))
need_kib=$(( (big + tar_bytes * 2) / 1024 + 1048576 ))
[ "$scratch_avail" -ge "$need_kib" ] ||
	die "$dir has $((scratch_avail / 1024)) MiB free, needs about $((need_kib / 1024)) MiB"
state=$dir/.state
mkdir -p "$state"
: > "$state/results"

for b in "${backing_list[@]}"; do
	mkdir -p "$dir/$b"
	if [ "$b" = tmpfs ]; then
		mount -t tmpfs -o "size=$((need_kib / 1024))m,mode=755" algfs-bench "$dir/tmpfs"
	fi
done

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
mbps() { awk -v s="$1" -v t="$(elapsed "$2" "$3")" 'BEGIN { printf "%.1f", s / 1e6 / t }'; }
# record BACKING FS REP METRIC VALUE, if METRIC's step was asked for.
record()
{
	local step=$4
	case $4 in randread*|randwrite*) step=fio ;; esac
	timed "$step" || return 0
	echo "$1 $2 $3 $4 $5" >> "$state/results"
	log "$1 $2 #$3 $4 = $5"
}
run() { timeout -k 10 "$step_timeout" "$@"; }

# cold FS D: unmount if mounted, drop the caches, mount.
cold()
{
	vol_umount "$1" "$2"
	drop_caches
	vol_mount "$1" "$2"
}

# fio_run M RW JOBS: IOPS of JOBS jobs of 4 KiB RW (randread, randwrite) on
# M/fio.dat for fio_time seconds.
fio_run()
{
	local out field=8
	[ "$2" = randwrite ] && field=49
	out=$(run fio --name="$2" --filename="$1/fio.dat" --rw="$2" --bs=4k --size="$fio_size" \
		--numjobs="$3" --time_based --runtime="$fio_time" --ioengine=psync \
		--direct="$fio_direct" --group_reporting --output-format=terse --terse-version=3)
	awk -F';' -v f=$field 'NR == 1 { printf "%.0f\n", $f }' <<< "$out"
}

# measure BACKING FS REP: one round of every step on FS over BACKING.
measure()
{
	local b=$1 fs=$2 rep=$3 d m t0 t1 got files bytes sum rw jobs
	d=$dir/$b/$fs
	m=$d/mnt

	if timed write || timed read; then
		echo write > "$state/step"
		cold "$fs" "$d"
		t0=$(now)
		run dd if=/dev/zero of="$m/big" bs=1M count=$((size / 1048576)) conv=fsync status=none
		t1=$(now)
		got=$(run stat -c %s "$m/big")
		[ "$got" -eq "$size" ] || { echo "wrote $size bytes, file has $got" >&2; return 1; }
		record "$b" "$fs" "$rep" write "$(mbps "$size" "$t0" "$t1")"

		echo read > "$state/step"
		cold "$fs" "$d"
		t0=$(now)
		got=$(run dd if="$m/big" of=/dev/null bs=1M 2>&1 | awk '/bytes/ { print $1 }')
		t1=$(now)
		[ "$got" = "$size" ] || { echo "read ${got:-0} bytes of $size" >&2; return 1; }
		record "$b" "$fs" "$rep" read "$(mbps "$size" "$t0" "$t1")"
		run rm -f "$m/big"
	fi

	if timed untar || timed md5 || timed lslr || timed rm; then
		echo untar > "$state/step"
		cold "$fs" "$d"
		cat "$tarball" > /dev/null
		run mkdir "$m/src"
		t0=$(now)
		run tar -xf "$tarball" -C "$m/src" --no-same-owner
		run sync
		t1=$(now)
		record "$b" "$fs" "$rep" untar "$(elapsed "$t0" "$t1")"
		read -r files bytes <<< "$(run find "$m/src" -type f -printf '%s\n' | awk '{ n++; s += $1 } END { print n + 0, s + 0 }')"
		if [ "$files" -ne "$tar_files" ] || [ "$bytes" -ne "$tar_bytes" ]; then
			echo "extracted $files files, $bytes bytes; the tarball has $tar_files, $tar_bytes" >&2
			return 1
		fi
		sum=$(run sha256sum "$m/src/$sample" | cut -d' ' -f1)
		[ "$sum" = "$sample_sum" ] || { echo "$sample differs from the tarball's" >&2; return 1; }

		if timed md5; then
			echo md5 > "$state/step"
			cold "$fs" "$d"
			t0=$(now)
			(cd "$m/src" && run find . -type f -print0 | run xargs -0 md5sum > /dev/null)
			t1=$(now)
			record "$b" "$fs" "$rep" md5 "$(elapsed "$t0" "$t1")"
		fi

		if timed lslr; then
			echo lslr > "$state/step"
			cold "$fs" "$d"
			t0=$(now)
			run ls -lR "$m/src" > /dev/null
			t1=$(now)
			record "$b" "$fs" "$rep" lslr "$(elapsed "$t0" "$t1")"
		fi

		echo rm > "$state/step"
		cold "$fs" "$d"
		t0=$(now)
		run rm -rf "$m/src"
		run sync
		t1=$(now)
		record "$b" "$fs" "$rep" rm "$(elapsed "$t0" "$t1")"
		[ -z "$(run ls -A "$m")" ] || { echo "$m not empty after rm -rf" >&2; return 1; }
	fi

	if timed fio; then
		echo fio > "$state/step"
		cold "$fs" "$d"
		run dd if=/dev/zero of="$m/fio.dat" bs=1M count=$((fio_size / 1048576)) conv=fsync status=none
		for rw in randread randwrite; do
			for jobs in 1 4; do
				echo "fio $rw, $jobs jobs" > "$state/step"
				cold "$fs" "$d"
				record "$b" "$fs" "$rep" "$rw$jobs" "$(fio_run "$m" "$rw" "$jobs")"
			done
		done
		run rm -f "$m/fio.dat"
	fi
	vol_umount "$fs" "$d"
}

# attempt KEY WHAT ARGS...: run WHAT in a subshell with errexit; on failure
# note the step and the error in failed[KEY] (KEY: BACKING/FS), unmount, and
# let the others go on.  Never call it where errexit is ignored (after || or
# &&, in an if): errexit would then be off inside the subshell too.
declare -A failed=()
attempt()
{
	local key=$1 rc errs
	shift
	: > "$state/err"
	echo "${1#vol_}" > "$state/step"
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
	case $rc in 124|137) errs="timed out after $step_timeout s (-t) ${errs:-}" ;; esac
	failed[$key]="$(cat "$state/step") failed (exit $rc): $(tr '\n' ' ' <<< "${errs:-?}")"
	log "$key: ${failed[$key]}"
	if [ "$(wc -l < "$state/err")" -gt 4 ]; then
		log "$key: its first errors:"
		head -10 "$state/err" >&3
	fi
	if [ "${key#*/}" != bare ]; then
		# A step that timed out may have left the daemon hung.
		case $rc in 124|137) kill_hung "$dir/$key/mnt" ;; esac
		unmount "$dir/$key/mnt" || true
		if [ -s "$dir/$key/mount.log" ]; then
			log "$key mount.log:"
			tail -20 "$dir/$key/mount.log" >&3
		fi
	fi
	return 0
}

# ------------------------------------------------------------ reporting ---

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
	local cpu b
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	echo "algfs fs-bench, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$repo" describe --always --dirty 2> /dev/null || echo ?)"
	echo "machine:  $(uname -srm); $(nproc) x ${cpu:-?}; $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM; load $(cut -d' ' -f1-3 /proc/loadavg) at start"
	for b in "${backing_list[@]}"; do
		case $b in
		tmpfs) echo "backing:  tmpfs, a tmpfs mounted on $dir/tmpfs" ;;
		ext4) echo "backing:  ext4, the directory $dir/ext4 on $scratch_dev ($scratch_type, $(awk -v m="$(df --output=target "$dir" | tail -1)" '$2 == m { print $4 }' /proc/self/mounts))" ;;
		esac
	done
	echo "fuse:     $(fusermount3 -V 2>&1 | sed -n 1p); libfuse3 $(dpkg-query -W -f '${Version}' libfuse3-3 2> /dev/null || echo ?); open files $(ulimit -Sn)/$(ulimit -Hn), CAP_SYS_RESOURCE $(has_cap 24)"
	echo "tools:    $(dd --version | sed -n 1p); $(tar --version | sed -n 1p); $(fio --version 2> /dev/null || echo 'fio -')"
	if timed write || timed read; then
		echo "write:    dd $((size / 1048576)) MiB, bs=1M conv=fsync; read: dd bs=1M after unmount, drop_caches, mount"
	fi
	if timed untar || timed md5 || timed lslr || timed rm; then
		echo "tree:     $(basename "$tarball") ($tar_files files, $((tar_bytes / 1048576)) MiB); untar + sync; md5sum of every"
		echo "          file, ls -lR, rm -rf + sync: each after unmount, drop_caches, mount"
	fi
	if timed fio; then
		echo "fio:      4 KiB randread/randwrite, psync, direct=$fio_direct, $((fio_size / 1048576)) MiB file, ${fio_time} s, 1 and 4 jobs, each cold"
	fi
	local st=${step_set# }
	echo "steps:    ${st% }; repeats: $repeats, interleaved (median shown)"
	for fs in "${selected[@]}"; do
		if [ -n "${skipped[$fs]:-}" ]; then
			printf '%-10s skipped: %s\n' "$fs:" "${skipped[$fs]}"
		else
			printf '%-10s %s\n' "$fs:" "$(version_of "$fs")"
		fi
	done
}

metrics="write read untar md5 lslr rm randread1 randread4 randwrite1 randwrite4"
declare -A title=([write]="write MB/s" [read]="read MB/s" [untar]="untar s" [md5]="md5 s"
	[lslr]="ls -lR s" [rm]="rm -rf s" [randread1]="randread 1 job" [randread4]="randread 4 jobs"
	[randwrite1]="randwrite 1 job" [randwrite4]="randwrite 4 jobs")
higher() { [[ $1 != untar && $1 != md5 && $1 != lslr && $1 != rm ]]; }

median()
{
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) print "-";
		else if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# show METRIC VALUE: VALUE as the table shows it.
show()
{
	awk -v m="$1" -v v="$2" 'BEGIN {
		if (v == "-") print "-"
		else if (m ~ /^rand/) print (v >= 10000) ? sprintf("%.1fk", v / 1000) : sprintf("%.0f", v)
		else if (m == "write" || m == "read") printf "%.0f\n", v
		else printf "%.2f\n", v }'
}

# ratio METRIC A B: how many times better A is than B (>1: A better).
ratio()
{
	local hi=1
	higher "$1" || hi=0
	awk -v a="$2" -v b="$3" -v hi=$hi 'BEGIN {
		if (a == "-" || b == "-" || a + 0 == 0 || b + 0 == 0) { print "-"; exit }
		printf "%.2fx\n", hi ? a / b : b / a }'
}

# better METRIC A B: whether A is better than B.
better()
{
	local hi=1
	higher "$1" || hi=0
	awk -v a="$2" -v b="$3" -v hi=$hi 'BEGIN { exit !(hi ? a + 0 > b + 0 : a + 0 < b + 0) }'
}

table()
{
	local b fs metric line best bestfs pair other peers=() cols=()
	declare -A med=()
	for metric in $metrics; do
		case $metric in
		write|read|untar|md5|lslr|rm) timed "$metric" && cols+=("$metric") ;;
		*) timed fio && cols+=("$metric") ;;
		esac
	done
	for fs in "${fs_list[@]}"; do
		case $fs in gocryptfs|securefs|cryfs) peers+=("$fs") ;; esac
	done
	for b in "${backing_list[@]}"; do
		for fs in "${fs_list[@]}"; do
			for metric in "${cols[@]}"; do
				med[$fs.$metric]=$(awk -v b="$b" -v f="$fs" -v m="$metric" \
					'$1 == b && $2 == f && $4 == m { print $5 }' "$state/results" | median)
			done
		done
		echo
		echo "### $b backing: medians of $repeats (MB/s and IOPS: higher is better; s: lower is better)"
		echo
		line="| system |"
		for metric in "${cols[@]}"; do line+=" ${title[$metric]} |"; done
		echo "$line"
		line="|---|"
		for metric in "${cols[@]}"; do line+="---:|"; done
		echo "$line"
		for fs in "${selected[@]}"; do
			line="| $fs"
			[ -n "${skipped[$fs]:-}" ] && line+=" (skipped)"
			[ -n "${failed[$b/$fs]:-}" ] && line+=" (FAILED)"
			line+=" |"
			for metric in "${cols[@]}"; do
				if [ -n "${skipped[$fs]:-}" ]; then
					line+=" - |"
				else
					line+=" $(show "$metric" "${med[$fs.$metric]}") |"
				fi
			done
			echo "$line"
		done
		[[ " ${fs_list[*]} " == *" algfs "* ]] || continue
		echo
		line="the best peer"
		[ ${#peers[@]} -gt 0 ] || line=
		[[ " ${fs_list[*]} " != *" bindfs "* ]] || line+="${line:+ and }bindfs"
		[[ " ${fs_list[*]} " != *" algfs1 "* ]] || line+="${line:+ and }format 1"
		[[ " ${fs_list[*]} " != *" algfs0 "* ]] || line+="${line:+ and }the baseline build"
		[ -n "$line" ] || continue
		echo "### $b backing: algfs against $line (>1: algfs better)"
		echo
		line="| |"
		for metric in "${cols[@]}"; do line+=" ${title[$metric]} |"; done
		echo "$line"
		line="|---|"
		for metric in "${cols[@]}"; do line+="---:|"; done
		echo "$line"
		if [ ${#peers[@]} -gt 0 ]; then
			local lbest="| best peer |" lrat="| algfs / best peer |"
			for metric in "${cols[@]}"; do
				best=-
				bestfs=
				for fs in "${peers[@]}"; do
					[ "${med[$fs.$metric]}" = - ] && continue
					if [ "$best" = - ] || better "$metric" "${med[$fs.$metric]}" "$best"; then
						best=${med[$fs.$metric]}
						bestfs=$fs
					fi
				done
				lbest+=" ${bestfs:-} $(show "$metric" "$best") |"
				lrat+=" $(ratio "$metric" "${med[algfs.$metric]}" "$best") |"
			done
			echo "$lbest"
			echo "$lrat"
		fi
		# algfs against each of these that ran: SYSTEM|ROW LABEL.
		for pair in "bindfs|algfs / bindfs" \
			"algfs1|algfs (format 2) / algfs1 (format 1)" \
			"algfs0|algfs / algfs0 (the baseline build)"; do
			other=${pair%%|*}
			[[ " ${fs_list[*]} " == *" $other "* ]] || continue
			line="| ${pair#*|} |"
			for metric in "${cols[@]}"; do
				line+=" $(ratio "$metric" "${med[algfs.$metric]}" "${med[$other.$metric]}") |"
			done
			echo "$line"
		done
	done
	echo
	for key in "${!failed[@]}"; do
		echo "$key FAILED: ${failed[$key]}"
	done
	[ "$repeats" -gt 1 ] || return 0
	echo "Every repeat (backing system metric: values in run order):"
	for b in "${backing_list[@]}"; do
		for fs in "${fs_list[@]}"; do
			for metric in "${cols[@]}"; do
				line=$(awk -v b="$b" -v f="$fs" -v m="$metric" \
					'$1 == b && $2 == f && $4 == m { printf " %s", $5 }' "$state/results")
				[ -n "$line" ] && printf '  %-5s %-10s %-10s%s\n' "$b" "$fs" "$metric" "$line"
			done
		done
	done
	return 0
}

# ----------------------------------------------------------------- main ---

header > "$state/header"
cat "$state/header" >&2

for b in "${backing_list[@]}"; do
	for fs in "${fs_list[@]}"; do
		attempt "$b/$fs" vol_init "$fs" "$dir/$b/$fs"
	done
done
for rep in $(seq "$repeats"); do
	for b in "${backing_list[@]}"; do
		for fs in "${fs_list[@]}"; do
			[ -n "${failed[$b/$fs]:-}" ] && continue
			log "$b $fs: repeat $rep of $repeats"
			attempt "$b/$fs" measure "$b" "$fs" "$rep"
		done
	done
done

{ cat "$state/header"; table; } > "$state/report"
cat "$state/report"
if [ -n "$outfile" ]; then
	cp "$state/report" "$outfile"
fi
# Exit status 1 when a filesystem failed (a skipped one does not count).
[ ${#failed[@]} -eq 0 ]
