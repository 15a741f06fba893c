package kafkaio

// The registry client is built on franz-go's pkg/sr rather than
// riferrei/srclient. srclient has no context support (a query's timeout or
// cancellation cannot reach a registry call), reports errors as a string
// that loses the HTTP status when the body is not JSON (a proxy's 502 page
// looks like any other failure), caches "latest" forever, and issues a second
// GET after every registration. pkg/sr is context-aware, returns
// *sr.ResponseError with the HTTP status and Confluent error code, and leaves
// caching to us; it is already in the module graph with franz-go, and its
// srfake registry is what the tests run against.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kafarr/kafarr/internal/adbcerr"
)

// DefaultRegistryTimeout bounds one registry HTTP request when
// RegistryConfig.Timeout is zero.
const DefaultRegistryTimeout = 10 * time.Second

// RegistryConfig is what a Registry needs to reach a Confluent-compatible
// schema registry.
type RegistryConfig struct {
	// URL is the registry's base URL; several may be given separated by
	// commas and are tried in order. User info in a URL
	// (http://user:pass@host) becomes basic auth and is stripped.
	URL string
	// Username and Password are HTTP basic auth. They win over URL user
	// info.
	Username, Password string
	// BearerToken is sent as "Authorization: Bearer <token>"; it cannot be
	// combined with basic auth.
	BearerToken string
	// TLS configures https: CAFile, client cert and InsecureSkipVerify.
	// https URLs work without it (system roots); Enabled is implied when
	// any field is set.
	TLS TLSConfig
	// Timeout bounds each HTTP request; default DefaultRegistryTimeout.
	Timeout time.Duration
	// LatestTTL is how long a "latest version" answer is reused. The
	// default 0 asks the registry on every Latest call, so that a newly
	// registered version is seen at once.
	LatestTTL time.Duration
	// Logger receives debug logs of each HTTP request (method, URL
	// without user info, status code, time taken) and of failed lookups;
	// nil logs nothing. Credentials and headers are never logged.
	Logger *slog.Logger
}

// SchemaReference names a schema that another schema refers to.
type SchemaReference struct {
	Name    string
	Subject string
	Version int
}

// SchemaInfo is a registered schema.
type SchemaInfo struct {
	// ID is the registry-wide schema id (the one in Confluent framing).
	ID int
	// Subject and Version are set when the schema was looked up through a
	// subject (by version or latest); a lookup by id leaves them empty
	// unless an earlier subject lookup returned the same id.
	Subject string
	Version int
	// Schema is the schema text (Avro JSON for Avro).
	Schema string
	// Type is AVRO, PROTOBUF or JSON.
	Type string
	// References are the schemas this one refers to.
	References []SchemaReference
}

// Registry is a schema registry client with a cache. Schemas by id and by
// subject+version are immutable in a registry and are cached for the
// Registry's lifetime, so a registry that goes down keeps serving what was
// already seen. "Latest" is asked for on every call (see
// RegistryConfig.LatestTTL). A Registry is safe for concurrent use;
// concurrent lookups of one id share one request.
type Registry struct {
	cl        *sr.Client
	transport *http.Transport
	display   string // URLs without user info, for messages
	secrets   redactor
	latestTTL time.Duration
	log       *slog.Logger

	mu        sync.Mutex
	byID      map[int]SchemaInfo
	byVersion map[subjectVersion]SchemaInfo
	latest    map[string]latestEntry
	pending   map[int]*idCall
}

type subjectVersion struct {
	subject string
	version int
}

type latestEntry struct {
	info SchemaInfo
	at   time.Time
}

// idCall is one in-progress lookup of a schema id that other callers wait on.
type idCall struct {
	done chan struct{}
	info SchemaInfo
	err  error
}

