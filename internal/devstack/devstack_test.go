package devstack_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/devstack"
	"github.com/kafarr/kafarr/internal/testenv"
)

func TestStartServesKafkaAndRegistry(t *testing.T) {
	testenv.CheckLeaks(t)
	s, err := devstack.Start("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer s.Close()

	if !strings.HasPrefix(s.Brokers(), "127.0.0.1:") || strings.HasSuffix(s.Brokers(), ":0") {
		t.Errorf("Brokers() = %q, want 127.0.0.1:<chosen port>", s.Brokers())
	}
	if !strings.HasPrefix(s.RegistryURL(), "http://127.0.0.1:") || strings.HasSuffix(s.RegistryURL(), ":0") {
		t.Errorf("RegistryURL() = %q, want http://127.0.0.1:<chosen port>", s.RegistryURL())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	// -1 partitions leaves the count to the broker, which must give 1.
	created, err := adm.CreateTopic(ctx, -1, -1, nil, "devstack-check")
	if err != nil || created.Err != nil {
		t.Fatalf("CreateTopic: %v / %v", err, created.Err)
	}
	if created.NumPartitions != 1 {
		t.Errorf("created topic has %d partitions, want 1", created.NumPartitions)
	}
	res := cl.ProduceSync(ctx, &kgo.Record{Topic: "devstack-check", Value: []byte("v")})
	if err := res.FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	if got := res[0].Record.Offset; got != 0 {
		t.Errorf("first record offset = %d, want 0", got)
	}
	ends, err := adm.ListEndOffsets(ctx, "devstack-check")
	if err != nil {
		t.Fatalf("ListEndOffsets: %v", err)
	}
	if o, ok := ends.Lookup("devstack-check", 0); !ok || o.Offset != 1 {
		t.Errorf("end offset of devstack-check/0 = %+v (found %v), want 1", o, ok)
	}

	// Auto-creation is off, as on the real test broker.
	res = cl.ProduceSync(ctx, &kgo.Record{Topic: "devstack-missing", Value: []byte("v")})
	if res.FirstErr() == nil {
		t.Error("producing to a missing topic succeeded; auto-creation should be off")
	}

	resp, err := http.Get(s.RegistryURL() + "/subjects")
	if err != nil {
		t.Fatalf("GET /subjects: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("GET /subjects = %d %q, want 200 []", resp.StatusCode, body)
	}

	s.Close()
	s.Close() // a second Close must be harmless

	if _, err := http.Get(s.RegistryURL() + "/subjects"); err == nil {
		t.Error("registry still answers after Close")
	}
	if c, err := net.DialTimeout("tcp", s.Brokers(), time.Second); err == nil {
		c.Close()
		t.Error("kafka still accepts connections after Close")
	}
}

func TestStartAddresses(t *testing.T) {
	testenv.CheckLeaks(t)
	tests := []struct {
		name      string
		kafka     string
		registry  string
		wantErr   string // substring; empty means Start succeeds
		wantKafka string // prefix of Brokers() on success
	}{
		{name: "explicit loopback", kafka: "127.0.0.1:0", registry: "127.0.0.1:0", wantKafka: "127.0.0.1:"},
		{name: "localhost", kafka: "localhost:0", registry: "localhost:0", wantKafka: "127.0.0.1:"},
		{name: "empty host", kafka: ":0", registry: ":0", wantKafka: "127.0.0.1:"},
		{name: "other loopback host", kafka: "127.0.0.2:0", registry: "127.0.0.1:0", wantKafka: "127.0.0.2:"},
		{name: "kafka on all interfaces", kafka: "0.0.0.0:0", registry: "127.0.0.1:0", wantErr: `kafka address "0.0.0.0:0": host must be a loopback address`},
		{name: "registry on all interfaces", kafka: "127.0.0.1:0", registry: "[::]:0", wantErr: `registry address "[::]:0": host must be a loopback address`},
		{name: "host name", kafka: "example.com:0", registry: "127.0.0.1:0", wantErr: "host must be a loopback address"},
		{name: "no port", kafka: "127.0.0.1", registry: "127.0.0.1:0", wantErr: `kafka address "127.0.0.1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := devstack.Start(tt.kafka, tt.registry)
			if tt.wantErr != "" {
				if err == nil {
					s.Close()
					t.Fatalf("devstack.Start(%q, %q) succeeded, want error containing %q", tt.kafka, tt.registry, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Start error = %q, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				// 127.0.0.2 needs the whole 127/8 routed to lo, as on Linux.
				t.Fatalf("devstack.Start(%q, %q): %v", tt.kafka, tt.registry, err)
			}
			defer s.Close()
			if !strings.HasPrefix(s.Brokers(), tt.wantKafka) {
				t.Errorf("Brokers() = %q, want prefix %q", s.Brokers(), tt.wantKafka)
			}
		})
	}
}

func TestStartPortInUse(t *testing.T) {
	testenv.CheckLeaks(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyAddr := busy.Addr().String()

	t.Run("registry", func(t *testing.T) {
		s, err := devstack.Start("127.0.0.1:0", busyAddr)
		if err == nil {
			s.Close()
			t.Fatal("Start succeeded on a registry port in use")
		}
		if !strings.Contains(err.Error(), "registry: listen on "+busyAddr) {
			t.Errorf("error = %q, want it to name the registry address", err)
		}
	})

	t.Run("kafka", func(t *testing.T) {
		// Reserve a registry port, free it, and check Start gives it back
		// after failing on the kafka port.
		probe, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		regAddr := probe.Addr().String()
		probe.Close()

		s, err := devstack.Start(busyAddr, regAddr)
		if err == nil {
			s.Close()
			t.Fatal("Start succeeded on a kafka port in use")
		}
		if !strings.Contains(err.Error(), "kafka: listen on "+busyAddr) {
			t.Errorf("error = %q, want it to name the kafka address", err)
		}
		again, err := net.Listen("tcp", regAddr)
		if err != nil {
			t.Fatalf("registry port %s still held after the failed Start: %v", regAddr, err)
		}
		again.Close()
	})
}
