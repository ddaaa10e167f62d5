package main

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/httpapi"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/web"
)

func (a *app) serveCommand() *cobra.Command {
	var addr string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web workbench (/) and the HTTP JSON API (/api/v1)",
		Long: `serve runs the JSON API (see /api/v1/openapi.json) until SIGTERM or SIGINT, then stops
accepting connections and lets in-flight requests finish within serve.shutdown_timeout.

Public: GET /healthz, GET /readyz, GET /api/v1/openapi.json and POST /api/v1/tokens (user name and
password → a token). Every other request needs "Authorization: Bearer TOKEN"; every write needs an
Idempotency-Key header. TLS is on when serve.tls_cert and serve.tls_key are set. Logs are JSON lines
on stderr, one per request.

The web workbench (财务工作台) is served on the same port: open / in a browser and sign in
with a user name and password; sessions follow web.session_idle and web.session_max.`,
		Example: "  ledger serve\n  ledger serve --addr 0.0.0.0:8443   # with serve.tls_cert and serve.tls_key set\n  LEDGER_SERVE_ADDR=127.0.0.1:9090 ledger serve",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("addr") {
				addr = a.cfg.Serve.Addr
			}
			level := parseLevel(a.cfg.LogLevel)
			log := slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: min(level, slog.LevelInfo)}))
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			db.Source = "http"
			opt, err := a.apiOptions()
			if err != nil {
				return err
			}
			opt.Log, opt.Sealer, opt.Reads = log, a.sealer, a.reads(cmd.Context(), db)
			opt.Reads.Warn = func(err error) { log.Warn("replica", "code", ledger.ErrorCode(err), "err", err.Error()) }
			if a.server != nil {
				opt.DataDir = a.dataDir()
			}
			var srv *httpapi.Server
			pages, err := a.webPages(db, opt.Reads, log, func(r *http.Request) string { return srv.ClientAddr(r) })
			if err != nil {
				return err
			}
			opt.Pages, opt.SessionIdle = pages, a.cfg.Web.SessionIdle
			srv = httpapi.New(db, opt)
			sc := a.cfg.Serve
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return ledger.Errorf(ledger.EUnavailable, "serve.addr", "cannot listen on %s: %v", addr, err)
			}
			return srv.Run(cmd.Context(), ln, httpapi.ServeConfig{
				TLSCert:         sc.TLSCert,
				TLSKey:          sc.TLSKey,
				ReadTimeout:     sc.ReadTimeout,
				WriteTimeout:    sc.WriteTimeout,
				ShutdownTimeout: sc.ShutdownTimeout,
			})
		},
	}
	c.Flags().StringVar(&addr, "addr", "", "listen address HOST:PORT (default serve.addr, 127.0.0.1:8080)")
	return c
}

// webPages is the web workbench mounted next to the API (web.* keys).
func (a *app) webPages(db *postgres.DB, reads *postgres.ReadDB, log *slog.Logger, clientAddr func(*http.Request) string) (http.Handler, error) {
	wc, sc := a.cfg.Web, a.cfg.Serve
	if wc.SessionIdle <= 0 || wc.SessionMax <= 0 {
		return nil, exit.Usagef("web.session_idle and web.session_max must be positive durations")
	}
	auditCfg, err := a.auditRulesConfig()
	if err != nil {
		return nil, err
	}
	layouts, err := a.bankLayouts()
	if err != nil {
		return nil, err
	}
	return web.New(db, web.Options{
		Book: a.book(), TimeZone: a.cfg.Report.TimeZone, SessionIdle: wc.SessionIdle, SessionMax: wc.SessionMax,
		LoginAttemptsMax: sc.LoginAttemptsMax, LoginAddressAttemptsMax: sc.LoginAddressAttemptsMax, LoginWindow: sc.LoginWindow,
		ClientAddr: clientAddr, Secure: sc.TLSCert != "" && sc.TLSKey != "", Log: log, AuditConfig: auditCfg, Reads: reads,
		Batch:          web.BatchOptions{Layouts: layouts, WindowDays: a.cfg.Reconcile.WindowDays},
		ParseSetup:     func(data []byte, name string) (*ledger.Setup, error) { return configs.ParseSetup(data, name, nil) },
		ReportPreparer: a.cfg.Report.Preparer, ReportReviewer: a.cfg.Report.Reviewer,
		Attachments: a.cfg.Attachments,
	}), nil
}