// NewRegistry returns a Registry for cfg. It does not contact the registry.
// Errors are InvalidArgument and never contain credentials.
func NewRegistry(cfg RegistryConfig) (*Registry, error) {
	user, pass := cfg.Username, cfg.Password
	var urls, shown []string
	for _, raw := range strings.Split(cfg.URL, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		if !strings.Contains(raw, "://") {
			raw = "http://" + raw
		}
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, adbcerr.New(adbc.StatusInvalidArgument, "invalid schema registry URL %q: expected http(s)://host:port", redactURL(raw))
		}
		if u.User != nil {
			if user == "" {
				user = u.User.Username()
				pass, _ = u.User.Password()
			}
			u.User = nil
		}
		urls = append(urls, u.String())
		shown = append(shown, u.String())
	}
	if len(urls) == 0 {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "no schema registry URL given (set kafarr.schema_registry.url)")
	}
	if cfg.BearerToken != "" && user != "" {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "schema registry: give either username/password or a bearer token, not both")
	}
	if pass != "" && user == "" {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "schema registry: a password needs a username")
	}
	timeout := cfg.Timeout
	if timeout < 0 {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "invalid schema registry timeout %s: must not be negative", timeout)
	}
	if timeout == 0 {
		timeout = DefaultRegistryTimeout
	}

	tlsOpts := cfg.TLS
	tlsOpts.Enabled = tlsOpts.Enabled || tlsOpts.CAFile != "" || tlsOpts.CertFile != "" || tlsOpts.KeyFile != "" || tlsOpts.InsecureSkipVerify
	tlsCfg, err := tlsOpts.Build()
	if err != nil {
		return nil, adbcerr.Wrap(err, "schema registry")
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if tlsCfg != nil {
		transport.TLSClientConfig = tlsCfg
	}
	secrets := newRedactor(cfg.BearerToken)
	if user != "" && pass != "" {
		// The basic auth header is base64 of user:pass.
		secrets = newRedactor(pass, user+":"+pass, cfg.BearerToken)
	}
	var rt http.RoundTripper = transport
	if cfg.Logger != nil {
		rt = loggingTransport{next: transport, log: cfg.Logger, secrets: secrets}
	}
	opts := []sr.ClientOpt{
		sr.URLs(urls...),
		sr.HTTPClient(&http.Client{Timeout: timeout, Transport: rt}),
		sr.UserAgent("kafarr"),
	}
	if user != "" {
		opts = append(opts, sr.BasicAuth(user, pass))
	}
	if cfg.BearerToken != "" {
		opts = append(opts, sr.BearerToken(cfg.BearerToken))
	}
	cl, err := sr.NewClient(opts...)
	if err != nil {
		return nil, adbcerr.New(adbc.StatusInvalidArgument, "schema registry: %v", secrets.redact(err.Error()))
	}
	return &Registry{
		cl:        cl,
		transport: transport,
		display:   strings.Join(shown, ","),
		secrets:   secrets,
		latestTTL: max(cfg.LatestTTL, 0),
		log:       cfg.Logger,
		byID:      make(map[int]SchemaInfo),
		byVersion: make(map[subjectVersion]SchemaInfo),
		latest:    make(map[string]latestEntry),
		pending:   make(map[int]*idCall),
	}, nil
}

// redactURL hides the password of a URL that could not be parsed further.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	if at := strings.LastIndex(raw, "@"); at >= 0 {
		if scheme := strings.Index(raw, "://"); scheme >= 0 && scheme < at {
			return raw[:scheme+3] + "***" + raw[at:]
		}
	}
	return raw
}

// Close closes the registry's idle HTTP connections, whose keep-alive
// would otherwise hold a socket and two goroutines for up to 90 s after
// the connection that owned the Registry closed. Lookups after Close still
// work, on new connections.
func (r *Registry) Close() {
	r.transport.CloseIdleConnections()
}

// URL returns the registry URL(s) without credentials.
func (r *Registry) URL() string { return r.display }

// SchemaByID returns the schema with id, from the cache when seen before.
func (r *Registry) SchemaByID(ctx context.Context, id int) (SchemaInfo, error) {
	r.mu.Lock()
	if info, ok := r.byID[id]; ok {
		r.mu.Unlock()
		return info, nil
	}
	if c, ok := r.pending[id]; ok {
		r.mu.Unlock()
		select {
		case <-c.done:
			return c.info, c.err
		case <-ctx.Done():
			return SchemaInfo{}, r.mapErr(ctx.Err(), fmt.Sprintf("looking up schema id %d", id), "")
		}
	}
	c := &idCall{done: make(chan struct{})}
	r.pending[id] = c
	r.mu.Unlock()

	s, err := r.cl.SchemaByID(ctx, id)
	if err != nil {
		c.err = r.mapErr(err, fmt.Sprintf("looking up schema id %d", id), fmt.Sprintf("schema id %d not found in schema registry %s", id, r.display))
	} else {
		c.info = fromSchema(id, "", 0, s)
	}
	r.mu.Lock()
	delete(r.pending, id)
	if err == nil {
		r.byID[id] = c.info
	}
	r.mu.Unlock()
	close(c.done)
	return c.info, c.err
}

