// Package integration holds the end-to-end tests that run against a real
// Apache Kafka broker and schema registry, and the same checks against the
// in-process devstack (kfake + srfake).
//
// The real stack is started by tests/stack/stack.sh, which writes the
// addresses the tests read (see internal/testenv):
//
//	tests/stack/stack.sh up
//	. .build/stack/env
//	KAFARR_REQUIRE_STACK=1 go test ./tests/integration/
//	tests/stack/stack.sh down
//
// Without the env, real-stack tests skip (and fail under
// KAFARR_REQUIRE_STACK=1); devstack tests always run.
package integration