// apiOptions are the HTTP API's settings from the configuration.
func (a *app) apiOptions() (httpapi.Options, error) {
	auditCfg, err := a.auditRulesConfig()
	if err != nil {
		return httpapi.Options{}, err
	}
	layouts, err := a.bankLayouts()
	if err != nil {
		return httpapi.Options{}, err
	}
	sc := a.cfg.Serve
	proxies, err := httpapi.ParseTrustedProxies(sc.TrustedProxies)
	if err != nil {
		return httpapi.Options{}, err
	}
	return httpapi.Options{
		Book:                    a.book(),
		BodyLimitBytes:          sc.BodyLimitBytes,
		Attachments:             a.cfg.Attachments,
		DiskFreeMinBytes:        sc.DiskFreeMinBytes,
		RequestTimeout:          sc.WriteTimeout - min(sc.WriteTimeout/10, 5*time.Second),
		TokenTTL:                sc.TokenTTL,
		LoginAttemptsMax:        sc.LoginAttemptsMax,
		LoginWindow:             sc.LoginWindow,
		TrustedProxies:          proxies,
		LoginAddressAttemptsMax: sc.LoginAddressAttemptsMax,
		AuditConfig:             auditCfg,
		ReconcileWindowDays:     a.cfg.Reconcile.WindowDays,
		BankLayouts:             layouts,
		ReportPreparer:          a.cfg.Report.Preparer,
		ReportReviewer:          a.cfg.Report.Reviewer,
		TimeZone:                a.cfg.Report.TimeZone,
	}, nil
}

func (a *app) userCommand() *cobra.Command {
	c := &cobra.Command{
		Use:     "user",
		Short:   "Manage users: roles, organisation scope, password",
		Example: "  ledger user add chenjing --role officer --scope FY-CP-02 --password-stdin < pw.txt\n  ledger user password chenjing --password-stdin < pw.txt",
	}
	c.AddCommand(&cobra.Command{
		Use: "list", Short: "List the users of the book: name, full name, roles, scope, disabled", Args: cobra.NoArgs,
		Example: "  ledger user list\n  ledger user list --json",
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			us, err := db.Users(cmd.Context(), a.book())
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(map[string]any{"users": us})
			}
			return textout.Users(a.stdout, a.lang(), us)
		},
	})
	var roles []string
	var scope, fullName string
	var pwStdin bool
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a user with roles, an optional organisation scope and an optional password",
		Long: `Roles: officer (制单), checker (审核), cashier (出纳), auditor (纪委/督查, reads everything and writes
nothing but audit-finding states), admin. A scope limits the user to an organisation's subtree.
A password (argon2id-hashed) lets the user log in through POST /api/v1/tokens; without one the user
works with tokens made by "ledger token create".`,
		Example: "  ledger user add chenjing --role officer --scope FY-CP-02 --full-name 陈静\n  echo 'a long passphrase' | ledger user add zhanghua --role checker --role cashier --password-stdin",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u := ledger.User{Name: args[0], FullName: fullName, Scope: scope}
			for _, r := range roles {
				for _, p := range strings.Split(r, ",") {
					if p = strings.TrimSpace(p); p != "" {
						u.Roles = append(u.Roles, ledger.Role(p))
					}
				}
			}
			pw := ""
			if pwStdin {
				var err error
				if pw, err = readPassword(a); err != nil {
					return err
				}
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			out, err := db.AddUser(cmd.Context(), a.book(), u, pw)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(map[string]any{"user": out.Name, "full_name": out.FullName, "roles": out.Roles, "scope": out.Scope, "book": a.book(), "password": pw != ""})
			}
			scopeText := "the whole book"
			if out.Scope != "" {
				scopeText = out.Scope
			}
			fmt.Fprintln(a.stdout, i18n.T(a.lang(), "user %s added to book %s: roles %v, scope %s, password %s", out.Name, a.book(), out.Roles, scopeText, textout.YesNo(a.lang(), pw != "")))
			return nil
		},
	}
	add.Flags().StringArrayVar(&roles, "role", nil, "role: officer, checker, cashier, auditor or admin (repeat, or comma-separated)")
	add.Flags().StringVar(&scope, "scope", "", "organisation whose subtree the user acts on (default: the whole book)")
	add.Flags().StringVar(&fullName, "full-name", "", "the user's full name")
	add.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
	var pwStdin2 bool
	password := &cobra.Command{
		Use:     "password NAME --password-stdin",
		Short:   "Set a user's password (read from standard input)",
		Example: "  ledger user password wangfang --password-stdin < pw.txt",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !pwStdin2 {
				return exit.Usagef("give the password on standard input with --password-stdin")
			}
			pw, err := readPassword(a)
			if err != nil {
				return err
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.SetPassword(cmd.Context(), a.book(), args[0], pw); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, i18n.T(a.lang(), "password of %s set", args[0]))
			return nil
		},
	}
	password.Flags().BoolVar(&pwStdin2, "password-stdin", false, "read the password from the first line of standard input")
	c.AddCommand(add, password)
	return c
}

