package driver

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/apache/arrow-adbc/go/adbc"

	"github.com/kafarr/kafarr/options"
)

// Logging. A database logs through, in order of precedence: the logger
// SetLogger gave it (adbc.DatabaseLogging, which the C library's
// ADBC_DRIVER_KAFARR_LOG_LEVEL environment variable uses), the driver's
// WithLogger, or, when kafarr.log.level is not off, a text handler on
// stderr at that level. Without any of them nothing is logged and the read
// path pays one nil check per fetch response.

var _ adbc.DatabaseLogging = (*Database)(nil)

// logOutput is where kafarr.log.level logs go; tests replace it.
var logOutput io.Writer = os.Stderr

// parseLogLevel maps a kafarr.log.level value to a slog level; ok is false
// for off (and for a value the option would have refused).
func parseLogLevel(v string) (level slog.Level, ok bool) {
	switch v {
	case "error":
		return slog.LevelError, true
	case "warn":
		return slog.LevelWarn, true
	case "info":
		return slog.LevelInfo, true
	case "debug":
		return slog.LevelDebug, true
	}
	return 0, false
}

// SetLogger makes the database log through l (nil: back to the driver's
// logger or kafarr.log.level), for connections opened afterwards. It
// implements adbc.DatabaseLogging.
func (d *Database) SetLogger(l *slog.Logger) { d.logger.Store(l) }

// connLogger returns the logger of a connection opened now, nil for none.
func (d *Database) connLogger() *slog.Logger {
	if l := d.logger.Load(); l != nil {
		return l
	}
	level, ok := parseLogLevel(d.opts.Cluster().LogLevel)
	if !ok {
		return nil
	}
	h := slog.NewTextHandler(logOutput, &slog.HandlerOptions{Level: level})
	return slog.New(h).With(slog.String("driver", "kafarr"))
}

// logOpen logs, at debug level, the options a connection opens with. A
// secret option shows as "***"; GetOption masks the user info of URLs.
func logOpen(ctx context.Context, l *slog.Logger, o *options.Store) {
	if l == nil || !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	var attrs []slog.Attr
	for _, def := range options.All() {
		if _, set := o.Lookup(def.Key); !set {
			continue
		}
		v := "***"
		if !def.Secret {
			var err error
			if v, err = o.GetOption(def.Key); err != nil {
				continue
			}
		}
		attrs = append(attrs, slog.String(def.Key, v))
	}
	l.LogAttrs(ctx, slog.LevelDebug, "opening connection", slog.Attr{Key: "options", Value: slog.GroupValue(attrs...)})
}
