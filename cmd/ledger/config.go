package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/redact"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
	"github.com/fenyang/partyfee/ledger/report"
)

// moneyKeys are configuration keys holding amounts: quoted strings, parsed
// as ledger.Money.
var moneyKeys = map[string]bool{"voucher.approval_threshold": true}

// durationKeys are configuration keys holding Go durations ("30s").
var durationKeys = map[string]bool{
	"database.statement_timeout": true, "database.connect_timeout": true,
	"serve.read_timeout": true, "serve.write_timeout": true, "serve.shutdown_timeout": true,
	"serve.token_ttl": true, "serve.login_window": true,
}

// flagKeys binds global flags to configuration keys.
var flagKeys = map[string]string{
	"database-url": "database_url",
	"data-dir":     "data_dir",
	"book":         "book",
	"as":           "user",
	"json":         "json",
}

// Config is the effective configuration (configs/ledger.yaml documents
// every key), read from viper once before a command runs and handed to the
// packages as resolved values.
type Config struct {
	DatabaseURL string // database_url; empty: the embedded cluster
	DataDir     string // data_dir; empty: embedded.DefaultDataDir()
	Book        string
	User        string // the acting user (--as, LEDGER_USER)
	JSON        bool
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
		ReadTimeout, WriteTimeout, ShutdownTimeout time.Duration
		TokenTTL                                   time.Duration
		LoginAttemptsMax                           int
		LoginWindow                                time.Duration
	}
	Report struct {
		Preparer, Reviewer string
		Signatures         report.Signatures
		TimeZone           *time.Location // report.time_zone; nil: Asia/Shanghai
	}
}

// configFrom reads the keys the commands use out of a loaded (and
// validated) viper.
func configFrom(v *viper.Viper) Config {
	var c Config
	c.DatabaseURL, c.DataDir, c.Book = v.GetString("database_url"), v.GetString("data_dir"), v.GetString("book")
	c.User, c.JSON, c.LogLevel = strings.TrimSpace(v.GetString("user")), v.GetBool("json"), v.GetString("log_level")
	c.Postgres.BinDir = v.GetString("postgres.bin_dir")
	c.Postgres.MaxConnections = v.GetInt("postgres.max_connections")
	c.Postgres.SharedBuffers = v.GetString("postgres.shared_buffers")
	c.Database.MaxConns = v.GetInt("database.max_conns")
	c.Database.StatementTimeout = v.GetDuration("database.statement_timeout")
	c.Database.ConnectTimeout = v.GetDuration("database.connect_timeout")
	c.Reconcile.WindowDays = v.GetInt("reconcile.window_days")
	c.Reconcile.BankLayouts = v.GetString("reconcile.bank_layouts")
	c.Audit.RulesFile = v.GetString("audit.rules_file")
	s := &c.Serve
	s.Addr, s.TLSCert, s.TLSKey = v.GetString("serve.addr"), v.GetString("serve.tls_cert"), v.GetString("serve.tls_key")
	s.BodyLimitBytes = v.GetInt64("serve.body_limit_bytes")
	s.ReadTimeout, s.WriteTimeout = v.GetDuration("serve.read_timeout"), v.GetDuration("serve.write_timeout")
	s.ShutdownTimeout, s.TokenTTL = v.GetDuration("serve.shutdown_timeout"), v.GetDuration("serve.token_ttl")
	s.LoginAttemptsMax, s.LoginWindow = v.GetInt("serve.login_attempts_max"), v.GetDuration("serve.login_window")
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

// pool is the connection pool's configuration.
func (c *Config) pool() postgres.Options {
	return postgres.Options{MaxConns: int32(c.Database.MaxConns), StatementTimeout: c.Database.StatementTimeout,
		ConnectTimeout: c.Database.ConnectTimeout}
}

// cluster is the embedded cluster's configuration in dataDir.
func (c *Config) cluster(dataDir string, log *slog.Logger) embedded.Options {
	return embedded.Options{
		DataDir: dataDir,
		BinDir:  c.Postgres.BinDir,
		Settings: map[string]string{
			"max_connections": fmt.Sprint(c.Postgres.MaxConnections),
			"shared_buffers":  "'" + c.Postgres.SharedBuffers + "'",
		},
		Log: func(format string, args ...any) { log.Info(fmt.Sprintf(format, args...)) },
	}
}

// configError is a usage error in configuration (exit status 2).
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

// loadConfig builds the effective configuration: embedded defaults, then the
// file (if any), then LEDGER_* environment variables, then flags.
func loadConfig(file string, flags *pflag.FlagSet) (*viper.Viper, error) {
	v := viper.New()
	defaults := map[string]any{}
	if err := yaml.Unmarshal(configs.Default(), &defaults); err != nil {
		return nil, fmt.Errorf("embedded ledger.yaml: %w", err)
	}
	flat := map[string]any{}
	flatten("", defaults, flat)
	for k, val := range flat {
		v.SetDefault(k, val)
	}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, &configError{fmt.Sprintf("config file: %v", err)}
		}
		m, err := checkConfigFile(data, file, flat)
		if err != nil {
			return nil, err
		}
		if err := v.MergeConfigMap(m); err != nil {
			return nil, &configError{fmt.Sprintf("config file %s: %v", file, err)}
		}
	}
	v.SetEnvPrefix("LEDGER")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if flags != nil {
		for flag, key := range flagKeys {
			if f := flags.Lookup(flag); f != nil {
				if err := v.BindPFlag(key, f); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := validateConfig(v, flat); err != nil {
		return nil, err
	}
	return v, nil
}

// checkConfigFile decodes a config file and checks every key against the
// defaults: unknown keys and wrongly typed values are errors naming the key
// and the file.
func checkConfigFile(data []byte, file string, defaults map[string]any) (map[string]any, error) {
	var node yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&node); err != nil && err.Error() != "EOF" {
		return nil, &configError{fmt.Sprintf("config file %s: %v", file, err)}
	}
	m := map[string]any{}
	if node.Kind == 0 {
		return m, nil
	}
	if err := node.Decode(&m); err != nil {
		return nil, &configError{fmt.Sprintf("config file %s: %v", file, err)}
	}
	var walk func(prefix string, n *yaml.Node) error
	walk = func(prefix string, n *yaml.Node) error {
		if n.Kind == yaml.DocumentNode {
			return walk(prefix, n.Content[0])
		}
		if n.Kind != yaml.MappingNode {
			return &configError{fmt.Sprintf("config file %s, line %d: key %q must be a mapping", file, n.Line, orRoot(prefix))}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			key := k.Value
			if prefix != "" {
				key = prefix + "." + k.Value
			}
			def, known := defaults[key]
			if !known {
				if hasPrefixKey(defaults, key) {
					if err := walk(key, val); err != nil {
						return err
					}
					continue
				}
				return &configError{fmt.Sprintf("config file %s, line %d: unknown key %q", file, k.Line, key)}
			}
			if err := checkType(key, def, val); err != nil {
				return &configError{fmt.Sprintf("config file %s, line %d: key %q: %v", file, val.Line, key, err)}
			}
		}
		return nil
	}
	if err := walk("", &node); err != nil {
		return nil, err
	}
	return m, nil
}

func orRoot(s string) string {
	if s == "" {
		return "the document"
	}
	return s
}

func hasPrefixKey(defaults map[string]any, key string) bool {
	for k := range defaults {
		if strings.HasPrefix(k, key+".") {
			return true
		}
	}
	return false
}

// checkType compares a file value with the default's type.
func checkType(key string, def any, n *yaml.Node) error {
	switch def.(type) {
	case string:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			if moneyKeys[key] {
				return fmt.Errorf("money must be a quoted string such as \"1000.00\", got %s", n.Value)
			}
			return fmt.Errorf("must be a string, got %s", describe(n))
		}
		if moneyKeys[key] {
			if _, err := ledger.ParseAmount(n.Value); err != nil {
				return fmt.Errorf("%s", ledger.ErrorMessage(err))
			}
		}
		if durationKeys[key] {
			if _, err := time.ParseDuration(n.Value); err != nil {
				return fmt.Errorf("must be a duration such as \"30s\": %v", err)
			}
		}
	case bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return fmt.Errorf("must be true or false, got %s", describe(n))
		}
	case int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			return fmt.Errorf("must be an integer, got %s", describe(n))
		}
	case []any:
		if n.Kind != yaml.SequenceNode {
			return fmt.Errorf("must be a list, got %s", describe(n))
		}
	}
	return nil
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q (%s)", n.Value, strings.TrimPrefix(n.Tag, "!!"))
}