// readPassword reads the first line of standard input.
func readPassword(a *app) (string, error) {
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", exit.Usagef("--password-stdin: no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (a *app) tokenCommand() *cobra.Command {
	c := &cobra.Command{
		Use:     "token",
		Short:   "Manage API tokens: create (shown once), revoke",
		Example: "  ledger token create wangfang --ttl 24h\n  ledger token revoke 7",
	}
	var ttl time.Duration
	create := &cobra.Command{
		Use:   "create USER",
		Short: "Make an API token for a user; it is printed once and stored only as a SHA-256 hash",
		Example: "  ledger token create wangfang\n  ledger token create fengqing --ttl 8h --json\n" +
			"  curl -H \"Authorization: Bearer $(ledger token create wangfang)\" http://127.0.0.1:8080/api/v1/me",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("ttl") {
				ttl = a.cfg.Serve.TokenTTL
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			token, info, err := db.CreateTokenAs(cmd.Context(), a.book(), a.cfg.User, args[0], ttl)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(map[string]any{"token": token, "id": info.ID, "book": info.Book, "user": info.User, "expires_at": info.ExpiresAt})
			}
			fmt.Fprintln(a.stdout, token)
			fmt.Fprintln(a.stderr, i18n.T(a.lang(), "token %d for %s, expires %s; it is shown only now", info.ID, info.User, info.ExpiresAt.Format(time.RFC3339)))
			return nil
		},
	}
	create.Flags().DurationVar(&ttl, "ttl", 0, "lifetime of the token (default serve.token_ttl, 720h)")
	revoke := &cobra.Command{
		Use:     "revoke ID",
		Short:   "Revoke an API token by its id",
		Example: "  ledger token revoke 7",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return exit.Usagef("token revoke: %q is not a token id", args[0])
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			info, err := db.RevokeTokenAs(cmd.Context(), a.book(), a.cfg.User, id)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(info)
			}
			fmt.Fprintln(a.stdout, i18n.T(a.lang(), "token %d of %s revoked at %s", info.ID, info.User, info.RevokedAt.Format(time.RFC3339)))
			return nil
		},
	}
	c.AddCommand(create, revoke)
	return c
}
