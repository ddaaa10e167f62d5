// Package web is the web workbench (财务工作台) of `ledger serve`: Chinese,
// server-rendered pages (html/template) with their templates and static
// files embedded, mounted on the API's port next to /api/v1.
//
// A page handler reads the signed-in user from the session (sessions are
// rows of web_sessions; the cookie holds a random id whose hash is stored),
// checks the same authorization as the API (ledger.Authorize and the
// ledger.CanX functions) and calls the same use cases of ledger/postgres;
// no handler runs SQL. Every state-changing form carries the session's CSRF
// token; every answer carries a strict Content-Security-Policy (scripts and
// styles are files under /static/, never inline).
//
// Layout of the package: server.go (options, routing, middleware, errors),
// session.go (sign-in, sign-out, password), view.go (formatting helpers
// the templates call), pages.go (工作台, 凭证查询, a voucher, printing) and
// queue.go (审核·出纳签字·记账).
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure the pages; the caller resolves them from its
// configuration (this package reads none).
type Options struct {
	// Book is offered first at sign-in (serve's book).
	Book string
	// TimeZone is the book's zone: today's date and timestamps are read
	// there; nil is ledger.DefaultTimeZone.
	TimeZone *time.Location
	// SessionIdle ends a session not used for this long (web.session_idle);
	// SessionMax ends any session this long after sign-in (web.session_max).
	SessionIdle, SessionMax time.Duration
	// The login rate limits of the API (serve.login_attempts_max,
	// serve.login_address_attempts_max, serve.login_window), counted in
	// the same table.
	LoginAttemptsMax, LoginAddressAttemptsMax int
	LoginWindow                               time.Duration
	// ClientAddr gives the client address of a request for the address
	// limit (the API's, which knows the trusted proxies); nil: the peer.
	ClientAddr func(*http.Request) string
	// Secure marks the session cookie Secure (serve runs TLS, or sits
	// behind a TLS reverse proxy).
	Secure bool
	// Log receives errors; nil discards them.
	Log *slog.Logger
	// Reads sends the auditors' pages (overview, search, findings, the
	// roll-up) to a streaming replica when one is configured; nil: the
	// primary.
	Reads *postgres.ReadDB
	// AuditConfig is the audit rules' configuration for the overview's
	// re-run (the API's); nil is audit.DefaultConfig.
	AuditConfig *audit.Config
	// Batch configures the month end of /batch (batch.go).
	Batch BatchOptions
	// ParseSetup parses an uploaded setup file for 系统管理 (the parser of
	// `ledger setup`, with no included or chart file); nil: the page
	// refuses the upload.
	ParseSetup func(data []byte, name string) (*ledger.Setup, error)
	// ReportPreparer and ReportReviewer are the workbook's 制表人 and 审核人
	// (report.preparer, report.reviewer); "" is the acting user and the
	// book's checker.
	ReportPreparer, ReportReviewer string
	// Attachments are the limits of a scanned original (the API's:
	// attachments.max_bytes, attachments.types); zero takes
	// ledger.DefaultAttachmentLimits.
	Attachments ledger.AttachmentLimits
}

// check refuses settings left unset.
func (o *Options) check() error {
	for _, s := range []struct {
		name  string
		unset bool
	}{
		{"SessionIdle", o.SessionIdle <= 0},
		{"SessionMax", o.SessionMax <= 0},
		{"LoginAttemptsMax", o.LoginAttemptsMax <= 0},
		{"LoginAddressAttemptsMax", o.LoginAddressAttemptsMax <= 0},
		{"LoginWindow", o.LoginWindow <= 0},
	} {
		if s.unset {
			return fmt.Errorf("web: Options.%s is not set", s.name)
		}
	}
	return nil
}

// Server serves the pages over one database.
type Server struct {
	db    *postgres.DB
	opt   Options
	log   *slog.Logger
	mux   *http.ServeMux
	pages map[string]*template.Template
}

