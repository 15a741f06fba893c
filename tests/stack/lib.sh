# shellcheck shell=bash disable=SC2034 # variables are used by the sourcing scripts
# lib.sh holds what kafka.sh and registry.sh share: where things live, PID
# files, port probes and bounded waits. It is sourced, never run.
#
# Environment (all optional):
#   KAFARR_STACK_DIR  runtime state: data, logs, PID files (default <repo>/.build/stack)
#   KAFARR_CACHE      downloaded jars and distributions (default $HOME/.cache/kafarr)
#   KAFARR_MVN_FLAGS  extra flags for every mvn call (e.g. -Dmaven.repo.local=/tmp/m2)

STACK_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$STACK_SRC/../.." && pwd)
STACK_DIR=${KAFARR_STACK_DIR:-$REPO_ROOT/.build/stack}
CACHE_DIR=${KAFARR_CACHE:-${HOME:-/root}/.cache/kafarr}

log() { printf '%s: %s\n' "${SCRIPT_NAME:-stack}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# now_ms prints wall-clock milliseconds, for start-time figures.
now_ms() { date +%s%3N; }

# elapsed_s START_MS prints seconds since START_MS with one decimal.
elapsed_s() {
	local d=$(( $(now_ms) - $1 ))
	printf '%d.%d' $(( d / 1000 )) $(( (d % 1000) / 100 ))
}

# pid_alive PIDFILE PATTERN prints the PID recorded in PIDFILE and succeeds
# when that process exists and its command line contains PATTERN. Checking the
# command line keeps a recycled PID (after a reboot or kill -9) from being
# taken for ours, and from being killed by stop.
pid_alive() {
	local pidfile=$1 pattern=$2 pid
	[[ -s $pidfile ]] || return 1
	pid=$(<"$pidfile")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[[ -r /proc/$pid/cmdline ]] || return 1
	# A zombie keeps its /proc entry but has an empty command line.
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern" || return 1
	echo "$pid"
}

# child_alive PID succeeds while PID, a background child of this shell, has
# not exited. A start polls its service with this rather than pid_alive: for
# a moment after the fork the child is still a copy of this shell, not yet
# java, so its command line does not match (3 polls in 300 did so on an idle
# machine, and a CI start was reported as a broker exit).
child_alive() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	# The state follows the parenthesised command name; Z is an exited child
	# not yet waited for.
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# exit_reason RC prints how a process whose wait status was RC ended:
# "status N", or "signal NAME" for a kill (a silent end in the logs).
exit_reason() {
	if (( $1 > 128 )); then
		printf 'signal %s' "$(kill -l $(( $1 - 128 )) 2>/dev/null || echo $(( $1 - 128 )))"
	else
		printf 'status %d' "$1"
	fi
}

# port_open PORT succeeds when something accepts TCP connections on
# 127.0.0.1:PORT.
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# stop_pid NAME PIDFILE PATTERN GRACE_S sends TERM, waits up to GRACE_S
# seconds, then sends KILL and waits for the process to be gone. It always
# removes PIDFILE. Only the recorded PID is signalled.
stop_pid() {
	local name=$1 pidfile=$2 pattern=$3 grace=$4 pid i
	if ! pid=$(pid_alive "$pidfile" "$pattern"); then
		rm -f "$pidfile"
		log "$name not running"
		return 0
	fi
	log "stopping $name (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	for (( i = 0; i < grace * 10; i++ )); do
		pid_alive "$pidfile" "$pattern" >/dev/null || break
		sleep 0.1
	done
	if pid_alive "$pidfile" "$pattern" >/dev/null; then
		log "$name did not exit within ${grace}s; sending KILL"
		kill -KILL "$pid" 2>/dev/null || true
		for (( i = 0; i < 100; i++ )); do
			pid_alive "$pidfile" "$pattern" >/dev/null || break
			sleep 0.1
		done
		if pid_alive "$pidfile" "$pattern" >/dev/null; then
			die "$name (pid $pid) survived KILL"
		fi
	fi
	rm -f "$pidfile"
	log "$name stopped"
}

# with_lock FILE CMD... runs CMD while holding an exclusive lock on FILE, so
# two concurrent start/stop calls on the same service do not race.
with_lock() {
	local file=$1; shift
	mkdir -p "$(dirname "$file")"
	(
		flock -w 300 9 || die "could not lock $file within 300s"
		"$@"
	) 9>"$file"
}

# with_cache_lock FILE CMD... is with_lock on fd 8, for the download cache
# that several stack dirs (checkouts, parallel runs) share.
with_cache_lock() {
	local file=$1; shift
	mkdir -p "$(dirname "$file")"
	(
		flock -w 600 8 || die "could not lock $file within 600s"
		"$@"
	) 8>"$file"
}

# mvn_quiet runs Maven in batch mode, showing its output only on failure.
mvn_quiet() {
	command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
	local out
	# shellcheck disable=SC2086 # KAFARR_MVN_FLAGS is a list of flags.
	if ! out=$(mvn -B -q ${KAFARR_MVN_FLAGS:-} "$@" 2>&1); then
		printf '%s\n' "$out" >&2
		die "mvn $* failed"
	fi
}

# tail_log FILE shows the end of a service log after a failed start.
tail_log() {
	[[ -f $1 ]] || return 0
	log "last lines of $1:"
	tail -n 30 "$1" >&2
}
