package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/kafarr/kafarr/driver"
	"github.com/kafarr/kafarr/kafkaio"
	"github.com/kafarr/kafarr/options"
)

// Environment variables the CLI reads.
const (
	// envURI is the connection URI when --uri is not given.
	envURI = "KAFARR_URI"
	// envProfile names the profile when --profile is not given.
	envProfile = "KAFARR_PROFILE"
	// envConfig is the profile file's path, overriding the default
	// $XDG_CONFIG_HOME/kafarr/profiles.toml (~/.config/kafarr/profiles.toml).
	envConfig = "KAFARR_CONFIG"
)

// defaultProfile is the profile used when no URI and no profile name is
// given, if the profile file has it.
const defaultProfile = "default"

// connFlags are the connection flags every command takes.
type connFlags struct {
	uri            string
	profile        string
	opts           optList
	connectTimeout time.Duration
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.uri, "uri", "", "connection URI kafka://host:port[,host:port][?opt=value&...] (default $"+envURI+", else the profile's)")
	fs.StringVar(&c.profile, "profile", "", "profile name in the profile file (default $"+envProfile+", else \"default\" when no URI is given)")
	fs.Var(&c.opts, "opt", "`key=value` driver option (any kafarr.* or ADBC option); repeatable, wins over the URI and the profile")
	fs.DurationVar(&c.connectTimeout, "connect-timeout", 10*time.Second, "how long to try reaching the brokers before failing")
}

// optList collects repeated --opt key=value flags, in order.
type optList []string

func (o *optList) String() string { return strings.Join(*o, ",") }

func (o *optList) Set(v string) error {
	k, _, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	*o = append(*o, v)
	return nil
}

// options resolves the database options: the URI from --uri, $KAFARR_URI
// or the profile, the profile's options, then --opt (later wins).
func (c *connFlags) options(env *cmdEnv) (map[string]string, error) {
	opts := map[string]string{}
	uri := c.uri
	if uri == "" {
		uri = env.getenv(envURI)
	}
	name, explicit := c.profile, c.profile != ""
	if name == "" {
		if name = env.getenv(envProfile); name != "" {
			explicit = true
		}
	}
	if name == "" && uri == "" {
		name = defaultProfile
	}
	if name != "" {
		prof, path, err := loadProfile(env, name)
		switch {
		case err != nil:
			return nil, err
		case prof == nil && explicit:
			if path == "" {
				return nil, fmt.Errorf("profile %q: no profile file (set $%s or create %s)", name, envConfig, profilePathHint(env))
			}
			return nil, fmt.Errorf("profile %q is not in %s", name, path)
		}
		for k, v := range prof {
			opts[k] = v
		}
	}
	if uri != "" {
		opts[options.URI] = uri
	}
	for _, kv := range c.opts {
		k, v, _ := strings.Cut(kv, "=")
		opts[strings.TrimSpace(k)] = v
	}
	if opts[options.URI] == "" && opts[options.BootstrapServers] == "" {
		return nil, usagef("no connection: give --uri kafka://host:port, set $%s, or add a %q profile to %s", envURI, defaultProfile, profilePathHint(env))
	}
	return opts, nil
}

// profilePath is the profile file's path.
func profilePath(env *cmdEnv) string {
	if p := env.getenv(envConfig); p != "" {
		return p
	}
	if d := env.getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "kafarr", "profiles.toml")
	}
	if h := env.getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "kafarr", "profiles.toml")
	}
	return ""
}

func profilePathHint(env *cmdEnv) string {
	if p := profilePath(env); p != "" {
		return p
	}
	return "~/.config/kafarr/profiles.toml"
}

