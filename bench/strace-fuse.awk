# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2026 The algfs authors
#
# bench/strace-fuse.awk: counts a FUSE daemon's system calls and requests in
# a trace written by
#     strace -f -C -qq -xx -s 8 -y -e signal=none -o TRACE DAEMON...
# (every string in hex, 8 bytes of each buffer, descriptors with their paths;
# -C appends strace's own summary, which is checked against the count).
#
# A request is a read or readv on /dev/fuse that returns data; its opcode is
# the second 32-bit word of the bytes read (struct fuse_in_header).  Each
# system call is charged to the request its thread is serving: from the read
# that fetched it up to the thread's next read of /dev/fuse (which includes
# the reply's writev).  Calls of a thread that serves no request (start-up,
# a new thread before its first read, failed reads) are charged to "-".
# That is exact for a thread per request at a time (libfuse's loops), not
# for Go (gocryptfs), whose goroutines move between threads: use its totals
# only.
#
# Output, one fact per line:
#   total N            system calls counted in the trace (as strace -c counts
#                      them: exit and exit_group, which never return, left out)
#   summary N          the total in strace's own summary (-C), the reference
#   requests N         FUSE requests read
#   threads N          clone, clone3, fork and vfork calls
#   threads_req N      of those, the ones made while serving a request
#   sys NAME N         calls of NAME (from strace's summary if there is one)
#   op OP N            requests with opcode OP
#   opsys OP NAME N    calls of NAME charged to requests OP ("-": none)

BEGIN {
	split("LOOKUP FORGET GETATTR SETATTR READLINK SYMLINK - MKNOD MKDIR UNLINK " \
	      "RMDIR RENAME LINK OPEN READ WRITE STATFS RELEASE - FSYNC " \
	      "SETXATTR GETXATTR LISTXATTR REMOVEXATTR FLUSH INIT OPENDIR READDIR RELEASEDIR FSYNCDIR " \
	      "GETLK SETLK SETLKW ACCESS CREATE INTERRUPT BMAP DESTROY IOCTL POLL " \
	      "NOTIFY_REPLY BATCH_FORGET FALLOCATE READDIRPLUS RENAME2 LSEEK COPY_FILE_RANGE " \
	      "SETUPMAPPING REMOVEMAPPING SYNCFS TMPFILE STATX", opname, " ")
	fuse = "<\\x2f\\x64\\x65\\x76\\x2f\\x66\\x75\\x73\\x65>"
	hexdig = "0123456789abcdef"
}

function hexbyte(s) { return (index(hexdig, substr(s, 1, 1)) - 1) * 16 + index(hexdig, substr(s, 2, 1)) - 1 }

# opcode(LINE): the opcode in the first string of LINE ("" if none).
function opcode(line,   s, n) {
	if (!match(line, /"(\\x[0-9a-f][0-9a-f])(\\x[0-9a-f][0-9a-f])(\\x[0-9a-f][0-9a-f])(\\x[0-9a-f][0-9a-f])(\\x[0-9a-f][0-9a-f])(\\x[0-9a-f][0-9a-f])(\\x[0-9a-f][0-9a-f])(\\x[0-9a-f][0-9a-f])/))
		return ""
	s = substr(line, RSTART + 1, RLENGTH - 1)
	# bytes 4..7 of the header, little-endian; the opcodes fit in one byte.
	n = hexbyte(substr(s, 19, 2)) + 256 * hexbyte(substr(s, 23, 2))
	return (n in opname && opname[n] != "-") ? opname[n] : "OP" n
}

# result(LINE): what the call returned ("?" when it did not).
function result(line,   r) {
	if (!match(line, /\) += [-0-9x?][0-9a-fx]*/))
		return "?"
	r = substr(line, RSTART, RLENGTH)
	sub(/^\) += /, "", r)
	return r
}

function charge(pid, name) {
	total++
	sys[name]++
	opsys[(pid in cur ? cur[pid] : "-") SUBSEP name]++
	if (name == "clone" || name == "clone3" || name == "fork" || name == "vfork") {
		threads++
		if (pid in cur && cur[pid] != "-")
			threads_req++
	}
}

# finish(PID, LINE): the end of a fuse read on PID, from its last line.
function finish(pid, line,   r, op) {
	r = result(line)
	if (r != "?" && r + 0 > 0) {
		op = opcode(line)
		if (op == "")
			op = "OP?"
		requests++
		ops[op]++
		cur[pid] = op
		opsys[op SUBSEP pending_name[pid]]++
	} else {
		opsys["-" SUBSEP pending_name[pid]]++
	}
	delete pending_name[pid]
}

# The summary that -C appends: "% time ... calls errors syscall", then rows,
# then "total".
/^ *[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+ .*total$/ { summary = $4; next }
/^ *[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+/ { ssys[$NF] = $4; next }
/^ *% time/ || /^-----/ { next }

$1 ~ /^[0-9]+$/ {
	pid = $1
	rest = $0
	sub(/^[0-9]+ +/, "", rest)
	if (rest ~ /^(\+\+\+|---)/)
		next
	if (rest ~ /^<\.\.\. [a-z_0-9]+ resumed>/) {
		if (pid in pending_name)
			finish(pid, rest)
		next
	}
	if (!match(rest, /^[a-z_0-9]+\(/))
		next
	name = substr(rest, 1, RLENGTH - 1)
	# strace -c leaves out the calls that never return.
	if (name == "exit" || name == "exit_group")
		next
	isfuse = (name == "read" || name == "readv") && index(rest, fuse) > 0 &&
		 index(rest, fuse) < index(rest, ",")
	if (!isfuse) {
		charge(pid, name)
		next
	}
	# A read of /dev/fuse ends the request the thread was serving; the
	# read itself is charged to the request it brings (or to "-").
	total++
	sys[name]++
	cur[pid] = "-"
	pending_name[pid] = name
	if (rest !~ /<unfinished \.\.\.>$/)
		finish(pid, rest)
}

END {
	printf "total %d\nsummary %d\nrequests %d\nthreads %d\nthreads_req %d\n",
		total, summary, requests, threads, threads_req
	# strace's own counts where it gave them (they are the reference: a
	# call interrupted and restarted, as Go's are, may differ by one).
	if (summary)
		for (k in ssys)
			printf "sys %s %d\n", k, ssys[k]
	else
		for (k in sys)
			printf "sys %s %d\n", k, sys[k]
	for (k in ops)
		printf "op %s %d\n", k, ops[k]
	for (k in opsys) {
		split(k, p, SUBSEP)
		printf "opsys %s %s %d\n", p[1], p[2], opsys[k]
	}
}
