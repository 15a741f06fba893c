package kafkaio

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

// TestErrorsSQLStateAndPrefix checks that a missing topic is NotFound with
// SQLSTATE 42S02 naming the topic wherever it is found missing, that a
// missing partition of an existing topic is NotFound without it, that an
// existing topic on create is 42S01, and that every error starts
// "kafarr: ".
func TestErrorsSQLStateAndPrefix(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "t"))
	cl := newTestClient(t, c)
	adm := NewAdmin(cl)
	ctx := testCtx(t)

	for _, tc := range []struct {
		name  string
		call  func() error
		code  adbc.Status
		state adbcerr.SQLState
		parts []string
	}{
		{"partitions of missing topic", func() error { _, err := adm.Partitions(ctx, "gone"); return err },
			adbc.StatusNotFound, adbcerr.TableNotFound, []string{`topic "gone" does not exist`}},
		{"snapshot of missing topic", func() error { _, err := adm.Snapshot(ctx, "gone", SnapshotOptions{}); return err },
			adbc.StatusNotFound, adbcerr.TableNotFound, []string{`topic "gone" does not exist`}},
		{"end offsets of missing topic", func() error { _, err := adm.EndOffsets(ctx, "gone", ReadUncommitted); return err },
			adbc.StatusNotFound, adbcerr.TableNotFound, []string{`topic "gone"`}},
		{"offsets for timestamp of missing topic", func() error { _, err := adm.OffsetsForTimestamp(ctx, "gone", 0); return err },
			adbc.StatusNotFound, adbcerr.TableNotFound, []string{`topic "gone"`}},
		{"delete missing topic", func() error { return adm.DeleteTopic(ctx, "gone") },
			adbc.StatusNotFound, adbcerr.TableNotFound, []string{`topic "gone" does not exist`}},
		{"reader of missing topic", func() error {
			r, err := NewPartitionReader(cl, "gone", []PartitionRange{{0, 0, 1}}, ReaderOptions{Timeout: 5 * time.Second})
			if err != nil {
				return err
			}
			defer r.Close()
			_, err = r.Next(ctx)
			return err
		}, adbc.StatusNotFound, adbcerr.TableNotFound, []string{`topic "gone"`}},
		{"missing partition", func() error {
			_, err := adm.Snapshot(ctx, "t", SnapshotOptions{Partitions: []int32{5}})
			return err
		}, adbc.StatusNotFound, adbcerr.SQLState{}, []string{`partition 5 of topic "t" does not exist`}},
		{"reader of missing partition", func() error {
			r, err := NewPartitionReader(cl, "t", []PartitionRange{{7, 0, 1}}, ReaderOptions{Timeout: 5 * time.Second})
			if err != nil {
				return err
			}
			defer r.Close()
			_, err = r.Next(ctx)
			return err
		}, adbc.StatusNotFound, adbcerr.SQLState{}, []string{`partition 7 of topic "t"`}},
		{"create existing topic", func() error { return adm.CreateTopic(ctx, "t", 1, 1, nil) },
			adbc.StatusAlreadyExists, adbcerr.TableExists, []string{`topic "t" already exists`}},
		{"invalid argument", func() error { return adm.CreateTopic(ctx, "", 1, 1, nil) },
			adbc.StatusInvalidArgument, adbcerr.SQLState{}, []string{"empty name"}},
		{"deadline", func() error {
			dctx, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
			defer cancel()
			_, err := adm.Partitions(dctx, "t")
			return err
		}, adbc.StatusTimeout, adbcerr.SQLState{}, []string{`topic "t"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			requireStatus(t, err, tc.code, tc.parts...)
			var ae adbc.Error
			errors.As(err, &ae)
			if adbcerr.SQLState(ae.SqlState) != tc.state {
				t.Errorf("SQLSTATE %q, want %q: %s", ae.SqlState[:], tc.state.String(), ae.Msg)
			}
			if !strings.HasPrefix(ae.Msg, "kafarr: ") || strings.Count(ae.Msg, "kafarr: ") != 1 {
				t.Errorf("message %q does not start with one kafarr: prefix", ae.Msg)
			}
		})
	}
}

// TestRedactorForms: a secret is scrubbed raw, percent-encoded and in
// base64, and a secret too short to matter is left alone.
func TestRedactorForms(t *testing.T) {
	const pass = "Pa/ss@word+1&="
	r := newRedactor(pass, "user:"+pass, "abc")
	for _, form := range []string{
		pass, url.QueryEscape(pass), url.PathEscape(pass), url.UserPassword("user", pass).String(),
		base64.StdEncoding.EncodeToString([]byte("user:" + pass)), base64.RawURLEncoding.EncodeToString([]byte(pass)),
	} {
		got := r.redact("before " + form + " after")
		if strings.Contains(got, pass) || strings.Contains(got, url.QueryEscape(pass)) || !strings.HasPrefix(got, "before ") || !strings.HasSuffix(got, " after") {
			t.Errorf("redact of %q = %q", form, got)
		}
		if strings.Contains(got, form) {
			t.Errorf("redact left %q in %q", form, got)
		}
	}
	if got := r.redact("abc def"); got != "abc def" {
		t.Errorf("a 3-byte secret was redacted: %q", got)
	}
}
