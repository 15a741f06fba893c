package kafkaio

import (
	"slices"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kfake"
)

func TestAdminTopics(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "seeded"))
	cl := newTestClient(t, c)
	adm := NewAdmin(cl)
	ctx := testCtx(t)

	if err := adm.CreateTopic(ctx, "orders.v1", 4, 1, nil); err != nil {
		t.Fatal(err)
	}
	// Immediately usable: metadata is fresh, not kgo's cached answer.
	if n, err := adm.PartitionCount(ctx, "orders.v1"); err != nil || n != 4 {
		t.Fatalf("PartitionCount = %d, %v", n, err)
	}
	if ps, err := adm.Partitions(ctx, "orders.v1"); err != nil || !slices.Equal(ps, []int32{0, 1, 2, 3}) {
		t.Fatalf("Partitions = %v, %v", ps, err)
	}
	produceValues(t, cl, "orders.v1", 3, 0, 2)
	if err := adm.CreateTopic(ctx, "defaults", -1, -1, nil); err != nil {
		t.Fatalf("broker defaults: %v", err)
	}
	for _, name := range []string{"_schemas", "__internal_x"} {
		if err := adm.CreateTopic(ctx, name, 1, 1, nil); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("create errors", func(t *testing.T) {
		tests := []struct {
			name       string
			topic      string
			partitions int32
			rf         int16
			code       adbc.Status
			want       string
		}{
			{"exists", "orders.v1", 1, 1, adbc.StatusAlreadyExists, `topic "orders.v1" already exists`},
			{"empty name", "", 1, 1, adbc.StatusInvalidArgument, "empty name"},
			{"zero partitions", "x", 0, 1, adbc.StatusInvalidArgument, "0 partitions"},
			{"bad replication", "x", 1, -2, adbc.StatusInvalidArgument, "replication factor -2"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := adm.CreateTopic(ctx, tt.topic, tt.partitions, tt.rf, nil)
				requireStatus(t, err, tt.code, tt.want)
			})
		}
	})

	t.Run("list", func(t *testing.T) {
		names := func(ts []TopicInfo) []string {
			var out []string
			for _, ti := range ts {
				out = append(out, ti.Name)
			}
			return out
		}
		user, err := adm.ListTopics(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := names(user), []string{"defaults", "orders.v1", "seeded"}; !slices.Equal(got, want) {
			t.Fatalf("user topics %v, want %v", got, want)
		}
		if user[1].Partitions != 4 || user[1].Internal {
			t.Fatalf("orders.v1 info %+v", user[1])
		}
		all, err := adm.ListTopics(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		internal := map[string]bool{}
		for _, ti := range all {
			internal[ti.Name] = ti.Internal
		}
		for name, want := range map[string]bool{"_schemas": true, "__internal_x": true, "orders.v1": false, "seeded": false} {
			if got, ok := internal[name]; !ok || got != want {
				t.Fatalf("%s: listed %v, internal %v (want %v)", name, ok, got, want)
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		if err := adm.DeleteTopic(ctx, "orders.v1"); err != nil {
			t.Fatal(err)
		}
		ok, err := adm.TopicExists(ctx, "orders.v1")
		if err != nil || ok {
			t.Fatalf("TopicExists after delete: %v, %v", ok, err)
		}
		_, err = adm.PartitionCount(ctx, "orders.v1")
		requireStatus(t, err, adbc.StatusNotFound, `topic "orders.v1" does not exist`)
		err = adm.DeleteTopic(ctx, "orders.v1")
		requireStatus(t, err, adbc.StatusNotFound, `topic "orders.v1" does not exist`)
		// Replace: recreate at once under the same name, now empty.
		if err := adm.CreateTopic(ctx, "orders.v1", 2, 1, nil); err != nil {
			t.Fatalf("recreate: %v", err)
		}
		ends, err := adm.EndOffsets(ctx, "orders.v1", ReadUncommitted)
		if err != nil || ends[0] != 0 || ends[1] != 0 || len(ends) != 2 {
			t.Fatalf("recreated topic ends %v, %v", ends, err)
		}
	})

	ok, err := adm.TopicExists(ctx, "seeded")
	if err != nil || !ok {
		t.Fatalf("TopicExists(seeded) = %v, %v", ok, err)
	}
}

func TestIsInternalTopic(t *testing.T) {
	for name, want := range map[string]bool{
		"__consumer_offsets": true, "__transaction_state": true, "_schemas": true,
		"_schemas2": false, "_private": false, "orders": false, "a__b": false,
	} {
		if got := IsInternalTopic(name); got != want {
			t.Errorf("IsInternalTopic(%q) = %v", name, got)
		}
	}
}
