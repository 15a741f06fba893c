package kafkaio

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

// Fetch sizing for bulk reads. The Reader asks for the next response as
// soon as it has walked the last one, so the broker's work overlaps the
// decoding and a few MiB per partition keep a local read at full speed
// (8 and 32 MiB were no faster on 100,000 ticks; 2 MiB was slower); memory
// stays at a few responses per partition leader whatever the topic's
// length. The bounded Reader never waits on a fetch's MaxWait (see
// ReaderOptions), so FetchMaxWait only matters to kgo's own consumer.
const (
	// DefaultFetchMaxBytes is the most bytes one fetch response may carry.
	DefaultFetchMaxBytes = 64 << 20
	// DefaultFetchMaxPartitionBytes is the most bytes one partition may
	// contribute to a fetch response.
	DefaultFetchMaxPartitionBytes = 4 << 20
	// DefaultFetchMaxWait is the long-poll time given to kgo's consumer.
	DefaultFetchMaxWait = 100 * time.Millisecond
	// DefaultClientID is the client id sent to brokers when none is set.
	DefaultClientID = "kafarr"
)

// Isolation is the transaction isolation level of reads.
type Isolation int8

const (
	// ReadUncommitted reads every record up to the high watermark,
	// including records of open and aborted transactions.
	ReadUncommitted Isolation = 0
	// ReadCommitted reads up to the last stable offset and drops records
	// of aborted transactions.
	ReadCommitted Isolation = 1
)

// String returns the option spelling of i: read_uncommitted or
// read_committed.
func (i Isolation) String() string {
	if i == ReadCommitted {
		return "read_committed"
	}
	return "read_uncommitted"
}

// SASL mechanisms accepted by SASLConfig.Mechanism.
const (
	SASLPlain       = "PLAIN"
	SASLScramSHA256 = "SCRAM-SHA-256"
	SASLScramSHA512 = "SCRAM-SHA-512"
)

// SASLConfig is broker authentication. An empty Mechanism disables SASL.
type SASLConfig struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (case-insensitive).
	Mechanism string
	// User is the SASL user name.
	User string
	// Password is the SASL password. It never appears in errors.
	Password string
}

// TLSConfig is TLS for brokers (and, through RegistryConfig, the schema
// registry). Files are PEM.
type TLSConfig struct {
	// Enabled turns TLS on. Setting any file or InsecureSkipVerify without
	// Enabled is an error rather than a silent plaintext connection.
	Enabled bool
	// CAFile holds the CA certificates to trust instead of the system pool.
	CAFile string
	// CertFile and KeyFile hold the client certificate for mutual TLS; both
	// or neither must be set.
	CertFile, KeyFile string
	// InsecureSkipVerify accepts any server certificate. For tests only.
	InsecureSkipVerify bool
}

