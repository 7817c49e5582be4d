#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2026 The algfs authors
#
# bench/syscalls.sh [--systems LIST] [-n COUNT] [--no-ops] [--max-threads N]
#                   [-o OUTFILE] [-k KEEPDIR] [-d DIR] [-c CACHEDIR]
#                   [-t TIMEOUT] [--no-install]
#
# Counts the system calls of each FUSE daemon, started in the foreground
# under strace -f, over a tmpfs backing directory, while on a fresh mount
# each: untar of a slice of Debian's linux-source tree (fs/ext4, fs/btrfs,
# fs/xfs: 399 files in linux 6.1), then ls -lR of it, then rm -rf of it.
# Prints the calls and calls per file of each phase, the FUSE requests
# served, the threads created, and the most frequent calls.  Then, for algfs
# alone, one fresh mount per micro-workload (create, lookup, getattr,
# setattr, open+release, write, readdir, unlink of COUNT files) and a table
# of system calls per FUSE request of each kind.  Run as root.
#   --systems LIST  comma-separated subset of algfs,gocryptfs,securefs,bindfs
#                   (default algfs,gocryptfs,securefs)
#   -n COUNT        files (and 4 KiB writes, and fstats) in each
#                   micro-workload (default 1000)
#   --no-ops        skip algfs's per-request micro-workloads
#   --max-threads N fail (exit 3) when algfs creates more than N threads per
#                   1,000 FUSE requests while serving them, over all its runs
#                   (default 5; a thread per request gives 1,000)
#   -o OUTFILE      also write the report there
#   -k KEEPDIR      keep the traces and the counts there
#   -d DIR          scratch mount point for the tmpfs (default
#                   /var/tmp/algfs-syscalls; created and removed; must be new
#                   or empty)
#   -c CACHEDIR     the tarball cache that fs-bench.sh uses too (default
#                   /var/tmp/algfs-bench-cache)
#   -t TIMEOUT      seconds a workload may take before it counts as hung (600)
#   --no-install    never run apt-get; skip what is missing
# ALGFS_BIN=DIR takes algfs and mkfs.algfs from DIR instead of build/.  Exit
# status: 0 counted, 1 a step failed, 3 algfs created too many threads,
# 64 usage.
set -euo pipefail

prog=syscalls.sh
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${ALGFS_BIN:-$repo/build}
systems=algfs,gocryptfs,securefs
count=1000
ops=1
max_threads=5
outfile=
keep=
dir=/var/tmp/algfs-syscalls
cache=/var/tmp/algfs-bench-cache
step_timeout=600
install=1

usage() { sed -n '5,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case $1 in
	--systems|--only) systems=$2; shift 2 ;;
	-n) count=$2; shift 2 ;;
	--no-ops) ops=; shift ;;
	--max-threads) max_threads=$2; shift 2 ;;
	-o) outfile=$2; shift 2 ;;
	-k) keep=$2; shift 2 ;;
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

