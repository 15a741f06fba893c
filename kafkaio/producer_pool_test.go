package kafkaio

import (
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

func clientClosed(cl *kgo.Client) bool {
	select {
	case <-cl.Context().Done():
		return true
	default:
		return false
	}
}

func TestProducerPool(t *testing.T) {
	c := newCluster(t)
	p := NewProducerPool(Config{Brokers: c.ListenAddrs()})
	defer p.Close()
	plain := ProducerKey{Compression: "none"}
	lz4 := ProducerKey{Compression: "lz4"}
	a, err := p.Get(plain)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.Get(plain)
	cl, _ := p.Get(plain)
	if a == b || b == cl {
		t.Fatal("clients in use were handed out twice")
	}
	p.Put(plain, a, true)
	p.Put(plain, b, true)
	p.Put(plain, cl, true) // beyond maxIdleProducers: closed
	if !clientClosed(cl) || clientClosed(a) || clientClosed(b) {
		t.Fatalf("closed after Put: a %v b %v c %v; want only c", clientClosed(a), clientClosed(b), clientClosed(cl))
	}
	if got, _ := p.Get(plain); got != b {
		t.Error("Get did not reuse the idle client")
	}
	if got, _ := p.Get(lz4); got == a {
		t.Error("a client was reused for other settings")
	} else {
		p.Put(lz4, got, false) // a failed ingest's client is closed
		if !clientClosed(got) {
			t.Error("an unhealthy client was kept")
		}
	}
	if _, err := p.Get(ProducerKey{Compression: "brotli"}); adbcerr.Status(err) != adbc.StatusInvalidArgument {
		t.Errorf("Get with compression brotli: %v; want InvalidArgument", err)
	}
	// Close closes the idle clients at once; a client in use is closed
	// when given back.
	p.Close()
	if !clientClosed(a) {
		t.Fatal("the idle client outlived the pool")
	}
	p.Put(plain, b, true)
	if !clientClosed(b) {
		t.Error("a client given back to a closed pool was kept")
	}
}
