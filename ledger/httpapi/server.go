// Package httpapi is the JSON API of the ledger (`ledger serve`): a thin
// layer that decodes a request, authenticates and authorises its user,
// calls the PostgreSQL adapter and encodes the answer. Every rule lives in
// package ledger and in the database; this package maps their error codes
// to HTTP statuses in one table (errors.go).
//
// Every request except the public ones (GET /healthz, GET /readyz,
// GET /api/v1/openapi.json, POST /api/v1/tokens) carries
// "Authorization: Bearer TOKEN" (or the web workbench's session cookie with
// its CSRF token in X-CSRF-Token), checked before routing, so an unknown path
// without a token is 401, not 404. Every write carries an Idempotency-Key.
// Options.Pages, when set, serves every path outside /api/ and the probes
// (the web workbench, ledger/web).
package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/bankstmt"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// Options configure a Server. The settings that configs/ledger.yaml holds
// arrive resolved from the caller's configuration (the ledger command reads
// it once); New refuses zero values for them rather than keep a second copy
// of their defaults here.
type Options struct {
	// Book is the book of a login that names none.
	Book string
	// BodyLimitBytes bounds a request body (413 too_large above it;
	// serve.body_limit_bytes).
	BodyLimitBytes int64
	// UploadLimitBytes bounds an uploaded file, the body of the routes
	// taking one (a bank statement, a roster CSV): default 16 MiB, never
	// below BodyLimitBytes nor above UploadLimitBytesMax.
	UploadLimitBytes int64
	// BankLayouts read uploaded bank statements (reconcile.bank_layouts or
	// the built-in configs/bank_layouts.yaml); without any, a statement
	// upload answers that no layout is configured.
	BankLayouts []bankstmt.Layout
	// RequestTimeout bounds the work of one request, every database call
	// included; keep it below the server's write timeout so the answer
	// can still be written.
	RequestTimeout time.Duration
	// TokenTTL is the lifetime of a token made by POST /api/v1/tokens
	// (serve.token_ttl), at most postgres.TokenTTLMax.
	TokenTTL time.Duration
	// LoginAttemptsMax login attempts per user and
	// LoginAddressAttemptsMax per client address are allowed within
	// LoginWindow; more are refused with 429 rate_limited. The address
	// limit is the higher one: offices log in from behind one NAT
	// (serve.login_attempts_max, serve.login_address_attempts_max,
	// serve.login_window).
	LoginAttemptsMax        int
	LoginAddressAttemptsMax int
	LoginWindow             time.Duration
	// TrustedProxies are the peers whose X-Forwarded-For header names the
	// client address (serve.trusted_proxies); from any other peer the
	// header is ignored.
	TrustedProxies []netip.Prefix
	// IdempotencyRetention is how long stored responses of idempotent
	// writes are kept: default 7 days. The keys of writes that make or
	// move a voucher are kept with their steps in the action log.
	IdempotencyRetention time.Duration
	// Reads sends the reports, verify and the auditors' reads to a
	// streaming replica when it has one; nil: everything on the primary.
	Reads *postgres.ReadDB
	// Attachments are the limits of an attached scanned original
	// (attachments.max_bytes, attachments.types); zero takes
	// ledger.DefaultAttachmentLimits.
	Attachments ledger.AttachmentLimits
	// AuditConfig holds the thresholds of the audit rules; nil takes
	// audit.DefaultConfig.
	AuditConfig *audit.Config
	// TimeZone is the book's zone (report.time_zone): a date a request
	// omits is today there; nil is ledger.DefaultTimeZone.
	TimeZone *time.Location
	// ReconcileWindowDays: outstanding bank items dated within this many
	// days of the period end are normal (reconcile.window_days).
	ReconcileWindowDays int
	// ReportPreparer and ReportReviewer are printed in report footers
	// (report.preparer, report.reviewer); empty: the requesting user and
	// the book's checker.
	ReportPreparer, ReportReviewer string
	// Sealer seals the vouchers this server posts (DB.AfterPost nudges it);
	// Run starts it, so the backlog a crashed process left in seal_pending
	// is sealed at start without waiting for a new posting. nil: the
	// caller seals.
	Sealer *postgres.Sealer
	// DataDir is the directory of the database's files when the server
	// knows it (the embedded cluster): /readyz answers 503 when its file
	// system has less than DiskFreeMinBytes free (default 64 MiB). Empty
	// (an external database): the disk is not checked; a full disk there
	// surfaces as 503 unavailable on the writes it refuses.
	DataDir          string
	DiskFreeMinBytes int64
	// SessionIdle is the idle timeout of web sessions (web.session_idle):
	// a request carrying the web workbench's session cookie (and its CSRF
	// token in X-CSRF-Token) is the session's user unless the session was
	// idle this long. 0: sessions end only at their expiry.
	SessionIdle time.Duration
	// Pages serves every request outside /api/ and the probes: the web
	// workbench (ledger/web), mounted on the same port. nil: such requests
	// are the API's 401/404.
	Pages http.Handler
	// Log receives the structured request log; nil discards it.
	Log *slog.Logger
}

