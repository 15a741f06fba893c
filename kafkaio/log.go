package kafkaio

// Logging. A Config or RegistryConfig with a Logger makes every client built
// from it log through that *slog.Logger: franz-go's own logs through its
// kslog plugin, and kafkaio's debug logs of reads (fetch rounds, retries,
// leader refreshes) and of registry requests. A nil Logger logs nothing and
// costs one nil check per fetch response.
//
// Nothing logged carries a secret: franz-go logs no SASL credentials, and
// kafkaio's own logs name topics, partitions, subjects, schema ids, brokers
// (host:port), registry URLs without user info, HTTP status codes and
// errors with the secrets redacted, never headers.

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kslog"
)

// loggingTransport logs each schema registry HTTP round trip at debug
// level: method, URL without user info or query, status code or transport
// error, and time taken. Headers, which carry the credentials, are never
// logged. A request the registry client retries on the next URL shows as a
// second round trip.
type loggingTransport struct {
	next    http.RoundTripper
	log     *slog.Logger
	secrets redactor
}

func (t loggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !debugOn(ctx, t.log) {
		return t.next.RoundTrip(req)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	u := url.URL{Scheme: req.URL.Scheme, Host: req.URL.Host, Path: req.URL.Path, RawPath: req.URL.RawPath}
	attrs := []slog.Attr{slog.String("method", req.Method), slog.String("url", u.String()), slog.Duration("elapsed", time.Since(start))}
	if err != nil {
		attrs = append(attrs, slog.String("err", t.secrets.redact(err.Error())))
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	t.log.LogAttrs(ctx, slog.LevelDebug, "schema registry request", attrs...)
	return resp, err
}

// kgoLogger is the kgo.Logger given to clients: franz-go's slog bridge,
// keeping the *slog.Logger so that a Reader finds it from its client.
type kgoLogger struct {
	*kslog.Logger
	sl *slog.Logger
}

// kgoLoggerOpt returns the kgo option that logs through l, nil for a nil l.
func kgoLoggerOpt(l *slog.Logger) kgo.Opt {
	if l == nil {
		return nil
	}
	return kgo.WithLogger(kgoLogger{Logger: kslog.New(l.With(slog.String("component", "franz-go"))), sl: l})
}

// ClientLogger returns the logger cl was made with through Config.Logger,
// or nil.
func ClientLogger(cl *kgo.Client) *slog.Logger {
	if cl == nil {
		return nil
	}
	if l, ok := cl.OptValue(kgo.WithLogger).(kgoLogger); ok {
		return l.sl
	}
	return nil
}

// debugOn reports whether l logs at debug level. It is the guard of every
// debug log, so that nothing is computed for a log nobody reads.
func debugOn(ctx context.Context, l *slog.Logger) bool {
	return l != nil && l.Enabled(ctx, slog.LevelDebug)
}
