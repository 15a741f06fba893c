package testenv

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// recorder stands in for the testing.TB handed to a helper, recording
// Skip and Fatal instead of ending the goroutine. The embedded TB serves
// every method it does not override (the unexported one included).
type recorder struct {
	testing.TB
	skipped string
	fatal   string
}

func (*recorder) Helper()                     {}
func (r *recorder) Skip(args ...any)          { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatalf(f string, a ...any) { r.fatal = fmt.Sprintf(f, a...) }

func TestBrokersAndRegistry(t *testing.T) {
	tests := []struct {
		name        string
		brokers     string
		registry    string
		require     string
		wantBrokers string
		wantReg     string
		wantSkip    bool
		wantFatal   string // substring
	}{
		{
			name:        "set",
			brokers:     "127.0.0.1:19092",
			registry:    "http://127.0.0.1:18081/apis/ccompat/v7",
			wantBrokers: "127.0.0.1:19092",
			wantReg:     "http://127.0.0.1:18081/apis/ccompat/v7",
		},
		{
			name:        "set and required",
			brokers:     " 127.0.0.1:19092\n",
			registry:    "http://127.0.0.1:18081",
			require:     "1",
			wantBrokers: "127.0.0.1:19092",
			wantReg:     "http://127.0.0.1:18081",
		},
		{name: "unset skips", wantSkip: true},
		{name: "blank skips", brokers: "  ", registry: "", wantSkip: true},
		{name: "required value other than 1 still skips", require: "true", wantSkip: true},
		{name: "unset and required fails", require: "1", wantFatal: "is not set but KAFARR_REQUIRE_STACK=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvBrokers, tt.brokers)
			t.Setenv(EnvRegistry, tt.registry)
			t.Setenv(EnvRequireStack, tt.require)

			for _, c := range []struct {
				env  string
				fn   func(testing.TB) string
				want string
			}{
				{EnvBrokers, Brokers, tt.wantBrokers},
				{EnvRegistry, Registry, tt.wantReg},
			} {
				r := &recorder{TB: t}
				got := c.fn(r)
				if got != c.want {
					t.Errorf("%s: got %q, want %q", c.env, got, c.want)
				}
				if tt.wantSkip != (r.skipped != "") {
					t.Errorf("%s: skipped = %q, want skip %v", c.env, r.skipped, tt.wantSkip)
				}
				if tt.wantSkip && r.skipped != "real stack not running; use make test" {
					t.Errorf("%s: skip reason = %q", c.env, r.skipped)
				}
				switch {
				case tt.wantFatal == "" && r.fatal != "":
					t.Errorf("%s: unexpected Fatal %q", c.env, r.fatal)
				case tt.wantFatal != "" && !strings.Contains(r.fatal, tt.wantFatal):
					t.Errorf("%s: Fatal = %q, want it to contain %q", c.env, r.fatal, tt.wantFatal)
				case tt.wantFatal != "" && !strings.HasPrefix(r.fatal, c.env):
					t.Errorf("%s: Fatal = %q, want it to name %s", c.env, r.fatal, c.env)
				}
			}
		})
	}
}

var topicRE = regexp.MustCompile(`^kafarr-test-[A-Za-z0-9_-]+-[0-9a-f]{8}$`)

func TestTopic(t *testing.T) {
	tests := []struct {
		name     string
		testName string
		wantMid  string // the sanitized test name between prefix and suffix
	}{
		{name: "plain", testName: "TestProduce", wantMid: "TestProduce"},
		{name: "subtest", testName: "TestRead/by_offset", wantMid: "TestRead-by_offset"},
		{name: "dots and spaces", testName: "TestX/a.b c#1", wantMid: "TestX-a-b-c-1"},
		{name: "non-ascii", testName: "TestÜ", wantMid: "Test--"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &named{TB: t, name: tt.testName}
			got := Topic(r)
			if !topicRE.MatchString(got) {
				t.Fatalf("Topic = %q, want match %s", got, topicRE)
			}
			if mid := strings.TrimSuffix(strings.TrimPrefix(got, "kafarr-test-"), got[len(got)-9:]); mid != tt.wantMid {
				t.Errorf("Topic = %q: middle %q, want %q", got, mid, tt.wantMid)
			}
		})
	}

	t.Run("unique per call", func(t *testing.T) {
		seen := map[string]bool{}
		for range 100 {
			name := Topic(t)
			if seen[name] {
				t.Fatalf("Topic returned %q twice", name)
			}
			seen[name] = true
		}
	})

	t.Run("long names fit Kafka's limit", func(t *testing.T) {
		got := Topic(&named{TB: t, name: strings.Repeat("x", 400)})
		if len(got) != maxTopicLen {
			t.Errorf("len(Topic) = %d, want %d", len(got), maxTopicLen)
		}
		if !topicRE.MatchString(got) {
			t.Errorf("Topic = %q, want match %s", got, topicRE)
		}
	})
}

// named overrides Name so Topic can be fed arbitrary test names.
type named struct {
	testing.TB
	name string
}

func (n *named) Name() string { return n.name }
func (*named) Helper()        {}

func TestDevStack(t *testing.T) {
	a := DevStack(t)
	b := DevStack(t)
	if a.Brokers() == b.Brokers() || a.RegistryURL() == b.RegistryURL() {
		t.Fatalf("two DevStacks share an address: %s %s / %s %s", a.Brokers(), a.RegistryURL(), b.Brokers(), b.RegistryURL())
	}

	// A topic created on one stack does not exist on the other.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	topic := Topic(t)
	for i, s := range []interface{ Brokers() string }{a, b} {
		cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		adm := kadm.NewClient(cl)
		if i == 0 {
			if _, err := adm.CreateTopic(ctx, 1, 1, nil, topic); err != nil {
				t.Fatalf("CreateTopic on stack a: %v", err)
			}
		}
		details, err := adm.ListTopics(ctx)
		if err != nil {
			t.Fatalf("ListTopics on stack %d: %v", i, err)
		}
		if got, want := details.Has(topic), i == 0; got != want {
			t.Errorf("stack %d has topic %s = %v, want %v", i, topic, got, want)
		}
	}

	// Cleanup closes the stacks: check from a subtest whose cleanup has run.
	var url string
	t.Run("closed by cleanup", func(t *testing.T) {
		url = DevStack(t).RegistryURL()
		resp, err := http.Get(url + "/subjects")
		if err != nil {
			t.Fatalf("GET /subjects while running: %v", err)
		}
		resp.Body.Close()
	})
	if _, err := http.Get(url + "/subjects"); err == nil {
		t.Errorf("registry %s still answers after the subtest's cleanup", url)
	}
}
