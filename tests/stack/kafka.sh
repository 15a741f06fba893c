#!/usr/bin/env bash
# kafka.sh starts, stops and reports a single-node Apache Kafka 4.x broker
# (KRaft, combined broker+controller) on loopback for the integration tests.
#
#   tests/stack/kafka.sh start|stop|status
#
# start resolves the server jars from Maven Central once (kafka-pom.xml, cached
# under $KAFARR_CACHE/kafka-<version>/jars), wipes and formats a fresh data dir
# (or, with KAFARR_KAFKA_KEEP_DATA=1, reuses a formatted one), launches the
# broker in the background and returns once it answers a metadata request.
# A second start while one runs does nothing. stop sends TERM, then KILL
# after a grace period. status exits 0 when the broker runs and answers.
#
# Environment (all optional):
#   KAFARR_KAFKA_PORT             client listener port (default 19092)
#   KAFARR_KAFKA_CONTROLLER_PORT  KRaft controller port (default 19093)
#   KAFARR_KAFKA_VERSION          Kafka release from Maven Central (default 4.1.1)
#   KAFARR_KAFKA_HEAP             JVM max heap (default 512m)
#   KAFARR_KAFKA_START_TIMEOUT    seconds to wait for the broker (default 120;
#                                 about 4 s is typical, but a loaded 2-core
#                                 machine has been seen to need over 60)
#   KAFARR_KAFKA_EXTRA_CONFIG     properties file appended to server.properties;
#                                 a key set there overrides the default above it
#   KAFARR_KAFKA_SECURE           1 adds secured listeners beside PLAINTEXT
#                                 (default 0; see secure.sh): SSL, SSL with
#                                 client auth, SASL_SSL (PLAIN, SCRAM-SHA-256/512)
#   KAFARR_KAFKA_TLS_PORT         SSL listener port (default client port + 2)
#   KAFARR_KAFKA_MTLS_PORT        SSL listener requiring a client certificate
#                                 (default client port + 3)
#   KAFARR_KAFKA_SASL_PORT        SASL_SSL listener port (default client port + 4)
#   KAFARR_KAFKA_KEEP_DATA        1 restarts on the existing data dir when it is
#                                 already formatted, keeping topics and offsets
#                                 and, with KAFARR_KAFKA_SECURE=1, the
#                                 certificates and SASL passwords (default 0:
#                                 every start wipes and formats); for tests
#                                 that stop and restart a broker
# plus KAFARR_STACK_DIR, KAFARR_CACHE and KAFARR_MVN_FLAGS (see lib.sh).
set -euo pipefail

SCRIPT_NAME=kafka.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_VERSION=${KAFARR_KAFKA_VERSION:-4.1.1}
KAFKA_PORT=${KAFARR_KAFKA_PORT:-19092}
CONTROLLER_PORT=${KAFARR_KAFKA_CONTROLLER_PORT:-19093}
KAFKA_HEAP=${KAFARR_KAFKA_HEAP:-512m}
START_TIMEOUT=${KAFARR_KAFKA_START_TIMEOUT:-120}
KEEP_DATA=${KAFARR_KAFKA_KEEP_DATA:-0}

KAFKA_SECURE=${KAFARR_KAFKA_SECURE:-0}
TLS_PORT=${KAFARR_KAFKA_TLS_PORT:-$((KAFKA_PORT + 2))}
MTLS_PORT=${KAFARR_KAFKA_MTLS_PORT:-$((KAFKA_PORT + 3))}
SASL_PORT=${KAFARR_KAFKA_SASL_PORT:-$((KAFKA_PORT + 4))}

KAFKA_DIR=$STACK_DIR/kafka
PROPS=$KAFKA_DIR/server.properties
# The PID file lives outside KAFKA_DIR because every fresh start wipes KAFKA_DIR.
PIDFILE=$STACK_DIR/kafka.pid
LOCKFILE=$STACK_DIR/kafka.lock
JAR_DIR=$CACHE_DIR/kafka-$KAFKA_VERSION/jars
WAITKAFKA=$STACK_DIR/bin/waitkafka
# The properties path names this stack dir, so a broker of another checkout
# (or a recycled PID) is never taken for ours.
PATTERN="kafka.Kafka $PROPS"

