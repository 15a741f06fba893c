package options

import (
	"fmt"
	"sync"

	"github.com/apache/arrow-adbc/go/adbc"
)

// Level names the ADBC object a Store belongs to.
type Level uint8

const (
	LevelDatabase Level = iota
	LevelConnection
	LevelStatement
)

func (l Level) String() string {
	switch l {
	case LevelDatabase:
		return "database"
	case LevelConnection:
		return "connection"
	}
	return "statement"
}

// Store holds the options set on one ADBC object. A connection's store has
// its database's as parent and a statement's has its connection's, so Get
// returns the narrowest value in force. Stores are safe for concurrent use.
type Store struct {
	level  Level
	parent *Store

	mu   sync.RWMutex
	vals map[string]value
}

// value is one option set on a Store: the string as set, and its typed
// value, parsed once by Set.
type value struct {
	raw   string
	typed any
}

// NewStore returns an empty database-level store.
func NewStore() *Store {
	return &Store{level: LevelDatabase, vals: map[string]value{}}
}

// Child returns an empty store one level narrower than s whose lookups fall
// back to s.
func (s *Store) Child() *Store {
	return &Store{level: s.level + 1, parent: s, vals: map[string]value{}}
}

// Level is the store's level.
func (s *Store) Level() Level { return s.level }

// Set validates and parses one option and stores it with its typed value;
// a bad value leaves the value in force unchanged. The uri option is
// expanded into the options it carries.
func (s *Store) Set(key, val string) error {
	if key == URI {
		if s.level != LevelDatabase {
			return scopeError(key, s.level)
		}
		expanded, err := ParseURI(val)
		if err != nil {
			return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: "kafarr: option uri: " + err.Error()}
		}
		parsed := make(map[string]value, len(expanded))
		for k, v := range expanded {
			typed, err := check(k, v, s.level)
			if err != nil {
				return err
			}
			parsed[k] = value{raw: v, typed: typed}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.vals[URI] = value{raw: Redact(val)}
		for k, v := range parsed {
			s.vals[k] = v
		}
		return nil
	}
	typed, err := check(key, val, s.level)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.vals[key] = value{raw: val, typed: typed}
	s.mu.Unlock()
	return nil
}

// SetAll sets several options, stopping at the first error.
func (s *Store) SetAll(opts map[string]string) error {
	// The URI goes first so that explicit options override what it
	// carries.
	if v, ok := opts[URI]; ok {
		if err := s.Set(URI, v); err != nil {
			return err
		}
	}
	for k, v := range opts {
		if k == URI {
			continue
		}
		if err := s.Set(k, v); err != nil {
			return err
		}
	}
	return nil
}

// check validates val for key at level and returns it typed.
func check(key, val string, level Level) (any, error) {
	d, ok := defs[key]
	if !ok {
		return nil, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
			"kafarr: unknown option %q; kafarr options are %s", key, knownOptions)}
	}
	if d.Scope == ScopeDatabase && level != LevelDatabase {
		return nil, scopeError(key, level)
	}
	typed, err := d.parseValue(val)
	if err != nil {
		shown := err.Error()
		if d.Secret {
			shown = "got a value"
		}
		return nil, adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
			"kafarr: option %s: %s; it accepts %s", key, shown, d.Accepts)}
	}
	return typed, nil
}

func scopeError(key string, level Level) error {
	return adbc.Error{Code: adbc.StatusInvalidArgument, Msg: fmt.Sprintf(
		"kafarr: option %s configures the cluster connection and can only be set on the database, not on a %s", key, level)}
}

// Lookup returns the value in force for key and whether any level set it.
// Without a set value it returns the option's default.
func (s *Store) Lookup(key string) (string, bool) {
	for cur := s; cur != nil; cur = cur.parent {
		cur.mu.RLock()
		v, ok := cur.vals[key]
		cur.mu.RUnlock()
		if ok {
			return v.raw, true
		}
	}
	return defs[key].Default, false
}

// typed returns the typed value in force for key: the one parsed when the
// narrowest level set it, else the parsed default (nil when the option
// has no default).
func (s *Store) typed(key string) any {
	for cur := s; cur != nil; cur = cur.parent {
		cur.mu.RLock()
		v, ok := cur.vals[key]
		cur.mu.RUnlock()
		if ok {
			return v.typed
		}
	}
	return defs[key].dflt
}

// Get returns the value in force for key (its default when unset).
func (s *Store) Get(key string) string {
	v, _ := s.Lookup(key)
	return v
}

// GetOption implements ADBC's GetOption: the value in force, or NotFound
// for an unknown or unset key. Secrets are never returned.
func (s *Store) GetOption(key string) (string, error) {
	d, known := defs[key]
	if !known {
		return "", adbc.Error{Code: adbc.StatusNotFound, Msg: fmt.Sprintf("kafarr: unknown option %q", key)}
	}
	if d.Secret {
		return "", adbc.Error{Code: adbc.StatusNotFound, Msg: fmt.Sprintf("kafarr: option %s is a secret and cannot be read back", key)}
	}
	v, set := s.Lookup(key)
	if !set && v == "" {
		return "", adbc.Error{Code: adbc.StatusNotFound, Msg: fmt.Sprintf("kafarr: option %s is not set", key)}
	}
	if key == SchemaRegistryURL {
		// A password in the URL's user info is a secret too.
		v = Redact(v)
	}
	return v, nil
}
