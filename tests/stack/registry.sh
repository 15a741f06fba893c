#!/usr/bin/env bash
# registry.sh starts, stops and reports the schema registry of the integration
# tests: Apicurio Registry 3.0.x with in-memory (H2) storage, serving the
# Confluent-compatible API at http://127.0.0.1:<port>/apis/ccompat/v7.
#
#   tests/stack/registry.sh start|stop|status
#
# start fetches the runnable distribution from Maven Central once
# (registry-pom.xml, unpacked under $KAFARR_CACHE/apicurio-<version>),
# launches it in the background and returns once GET /subjects answers 200.
# Storage is in memory, so every start is an empty registry. A second start
# while one runs does nothing. stop sends TERM, then KILL after a grace period.
#
# Environment (all optional):
#   KAFARR_REGISTRY_PORT           HTTP port (default 18081)
#   KAFARR_APICURIO_VERSION        Apicurio release (default 3.0.9; 3.3+ needs Java 21)
#   KAFARR_REGISTRY_HEAP           JVM max heap (default 384m)
#   KAFARR_REGISTRY_START_TIMEOUT  seconds to wait for the registry (default 120;
#                                  about 5 s is typical, far more under load)
# plus KAFARR_STACK_DIR, KAFARR_CACHE and KAFARR_MVN_FLAGS (see lib.sh).
set -euo pipefail

SCRIPT_NAME=registry.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

APICURIO_VERSION=${KAFARR_APICURIO_VERSION:-3.0.9}
REGISTRY_PORT=${KAFARR_REGISTRY_PORT:-18081}
REGISTRY_HEAP=${KAFARR_REGISTRY_HEAP:-384m}
START_TIMEOUT=${KAFARR_REGISTRY_START_TIMEOUT:-120}

REGISTRY_DIR=$STACK_DIR/registry
PIDFILE=$STACK_DIR/registry.pid
LOCKFILE=$STACK_DIR/registry.lock
DIST_DIR=$CACHE_DIR/apicurio-$APICURIO_VERSION
RUNNER=$DIST_DIR/apicurio-registry-app-$APICURIO_VERSION-runner.jar
# The marker property names this stack dir, so a registry of another checkout
# (or a recycled PID) is never taken for ours.
PATTERN="-Dkafarr.registry.dir=$REGISTRY_DIR "
BASE_URL=http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7

# ensure_dist fetches and unpacks the distribution once per version. It is
# unpacked into a temporary dir renamed only when complete, so an interrupted
# download is redone rather than half used.
ensure_dist() {
	if [[ -f $DIST_DIR/.complete && -f $RUNNER ]]; then
		return 0
	fi
	log "fetching Apicurio Registry $APICURIO_VERSION from Maven Central into $DIST_DIR"
	local t0 tmp
	t0=$(now_ms)
	tmp=$DIST_DIR.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp/download"
	mvn_quiet -f "$STACK_SRC/registry-pom.xml" \
		"-Dapicurio.version=$APICURIO_VERSION" \
		dependency:copy "-DoutputDirectory=$tmp/download"
	tar -xzf "$tmp/download/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$tmp" ||
		die "unpacking the Apicurio $APICURIO_VERSION distribution failed"
	rm -rf "$tmp/download"
	[[ -f $tmp/apicurio-registry-app-$APICURIO_VERSION-runner.jar ]] ||
		die "apicurio-registry-app-$APICURIO_VERSION-runner.jar missing from the distribution"
	touch "$tmp/.complete"
	rm -rf "$DIST_DIR"
	mv "$tmp" "$DIST_DIR"
	log "registry fetched in $(elapsed_s "$t0")s"
}

# registry_answers succeeds when GET /subjects returns 200.
registry_answers() {
	curl -sf -o /dev/null --max-time 2 "$BASE_URL/subjects"
}