// validateConfig checks values that may come from the environment or flags.
func validateConfig(v *viper.Viper, defaults map[string]any) error {
	for key := range durationKeys {
		if _, err := time.ParseDuration(v.GetString(key)); err != nil {
			return &configError{fmt.Sprintf("configuration key %q: must be a duration such as \"30s\", got %q", key, v.GetString(key))}
		}
	}
	for key := range moneyKeys {
		if _, err := ledger.ParseAmount(v.GetString(key)); err != nil {
			return &configError{fmt.Sprintf("configuration key %q: %s", key, ledger.ErrorMessage(err))}
		}
	}
	if z := strings.TrimSpace(v.GetString("report.time_zone")); z != "" {
		if _, err := time.LoadLocation(z); err != nil {
			return &configError{fmt.Sprintf("configuration key %q: %q is no time zone (e.g. Asia/Shanghai)", "report.time_zone", z)}
		}
	}
	for key, def := range defaults {
		switch def.(type) {
		case int:
			s := fmt.Sprint(v.Get(key))
			if _, err := fmt.Sscanf(s, "%d", new(int)); err != nil {
				return &configError{fmt.Sprintf("configuration key %q: must be an integer, got %q", key, s)}
			}
		case bool:
			s := fmt.Sprint(v.Get(key))
			if s != "true" && s != "false" && s != "1" && s != "0" {
				return &configError{fmt.Sprintf("configuration key %q: must be true or false, got %q", key, s)}
			}
		}
	}
	return nil
}

func flatten(prefix string, m map[string]any, out map[string]any) {
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			flatten(key, sub, out)
			continue
		}
		out[key] = v
	}
}

// effectiveConfig lists every key with its effective value, secrets masked.
func effectiveConfig(v *viper.Viper) map[string]any {
	defaults := map[string]any{}
	yaml.Unmarshal(configs.Default(), &defaults)
	flat := map[string]any{}
	flatten("", defaults, flat)
	out := map[string]any{}
	for k := range flat {
		val := v.Get(k)
		if str, ok := val.(string); ok {
			val = redact.KeyValue(k, str)
		} else if redact.SecretKey(k) && val != nil {
			val = redact.Mask
		}
		out[k] = val
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