// DiskFreeMinBytesDefault is the default of Options.DiskFreeMinBytes.
const DiskFreeMinBytesDefault = 64 << 20

// UploadLimitBytesMax caps Options.UploadLimitBytes: the largest bank
// statement the parser reads.
const UploadLimitBytesMax = bankstmt.FileSizeMax

// check refuses the configured settings left unset.
func (o *Options) check() error {
	for _, s := range []struct {
		name  string
		unset bool
	}{
		{"BodyLimitBytes", o.BodyLimitBytes <= 0},
		{"RequestTimeout", o.RequestTimeout <= 0},
		{"TokenTTL", o.TokenTTL <= 0},
		{"LoginAttemptsMax", o.LoginAttemptsMax <= 0},
		{"LoginAddressAttemptsMax", o.LoginAddressAttemptsMax <= 0},
		{"LoginWindow", o.LoginWindow <= 0},
		{"ReconcileWindowDays", o.ReconcileWindowDays <= 0},
	} {
		if s.unset {
			return fmt.Errorf("httpapi: Options.%s is not set", s.name)
		}
	}
	return nil
}

// setDefaults fills the settings that are not configuration keys.
func (o *Options) setDefaults() {
	if o.UploadLimitBytes <= 0 {
		o.UploadLimitBytes = 16 << 20
	}
	o.UploadLimitBytes = min(max(o.UploadLimitBytes, o.BodyLimitBytes), UploadLimitBytesMax)
	o.TokenTTL = min(o.TokenTTL, postgres.TokenTTLMax)
	if o.IdempotencyRetention <= 0 {
		o.IdempotencyRetention = 7 * 24 * time.Hour
	}
	if o.DiskFreeMinBytes <= 0 {
		o.DiskFreeMinBytes = DiskFreeMinBytesDefault
	}
	if o.Attachments.MaxBytes <= 0 {
		o.Attachments = ledger.DefaultAttachmentLimits()
	}
	if o.AuditConfig == nil {
		cfg := audit.DefaultConfig()
		o.AuditConfig = &cfg
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
}

// Server is the HTTP API over one database.
type Server struct {
	db       *postgres.DB
	opt      Options
	log      *slog.Logger
	mux      *http.ServeMux
	routes   []Route
	public   map[string]bool // "METHOD /path" of the public routes
	instance string          // names this process in idempotency claims
	hashing  chan struct{}   // bounds concurrent argon2id checks (19 MiB each)
	writing  chan struct{}   // bounds concurrent writes, leaving connections for reads

	inflightMu sync.Mutex
	inflight   map[string]chan struct{}

	// workbookFault, when set (tests), is asked before each write of a
	// streamed workbook with the bytes sent so far; an error aborts it.
	workbookFault func(sent int64) error
	// freeSpace reports the bytes free to the server on dir's file
	// system; ok false when it cannot tell (tests inject it).
	freeSpace func(dir string) (free uint64, ok bool, err error)
}

// Route is one registered endpoint.
type Route struct {
	Method  string
	Pattern string // the path pattern, e.g. /api/v1/vouchers/{id}
	Public  bool   // served without a token
	Write   bool   // needs an Idempotency-Key
}

// New makes a Server on db.
func New(db *postgres.DB, opt Options) *Server {
	if err := opt.check(); err != nil {
		panic(err) // the caller's configuration did not reach the server
	}
	opt.setDefaults()
	s := &Server{
		db: db, opt: opt, log: opt.Log, mux: http.NewServeMux(), public: map[string]bool{},
		instance: randomHex(8),
		hashing:  make(chan struct{}, 4), writing: make(chan struct{}, writesMax(db)), inflight: map[string]chan struct{}{}, freeSpace: diskFree,
	}
	s.register()
	return s
}

// writesMax is how many writes run at once: the pool's connections but a
// quarter (at least two) kept for reads. Writers queued behind a lock (a
// month close holds the period row) hold their connections while they
// wait; the ones kept back let reads such as GET /api/v1/me answer
// meanwhile. A write waiting for its turn holds nothing.
func writesMax(db *postgres.DB) int {
	conns := int(db.Pool.Config().MaxConns)
	return max(1, conns-max(2, conns/4))
}

// Routes lists the registered endpoints in registration order.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

func (s *Server) handle(rt Route, h http.HandlerFunc) {
	s.routes = append(s.routes, rt)
	if rt.Public {
		s.public[rt.Method+" "+rt.Pattern] = true
	}
	route := rt.Method + " " + rt.Pattern
	s.mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		info(r).route = route
		h(w, r)
	})
}