// SchemaByVersion returns version of subject (version >= 1), cached forever.
func (r *Registry) SchemaByVersion(ctx context.Context, subject string, version int) (SchemaInfo, error) {
	if version < 1 {
		return SchemaInfo{}, adbcerr.New(adbc.StatusInvalidArgument, "invalid schema version %d for subject %q: versions start at 1 (use Latest for the newest)", version, subject)
	}
	key := subjectVersion{subject, version}
	r.mu.Lock()
	info, ok := r.byVersion[key]
	r.mu.Unlock()
	if ok {
		return info, nil
	}
	ss, err := r.cl.SchemaByVersion(ctx, subject, version)
	if err != nil {
		return SchemaInfo{}, r.mapErr(err, fmt.Sprintf("looking up version %d of subject %q", version, subject), fmt.Sprintf("version %d of subject %q not found in schema registry %s", version, subject, r.display))
	}
	info = r.remember(subject, ss)
	return info, nil
}

// Latest returns the newest version of subject. It asks the registry every
// time unless RegistryConfig.LatestTTL allows reusing a recent answer. When
// the registry is unreachable (IO or Timeout) it returns the last answer it
// had for the subject, if any, so that reads keep working on the schemas
// they already know.
func (r *Registry) Latest(ctx context.Context, subject string) (SchemaInfo, error) {
	if r.latestTTL > 0 {
		r.mu.Lock()
		e, ok := r.latest[subject]
		r.mu.Unlock()
		if ok && time.Since(e.at) < r.latestTTL {
			return e.info, nil
		}
	}
	ss, err := r.cl.SchemaByVersion(ctx, subject, -1)
	if err != nil {
		err = r.mapErr(err, fmt.Sprintf("looking up the latest schema of subject %q", subject), fmt.Sprintf("subject %q not found in schema registry %s", subject, r.display))
		if st := adbcerr.Status(err); st == adbc.StatusIO || st == adbc.StatusTimeout {
			// The registry is unreachable: the last answer seen is
			// better than failing a read whose schemas are all cached.
			r.mu.Lock()
			e, ok := r.latest[subject]
			r.mu.Unlock()
			if ok {
				if r.log != nil {
					r.log.LogAttrs(ctx, slog.LevelWarn, "schema registry unreachable; using the last latest schema seen",
						slog.String("subject", subject), slog.Int("id", e.info.ID), slog.Int("version", e.info.Version),
						slog.String("err", err.Error()))
				}
				return e.info, nil
			}
		}
		return SchemaInfo{}, err
	}
	info := r.remember(subject, ss)
	r.mu.Lock()
	r.latest[subject] = latestEntry{info: info, at: time.Now()}
	r.mu.Unlock()
	return info, nil
}

// remember caches a subject lookup's answer by id and subject+version.
func (r *Registry) remember(subject string, ss sr.SubjectSchema) SchemaInfo {
	if ss.Subject != "" {
		subject = ss.Subject
	}
	info := fromSchema(ss.ID, subject, ss.Version, ss.Schema)
	r.mu.Lock()
	r.byVersion[subjectVersion{subject, info.Version}] = info
	r.byID[info.ID] = info
	r.mu.Unlock()
	return info
}

// Register registers an Avro schema under subject and returns its id. A
// schema already registered under the subject returns the existing id
// without creating a version. An incompatible or invalid schema is
// InvalidArgument naming the subject.
func (r *Registry) Register(ctx context.Context, subject, schema string, refs ...SchemaReference) (int, error) {
	return r.RegisterType(ctx, subject, "AVRO", schema, refs...)
}

// RegisterType is Register for a schema of type typ: AVRO, PROTOBUF (as
// .proto text) or JSON (a JSON Schema). Another type is InvalidArgument.
func (r *Registry) RegisterType(ctx context.Context, subject, typ, schema string, refs ...SchemaReference) (int, error) {
	var st sr.SchemaType
	if err := st.UnmarshalText([]byte(typ)); err != nil {
		return 0, adbcerr.New(adbc.StatusInvalidArgument, "registering a schema under subject %q: unknown schema type %q (AVRO, PROTOBUF or JSON)", subject, typ)
	}
	s := sr.Schema{Schema: schema, Type: st}
	for _, ref := range refs {
		s.References = append(s.References, sr.SchemaReference{Name: ref.Name, Subject: ref.Subject, Version: ref.Version})
	}
	id, err := r.cl.RegisterSchema(ctx, subject, s, -1, -1)
	if err != nil {
		return 0, r.mapErr(err, fmt.Sprintf("registering a schema under subject %q", subject), fmt.Sprintf("subject %q not found in schema registry %s", subject, r.display))
	}
	r.mu.Lock()
	delete(r.latest, subject)
	r.mu.Unlock()
	return id, nil
}

