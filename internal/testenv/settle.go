package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

// SettleTransactions waits, up to 20 s, until no partition of topic has an
// open transaction: its last stable offset equals its end. A real broker
// writes a transaction's markers after EndTransaction returns; until then
// the last stable offset lags, read_committed reads and statistics see
// fewer records, and later records take the offsets the markers would
// have had.
func SettleTransactions(tb testing.TB, ctx context.Context, adm *kadm.Client, topic string) {
	tb.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; {
		hw, err1 := adm.ListEndOffsets(ctx, topic)
		lso, err2 := adm.ListCommittedOffsets(ctx, topic)
		if err1 == nil && err2 == nil {
			same := true
			hw.Each(func(o kadm.ListedOffset) {
				if l, ok := lso.Lookup(o.Topic, o.Partition); !ok || l.Offset != o.Offset {
					same = false
				}
			})
			if same {
				return
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("topic %s still has an open transaction: end offsets %v, last stable %v (%v, %v)", topic, hw, lso, err1, err2)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