// Handler is the API with its middleware: request id, structured log,
// panic recovery, request deadline and authentication before routing.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

// reqInfo is what the middleware knows about a request; handlers fill in
// the route and the user.
type reqInfo struct {
	id     string
	route  string
	user   *ledger.User
	token  postgres.TokenInfo
	login  string // the user name a login attempt gave
	code   string // the error code answered, if any
	replay bool
	lang   i18n.Lang // of the Accept-Language header: error messages
	// retryAfter is the Retry-After (seconds) of an in_progress answer.
	retryAfter int
}

type infoKey struct{}

func info(r *http.Request) *reqInfo {
	if ri, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

// statusWriter records the status and size of a response for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ri := &reqInfo{id: requestID(r), lang: i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))}
	sw := &statusWriter{ResponseWriter: w}
	sw.Header().Set("X-Request-Id", ri.id)
	sw.Header().Set("X-Content-Type-Options", "nosniff")
	sw.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), infoKey{}, ri), s.opt.RequestTimeout)
	defer cancel()
	r = r.WithContext(ctx)
	defer func() {
		p := recover()
		if p != nil && p != http.ErrAbortHandler {
			s.log.Error("panic", "request_id", ri.id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if sw.status == 0 {
				s.writeError(sw, r, &ledger.Error{Code: ledger.EInternal, Msg: "internal error"})
			}
		}
		attrs := []any{"request_id", ri.id, "method", r.Method, "path", r.URL.Path, "route", ri.route,
			"status", sw.status, "duration_ms", float64(time.Since(start).Microseconds()) / 1000, "bytes", sw.bytes,
			"remote", s.clientAddr(r)}
		if ri.user != nil {
			attrs = append(attrs, "user", ri.user.Name, "book", ri.user.Book)
		} else if ri.login != "" {
			attrs = append(attrs, "login", ri.login)
		}
		if ri.code != "" {
			attrs = append(attrs, "code", ri.code)
		}
		if ri.replay {
			attrs = append(attrs, "replayed", true)
		}
		if p == http.ErrAbortHandler {
			attrs = append(attrs, "aborted", true)
		}
		s.log.Info("request", attrs...)
		if p == http.ErrAbortHandler {
			// The server closes the connection without an answer.
			panic(p)
		}
	}()
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	if s.opt.Pages != nil && isPage(r.URL.Path) {
		ri.route = "pages"
		s.opt.Pages.ServeHTTP(sw, r)
		return
	}
	if !s.public[method+" "+r.URL.Path] {
		if err := s.authenticate(r, ri); err != nil {
			if ledger.ErrorCode(err) == ledger.EUnauthenticated {
				sw.Header().Set("WWW-Authenticate", `Bearer realm="ledger"`)
			}
			s.writeError(sw, r, err)
			return
		}
	}
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		s.notRouted(sw, r, h)
		return
	}
	s.mux.ServeHTTP(sw, r)
}