// New makes the pages on db; it panics when opt lacks a setting (the
// caller's configuration did not reach it).
func New(db *postgres.DB, opt Options) *Server {
	if err := opt.check(); err != nil {
		panic(err)
	}
	if opt.TimeZone == nil {
		opt.TimeZone, _ = ledger.LoadTimeZone("")
	}
	if opt.AuditConfig == nil {
		c := audit.DefaultConfig()
		opt.AuditConfig = &c
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opt.Attachments.MaxBytes <= 0 {
		opt.Attachments = ledger.DefaultAttachmentLimits()
	}
	s := &Server{db: db, opt: opt, log: opt.Log, mux: http.NewServeMux(), pages: parsePages()}
	s.routes()
	return s
}

// routes registers the pages. An authenticated page is wrapped by s.auth,
// which loads the session's user (or sends the browser to /login) and, on
// POST, checks the CSRF token.
func (s *Server) routes() {
	static, _ := fs.Sub(staticFS, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /login", s.loginPage)
	s.mux.HandleFunc("POST /login", s.login)
	s.mux.Handle("POST /logout", s.auth(s.logout))
	s.mux.Handle("GET /account/password", s.auth(s.passwordPage))
	s.mux.Handle("POST /account/password", s.auth(s.changePassword))
	s.mux.Handle("GET /{$}", s.auth(s.dashboard))
	s.mux.Handle("GET /queue", s.auth(s.queue))
	s.mux.Handle("POST /queue", s.auth(s.queueAct))
	s.mux.Handle("GET /vouchers", s.auth(s.vouchers))
	s.mux.Handle("GET /vouchers/export", s.auth(s.exportVouchers))
	s.mux.Handle("GET /vouchers/print", s.auth(s.printMonth))
	s.mux.Handle("GET /vouchers/new", s.auth(s.newVoucherPage))
	s.mux.Handle("POST /vouchers/new", s.uploads(s.auth(s.createVoucherForm)))
	s.entryRoutes()
	s.mux.Handle("GET /vouchers/import", s.auth(s.importPage))
	s.mux.Handle("GET /vouchers/import/template", s.auth(s.importTemplate))
	s.mux.Handle("POST /vouchers/import", s.auth(s.importUpload))
	s.mux.Handle("GET /vouchers/{id}", s.auth(s.voucher))
	s.mux.Handle("GET /vouchers/{id}/print", s.auth(s.printVoucher))
	s.mux.Handle("GET /vouchers/{id}/files/{no}", s.auth(s.voucherFile))
	s.mux.Handle("POST /vouchers/{id}/{act}", s.auth(s.act))
	s.mux.Handle("GET /books/balances", s.auth(s.balancesPage))
	s.mux.Handle("GET /books/ledger", s.auth(s.ledgerPage))
	s.mux.Handle("GET /books/orgs", s.auth(s.orgBalancesPage))
	s.auditRoutes()
	s.batchRoutes()
	s.adminRoutes()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, ledger.Errorf(ledger.ENotFound, "path", "no page %s", r.URL.Path))
	})
}

// Handler serves the pages with the security headers and panic recovery.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; object-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Content-Type-Options", "nosniff")
		if strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "max-age=3600")
		} else {
			h.Set("Cache-Control", "no-store")
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic", "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				s.fail(w, r, &ledger.Error{Code: ledger.EInternal, Msg: "internal error"})
			}
		}()
		s.mux.ServeHTTP(w, r)
	})
}

// ServeHTTP makes the Server an http.Handler (the API mounts it).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.Handler().ServeHTTP(w, r) }

// request is what a page knows about the signed-in user.
type request struct {
	user    *ledger.User
	session postgres.Session
	sid     string // the cookie's session id
	books   *ledger.Books
	view    *viewer
}

type requestKey struct{}

func current(r *http.Request) *request {
	rq, _ := r.Context().Value(requestKey{}).(*request)
	return rq
}

// postLimit is the largest body a page accepts: the entry grid's files
// (entryFilesMax of the largest attachment) with the rest of the form, and
// at least the workbook and statement uploads' bounds.
func (s *Server) postLimit() int64 {
	return max(entryFilesMax*s.opt.Attachments.MaxBytes+uploadSlackBytes, importMaxBytes+uploadSlackBytes, statementMaxBytes+uploadSlackBytes)
}