// DeleteSubject deletes subject and returns the deleted versions. With
// permanent, the subject is soft-deleted first (the registry requires it)
// and then hard-deleted, so its versions can be reused. A missing subject is
// NotFound. Cached versions of the subject are dropped; ids stay cached,
// as the registry never reassigns them.
func (r *Registry) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	notFound := fmt.Sprintf("subject %q not found in schema registry %s", subject, r.display)
	versions, err := r.cl.DeleteSubject(ctx, subject, sr.SoftDelete)
	var re *sr.ResponseError
	softDeleted := errors.As(err, &re) && re.ErrorCode == sr.ErrSubjectSoftDeleted.Code
	if err != nil && !(permanent && softDeleted) {
		return nil, r.mapErr(err, fmt.Sprintf("deleting subject %q", subject), notFound)
	}
	if permanent {
		hard, err := r.cl.DeleteSubject(ctx, subject, sr.HardDelete)
		if err != nil {
			return nil, r.mapErr(err, fmt.Sprintf("permanently deleting subject %q", subject), notFound)
		}
		if len(versions) == 0 {
			versions = hard
		}
	}
	r.mu.Lock()
	for k := range r.byVersion {
		if k.subject == subject {
			delete(r.byVersion, k)
		}
	}
	delete(r.latest, subject)
	r.mu.Unlock()
	slices.Sort(versions)
	return versions, nil
}

// Subjects returns the registry's subjects, sorted.
func (r *Registry) Subjects(ctx context.Context) ([]string, error) {
	subjects, err := r.cl.Subjects(ctx)
	if err != nil {
		return nil, r.mapErr(err, "listing subjects", "")
	}
	slices.Sort(subjects)
	return subjects, nil
}

func fromSchema(id int, subject string, version int, s sr.Schema) SchemaInfo {
	info := SchemaInfo{ID: id, Subject: subject, Version: version, Schema: s.Schema, Type: s.Type.String()}
	for _, ref := range s.References {
		info.References = append(info.References, SchemaReference{Name: ref.Name, Subject: ref.Subject, Version: ref.Version})
	}
	return info
}

// mapErr turns a registry failure into an adbc.Error: not found (HTTP 404)
// is NotFound with notFound as message; bad credentials Unauthenticated;
// forbidden Unauthorized; an incompatible or invalid schema
// InvalidArgument; a timeout Timeout; anything else, including an
// unreachable registry, IO naming the registry. Messages never carry
// credentials.
func (r *Registry) mapErr(err error, what, notFound string) error {
	var (
		re   *sr.ResponseError
		code adbc.Status
		msg  string
	)
	switch {
	case errors.As(err, &re):
		detail := re.Message
		if detail == "" {
			detail = string(re.Raw)
		}
		detail = fmt.Sprintf("HTTP %d: %s", re.StatusCode, detail)
		switch {
		case re.StatusCode == http.StatusNotFound && notFound != "":
			code, msg = adbc.StatusNotFound, notFound
		case re.StatusCode == http.StatusNotFound:
			code, msg = adbc.StatusNotFound, fmt.Sprintf("%s: schema registry %s: %s", what, r.display, detail)
		case re.StatusCode == http.StatusUnauthorized:
			code, msg = adbc.StatusUnauthenticated, fmt.Sprintf("%s: schema registry %s rejected the credentials (%s)", what, r.display, detail)
		case re.StatusCode == http.StatusForbidden:
			code, msg = adbc.StatusUnauthorized, fmt.Sprintf("%s: schema registry %s refused access (%s)", what, r.display, detail)
		case re.StatusCode == http.StatusConflict || re.StatusCode == http.StatusUnprocessableEntity:
			code, msg = adbc.StatusInvalidArgument, fmt.Sprintf("%s: schema registry %s: %s", what, r.display, detail)
		default:
			code, msg = adbc.StatusIO, fmt.Sprintf("%s: schema registry %s failed: %s", what, r.display, detail)
		}
	case errors.Is(err, context.Canceled):
		code, msg = adbc.StatusCancelled, fmt.Sprintf("%s: cancelled", what)
	case isTimeout(err):
		code, msg = adbc.StatusTimeout, fmt.Sprintf("%s: schema registry %s did not answer in time: %v", what, r.display, rootCause(err))
	default:
		code, msg = adbc.StatusIO, fmt.Sprintf("%s: schema registry %s unreachable: %v", what, r.display, rootCause(err))
	}
	msg = r.secrets.redact(msg)
	if ctx := context.Background(); debugOn(ctx, r.log) {
		attrs := []slog.Attr{slog.String("what", what), slog.String("status", code.String())}
		if re != nil {
			attrs = append(attrs, slog.Int("http_status", re.StatusCode))
		}
		r.log.LogAttrs(ctx, slog.LevelDebug, "schema registry call failed", append(attrs, slog.String("err", msg))...)
	}
	return adbcerr.New(code, "%s", msg)
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// rootCause strips the request URL wrappers from a transport error: the
// message names the registry itself.
func rootCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
