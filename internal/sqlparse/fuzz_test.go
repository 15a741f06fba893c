package sqlparse

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
)

// FuzzParse checks that Parse never panics, that every error is an
// adbc.Error with an InvalidArgument or NotImplemented status, and that a
// parsed statement renders (String) to SQL that parses back to an equal
// statement and renders identically.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"SELECT * FROM ticks LIMIT 100000",
		`SELECT * FROM "orders.v1" WHERE _partition IN (0, 2) AND _offset >= 100 ORDER BY _offset DESC LIMIT 10`,
		"SELECT inst, bid FROM ticks WHERE _timestamp BETWEEN TIMESTAMP '2024-01-01 00:00:00' AND TIMESTAMP '2024-01-02T00:00:00Z'",
		"select * from ticks where inst = 'GBPUSD' and bid > 1.25",
		`SELECT * FROM "topic"`,
		"SELECT a, b FROM orders.v1-eu;",
		`DROP TABLE "t"`,
		"DROP TABLE IF EXISTS t",
		"SELECT 1",
		`SELECT 'a''b' AS "x""y", -1.5e3, TRUE, NULL, DATE '2024-02-29'`,
		"SELECT `a`.b, \"c\" FROM t WHERE (x IS NOT NULL AND y <> -9223372036854775808) AND z != 'q' -- c\n",
		"SELECT * FROM t WHERE ts >= TIMESTAMP '2024-01-01 00:00:00.123456789-05:30' /* c */ LIMIT ALL",
		"SELECT count(*) FROM t GROUP BY a",
		"SELECT * FROM t WHERE a = 1 OR b = 2",
		"SELECT * FROM t WHERE a = '",
		"SELECT t.bid, t.t.x FROM ticks t WHERE t.bid > 1 OR NOT (t._partition IN (0, 2) AND ticks.x IS NULL)",
		`SELECT "orders.v1".id, *, _key FROM "orders.v1" WHERE _offset < 10 OR _offset >= 90 ORDER BY _offset DESC LIMIT 5`,
		"SELECT k.*, _headers FROM ticks AS k WHERE inst NOT LIKE 'E\\_%' ESCAPE '\\' AND inst ILIKE 'g%'",
		"SELECT * FROM t WHERE 1=1 AND TRUE OR NULL OR NOT FALSE OR 'a' NOT IN ('b', NULL) OR 2 NOT BETWEEN 1 AND 3",
		"SELECT * FROM t x WHERE NOT NOT (x.a = 1 OR (b = 2 OR c = 3)) AND (d = 4 OR e BETWEEN 1 AND 2)",
		"SELECT * FROM t WHERE a LIKE 'x!' ESCAPE '!'",
		"SELECT x.* FROM t",
		`SELECT "T".a FROM t "T" WHERE "T".a LIKE NULL`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		stmt, err := Parse(sql)
		if err != nil {
			var ae adbc.Error
			if !errors.As(err, &ae) {
				t.Fatalf("Parse(%q): error %T %v is not an adbc.Error", sql, err, err)
			}
			if ae.Code != adbc.StatusInvalidArgument && ae.Code != adbc.StatusNotImplemented {
				t.Fatalf("Parse(%q): status %v", sql, ae.Code)
			}
			if !strings.HasPrefix(ae.Msg, "kafarr: ") {
				t.Fatalf("Parse(%q): message %q lacks the kafarr: prefix", sql, ae.Msg)
			}
			return
		}
		canon := stmt.String()
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) rendered %q, which does not parse: %v", sql, canon, err)
		}
		if !reflect.DeepEqual(stripPos(stmt), stripPos(again)) {
			t.Fatalf("Parse(%q) rendered %q, which parses differently:\n%#v\n%#v", sql, canon, stripPos(stmt), stripPos(again))
		}
		if s := again.String(); s != canon {
			t.Fatalf("rendering is not stable: %q then %q", canon, s)
		}
	})
}