// Build returns the *tls.Config t describes, or nil when TLS is disabled.
// Errors name the file that could not be used.
func (t TLSConfig) Build() (*tls.Config, error) {
	if !t.Enabled {
		if t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.InsecureSkipVerify {
			return nil, adbcerr.New(adbc.StatusInvalidArgument, "TLS files or insecure_skip_verify are set but TLS is not enabled (set tls.enabled=true)")
		}
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // opt-in for tests
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, adbcerr.New(adbc.StatusInvalidArgument, "reading TLS CA file %q: %v", t.CAFile, unwrapPathErr(err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, adbcerr.New(adbc.StatusInvalidArgument, "TLS CA file %q holds no PEM certificate", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case t.CertFile != "" && t.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, adbcerr.New(adbc.StatusInvalidArgument, "loading TLS client certificate %q with key %q: %v", t.CertFile, t.KeyFile, unwrapPathErr(err))
		}
		cfg.Certificates = []tls.Certificate{cert}
	case t.CertFile != "" || t.KeyFile != "":
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "TLS client certificate needs both cert_file and key_file (got cert_file=%q, key_file=%q)", t.CertFile, t.KeyFile)
	}
	return cfg, nil
}

// unwrapPathErr drops the path from *os.PathError, which the caller already
// names.
func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Config is what a client needs to reach a Kafka cluster.
type Config struct {
	// Brokers are the bootstrap brokers, host:port each.
	Brokers []string
	// ClientID is sent to brokers; default DefaultClientID.
	ClientID string
	// SASL is broker authentication; zero value is none.
	SASL SASLConfig
	// TLS is broker transport security; zero value is plaintext.
	TLS TLSConfig
	// Isolation is the isolation level of kgo's consumer; the Reader takes
	// its own in ReaderOptions. Default ReadUncommitted.
	Isolation Isolation
	// DialTimeout bounds each connection attempt; default 10s.
	DialTimeout time.Duration
	// Logger receives franz-go's logs (through its kslog plugin) and
	// kafkaio's debug logs of fetches and retries, for every client made
	// from the Config; nil logs nothing. Credentials are never logged.
	Logger *slog.Logger
}

// Opts returns the kgo options cfg describes: seed brokers, client id,
// SASL, TLS, isolation, the logger, and fetch sizing tuned for bulk reads.
// It validates cfg; errors are InvalidArgument and never contain the
// password.
func (c Config) Opts() ([]kgo.Opt, error) {
	var brokers []string
	for _, b := range c.Brokers {
		if b = strings.TrimSpace(b); b != "" {
			brokers = append(brokers, b)
		}
	}
	if len(brokers) == 0 {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "no Kafka bootstrap brokers given (set uri kafka://host:port or kafarr.bootstrap_servers)")
	}
	clientID := c.ClientID
	if clientID == "" {
		clientID = DefaultClientID
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.ClientID(clientID),
		kgo.FetchMaxBytes(DefaultFetchMaxBytes),
		kgo.FetchMaxPartitionBytes(DefaultFetchMaxPartitionBytes),
		kgo.FetchMaxWait(DefaultFetchMaxWait),
	}
	switch c.Isolation {
	case ReadUncommitted:
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
	case ReadCommitted:
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	default:
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "invalid isolation level %d", c.Isolation)
	}
	if c.DialTimeout < 0 {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "invalid dial timeout %s: must not be negative", c.DialTimeout)
	}
	if c.DialTimeout > 0 {
		opts = append(opts, kgo.DialTimeout(c.DialTimeout))
	}
	if lo := kgoLoggerOpt(c.Logger); lo != nil {
		opts = append(opts, lo)
	}

	tlsCfg, err := c.TLS.Build()
	if err != nil {
		return nil, err
	}
	if tlsCfg != nil {
		opts = append(opts, kgo.DialTLSConfig(tlsCfg))
	}

	if mech := strings.ToUpper(strings.TrimSpace(c.SASL.Mechanism)); mech != "" {
		if c.SASL.User == "" {
			return nil, adbcerr.New(adbc.StatusInvalidArgument, "SASL mechanism %s needs a username", mech)
		}
		switch mech {
		case SASLPlain:
			opts = append(opts, kgo.SASL(plain.Auth{User: c.SASL.User, Pass: c.SASL.Password}.AsMechanism()))
		case SASLScramSHA256:
			opts = append(opts, kgo.SASL(scram.Auth{User: c.SASL.User, Pass: c.SASL.Password}.AsSha256Mechanism()))
		case SASLScramSHA512:
			opts = append(opts, kgo.SASL(scram.Auth{User: c.SASL.User, Pass: c.SASL.Password}.AsSha512Mechanism()))
		default:
			return nil, adbcerr.New(adbc.StatusInvalidArgument, "invalid SASL mechanism %q: expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", c.SASL.Mechanism)
		}
	} else if c.SASL.User != "" || c.SASL.Password != "" {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "a username or password is set but no SASL mechanism (set kafarr.sasl.mechanism to PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)")
	}
	return opts, nil
}

// redactor returns the secrets of c that must never appear in errors.
func (c Config) redactor() redactor {
	if c.SASL.Password == "" {
		return nil
	}
	return newRedactor(c.SASL.Password, c.SASL.User+":"+c.SASL.Password)
}

// NewClient returns a franz-go client for cfg, with extra options applied
// after cfg's (so they win). It does not dial: kgo connects lazily; use
// Connect to fail fast on an unreachable cluster.
func NewClient(cfg Config, extra ...kgo.Opt) (*kgo.Client, error) {
	opts, err := cfg.Opts()
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(append(opts, extra...)...)
	if err != nil {
		return nil, cfg.redactor().redactErr(adbcerr.New(adbc.StatusInvalidArgument, "creating Kafka client for %s: %v", strings.Join(cfg.Brokers, ","), err))
	}
	return cl, nil
}

// Connect is NewClient followed by a metadata round trip, so that an
// unreachable cluster, a TLS mismatch or bad credentials fail here with an
// error naming the bootstrap brokers and the cause, rather than on the first
// read. The client is closed on error.
func Connect(ctx context.Context, cfg Config, extra ...kgo.Opt) (*kgo.Client, error) {
	cl, err := NewClient(cfg, extra...)
	if err != nil {
		return nil, err
	}
	if err := cl.Ping(ctx); err != nil {
		cl.Close()
		err = cfg.redactor().redactErr(connectErr(cfg.Brokers, err))
		if debugOn(ctx, cfg.Logger) {
			cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "connecting to Kafka failed", slog.Any("err", err))
		}
		return nil, err
	}
	if debugOn(ctx, cfg.Logger) {
		cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "connected to Kafka", slog.String("brokers", strings.Join(cfg.Brokers, ",")),
			slog.String("sasl", strings.ToUpper(strings.TrimSpace(cfg.SASL.Mechanism))), slog.Bool("tls", cfg.TLS.Enabled))
	}
	return cl, nil
}

// connectErr describes a failure to reach any of brokers.
func connectErr(brokers []string, err error) error {
	return adbcerr.Wrap(err, "cannot connect to Kafka broker(s) %s", strings.Join(brokers, ","))
}
