package ingest_test

import (
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/internal/testenv"
)

// TestIngestWithoutPermission: on a cluster with ACLs, an ingest into a
// topic the user may not write to (or, in mode replace, delete) is
// refused with Unauthorized before a schema is registered; one the user
// may write to goes (kfake with SASL and ACLs, srfake).
func TestIngestWithoutPermission(t *testing.T) {
	testenv.CheckLeaks(t)
	topicACL := func(name string, op kmsg.ACLOperation) kfake.ACL {
		return kfake.ACL{Resource: kmsg.ACLResourceTypeTopic, Name: name, Pattern: kmsg.ACLResourcePatternTypeLiteral, Operation: op, Allow: true}
	}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.EnableACLs(),
		kfake.Superuser("PLAIN", "admin", "admin-pw"),
		kfake.User("PLAIN", "bob", "bob-pw",
			topicACL("ro", kmsg.ACLOperationDescribe), topicACL("ro", kmsg.ACLOperationRead), topicACL("ro", kmsg.ACLOperationDescribeConfigs),
			topicACL("rw", kmsg.ACLOperationDescribe), topicACL("rw", kmsg.ACLOperationRead), topicACL("rw", kmsg.ACLOperationDescribeConfigs),
			topicACL("rw", kmsg.ACLOperationWrite),
			kfake.ACL{Resource: kmsg.ACLResourceTypeCluster, Name: "kafka-cluster", Pattern: kmsg.ACLResourcePatternTypeLiteral,
				Operation: kmsg.ACLOperationIdempotentWrite, Allow: true}),
		kfake.SeedTopics(1, "ro", "rw"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	registry := httptest.NewServer(srfake.NewRegistry().Handler())
	t.Cleanup(registry.Close)
	reg, err := sr.NewClient(sr.URLs(registry.URL))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.SASL(plain.Auth{User: "admin", Pass: "admin-pw"}.AsMechanism()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	testenv.CheckLeaks(t, mem)
	db, err := driver.NewDriver(mem).NewDatabase(map[string]string{
		"uri": "kafka://" + cluster.ListenAddrs()[0], "kafarr.schema_registry.url": registry.URL,
		"username": "bob", "password": "bob-pw", "kafarr.sasl.mechanism": "PLAIN",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cn, err := db.Open(ingCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cn.Close() })
	e := &ingestEnv{mem: mem, cn: cn, reg: reg}
	rec := ingFromJSON(t, mem, refuseSchema, `[{"n":1,"s":"a"}]`)
	subjects := func() []string {
		s, err := reg.Subjects(ingCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(s)
		return s
	}

	_, err = e.ingest(t, "ro", rec, nil)
	ingWantStatus(t, err, adbc.StatusUnauthorized, `"ro"`, "not permitted to write")
	_, err = e.ingest(t, "ro", rec, map[string]string{adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeReplace, "kafarr.allow_delete_topics": "true"})
	ingWantStatus(t, err, adbc.StatusUnauthorized, `"ro"`, "not permitted to delete")
	if got := subjects(); len(got) != 0 {
		t.Errorf("refused ingests registered %v", got)
	}
	ends, err := kadm.NewClient(admin).ListEndOffsets(ingCtx(t), "ro")
	if o, ok := ends.Lookup("ro", 0); err != nil || !ok || o.Offset != 0 {
		t.Errorf("topic ro after refused ingests: end offset %+v, %v", o, err)
	}

	e.mustIngest(t, "rw", rec, nil)
	if got := subjects(); !slices.Equal(got, []string{"rw-value"}) {
		t.Errorf("subjects %v after an ingest into rw, want [rw-value]", got)
	}
}