do_start() {
	mkdir -p "$STACK_DIR"
	local pid
	if pid=$(pid_alive "$PIDFILE" "$PATTERN"); then
		log "already running (pid $pid) at $BASE_URL"
		return 0
	fi
	if [[ -f $PIDFILE ]]; then
		log "removing stale PID file (pid $(<"$PIDFILE") is gone)"
		rm -f "$PIDFILE"
	fi
	port_open "$REGISTRY_PORT" && die "127.0.0.1:$REGISTRY_PORT is already in use by another process; set KAFARR_REGISTRY_PORT"
	command -v java >/dev/null || die "java not found (Java 17+ is needed)"
	command -v curl >/dev/null || die "curl not found (apt-get install curl)"

	local t0
	t0=$(now_ms)
	with_cache_lock "$CACHE_DIR/apicurio-$APICURIO_VERSION.lock" ensure_dist || exit 1

	rm -rf "$REGISTRY_DIR"
	mkdir -p "$REGISTRY_DIR"
	# Run from REGISTRY_DIR: Quarkus also reads .env and config/ from its
	# working directory, which must not pick up stray files of the caller.
	# Deletion is off by default in Apicurio 3; tests delete their subjects.
	# C1 only and the serial collector: the registry's throughput does not
	# matter here, while its start competes with the broker's for 2 cores.
	# fd 9 is the lock taken by with_lock and must not be inherited.
	(
		cd "$REGISTRY_DIR"
		exec nohup java "-Xmx$REGISTRY_HEAP" -XX:+ExitOnOutOfMemoryError \
			-XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
			"-Dkafarr.registry.dir=$REGISTRY_DIR" \
			-Dquarkus.http.host=127.0.0.1 \
			"-Dquarkus.http.port=$REGISTRY_PORT" \
			-Dapicurio.storage.kind=sql \
			-Dapicurio.storage.sql.kind=h2 \
			-Dapicurio.rest.deletion.group.enabled=true \
			-Dapicurio.rest.deletion.artifact.enabled=true \
			-Dapicurio.rest.deletion.artifact-version.enabled=true \
			"-Dapicurio.storage.snapshot.location=$REGISTRY_DIR" \
			-jar "$RUNNER" </dev/null >"$REGISTRY_DIR/registry.log" 2>&1 9>&-
	) &
	pid=$!
	echo "$pid" >"$PIDFILE"

	local deadline=$(( $(now_ms) + START_TIMEOUT * 1000 ))
	while (( $(now_ms) < deadline )); do
		if ! child_alive "$pid"; then
			# wait, in this shell: the child is ours to reap.
			local rc=0
			wait "$pid" || rc=$?
			tail_log "$REGISTRY_DIR/registry.log"
			rm -f "$PIDFILE"
			die "registry (pid $pid) exited during start ($(exit_reason "$rc"))"
		fi
		if registry_answers; then
			log "registry $BASE_URL ready in $(elapsed_s "$t0")s (pid $pid, Apicurio $APICURIO_VERSION)"
			return 0
		fi
		sleep 0.2
	done
	tail_log "$REGISTRY_DIR/registry.log"
	stop_pid registry "$PIDFILE" "$PATTERN" 10
	die "registry did not answer GET $BASE_URL/subjects within ${START_TIMEOUT}s"
}

do_stop() {
	stop_pid registry "$PIDFILE" "$PATTERN" 20
}

do_status() {
	local pid
	if ! pid=$(pid_alive "$PIDFILE" "$PATTERN"); then
		echo "registry: not running"
		return 3
	fi
	if registry_answers; then
		echo "registry: running (pid $pid) at $BASE_URL, answering"
		return 0
	fi
	echo "registry: running (pid $pid) at $BASE_URL but not answering"
	return 1
}

case ${1:-} in
start) with_lock "$LOCKFILE" do_start ;;
stop) with_lock "$LOCKFILE" do_stop ;;
status) do_status ;;
*)
	echo "usage: $0 start|stop|status" >&2
	exit 2
	;;
esac
