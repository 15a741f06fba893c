package statement_test

import "testing"

// TestReadOffsetBoundsOutsideLog: one rule for every _offset bound outside
// the log (negative, or past the end, in any predicate form): the range it
// leaves is empty or clipped to the log, and no error quotes an offset the
// query never wrote.
func TestReadOffsetBoundsOutsideLog(t *testing.T) {
	forStacks(t, func(t *testing.T, e *env) {
		topic, _ := e.tickTopic(1, 10)
		cn := e.open(nil)
		rows := func(from, to int) [][]any {
			var out [][]any
			for i := from; i < to; i++ {
				out = append(out, tickRow(0, i))
			}
			return out
		}
		for _, c := range []struct {
			where string
			want  [][]any
		}{
			{"_offset = -5", nil},
			{"_offset IN (-7, -2)", nil},
			{"_offset <= -9223372036854775808", nil},
			{"_offset < -9223372036854775807", nil},
			{"_offset = -1", nil},
			{"_offset < 0", nil},
			{"_offset BETWEEN -10 AND -1", nil},
			{"_offset > 9223372036854775806", nil},
			{"_offset >= 9223372036854775807", nil},
			{"_offset = 10", nil},
			{"_offset IN (-3, 2)", rows(2, 3)},
			{"_offset >= -3 AND _offset < 2", rows(0, 2)},
			{"_offset BETWEEN -100 AND 100", rows(0, 10)},
		} {
			t.Run(c.where, func(t *testing.T) {
				res := e.mustQuery(cn, "SELECT * FROM "+q(topic)+" WHERE "+c.where, nil)
				wantRows(t, res, c.want)
			})
		}
	})
}
