# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (c) 2026 The algfs authors
#
# Bash completion for algfs, mount.algfs, mkfs.algfs, algfsctl and fsck.algfs.
#
# Installed as .../bash-completion/completions/algfs, with mkfs.algfs,
# algfsctl, mount.algfs and fsck.algfs as symlinks to it: sourcing it under
# any of these names registers the completion of all five commands. With
# bash-completion loaded it uses _init_completion and _filedir; in a plain
# bash it falls back to compgen and completes the same words.
#
# The option lists are written out here; tests/088 checks them against each
# program's --help, both ways, so a new option fails that test until it is
# added here.

# _algfs_init: set the caller's local cur, prev, words and cword as
# _init_completion -n = does ("=" does not split a word, so that cur is
# "--passfile=/tm" or "ro,crypto=k"), and _algfs_cut: how many characters at
# the start of cur bash will not replace (those up to the last "=", a word
# break for bash's own completion), which _algfs_done cuts off every reply.
# Returns 1 when there is nothing more to do (bash-completion completed a
# redirection or a variable name).
_algfs_init()
{
	local i w line pos start

	COMPREPLY=()
	if declare -F _init_completion >/dev/null; then
		_init_completion -n = || return 1
	else
		# Join the words that bash split at "=": "--passfile", "=",
		# "/tm" are one word when no blank separates them.
		words=() cword=0 line=$COMP_LINE pos=0 start=0
		for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
			w=${COMP_WORDS[i]}
			if [[ $line == [[:blank:]]* ]] || ((${#words[@]} < 2)) ||
				[[ $w != =* && ${words[${#words[@]} - 1]} != *= ]]; then
				while [[ $line == [[:blank:]]* ]]; do
					line=${line:1}
					((pos++))
				done
				words+=("$w")
				((i <= COMP_CWORD)) && start=$pos
			else
				words[${#words[@]} - 1]+=$w
			fi
			line=${line#"$w"}
			((pos += ${#w}))
			((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
		done
		((COMP_POINT > start)) && cur=${COMP_LINE:start:COMP_POINT-start} || cur=
		((cword > 0)) || return 1
		prev=${words[cword - 1]}
		# A redirection: complete a file, like bash-completion.
		case $cur in
		*'<' | *'>' | '>&')
			_algfs_files "" ""
			return 1
			;;
		esac
		case $prev in
		*'<' | *'>' | '>&')
			_algfs_files "" "$cur"
			return 1
			;;
		esac
	fi
	_algfs_cut=0
	if [[ $COMP_WORDBREAKS == *=* && $cur == *=* ]]; then
		w=${cur##*=}
		_algfs_cut=$((${#cur} - ${#w}))
	fi
	return 0
}

# _algfs_done: cut the replies to what bash replaces; a reply that ends in
# "=" (an option that wants a value) is not followed by a space.
_algfs_done()
{
	local i

	for i in "${!COMPREPLY[@]}"; do
		[[ ${COMPREPLY[i]} == *= ]] && compopt -o nospace 2>/dev/null
		((_algfs_cut > 0)) && COMPREPLY[i]=${COMPREPLY[i]:_algfs_cut}
	done
	return 0
}

# _algfs_add PREFIX WORD...: reply with PREFIX before each WORD.
_algfs_add()
{
	local prefix=$1 w

	shift
	for w in "$@"; do
		COMPREPLY+=("$prefix$w")
	done
}

# _algfs_words PREFIX VALUE LIST: the words of LIST that start with VALUE.
_algfs_words()
{
	local w=()

	mapfile -t w < <(compgen -W "$3" -- "$2")
	_algfs_add "$1" "${w[@]}"
}

# _algfs_files PREFIX VALUE [-d]: files (directories with -d) that start
# with VALUE.
_algfs_files()
{
	local _algfs_found=()

	if declare -F _filedir >/dev/null; then
		_algfs_filedir "$2" "${3-}"
	else
		mapfile -t _algfs_found < <(compgen "${3:--f}" -- "$2")
		((${#_algfs_found[@]})) && compopt -o filenames 2>/dev/null
	fi
	_algfs_add "$1" "${_algfs_found[@]}"
}

# _algfs_filedir VALUE [-d]: _filedir's replies for VALUE in _algfs_found.
_algfs_filedir()
{
	local cur=$1 COMPREPLY=()

	_filedir ${2:+-d}
	_algfs_found=("${COMPREPLY[@]}")
}

# _algfs_command PREFIX VALUE: the program of an --extpass command: a file
# when VALUE has a slash, else a command name.
_algfs_command()
{
	local w=()

	case $2 in
	*[[:blank:]]*) ;;
	*/*) _algfs_files "$1" "$2" ;;
	*)
		mapfile -t w < <(compgen -c -- "$2" | sort -u)
		_algfs_add "$1" "${w[@]}"
		;;
	esac
}

# _algfs_endopts: is "--" before the current word?
_algfs_endopts()
{
	local i

	for ((i = 1; i < cword; i++)); do
		[[ ${words[i]} == -- ]] && return 0
	done
	return 1
}

# _algfs_longopt OPTFUNC: complete the current word, an option or a
# directory, for a program whose options are long ones. OPTFUNC OPTION
# PREFIX VALUE completes the argument of OPTION and returns 1 when OPTION
# takes none.
_algfs_longopt()
{
	local optfunc=$1 opts=$2

	if _algfs_endopts; then
		_algfs_files "" "$cur" -d
	elif [[ $prev == --?* ]] && "$optfunc" "$prev" "" "$cur"; then
		:
	elif [[ $cur == --?*=* ]]; then
		"$optfunc" "${cur%%=*}" "${cur%%=*}=" "${cur#*=}"
	elif [[ $cur == -* ]]; then
		_algfs_words "" "$cur" "$opts"
	else
		_algfs_files "" "$cur" -d
	fi
}

#
# algfsctl COMMAND [OPTION]... CIPHERDIR
#

_algfsctl_commands="unlock lock passwd add-key remove-key info"

# The options of each command, as algfsctl COMMAND --help lists them.
_algfsctl_options()
{
	local secret="--passfile --extpass --keyfile --recovery --recovery-file"
	local common="--quiet --verbose --help"

	case $1 in
	unlock) echo "$secret --key-blob --keyring --crypto $common" ;;
	lock) echo "$common" ;;
	passwd)
		echo "$secret --new-passfile --new-extpass --argon2-time --argon2-memory" \
			"--argon2-lanes --crypto $common"
		;;
	add-key)
		echo "$secret --new-passfile --new-extpass --new-keyfile --new-recovery-key" \
			"--argon2-time --argon2-memory --argon2-lanes --crypto $common"
		;;
	remove-key) echo "$secret --slot --crypto $common" ;;
	info) echo "--crypto $common" ;;
	esac
}

# _algfsctl_arg OPTION PREFIX VALUE
_algfsctl_arg()
{
	case $1 in
	--passfile | --keyfile | --recovery-file | --key-blob | --new-passfile | --new-keyfile)
		_algfs_files "$2" "$3"
		;;
	--extpass | --new-extpass) _algfs_command "$2" "$3" ;;
	--keyring) _algfs_words "$2" "$3" "@u @s @us @p @t" ;;
	--crypto) _algfs_words "$2" "$3" "auto kernel user" ;;
	--slot | --argon2-time | --argon2-memory | --argon2-lanes) ;;
	*) return 1 ;;
	esac
	return 0
}

_algfsctl()
{
	local cur prev words cword _algfs_cut i cmd=

	_algfs_init || return 0
	for ((i = 1; i < cword; i++)); do
		if [[ ${words[i]} != -* ]]; then
			cmd=${words[i]}
			break
		fi
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			_algfs_words "" "$cur" "--help --version"
		else
			_algfs_words "" "$cur" "$_algfsctl_commands"
		fi
	else
		_algfs_longopt _algfsctl_arg "$(_algfsctl_options "$cmd")"
	fi
	_algfs_done
}

#
# mkfs.algfs CIPHERDIR [OPTION]...
#

_mkfs_algfs_opts="--passfile --extpass --keyfile --keyring --block-size
	--format --plaintext-names --argon2-time --argon2-memory --argon2-lanes
	--no-recovery-key --crypto --quiet --verbose --help --version"

# _mkfs_algfs_arg OPTION PREFIX VALUE
_mkfs_algfs_arg()
{
	case $1 in
	--passfile | --keyfile) _algfs_files "$2" "$3" ;;
	--extpass) _algfs_command "$2" "$3" ;;
	--block-size) _algfs_words "$2" "$3" "4096 8192 16384 32768 65536" ;;
	--format) _algfs_words "$2" "$3" "2 1" ;;
	--crypto) _algfs_words "$2" "$3" "auto kernel user" ;;
	--keyring | --argon2-time | --argon2-memory | --argon2-lanes) ;;
	*) return 1 ;;
	esac
	return 0
}

_mkfs_algfs()
{
	local cur prev words cword _algfs_cut

	_algfs_init || return 0
	_algfs_longopt _mkfs_algfs_arg "$_mkfs_algfs_opts"
	_algfs_done
}

#
# algfs [OPTION]... CIPHERDIR MOUNTPOINT
# mount.algfs CIPHERDIR MOUNTPOINT [-sfnv] [-o OPTIONS], as mount(8) runs it
#

# The -o options of algfs --help.
_algfs_mount_opts="passfile= keyfile= extpass= keydesc= crypto= afalg_io= crypto_threads= ro rw
	allow_other idle= timeout= no_writeback sharedstorage relatime strictatime noatime nodiratime"

# _algfs_mount_arg PREFIX VALUE: the last of the comma-separated options in
# VALUE, the argument of -o.
_algfs_mount_arg()
{
	local opt=${2##*,} prefix

	prefix=$1${2%"$opt"}
	case $opt in
	passfile=* | keyfile=*) _algfs_files "$prefix${opt%%=*}=" "${opt#*=}" ;;
	extpass=*) _algfs_command "${prefix}extpass=" "${opt#*=}" ;;
	crypto=*) _algfs_words "${prefix}crypto=" "${opt#*=}" "auto kernel user" ;;
	afalg_io=*) _algfs_words "${prefix}afalg_io=" "${opt#*=}" "auto uring sendmsg splice" ;;
	crypto_threads=*) _algfs_words "${prefix}crypto_threads=" "${opt#*=}" "1 2 4 online" ;;
	*=*) ;;
	*) _algfs_words "$prefix" "$opt" "$_algfs_mount_opts" ;;
	esac
}

_algfs()
{
	local cur prev words cword _algfs_cut opts="-o -f -d -s --help --version"

	[[ ${1##*/} == mount.algfs ]] && opts="-s -f -n -v -o"
	_algfs_init || return 0
	if _algfs_endopts; then
		_algfs_files "" "$cur" -d
	elif [[ $prev == -o ]]; then
		_algfs_mount_arg "" "$cur"
	elif [[ $cur == -o?* ]]; then
		_algfs_mount_arg -o "${cur#-o}"
	elif [[ $cur == -* ]]; then
		_algfs_words "" "$cur" "$opts"
	else
		_algfs_files "" "$cur" -d
	fi
	_algfs_done
}

#
# fsck.algfs [OPTION]... CIPHERDIR
#

_fsck_algfs_opts="-n -y -p -a -f -q -v -o -t -h -V --no --yes --preen --fast --json
	--zero-damaged --passfile --keyfile --extpass --key-desc --crypto --quiet --verbose
	--help --version"

# _fsck_algfs_arg OPTION PREFIX VALUE
_fsck_algfs_arg()
{
	case $1 in
	--passfile | --keyfile) _algfs_files "$2" "$3" ;;
	--extpass) _algfs_command "$2" "$3" ;;
	--crypto) _algfs_words "$2" "$3" "auto kernel user" ;;
	--key-desc) ;;
	*) return 1 ;;
	esac
	return 0
}

_fsck_algfs()
{
	local cur prev words cword _algfs_cut
	# -o takes algfs's key options only: _algfs_mount_arg offers these.
	local _algfs_mount_opts="passfile= keyfile= extpass= keydesc="

	_algfs_init || return 0
	if _algfs_endopts; then
		_algfs_files "" "$cur" -d
	elif [[ $prev == -o ]]; then
		_algfs_mount_arg "" "$cur"
	elif [[ $cur == -o?* ]]; then
		_algfs_mount_arg -o "${cur#-o}"
	elif [[ $prev == -t ]]; then
		_algfs_words "" "$cur" "algfs fuse.algfs"
	else
		_algfs_longopt _fsck_algfs_arg "$_fsck_algfs_opts"
	fi
	_algfs_done
}

complete -F _algfs algfs mount.algfs
complete -F _fsck_algfs fsck.algfs
complete -F _mkfs_algfs mkfs.algfs
complete -F _algfsctl algfsctl