# ensure_jars fills JAR_DIR once per Kafka version and POM content. Maven
# writes into a temporary dir that is renamed only when complete, so an
# interrupted download is redone rather than half used.
ensure_jars() {
	local stamp
	stamp="$KAFKA_VERSION $(sha256sum "$STACK_SRC/kafka-pom.xml" | cut -c1-16)"
	if [[ -f $JAR_DIR/.complete && $(<"$JAR_DIR/.complete") == "$stamp" ]]; then
		return 0
	fi
	log "resolving Kafka $KAFKA_VERSION jars from Maven Central into $JAR_DIR"
	local t0 tmp
	t0=$(now_ms)
	tmp=$JAR_DIR.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$(dirname "$JAR_DIR")"
	mvn_quiet -f "$STACK_SRC/kafka-pom.xml" \
		"-Dkafka.version=$KAFKA_VERSION" \
		dependency:copy-dependencies -DincludeScope=runtime "-DoutputDirectory=$tmp"
	ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null || die "kafka_2.13-$KAFKA_VERSION.jar missing after resolve"
	echo "$stamp" >"$tmp/.complete"
	rm -rf "$JAR_DIR"
	mv "$tmp" "$JAR_DIR"
	log "jars resolved in $(elapsed_s "$t0")s ($(find "$JAR_DIR" -name "*.jar" | wc -l) jars)"
}

write_props() {
	cat >"$PROPS" <<EOF
# Written by tests/stack/kafka.sh; rewritten on every fresh start.
node.id=1
process.roles=broker,controller
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DIR/data

# One node: every internal topic has one replica.
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Fewer internal partitions than the defaults (50) so the first group or
# transaction does not wait for dozens of partitions to be created.
offsets.topic.num.partitions=4
transaction.state.log.num.partitions=4

# Tests create their topics explicitly and delete them when done.
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=1
group.initial.rebalance.delay.ms=0
EOF
	if [[ $KAFKA_SECURE == 1 ]]; then
		secure_props >>"$PROPS"
	fi
	if [[ -n ${KAFARR_KAFKA_EXTRA_CONFIG:-} ]]; then
		[[ -r $KAFARR_KAFKA_EXTRA_CONFIG ]] || die "KAFARR_KAFKA_EXTRA_CONFIG=$KAFARR_KAFKA_EXTRA_CONFIG is not readable"
		{ echo; echo "# From $KAFARR_KAFKA_EXTRA_CONFIG"; cat "$KAFARR_KAFKA_EXTRA_CONFIG"; } >>"$PROPS"
	fi
}

# shellcheck source-path=SCRIPTDIR source=secure.sh
source "$STACK_SRC/secure.sh"

# new_cluster_id prints a random KRaft cluster id: 16 random bytes in
# unpadded URL-safe base64, the form StorageTool random-uuid prints, without
# paying for a JVM start. Like Kafka's Uuid.randomUuid it never starts with
# "-", which StorageTool's argument parser would take for an option (1 id
# in 64 did, and formatting failed).
new_cluster_id() {
	local id
	while :; do
		id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
		[[ $id == -* ]] || break
	done
	printf '%s' "$id"
}

java_common() {
	printf '%s\n' \
		-Djava.awt.headless=true \
		"-Dlog4j2.configurationFile=$STACK_SRC/log4j2.xml" \
		"-Dkafka.logs.dir=$KAFKA_DIR/logs" \
		-cp "$JAR_DIR/*"
}