// auth loads the session of r's cookie; without a live session a GET goes
// to /login (with the page to come back to) and any other method is
// refused. A POST must carry the session's CSRF token (form field csrf or
// the X-CSRF-Token header).
func (s *Server) auth(h func(http.ResponseWriter, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(postgres.SessionCookie)
		if err != nil || c.Value == "" {
			s.toLogin(w, r)
			return
		}
		u, sess, err := s.db.SessionUser(r.Context(), c.Value, s.opt.SessionIdle)
		if ledger.ErrorCode(err) == ledger.EUnauthenticated {
			s.clearCookie(w)
			s.toLogin(w, r)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if r.Method == http.MethodPost {
			// Bound every form before the CSRF check reads it: at most
			// the largest upload a page takes (the entry grid's files).
			limit := s.postLimit()
			if r.ContentLength > limit {
				s.fail(w, r, ledger.Errorf(ledger.ETooLarge, "file", "the upload has %d bytes; at most %d are accepted", r.ContentLength, limit))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			token := r.Header.Get(postgres.CSRFHeader)
			if token == "" {
				token = r.PostFormValue("csrf")
			}
			if !tokenEqual(token, sess.CSRF) {
				s.fail(w, r, ledger.Errorf(ledger.EForbidden, "csrf", "the form has no valid CSRF token; reload the page and try again"))
				return
			}
		}
		b, err := s.db.LoadBooks(r.Context(), sess.Book)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rq := &request{user: u, session: sess, sid: c.Value, books: b}
		rq.view = s.newViewer(r.Context(), rq)
		h(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, rq)))
	})
}

// toLogin sends a GET to the sign-in page, remembering where it was going;
// other methods are answered 401 with the sign-in page's link.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		target := "/login"
		if p := r.URL.RequestURI(); p != "/" {
			target += "?next=" + urlQueryEscape(p)
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	s.fail(w, r, ledger.Errorf(ledger.EUnauthenticated, "session", "the session has expired; sign in again"))
}

// page is the data of every template: the layout's and the page's own.
type page struct {
	Title   string
	Menu    string // the active menu entry
	User    *ledger.User
	Book    *ledger.Book
	CSRF    string
	V       *viewer
	Notice  string
	Data    any
	Printed bool // a print view: no menu
}

// render writes template name with data in the layout.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	if rq := current(r); rq != nil {
		p.User, p.Book, p.CSRF, p.V = rq.user, rq.books.Book, rq.session.CSRF, rq.view
	}
	t := s.pages[name]
	if t == nil {
		panic("web: no template " + name)
	}
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("template", "page", name, "err", err.Error())
		if name != "error" {
			s.fail(w, r, &ledger.Error{Code: ledger.EInternal, Msg: "internal error", Err: err})
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, buf.String())
}

// statusOf maps an error code to the status of its page.
func statusOf(code string) int {
	switch code {
	case ledger.EUnauthenticated:
		return http.StatusUnauthorized
	case ledger.EForbidden:
		return http.StatusForbidden
	case ledger.ENotFound:
		return http.StatusNotFound
	case ledger.ERateLimited:
		return http.StatusTooManyRequests
	case ledger.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case ledger.EUnavailable:
		return http.StatusServiceUnavailable
	case ledger.EInternal, "":
		return http.StatusInternalServerError
	case ledger.EInvalidState, ledger.ESamePerson, ledger.EImmutable, ledger.EPeriodClosed, ledger.EInsufficientFunds, ledger.EInProgress:
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

// errorData is the error page's.
type errorData struct {
	Status  int
	Heading string
	Message string
}

// fail answers err as a Chinese error page: 403 无权访问, 404 页面不存在,
// 500 without any detail of the fault (it goes to the log).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := ledger.ErrorCode(err)
	var le *ledger.Error
	if !errors.As(err, &le) {
		code = ledger.EInternal
	}
	status := statusOf(code)
	d := errorData{Status: status}
	switch status {
	case http.StatusForbidden:
		d.Heading = "无权访问"
	case http.StatusNotFound:
		d.Heading = "页面或记录不存在"
	case http.StatusInternalServerError:
		d.Heading = "系统内部错误"
	case http.StatusUnauthorized:
		d.Heading = "请重新登录"
	default:
		d.Heading = i18n.CodeTitle(i18n.ZhCN, code)
	}
	if status == http.StatusInternalServerError {
		s.log.Error("page failed", "path", r.URL.Path, "err", fmt.Sprint(err))
		d.Message = "请求未能完成，请稍后再试或联系系统管理员。"
	} else {
		d.Message = i18n.Message(i18n.ZhCN, err)
	}
	s.render(w, r, status, "error", page{Title: d.Heading, Data: d})
}