// loadProfile reads profile name from the profile file: a TOML table per
// profile whose keys are uri and option keys. Dotted keys may be written
// quoted ("kafarr.read.timeout_ms" = 5000) or bare (kafarr.read.timeout_ms
// = 5000, which TOML nests); values may be strings, numbers or booleans.
// A missing file gives a nil profile and no error; path is "" when there
// is no file.
func loadProfile(env *cmdEnv, name string) (prof map[string]string, path string, err error) {
	path = profilePath(env)
	if path == "" {
		return nil, "", nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, path, fmt.Errorf("profile file: %v", err)
	}
	var all map[string]any
	if err := toml.Unmarshal(data, &all); err != nil {
		return nil, path, fmt.Errorf("profile file %s: %v", path, err)
	}
	raw, ok := all[name]
	if !ok {
		return nil, path, nil
	}
	table, ok := raw.(map[string]any)
	if !ok {
		return nil, path, fmt.Errorf("profile file %s: %q is not a table ([%s])", path, name, name)
	}
	prof = map[string]string{}
	if err := flatten(prof, "", table); err != nil {
		return nil, path, fmt.Errorf("profile file %s: profile %q: %v", path, name, err)
	}
	return prof, path, nil
}

// flatten turns nested TOML tables into dotted option keys.
func flatten(out map[string]string, prefix string, table map[string]any) error {
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch v := table[k].(type) {
		case map[string]any:
			if err := flatten(out, key, v); err != nil {
				return err
			}
		case string:
			out[key] = v
		case int64, float64, bool:
			out[key] = fmt.Sprint(v)
		default:
			return fmt.Errorf("%s: want a string, number or boolean, got %T", key, v)
		}
	}
	return nil
}

// session is an open ADBC connection to the cluster.
type session struct {
	db   adbc.Database
	cn   adbc.Connection
	opts map[string]string
	mem  memory.Allocator
}

// connect opens a connection with the resolved options. Reaching the
// brokers is bounded by --connect-timeout.
func connect(ctx context.Context, env *cmdEnv, c *connFlags, mem memory.Allocator) (*session, error) {
	opts, err := c.options(env)
	if err != nil {
		return nil, err
	}
	db, err := driver.NewDriver(mem).NewDatabase(opts)
	if err != nil {
		return nil, err
	}
	octx, cancel := context.WithTimeout(ctx, c.connectTimeout)
	defer cancel()
	cn, err := db.Open(octx)
	if err != nil {
		db.Close()
		if ctx.Err() != nil {
			return nil, errInterrupted
		}
		return nil, err
	}
	return &session{db: db, cn: cn, opts: opts, mem: mem}, nil
}

func (s *session) Close() {
	s.cn.Close()
	s.db.Close()
}

// registry returns a schema registry client for the session's options, or
// nil when no registry is configured.
func (s *session) registry() (*kafkaio.Registry, error) {
	st := options.NewStore()
	if err := st.SetAll(s.opts); err != nil {
		return nil, err
	}
	r := st.Cluster().Registry
	if r.URL == "" {
		return nil, nil
	}
	ca, skip := r.CAFile, r.InsecureSkipVerify
	return kafkaio.NewRegistry(kafkaio.RegistryConfig{
		URL:         r.URL.Reveal(),
		Username:    r.Username,
		Password:    r.Password.Reveal(),
		BearerToken: r.BearerToken.Reveal(),
		TLS:         kafkaio.TLSConfig{Enabled: ca != "" || skip, CAFile: ca, InsecureSkipVerify: skip},
		Timeout:     r.Timeout,
	})
}

// option returns the value in force for key (an explicit option, else
// what the URI carries, else the default).
func (s *session) option(key string) string {
	st := options.NewStore()
	if err := st.SetAll(s.opts); err != nil {
		return ""
	}
	return st.Get(key)
}

// hasOption reports whether key was given: as --opt, in the profile or in
// the URI's query string.
func (s *session) hasOption(key string) bool {
	if _, ok := s.opts[key]; ok {
		return true
	}
	if uri, ok := s.opts[options.URI]; ok {
		if fromURI, err := options.ParseURI(uri); err == nil {
			_, ok := fromURI[key]
			return ok
		}
	}
	return false
}
