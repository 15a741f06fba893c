package statement_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
)

// TestMissingTopicSQLState checks that a missing topic reaches the caller
// of every statement entry point as NotFound with SQLSTATE 42S02, naming the
// topic, with one "kafarr: " prefix: the SQLSTATE is set where kafkaio finds
// the topic missing, not by matching the message.
func TestMissingTopicSQLState(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		cn := e.open(map[string]string{"kafarr.allow_delete_topics": "true"})
		const topic = "kafarr-test-no-such-topic"
		want := func(t *testing.T, what string, err error) {
			t.Helper()
			wantStatus(t, err, adbc.StatusNotFound, `topic "`+topic+`"`)
			var ae adbc.Error
			errors.As(err, &ae)
			if string(ae.SqlState[:]) != "42S02" {
				t.Errorf("%s: SQLSTATE %q, want 42S02: %s", what, ae.SqlState[:], ae.Msg)
			}
			if !strings.HasPrefix(ae.Msg, "kafarr: ") || strings.Count(ae.Msg, "kafarr: ") != 1 {
				t.Errorf("%s: message %q does not start with one kafarr: prefix", what, ae.Msg)
			}
		}
		want(t, "ExecuteQuery", e.query(cn, `SELECT * FROM "`+topic+`"`, nil).err)

		st, err := cn.NewStatement()
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.SetSqlQuery(`SELECT * FROM "` + topic + `"`); err != nil {
			t.Fatal(err)
		}
		_, err = st.(adbc.StatementExecuteSchema).ExecuteSchema(ctxOf(t))
		want(t, "ExecuteSchema", err)

		if err := st.SetSqlQuery(`DROP TABLE "` + topic + `"`); err != nil {
			t.Fatal(err)
		}
		_, err = st.ExecuteUpdate(ctxOf(t))
		want(t, "DROP TABLE", err)
	})
}