// authenticate checks the bearer token of r or, without an Authorization
// header, the web session cookie with its CSRF token in the X-CSRF-Token
// header: page scripts of the web workbench call the API as the signed-in
// user. The CSRF token is required on every method, so that a page of
// another site can neither write nor read through the cookie.
func (s *Server) authenticate(r *http.Request, ri *reqInfo) error {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if c, err := r.Cookie(postgres.SessionCookie); h == "" && err == nil && c.Value != "" {
		u, sess, err := s.db.SessionUser(r.Context(), c.Value, s.opt.SessionIdle)
		if err != nil {
			return err
		}
		if !csrfEqual(r.Header.Get(postgres.CSRFHeader), sess.CSRF) {
			return ledger.Errorf(ledger.EForbidden, postgres.CSRFHeader, "a request with the session cookie needs the session's CSRF token in the X-CSRF-Token header")
		}
		ri.user, ri.token = u, postgres.TokenInfo{Book: sess.Book, User: sess.User, CreatedAt: sess.CreatedAt, ExpiresAt: sess.ExpiresAt}
		return nil
	}
	if h == "" {
		return ledger.Errorf(ledger.EUnauthenticated, "Authorization", "this request needs \"Authorization: Bearer TOKEN\" (get a token with POST /api/v1/tokens)")
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ledger.Errorf(ledger.EUnauthenticated, "Authorization", "the Authorization header is not \"Bearer TOKEN\"")
	}
	u, tok, err := s.db.Authenticate(r.Context(), strings.TrimSpace(token))
	if err != nil {
		return err
	}
	ri.user, ri.token = u, tok
	return nil
}