do_start() {
	mkdir -p "$STACK_DIR"
	local pid
	if pid=$(pid_alive "$PIDFILE" "$PATTERN"); then
		log "already running (pid $pid) on 127.0.0.1:$KAFKA_PORT"
		return 0
	fi
	if [[ -f $PIDFILE ]]; then
		log "removing stale PID file (pid $(<"$PIDFILE") is gone)"
		rm -f "$PIDFILE"
	fi
	local p ports=("$KAFKA_PORT" "$CONTROLLER_PORT")
	[[ $KAFKA_SECURE == 1 ]] && ports+=("$TLS_PORT" "$MTLS_PORT" "$SASL_PORT")
	for p in "${ports[@]}"; do
		port_open "$p" && die "127.0.0.1:$p is already in use by another process; set KAFARR_KAFKA_PORT / KAFARR_KAFKA_CONTROLLER_PORT"
	done
	command -v java >/dev/null || die "java not found (Java 17+ is needed)"

	local t0 gobuild
	t0=$(now_ms)
	# The readiness probe is a Go program; build it (when its source or the
	# module's dependencies changed) while Maven and the JVM work.
	mkdir -p "$(dirname "$WAITKAFKA")"
	if [[ $WAITKAFKA -nt $STACK_SRC/waitkafka/main.go && $WAITKAFKA -nt $REPO_ROOT/go.sum ]]; then
		true &
	else
		(cd "$REPO_ROOT" && go build -o "$WAITKAFKA" ./tests/stack/waitkafka) >"$STACK_DIR/waitkafka-build.log" 2>&1 &
	fi
	gobuild=$!

	with_cache_lock "$CACHE_DIR/kafka-$KAFKA_VERSION.lock" ensure_jars || exit 1

	local jvm
	mapfile -t jvm < <(java_common)
	if [[ $KEEP_DATA == 1 && -f $KAFKA_DIR/data/meta.properties ]]; then
		# A restart on the formatted data dir: the cluster keeps its id,
		# topics and offsets; certificates, SCRAM users and SASL passwords
		# stay too (load_secrets reads the passwords back).
		log "keeping the formatted data in $KAFKA_DIR/data"
		mkdir -p "$KAFKA_DIR/logs"
		if [[ $KAFKA_SECURE == 1 ]]; then
			load_secrets
		fi
		write_props
	else
		# Each fresh start gets an empty cluster: this also clears whatever
		# a killed run left behind (lock files, half-written segments).
		rm -rf "$KAFKA_DIR"
		mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/logs"
		local scram=()
		if [[ $KAFKA_SECURE == 1 ]]; then
			make_certs
			mapfile -t scram < <(scram_format_args)
		fi
		write_props

		local cid
		cid=$(new_cluster_id)
		if ! java -XX:TieredStopAtLevel=1 -Xmx256m "${jvm[@]}" kafka.tools.StorageTool \
			format -t "$cid" -c "$PROPS" "${scram[@]}" >"$KAFKA_DIR/logs/format.log" 2>&1; then
			cat "$KAFKA_DIR/logs/format.log" >&2
			die "formatting $KAFKA_DIR/data failed"
		fi
	fi

	# fd 9 is the lock taken by with_lock: the broker must not inherit it, or
	# the lock would be held for as long as the broker runs.
	nohup java "-Xmx$KAFKA_HEAP" -Xms128m -XX:+ExitOnOutOfMemoryError "${jvm[@]}" \
		kafka.Kafka "$PROPS" </dev/null >"$KAFKA_DIR/logs/stdout.log" 2>&1 8>&- 9>&- &
	echo $! >"$PIDFILE"
	pid=$!

	if ! wait "$gobuild"; then
		cat "$STACK_DIR/waitkafka-build.log" >&2
		stop_pid kafka "$PIDFILE" "$PATTERN" 10
		die "building tests/stack/waitkafka failed"
	fi

	local deadline=$(( $(now_ms) + START_TIMEOUT * 1000 )) out=""
	while (( $(now_ms) < deadline )); do
		if ! child_alive "$pid"; then
			# wait, in this shell: the child is ours to reap.
			local rc=0
			wait "$pid" || rc=$?
			tail_log "$KAFKA_DIR/logs/stdout.log"
			tail_log "$KAFKA_DIR/logs/server.log"
			rm -f "$PIDFILE"
			die "broker (pid $pid) exited during start ($(exit_reason "$rc"))"
		fi
		if out=$("$WAITKAFKA" -brokers "127.0.0.1:$KAFKA_PORT" -timeout 3s 2>&1); then
			log "$out"
			[[ $KAFKA_SECURE == 1 ]] && write_secure_env
			log "broker 127.0.0.1:$KAFKA_PORT ready in $(elapsed_s "$t0")s (pid $pid, Kafka $KAFKA_VERSION, data $KAFKA_DIR)"
			return 0
		fi
	done
	log "$out"
	tail_log "$KAFKA_DIR/logs/server.log"
	stop_pid kafka "$PIDFILE" "$PATTERN" 10
	die "broker did not answer a metadata request within ${START_TIMEOUT}s"
}

do_stop() {
	# A combined broker+controller shuts down in a few seconds; 30 s covers a
	# loaded machine before falling back to KILL.
	stop_pid kafka "$PIDFILE" "$PATTERN" 30
	rm -f "$SECURE_ENV"
}

do_status() {
	local pid
	if ! pid=$(pid_alive "$PIDFILE" "$PATTERN"); then
		echo "kafka: not running"
		return 3
	fi
	if [[ -x $WAITKAFKA ]] && "$WAITKAFKA" -brokers "127.0.0.1:$KAFKA_PORT" -timeout 3s >/dev/null 2>&1; then
		echo "kafka: running (pid $pid) on 127.0.0.1:$KAFKA_PORT, answering metadata requests"
		return 0
	fi
	echo "kafka: running (pid $pid) on 127.0.0.1:$KAFKA_PORT but not answering"
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
