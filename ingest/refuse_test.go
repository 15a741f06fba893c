package ingest_test

// Tests that an ingest refused for any reason writes nothing: no schema
// registered, no topic created or deleted, no record produced.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/twmb/franz-go/pkg/sr"
)

// hasPrefixIn reports whether s starts with any of prefixes.
func hasPrefixIn(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// subjects returns the registry's subjects starting with any of prefixes,
// sorted. Other tests share the real registry, so a test looks only at
// the names it uses.
func (e *ingestEnv) subjects(t *testing.T, prefixes ...string) []string {
	t.Helper()
	all, err := e.reg.Subjects(ingCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range all {
		if hasPrefixIn(s, prefixes) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// topics returns the cluster's topics, internal ones included, starting
// with any of prefixes, with their end offsets, sorted.
func (e *ingestEnv) topics(t *testing.T, prefixes ...string) []string {
	t.Helper()
	td, err := e.freshAdmin(t).ListTopicsWithInternal(ingCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range td.Names() {
		switch {
		case !hasPrefixIn(name, prefixes):
		case strings.HasPrefix(name, "__"):
			// Kafka's own topics, whose offsets other clients move.
			out = append(out, name)
		default:
			out = append(out, fmt.Sprintf("%s@%d", name, e.totalEnd(t, name)))
		}
	}
	slices.Sort(out)
	return out
}

// dropSubjects deletes the subjects <name>-value and <name>-key, if they
// exist, permanently; at the end of the test too.
func (e *ingestEnv) dropSubjects(t *testing.T, names ...string) {
	t.Helper()
	drop := func() {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, n := range names {
			for _, s := range []string{n + "-value", n + "-key"} {
				_, _ = e.reg.DeleteSubject(c, s, sr.SoftDelete)
				_, _ = e.reg.DeleteSubject(c, s, sr.HardDelete)
			}
		}
	}
	drop()
	t.Cleanup(drop)
}

// setCompatibility sets a subject's compatibility level through the
// registry's REST API.
func (e *ingestEnv) setCompatibility(t *testing.T, subject, level string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ingCtx(t), http.MethodPut, e.registry+"/config/"+subject,
		strings.NewReader(`{"compatibility":"`+level+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("setting the compatibility of %s: HTTP %d", subject, resp.StatusCode)
	}
}

// refusal is one ingest that must be refused.
type refusal struct {
	name string
	// target returns the topic to ingest into, given a fresh topic name;
	// setup prepares the stack.
	target func(base string) string
	setup  func(t *testing.T, e *ingestEnv, base string)
	opts   map[string]string
	rows   string // JSON rows of refuseSchema; default one good row
	status adbc.Status
	parts  []string // besides the target's quoted name
	real   bool     // needs the real registry
}

// refuseSchema is the data of the refused ingests.
var refuseSchema = arrow.NewSchema([]arrow.Field{
	{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func same(name string) func(string) string { return func(string) string { return name } }

func self(base string) string { return base }

// refusals are the ways an ingest is refused before it writes anything.
var refusals = []refusal{
	{name: "internal topic", target: same("__consumer_offsets"), status: adbc.StatusInvalidArgument, parts: []string{"internal"}},
	{name: "internal topic append", target: same("__transaction_state"), opts: map[string]string{adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeAppend},
		status: adbc.StatusInvalidArgument, parts: []string{"internal"}},
	{name: "internal topic create", target: same("__consumer_offsets"), opts: map[string]string{adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeCreate},
		status: adbc.StatusInvalidArgument, parts: []string{"internal"}},
	{name: "invalid character", target: func(b string) string { return b + " x" }, status: adbc.StatusInvalidArgument, parts: []string{"not a valid topic name"}},
	{name: "invalid slash", target: func(b string) string { return b + "/x" }, status: adbc.StatusInvalidArgument, parts: []string{"not a valid topic name"}},
	{name: "too long", target: func(b string) string { return b + strings.Repeat("x", 250-len(b)) }, status: adbc.StatusInvalidArgument, parts: []string{"250", "249"}},
	{name: "dot", target: same("."), status: adbc.StatusInvalidArgument, parts: []string{"not a valid topic name"}},
	{name: "dot dot", target: same(".."), status: adbc.StatusInvalidArgument, parts: []string{"not a valid topic name"}},
	{name: "append to a missing topic", target: self, opts: map[string]string{adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeAppend},
		status: adbc.StatusNotFound, parts: []string{"does not exist"}},
	{name: "create an existing topic", target: self, opts: map[string]string{adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeCreate},
		setup: func(t *testing.T, e *ingestEnv, base string) { e.createTopic(t, base, 1) }, status: adbc.StatusAlreadyExists},
	{name: "replace without permission", target: self, opts: map[string]string{adbc.OptionKeyIngestMode: adbc.OptionValueIngestModeReplace},
		setup: func(t *testing.T, e *ingestEnv, base string) { e.createTopic(t, base, 1) }, status: adbc.StatusUnauthorized},
	{name: "name collides with a topic", target: func(b string) string { return b + ".c" },
		setup:  func(t *testing.T, e *ingestEnv, base string) { e.createTopic(t, base+"_c", 1) },
		status: adbc.StatusInvalidArgument},
	{name: "replication factor above the brokers", target: self, opts: map[string]string{"kafarr.ingest.replication_factor": "3"},
		status: adbc.StatusInvalidArgument},
	{name: "partition not in the new topic", target: self, opts: map[string]string{"kafarr.ingest.partitions": "2", "kafarr.ingest.partition_column": "n"},
		rows: `[{"n":1,"s":"a"},{"n":5,"s":"b"}]`, status: adbc.StatusInvalidArgument, parts: []string{`column "n" row 1`, "partitions 0 to 1"}},
	{name: "timestamp before the epoch", target: self, opts: map[string]string{"kafarr.ingest.timestamp_column": "n"},
		rows: `[{"n":-5,"s":"a"}]`, status: adbc.StatusInvalidArgument, parts: []string{`column "n" row 0`}},
	{name: "value does not fit the named schema", target: self, opts: map[string]string{"kafarr.ingest.value_subject": "<base>-named"},
		setup: func(t *testing.T, e *ingestEnv, base string) {
			e.register(t, base+"-named", `{"type":"record","name":"R","fields":[{"name":"n","type":"int"}]}`)
		},
		rows: `[{"n":3000000000,"s":"a"}]`, status: adbc.StatusInvalidArgument, parts: []string{`column "n" row 0`}},
	{name: "record over the new topic's limit", target: self,
		rows: `[{"n":1,"s":"` + strings.Repeat("x", 1<<20) + `"}]`, status: adbc.StatusInvalidArgument, parts: []string{"row 0", "limit of 1048587 bytes", "message.max.bytes"}},
	{name: "derived schema incompatible", target: self, real: true,
		setup: func(t *testing.T, e *ingestEnv, base string) {
			e.register(t, base+"-value", `{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}`)
			e.setCompatibility(t, base+"-value", "BACKWARD")
		},
		status: adbc.StatusInvalidArgument, parts: []string{base409}},
	{name: "protobuf value does not fit the named schema", target: self, opts: map[string]string{"kafarr.ingest.value_subject": "<base>-named"},
		setup: func(t *testing.T, e *ingestEnv, base string) {
			e.registerType(t, base+"-named", sr.TypeProtobuf, "syntax = \"proto3\";\nmessage R { int32 n = 1; string s = 2; }\n")
		},
		rows: `[{"n":3000000000,"s":"a"}]`, status: adbc.StatusInvalidArgument, parts: []string{`column "n" row 0`, "3000000000"}},
	{name: "protobuf null into a field without presence", target: self,
		setup: func(t *testing.T, e *ingestEnv, base string) {
			e.registerType(t, base+"-value", sr.TypeProtobuf, "syntax = \"proto3\";\nmessage R { int64 n = 1; string s = 2; }\n")
		},
		rows: `[{"n":1,"s":"a"},{"n":2,"s":null}]`, status: adbc.StatusInvalidArgument, parts: []string{`column "s" row 1`, "presence"}},
	{name: "protobuf column without a field", target: self, opts: map[string]string{"kafarr.ingest.value_subject": "<base>-named"},
		setup: func(t *testing.T, e *ingestEnv, base string) {
			e.registerType(t, base+"-named", sr.TypeProtobuf, "syntax = \"proto3\";\nmessage R { int64 n = 1; string str = 2; }\n")
		},
		status: adbc.StatusInvalidArgument, parts: []string{`column "s"`, "no field"}},
	{name: "json schema null into a required property", target: self,
		setup: func(t *testing.T, e *ingestEnv, base string) {
			e.registerType(t, base+"-value", sr.TypeJSON, `{"type":"object","properties":{"n":{"type":"integer"},"s":{"type":"string"}},"required":["s"]}`)
		},
		rows: `[{"n":1,"s":null}]`, status: adbc.StatusInvalidArgument, parts: []string{`column "s" row 0`}},
	{name: "value_format contradicts the subject", target: self, opts: map[string]string{"kafarr.ingest.value_format": "protobuf"},
		setup: func(t *testing.T, e *ingestEnv, base string) {
			e.register(t, base+"-value", `{"type":"record","name":"R","fields":[{"name":"n","type":"long"}]}`)
		},
		status: adbc.StatusInvalidArgument, parts: []string{"kafarr.ingest.value_format=protobuf", "AVRO"}},
	{name: "protobuf record over the new topic's limit", target: self, opts: map[string]string{"kafarr.ingest.value_format": "protobuf"},
		rows: `[{"n":1,"s":"` + strings.Repeat("x", 1<<20) + `"}]`, status: adbc.StatusInvalidArgument, parts: []string{"row 0", "limit of 1048587 bytes"}},
	{name: "escaped plain JSON over the new topic's limit", target: self, opts: map[string]string{"kafarr.ingest.value_format": "json"},
		// 200,000 characters, 1,200,000 bytes of JSON (\u0001 each).
		rows: `[{"n":1,"s":"ok"},{"n":2,"s":"` + strings.Repeat(`\u0001`, 200_000) + `"}]`, status: adbc.StatusInvalidArgument, parts: []string{"row 1", "limit of 1048587 bytes"}},
	{name: "raw key_format with a key subject", target: self,
		opts:   map[string]string{"kafarr.ingest.key_format": "string", "kafarr.ingest.key_subject": "x", "kafarr.ingest.key_column": "s"},
		status: adbc.StatusInvalidArgument, parts: []string{"kafarr.ingest.key_format=string", "kafarr.ingest.key_subject"}},
	{name: "protobuf key does not fit the key subject", target: self,
		opts: map[string]string{"kafarr.ingest.key_subject": "<base>-key", "kafarr.ingest.key_column": "n"},
		setup: func(t *testing.T, e *ingestEnv, base string) {
			e.registerType(t, base+"-key", sr.TypeProtobuf, "syntax = \"proto3\";\nmessage K { int32 n = 1; }\n")
		},
		rows: `[{"n":1,"s":"a"},{"n":-3000000000,"s":"b"}]`, status: adbc.StatusInvalidArgument, parts: []string{`column "n" row 1`}},
}

// base409 is what the registry's refusal of an incompatible schema says.
const base409 = "HTTP 409"

// TestIngestRefusedWritesNothing: every refused ingest leaves the
// registry's subjects and the cluster's topics (and their end offsets)
// exactly as they were, and names the topic with the right status.
func TestIngestRefusedWritesNothing(t *testing.T) {
	ingStacks(t, func(t *testing.T, e *ingestEnv) {
		for _, c := range refusals {
			t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
				if c.real && e.dev != nil {
					t.Skip("srfake accepts every schema")
				}
				base := e.topic(t)
				target := c.target(base)
				// A schema left by an earlier refused ingest into the
				// same name would hide this one's.
				e.dropSubjects(t, target, base)
				t.Cleanup(func() {
					c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					// Topics this test made besides base, which
					// e.topic deletes.
					_, _ = e.adm.DeleteTopics(c, base+"_c", base+".c", base+" x", base+"/x")
				})
				if c.setup != nil {
					c.setup(t, e, base)
				}
				opts := map[string]string{}
				for k, v := range c.opts {
					opts[k] = strings.ReplaceAll(v, "<base>", base)
				}
				rows := c.rows
				if rows == "" {
					rows = `[{"n":1,"s":"a"}]`
				}
				rec := ingFromJSON(t, e.mem, refuseSchema, rows)
				names := []string{base, target}
				subjects, topics := e.subjects(t, names...), e.topics(t, names...)

				n, err := e.ingest(t, target, rec, opts)
				ingWantStatus(t, err, c.status, append([]string{fmt.Sprintf("%q", target)}, c.parts...)...)
				if n > 0 {
					t.Errorf("refused ingest returned %d rows", n)
				}
				if got := e.subjects(t, names...); !slices.Equal(got, subjects) {
					t.Errorf("subjects after the refused ingest:\n%v\nbefore:\n%v", got, subjects)
				}
				if got := e.topics(t, names...); !slices.Equal(got, topics) {
					t.Errorf("topics after the refused ingest:\n%v\nbefore:\n%v", got, topics)
				}
			})
		}
	})
}