// csrfEqual compares a CSRF token in constant time.
func csrfEqual(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// isPage reports whether path belongs to the web pages rather than the
// API: everything but /api/… and the probes.
func isPage(path string) bool {
	return path != "/api" && !strings.HasPrefix(path, "/api/") && path != "/healthz" && path != "/readyz"
}

// notRouted answers a request the router has no route for with a JSON 404
// or 405 (keeping the router's Allow header).
func (s *Server) notRouted(w http.ResponseWriter, r *http.Request, h http.Handler) {
	rec := &headerRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if rec.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", rec.header.Get("Allow"))
		s.writeError(w, r, withStatus(http.StatusMethodNotAllowed,
			ledger.Errorf(ledger.EInvalid, "method", "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, rec.header.Get("Allow"))))
		return
	}
	s.writeError(w, r, ledger.Errorf(ledger.ENotFound, "path", "no route %s %s", r.Method, r.URL.Path))
}

// headerRecorder captures the router's own 404/405 answer.
type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header         { return h.header }
func (h *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (h *headerRecorder) WriteHeader(code int)        { h.status = code }

func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == "" {
		return id
	}
	return randomHex(8)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// clientAddr is the client address of r without the port: the peer's,
// or, when the peer is one of the trusted proxies, the last address of
// X-Forwarded-For that is not a trusted proxy itself (the header's earlier
// entries are whatever the client wrote). From any other peer the header
// is ignored, so a client cannot pick its own address for rate limits.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(s.opt.TrustedProxies) == 0 || !s.trusted(host) {
		return host
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for _, a := range strings.Split(h, ",") {
			hops = append(hops, strings.TrimSpace(a))
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return host // a malformed hop: keep the proxy's address
		}
		if !s.trusted(a.Unmap().String()) {
			return a.Unmap().String()
		}
		host = a.Unmap().String()
	}
	return host
}

// ClientAddr is the client address of r as the API's login limits and log
// see it (the trusted proxies' X-Forwarded-For considered); the web pages
// count their sign-ins against the same address.
func (s *Server) ClientAddr(r *http.Request) string { return s.clientAddr(r) }

// trusted reports whether addr is one of the trusted proxies.
func (s *Server) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.opt.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// loadBooks is the static data of a book (chart, organisations, funds),
// kept by the adapter between requests while the book's revision stands.
func (s *Server) loadBooks(ctx context.Context, book string) (*ledger.Books, error) {
	return s.db.LoadBooks(ctx, book)
}

// ServeConfig configures Run.
type ServeConfig struct {
	TLSCert, TLSKey string // both set: serve TLS
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	ShutdownTimeout time.Duration
}

// Run serves the API on ln until ctx is cancelled, then shuts down
// gracefully: it stops accepting connections and lets in-flight requests
// finish (their contexts are not cancelled) for up to ShutdownTimeout.
func (s *Server) Run(ctx context.Context, ln net.Listener, cfg ServeConfig) error {
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 15 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 120 * time.Second
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 20 * time.Second
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadTimeout:       cfg.ReadTimeout,
		ReadHeaderTimeout: min(cfg.ReadTimeout, 10*time.Second),
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
	tlsOn := cfg.TLSCert != "" && cfg.TLSKey != ""
	if (cfg.TLSCert != "") != (cfg.TLSKey != "") {
		return ledger.Errorf(ledger.EInvalid, "serve.tls_cert", "TLS needs both serve.tls_cert and serve.tls_key")
	}
	errc := make(chan error, 1)
	go func() {
		if tlsOn {
			errc <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	if s.opt.Sealer != nil {
		s.opt.Sealer.Start()
	}
	purgeDone := make(chan struct{})
	purgeCtx, stopPurge := context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		defer close(purgeDone)
		s.purgeLoop(purgeCtx)
	}()
	defer func() {
		stopPurge()
		<-purgeDone
	}()
	// Tokens authenticated from memory while the database's notice of
	// every token and user change is heard (postgres.WatchAuth).
	watchDone := make(chan struct{})
	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		defer close(watchDone)
		s.db.WatchAuth(watchCtx)
	}()
	defer func() {
		stopWatch()
		<-watchDone
	}()
	scheme := "http"
	if tlsOn {
		scheme = "https"
	}
	s.log.Info("serving", "addr", ln.Addr().String(), "scheme", scheme)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serveErr := <-errc; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	if err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: in-flight requests did not finish within %v: %w", cfg.ShutdownTimeout, err)
	}
	s.log.Info("stopped")
	return nil
}

// purgeLoop deletes stored idempotent responses past their retention and
// login attempts counted in past windows, at start and then hourly.
func (s *Server) purgeLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		n, err := s.db.PurgeAPIRequests(cctx, time.Now().Add(-s.opt.IdempotencyRetention))
		cancel()
		if err != nil && ctx.Err() == nil {
			s.log.Warn("purging stored idempotent responses", "err", err.Error())
		} else if n > 0 {
			s.log.Info("purged stored idempotent responses", "rows", n)
		}
		cctx, cancel = context.WithTimeout(ctx, time.Minute)
		n, err = s.db.PurgeLoginAttempts(cctx, s.db.Now().Add(-s.opt.LoginWindow))
		cancel()
		if err != nil && ctx.Err() == nil {
			s.log.Warn("purging counted login attempts", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ParseTrustedProxies reads serve.trusted_proxies: comma-separated
// addresses or CIDR prefixes ("10.0.0.1, 192.168.0.0/24"); empty is none.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR prefix", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
