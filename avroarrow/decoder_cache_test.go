package avroarrow

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestDecoderCache(t *testing.T) {
	reader := MustParse(tickSchema)
	cache, err := NewDecoderCache(reader, DecoderOptions{Projection: []string{"inst", "bid"}})
	if err != nil {
		t.Fatal(err)
	}
	var lookups atomic.Int32
	registryDown := errors.New("registry down")
	lookup := func(id int32) (*Schema, error) {
		lookups.Add(1)
		switch id {
		case 1:
			return MustParse(tickSchema), nil
		case 2: // an older version without ask
			return MustParse(`{"type":"record","name":"Tick","namespace":"avros.pricing.ig","fields":[{"name":"inst","type":"string"},{"name":"bid","type":"float"}]}`), nil
		case 3: // incompatible
			return MustParse(`{"type":"record","name":"Tick","namespace":"avros.pricing.ig","fields":[{"name":"inst","type":"long"},{"name":"bid","type":"float"}]}`), nil
		}
		return nil, registryDown
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				d1, err := cache.Get(1, lookup)
				if err != nil || d1.Schema() != cache.Schema() {
					t.Errorf("id 1: %v", err)
					return
				}
				if _, err := cache.Get(3, lookup); !errors.As(err, new(*ResolveError)) {
					t.Errorf("id 3: got %v, want a ResolveError", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	// Concurrent first Gets may each look up once; after that, never.
	before := lookups.Load()
	if before > 16 {
		t.Errorf("%d lookups for 2 ids", before)
	}
	for i := 0; i < 10; i++ {
		if _, err := cache.Get(1, lookup); err != nil {
			t.Fatal(err)
		}
		if _, err := cache.Get(3, lookup); err == nil {
			t.Fatal("id 3 resolved")
		}
	}
	if lookups.Load() != before {
		t.Errorf("cached ids were looked up again")
	}

	// Lookup errors are cached for the TTL, then retried.
	cache.LookupErrorTTL = 50 * time.Millisecond
	for i := 0; i < 5; i++ {
		if _, err := cache.Get(9, lookup); err != registryDown {
			t.Fatalf("got %v", err)
		}
	}
	if got := lookups.Load() - before; got != 1 {
		t.Errorf("%d lookups of a failing id within its TTL, want 1", got)
	}
	time.Sleep(60 * time.Millisecond)
	cache.Get(9, lookup)
	if got := lookups.Load() - before; got != 2 {
		t.Errorf("%d lookups after the TTL, want 2", got)
	}

	// Decoders for different writer ids fill the same builder.
	d2, err := cache.Get(2, lookup)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := cache.Get(1, lookup)
	mem := newCheckedMem(t)
	bb, err := NewBatchBuilder(mem, cache.Schema())
	if err != nil {
		t.Fatal(err)
	}
	defer bb.Release()
	if err := d1.Decode(goavroEncode(t, tickSchema, map[string]any{"inst": "a", "t": int64(1), "dt": int32(2), "bid": float32(0.5), "ask": float32(1)}), bb); err != nil {
		t.Fatal(err)
	}
	if err := d2.Decode(goavroEncode(t, d2.Writer().String(), map[string]any{"inst": "b", "bid": float32(1.5)}), bb); err != nil {
		t.Fatal(err)
	}
	if got := jsonRows(t, flush(t, bb)); got != "[{\"bid\":0.5,\"inst\":\"a\"}\n,{\"bid\":1.5,\"inst\":\"b\"}\n]" {
		t.Errorf("got %s", got)
	}
}

func TestDecoderCacheBounded(t *testing.T) {
	cache, err := NewDecoderCache(MustParse(`"long"`), DecoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cache.MaxEntries = 4
	lookup := func(int32) (*Schema, error) { return MustParse(`"int"`), nil }
	for id := int32(0); id < 100; id++ {
		if _, err := cache.Get(id, lookup); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(cache.entries); n != 4 {
		t.Errorf("%d entries, want 4", n)
	}
	if _, err := NewDecoderCache(MustParse(`{"type":"record","name":"N","fields":[{"name":"n","type":["null","N"]}]}`), DecoderOptions{}); err == nil {
		t.Errorf("a recursive reader made a cache")
	}
}
