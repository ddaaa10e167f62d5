package configs

import (
	"os"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/bankstmt"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/report"
)

// Config is the effective configuration (configs/ledger.yaml documents
// every key), read from viper once before a command runs and handed to the
// packages as resolved values.
type Config struct {
	DatabaseURL string // database_url; empty: the embedded cluster
	DataDir     string // data_dir; empty: embedded.DefaultDataDir()
	Book        string
	User        string // the acting user (--as, LEDGER_USER)
	JSON        bool
	Locale      i18n.Lang
	LogLevel    string
	Postgres    struct {
		BinDir         string
		MaxConnections int
		SharedBuffers  string
	}
	Database struct {
		MaxConns         int
		StatementTimeout time.Duration
		ConnectTimeout   time.Duration
		ReplicaURL       string // database.replica_url; empty: the embedded replica, if any
		ReplicaWaitMax   time.Duration
	}
	Reconcile struct {
		WindowDays  int
		BankLayouts string // a layouts file; empty: the embedded ones
	}
	Audit struct {
		RulesFile string // a rules file; empty: the embedded one
	}
	Serve struct {
		Addr, TLSCert, TLSKey                      string
		BodyLimitBytes                             int64
		DiskFreeMinBytes                           int64 // /readyz on the embedded cluster
		ReadTimeout, WriteTimeout, ShutdownTimeout time.Duration
		TokenTTL                                   time.Duration
		LoginAttemptsMax, LoginAddressAttemptsMax  int
		TrustedProxies                             string // checked by the API when it starts
		LoginWindow                                time.Duration
	}
	Rollup struct {
		// Databases: book code → URL of the database a book of the
		// roll-up is read from (rollup.databases).
		Databases map[string]string
	}
	Web struct {
		SessionIdle, SessionMax time.Duration // web.session_idle, web.session_max
	}
	Report struct {
		Preparer, Reviewer string
		Signatures         report.Signatures
		TimeZone           *time.Location // report.time_zone; nil: Asia/Shanghai
	}
	Attachments ledger.AttachmentLimits // attachments.max_bytes, attachments.types
}

// From reads the keys the commands use out of a loaded (and
// validated) viper.
func From(v *viper.Viper) Config {
	var c Config
	c.DatabaseURL, c.DataDir, c.Book = v.GetString("database_url"), v.GetString("data_dir"), v.GetString("book")
	c.User, c.JSON, c.LogLevel = strings.TrimSpace(v.GetString("user")), v.GetBool("json"), v.GetString("log_level")
	c.Locale, _ = i18n.Parse(v.GetString("locale")) // validated when the configuration was loaded
	c.Postgres.BinDir = v.GetString("postgres.bin_dir")
	c.Postgres.MaxConnections = v.GetInt("postgres.max_connections")
	c.Postgres.SharedBuffers = v.GetString("postgres.shared_buffers")
	c.Database.MaxConns = v.GetInt("database.max_conns")
	c.Database.StatementTimeout = v.GetDuration("database.statement_timeout")
	c.Database.ConnectTimeout = v.GetDuration("database.connect_timeout")
	c.Database.ReplicaURL = v.GetString("database.replica_url")
	c.Database.ReplicaWaitMax = v.GetDuration("database.replica_wait_max")
	c.Reconcile.WindowDays = v.GetInt("reconcile.window_days")
	c.Reconcile.BankLayouts = v.GetString("reconcile.bank_layouts")
	c.Audit.RulesFile = v.GetString("audit.rules_file")
	c.Attachments = attachmentLimits(v)
	s := &c.Serve
	s.Addr, s.TLSCert, s.TLSKey = v.GetString("serve.addr"), v.GetString("serve.tls_cert"), v.GetString("serve.tls_key")
	s.BodyLimitBytes, s.DiskFreeMinBytes = v.GetInt64("serve.body_limit_bytes"), v.GetInt64("serve.disk_free_min_bytes")
	s.ReadTimeout, s.WriteTimeout = v.GetDuration("serve.read_timeout"), v.GetDuration("serve.write_timeout")
	s.ShutdownTimeout, s.TokenTTL = v.GetDuration("serve.shutdown_timeout"), v.GetDuration("serve.token_ttl")
	s.LoginAttemptsMax, s.LoginWindow = v.GetInt("serve.login_attempts_max"), v.GetDuration("serve.login_window")
	s.LoginAddressAttemptsMax, s.TrustedProxies = v.GetInt("serve.login_address_attempts_max"), v.GetString("serve.trusted_proxies")
	c.Rollup.Databases = map[string]string{}
	for book, url := range v.GetStringMapString("rollup.databases") {
		// viper lower-cases keys; book codes are upper case.
		c.Rollup.Databases[strings.ToUpper(book)] = url
	}
	c.Web.SessionIdle, c.Web.SessionMax = v.GetDuration("web.session_idle"), v.GetDuration("web.session_max")
	c.Report.Preparer = strings.TrimSpace(v.GetString("report.preparer"))
	c.Report.Reviewer = strings.TrimSpace(v.GetString("report.reviewer"))
	c.Report.Signatures = report.Signatures{
		UnitHead:    strings.TrimSpace(v.GetString("report.signatures.unit_head")),
		FinanceHead: strings.TrimSpace(v.GetString("report.signatures.finance_head")),
		Reviewer:    strings.TrimSpace(v.GetString("report.signatures.reviewer")),
		Preparer:    strings.TrimSpace(v.GetString("report.signatures.preparer")),
	}
	if z := strings.TrimSpace(v.GetString("report.time_zone")); z != "" {
		c.Report.TimeZone, _ = time.LoadLocation(z) // validated when the configuration was loaded
	}
	return c
}

// AuditRules returns the audit-rule thresholds: the file named by
// audit.rules_file (file), or the embedded audit.yaml.
func AuditRules(file string) (*audit.Config, error) {
	name := file
	var data []byte
	var err error
	if name != "" {
		data, err = os.ReadFile(name)
	} else {
		name = "audit.yaml (built in)"
		data, err = Read("audit.yaml")
	}
	if err != nil {
		return nil, err
	}
	cfg, err := audit.LoadConfig(data, name)
	if err != nil {
		return nil, err
	}
	return &cfg, nil
}

// BankLayouts reads the layouts file named by reconcile.bank_layouts
// (file), or the embedded bank_layouts.yaml.
func BankLayouts(file string) ([]bankstmt.Layout, error) {
	if file != "" {
		return bankstmt.LoadLayoutsFile(file)
	}
	data, err := Read("bank_layouts.yaml")
	if err != nil {
		return nil, err
	}
	return bankstmt.LoadLayouts(data, "bank_layouts.yaml (built in)")
}

// attachmentLimits reads attachments.max_bytes and attachments.types (a
// list, or a comma-separated string from the environment).
func attachmentLimits(v *viper.Viper) ledger.AttachmentLimits {
	l := ledger.AttachmentLimits{MaxBytes: v.GetInt64("attachments.max_bytes")}
	for _, k := range v.GetStringSlice("attachments.types") {
		for _, k := range strings.Split(k, ",") {
			if k = strings.ToLower(strings.TrimSpace(k)); k != "" {
				l.Kinds = append(l.Kinds, k)
			}
		}
	}
	return l
}
