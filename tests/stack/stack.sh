#!/usr/bin/env bash
# stack.sh starts and stops the whole integration-test stack: the Kafka broker
# (kafka.sh) and the schema registry (registry.sh).
#
#   tests/stack/stack.sh up|down|status
#
# up starts both (in parallel; each waits until it answers) and writes
# $KAFARR_STACK_DIR/env, which the tests' callers source (its lines are
# "export NAME=value", valid for both sh and make's include):
#
#   . .build/stack/env
#   KAFARR_REQUIRE_STACK=1 go test ./tests/integration/
#
# If either fails to start, up stops both and exits non-zero. down always
# tries to stop both, even if stopping one fails, and removes the env file.
# status exits 0 only when both run and answer.
#
# Ports and the stack dir come from the same variables the two scripts read
# (KAFARR_KAFKA_PORT, KAFARR_REGISTRY_PORT, KAFARR_STACK_DIR, ...). Unlike
# kafka.sh alone, up turns the broker's secured listeners on unless
# KAFARR_KAFKA_SECURE=0 (they add well under a second to the start), and the
# env file then also names them, the test CA and client certificate, and the
# SASL users (see secure.sh).
set -uo pipefail

SCRIPT_NAME=stack.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ENV_FILE=$STACK_DIR/env
SECURE_ENV=$STACK_DIR/kafka-secure.env
export KAFARR_KAFKA_SECURE=${KAFARR_KAFKA_SECURE:-1}

write_env() {
	local tmp=$ENV_FILE.tmp.$$
	cat >"$tmp" <<EOF
# Written by tests/stack/stack.sh up; removed by stack.sh down.
export KAFARR_TEST_BROKERS=127.0.0.1:${KAFARR_KAFKA_PORT:-19092}
export KAFARR_TEST_REGISTRY=http://127.0.0.1:${KAFARR_REGISTRY_PORT:-18081}/apis/ccompat/v7
EOF
	if [[ $KAFARR_KAFKA_SECURE == 1 ]]; then
		if [[ ! -r $SECURE_ENV ]]; then
			rm -f "$tmp"
			log "the running broker has no secured listeners ($SECURE_ENV is missing; was it started with KAFARR_KAFKA_SECURE=0?): run stack.sh down, then up"
			return 1
		fi
		cat "$SECURE_ENV" >>"$tmp"
	fi
	chmod 600 "$tmp"
	mv "$tmp" "$ENV_FILE"
}

do_down() {
	local rc=0
	rm -f "$ENV_FILE"
	"$STACK_SRC/registry.sh" stop || rc=1
	"$STACK_SRC/kafka.sh" stop || rc=1
	return $rc
}

do_up() {
	mkdir -p "$STACK_DIR"
	rm -f "$ENV_FILE"
	local t0 kpid rpid krc=0 rrc=0
	t0=$(now_ms)
	"$STACK_SRC/kafka.sh" start &
	kpid=$!
	"$STACK_SRC/registry.sh" start &
	rpid=$!
	wait "$kpid" || krc=$?
	wait "$rpid" || rrc=$?
	if (( krc != 0 || rrc != 0 )); then
		(( krc != 0 )) && log "kafka failed to start (exit $krc)"
		(( rrc != 0 )) && log "registry failed to start (exit $rrc)"
		do_down
		exit 1
	fi
	if ! write_env; then
		do_down
		exit 1
	fi
	log "stack up in $(elapsed_s "$t0")s; env in $ENV_FILE:"
	grep -v -e '^#' -e PASSWORD "$ENV_FILE" >&2
}

do_status() {
	local rc=0
	"$STACK_SRC/kafka.sh" status || rc=1
	"$STACK_SRC/registry.sh" status || rc=1
	if [[ -f $ENV_FILE ]]; then
		echo "env: $ENV_FILE"
	else
		echo "env: none (run stack.sh up)"
	fi
	return $rc
}

case ${1:-} in
up) do_up ;;
down) do_down ;;
status) do_status ;;
*)
	echo "usage: $0 up|down|status" >&2
	exit 2
	;;
esac