[[ $count =~ ^[1-9][0-9]*$ ]] || die "-n: not a positive number: $count"
[[ $max_threads =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--max-threads: not a number: $max_threads"
[[ $step_timeout =~ ^[1-9][0-9]*$ ]] || die "-t: not a positive number: $step_timeout"
[ "$(id -u)" -eq 0 ] || die "run as root (FUSE mounts of other daemons, tmpfs, strace)"
for c in "strace strace" "perl perl-base" "fusermount3 fuse3" "xz xz-utils" "setsid util-linux"; do
	need "${c% *}" "${c#* }" || die "${c% *} is missing and could not be installed"
done

selected=()
declare -A skipped=()
for sys in ${systems//,/ }; do
	case $sys in
	algfs|gocryptfs|securefs|bindfs) ;;
	*) die "--systems: $sys is not one of algfs, gocryptfs, securefs, bindfs" ;;
	esac
	why=$(system_missing "$sys")
	if [ -n "$why" ]; then
		skipped[$sys]=$why
		log "skipping $sys: $why"
	else
		selected+=("$sys")
	fi
done
[ ${#selected[@]} -gt 0 ] || die "nothing to count"
if [ -n "$ops" ] && [ -n "${skipped[algfs]:-}" ]; then
	ops=
fi
[[ ",$systems," == *,algfs,* ]] || ops=

prepare_tarball "$cache"
prepare_slice

# ------------------------------------------------------------ scratch ---

made_dir=
if [ -e "$dir" ]; then
	if [ ! -d "$dir" ] || [ -n "$(ls -A "$dir")" ]; then
		die "$dir exists and is not an empty directory"
	fi
else
	mkdir -p "$dir"
	made_dir=1
fi
dir=$(cd "$dir" && pwd)
spid= # the strace running now, if any, and the mount its daemon serves
cur_mnt=

# stop_traced: wait for the traced daemon to leave after its unmount; if it
# does not, kill it (the child of strace), then strace.
stop_traced()
{
	local p=$spid _ kids
	[ -n "$p" ] || return 0
	spid=
	for _ in $(seq 300); do
		kill -0 "$p" 2> /dev/null || break
		sleep 0.1
	done
	if kill -0 "$p" 2> /dev/null; then
		kids=$(pgrep -P "$p" || true)
		log "the daemon under strace $p (${kids:-gone}) did not exit after its unmount: killing it"
		# shellcheck disable=SC2086 # a list of process ids
		[ -z "$kids" ] || kill -9 $kids 2> /dev/null || true
		sleep 1
		kill -9 "$p" 2> /dev/null || true
	fi
	wait "$p" 2> /dev/null || true
	unmount "$cur_mnt" || true
}

cleanup()
{
	local rc=$? m
	trap - EXIT INT TERM
	set +e
	# A daemon interrupted while it mounts: let it finish, then unmount.
	if [ -n "$spid" ]; then
		wait_mounted "$cur_mnt" "$spid" 2> /dev/null
		unmount "$cur_mnt"
	fi
	stop_traced
	for m in "$dir"/*/mnt; do
		[ -d "$m" ] || continue
		mounted "$m" && unmount "$m"
	done
	if mounted "$dir"; then
		umount "$dir" || umount -l "$dir"
	fi
	[ -n "$made_dir" ] && rmdir "$dir" 2> /dev/null
	[ -n "$work" ] && rm -rf "$work"
	exit $rc
}
work=
trap cleanup EXIT
trap 'exit 130' INT TERM

mount -t tmpfs -o size=4G,mode=700 algfs-syscalls "$dir"
work=$(mktemp -d /tmp/algfs-syscalls.XXXXXX)
traces=${keep:-$work}
mkdir -p "$traces"

# --------------------------------------------------------------- runs ---

# traced SYSTEM D RUN COMMAND [ALGFS-OPTION...]: mount D's volume with the
# daemon under strace, run COMMAND with bash in the mount (N, TARBALL and
# TOP in its environment), unmount, and count the trace into
# $traces/SYSTEM.RUN.counts.
traced()
{
	local sys=$1 d=$2 run=$3 cmd=$4 t rc
	shift 4
	t=$traces/$sys.$run
	vol_argv "$sys" "$d" "$@"
	log "$sys: $run"
	cur_mnt=$d/mnt
	setsid strace -f -C -qq -xx -s 8 -y -e signal=none -o "$t.trace" -- "${vol_cmd[@]}" \
		< /dev/null > "$t.log" 2>&1 3>&- &
	spid=$!
	if ! wait_mounted "$d/mnt" "$spid"; then
		tail -20 "$t.log" >&2
		stop_traced
		die "$sys: the daemon under strace did not mount"
	fi
	rc=0
	(cd "$d/mnt" && N=$count TARBALL=$tarball TOP=$tar_top \
		timeout -k 10 "$step_timeout" bash -ec "$cmd") || rc=$?
	if [ $rc -ne 0 ]; then
		kill_hung "$d/mnt"
		stop_traced
		die "$sys: $run: '$cmd' failed (exit $rc)"
	fi
	unmount "$d/mnt" || die "$sys: cannot unmount $d/mnt"
	stop_traced
	awk -f "$repo/bench/strace-fuse.awk" "$t.trace" > "$t.counts"
	# Our count must be strace's own (within 0.5%: a call interrupted and
	# restarted may count once or twice): else the trace was not understood.
	awk '$1 == "total" { t = $2 } $1 == "summary" { s = $2 }
		END { d = t - s; if (d < 0) d = -d; exit !(s > 0 && (d <= 5 || d <= s / 200)) }' "$t.counts" ||
		die "$t.trace: counted $(awk '$1 == "total" { print $2 }' "$t.counts") calls, strace says $(awk '$1 == "summary" { print $2 }' "$t.counts")"
	if [ "$sys" = algfs ] || [ "$sys" = securefs ] || [ "$sys" = bindfs ]; then
		[ "$(awk '$1 == "requests" { print $2 }' "$t.counts")" -gt 0 ] ||
			die "$t.trace: no read of /dev/fuse returned a request"
	fi
}

# get FILE KEY...: the number on the line "KEY... N" of a counts file (0).
get()
{
	local f=$1
	shift
	awk -v k="$*" '{ n = $NF; $NF = ""; sub(/ $/, "") } $0 == k { print n; f = 1 } END { if (!f) print 0 }' "$f"
}

# The workloads run in bash -c, which expands their variables.
phases="untar lslr rm"
# shellcheck disable=SC2016
declare -A phase_cmd=(
	[untar]='tar -xf "$TARBALL" --no-same-owner && sync'
	[lslr]='ls -lR > /dev/null'
	[rm]='rm -rf "$TOP" && sync'
)
declare -A phase_title=([untar]=untar [lslr]="ls -lR" [rm]="rm -rf")

for sys in "${selected[@]}"; do
	vol_init "$sys" "$dir/$sys"
	for ph in $phases; do
		traced "$sys" "$dir/$sys" "$ph" "${phase_cmd[$ph]}"
	done
done

# The micro-workloads: each on a fresh mount of one volume; N files in d/.
workloads="create lookup getattr setattr release write readdir unlink"
# shellcheck disable=SC2016
declare -A wl_cmd=(
	[create]='mkdir d; for ((i = 0; i < N; i++)); do : > "d/f$i"; done'
	[lookup]='for ((i = 0; i < N; i++)); do [ -e "d/f$i" ]; done'
	[getattr]='perl -e '\''open(my $f, "<", "d/f0") or die "d/f0: $!"; stat($f) or die "fstat: $!" for 1 .. $ENV{N}'\'
	[setattr]='perl -e '\''for (0 .. $ENV{N} - 1) { chmod(0600, "d/f$_") && utime(undef, undef, "d/f$_") or die "d/f$_: $!" }'\'
	[release]='for ((i = 0; i < N; i++)); do exec 3< "d/f$i"; exec 3<&-; done'
	[write]='dd if=/dev/zero of=d/w bs=4k count="$N" oflag=direct status=none'
	[readdir]='for ((r = 0; r < 10; r++)); do ls -f d > /dev/null; done'
	[unlink]='perl -e '\''for (0 .. $ENV{N} - 1) { unlink("d/f$_") or die "d/f$_: $!" } unlink("d/w") or die "d/w: $!"'\'
)
declare -A wl_what=(
	[create]=': > d/fI (open O_CREAT\|O_TRUNC, close), {N} times'
	[lookup]='[ -e d/fI ] of {N} names not in the cache'
	[getattr]='fstat of one open file, {N} times, mounted -o timeout=0'
	[setattr]='chmod and utime of {N} files'
	[release]='open and close of {N} files'
	[write]='dd bs=4k count={N} oflag=direct ({N} 4 KiB writes)'
	[readdir]='ls -f of the {N}-file directory, 10 times'
	[unlink]='unlink of {N} files'
)
declare -A wl_op=([create]=CREATE [lookup]=LOOKUP [getattr]=GETATTR [setattr]=SETATTR
	[release]=RELEASE [write]=WRITE [readdir]="READDIRPLUS READDIR" [unlink]=UNLINK)
if [ -n "$ops" ]; then
	vol_init algfs "$dir/ops"
	for wl in $workloads; do
		opt=()
		[ "$wl" = getattr ] && opt=(timeout=0)
		traced algfs "$dir/ops" "op-$wl" "${wl_cmd[$wl]}" "${opt[@]}"
	done
fi

# ------------------------------------------------------------ reporting ---

# fmt N: N with thousands separated by commas.
fmt() { awk -v n="$1" 'BEGIN { s = sprintf("%d", n); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); print s }'; }
per() { awk -v a="$1" -v b="$2" -v p="${3:-0}" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.*f\n", p, a / b }'; }

header()
{
	local cpu
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	echo "algfs syscalls.sh, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine:  $(uname -srm); $(nproc) x ${cpu:-?}; $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
	echo "commit:   $(git -C "$repo" describe --always --dirty 2> /dev/null || echo ?)"
	echo "tools:    $(strace -V | sed -n 1p); $(fusermount3 -V 2>&1 | sed -n 1p); libfuse3 $(dpkg-query -W -f '${Version}' libfuse3-3 2> /dev/null || echo ?)"
	echo "backing:  tmpfs; each phase on a fresh mount, the daemon in the foreground under"
	echo "          strace -f -C -qq -xx -s 8 -y -e signal=none (counts as strace -c -f)"
	echo "tree:     $(basename "$tarball"): $tar_files files ($slice_dirs of $tar_top)"
	for sys in algfs gocryptfs securefs bindfs; do
		[[ ",$systems," == *,$sys,* ]] || continue
		if [ -n "${skipped[$sys]:-}" ]; then
			printf '%-10s skipped: %s\n' "$sys:" "${skipped[$sys]}"
		else
			printf '%-10s %s\n' "$sys:" "$(version_of "$sys")"
		fi
	done
}

# top FILE K: the K most frequent calls of a counts file, "name n, ...".
top()
{
	awk '$1 == "sys" { print $3, $2 }' "$1" | sort -rn | awk -v k="$2" 'NR <= k { printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }'
}

phase_table()
{
	local sys ph c line reqs thr
	echo
	echo "System calls of the daemon per phase: calls (per file of the $tar_files); FUSE requests read"
	echo "from /dev/fuse; threads created (clone, clone3) in the three phases together."
	echo
	printf '| daemon | untar | ls -lR | rm -rf | requests (untar / ls -lR / rm -rf) | threads created | per 1,000 requests |\n'
	printf '|---|---:|---:|---:|---:|---:|---:|\n'
	for sys in "${selected[@]}"; do
		line="| $sys"
		reqs=
		thr=0
		local rq=0
		for ph in $phases; do
			c=$traces/$sys.$ph.counts
			line+=" | $(fmt "$(get "$c" summary)") ($(per "$(get "$c" summary)" "$tar_files"))"
			reqs+="${reqs:+ / }$(fmt "$(get "$c" requests)")"
			rq=$((rq + $(get "$c" requests)))
			thr=$((thr + $(get "$c" threads)))
		done
		echo "$line | $reqs | $(fmt "$thr") | $(per $((thr * 1000)) "$rq" 1) |"
	done
	echo
	echo "Most frequent calls:"
	echo
	echo "| daemon | phase | calls |"
	echo "|---|---|---|"
	for sys in "${selected[@]}"; do
		for ph in $phases; do
			echo "| $sys | ${phase_title[$ph]} | $(top "$traces/$sys.$ph.counts" 8) |"
		done
	done
}

ops_tables()
{
	local wl c op all kinds
	all=$work/ops.all
	cat "$traces"/algfs.op-*.counts > "$all"
	echo
	echo "algfs, one micro-workload per fresh mount (N = $count):"
	echo
	echo "| workload | what | FUSE requests | of the kind it exercises | daemon calls | threads created |"
	echo "|---|---|---:|---|---:|---:|"
	for wl in $workloads; do
		c=$traces/algfs.op-$wl.counts
		kinds=
		for op in ${wl_op[$wl]}; do
			kinds+="${kinds:+, }$(fmt "$(get "$c" op "$op")") $op"
		done
		echo "| $wl | ${wl_what[$wl]//\{N\}/$count} | $(fmt "$(get "$c" requests)") | $kinds | $(fmt "$(get "$c" summary)") | $(get "$c" threads) |"
	done
	echo
	echo "algfs, system calls per FUSE request of each kind, over all the micro-workloads (a"
	echo "request's calls: from the read of /dev/fuse that brought it to its thread's next read,"
	echo "the reply included):"
	echo
	echo "| request | requests | calls per request | the calls per request |"
	echo "|---|---:|---:|---|"
	# "OP n calls" rows, then "OP NAME calls-per-request" rows, most first.
	awk '$1 == "op" { n[$2] += $3 } $1 == "opsys" { c[$2] += $4; s[$2 " " $3] += $4 }
		END {
			for (op in n) printf "R %s %d %d\n", op, n[op], c[op]
			printf "R - 0 %d\n", c["-"]
			for (k in s) { split(k, p, " "); if (p[1] in n) printf "S %s %s %.2f\n", p[1], p[2], s[k] / n[p[1]] }
		}' "$all" | sort -k1,1 -k2,2 -k4,4gr |
	awk 'BEGIN { order = "LOOKUP GETATTR CREATE WRITE RELEASE SETATTR UNLINK READDIR READDIRPLUS" }
		$1 == "R" { n[$2] = $3; c[$2] = $4; if (index(" " order " ", " " $2 " ") == 0 && $2 != "-") order = order " " $2 }
		$1 == "S" && ++m[$2] <= 6 { top[$2] = top[$2] (m[$2] > 1 ? ", " : "") $3 " " $4 }
		END {
			k = split(order, o, " ")
			for (i = 1; i <= k; i++)
				if (o[i] in n)
					printf "| %s | %d | %.1f | %s |\n", o[i], n[o[i]], c[o[i]] / n[o[i]], top[o[i]]
			printf "| (no request: start-up, idle threads) | - | %d calls in all | |\n", c["-"]
		}'
}

threads_check()
{
	local sys_files t=0 r=0
	sys_files=("$traces"/algfs.*.counts)
	for f in "${sys_files[@]}"; do
		t=$((t + $(get "$f" threads_req)))
		r=$((r + $(get "$f" requests)))
	done
	thr_rate=$(awk -v t="$t" -v r="$r" 'BEGIN { printf "%.2f", r ? 1000 * t / r : 0 }')
	echo
	echo "algfs: $(fmt "$t") threads created while serving $(fmt "$r") FUSE requests in all its runs above:"
	echo "$thr_rate per 1,000 requests (limit $max_threads; a thread per request would be 1,000)."
	thr_bad=$(awk -v a="$thr_rate" -v b="$max_threads" 'BEGIN { print (a > b) ? 1 : 0 }')
}

thr_bad=0
{
	header
	phase_table
	if [ -n "$ops" ]; then
		ops_tables
	fi
	if [ -z "${skipped[algfs]:-}" ] && [[ ",$systems," == *,algfs,* ]]; then
		threads_check
	fi
} > "$work/report"
cat "$work/report"
[ -z "$outfile" ] || cp "$work/report" "$outfile"
if [ "$thr_bad" = 1 ]; then
	echo "$prog: FAIL: algfs created $thr_rate threads per 1,000 FUSE requests (limit $max_threads):" \
		"its multithreaded loop is not keeping idle workers" >&2
	exit 3
fi
