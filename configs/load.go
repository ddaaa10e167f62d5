package configs

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
)

// moneyKeys are configuration keys holding amounts: quoted strings, parsed
// as ledger.Money.
var moneyKeys = map[string]bool{"voucher.approval_threshold": true}

// durationKeys are configuration keys holding Go durations ("30s").
var durationKeys = map[string]bool{
	"database.statement_timeout": true, "database.connect_timeout": true, "database.replica_wait_max": true,
	"serve.read_timeout": true, "serve.write_timeout": true, "serve.shutdown_timeout": true,
	"serve.token_ttl": true, "serve.login_window": true,
	"web.session_idle": true, "web.session_max": true,
}

// flagKeys binds global flags to configuration keys.
var flagKeys = map[string]string{
	"database-url": "database_url",
	"data-dir":     "data_dir",
	"book":         "book",
	"as":           "user",
	"json":         "json",
	"locale":       "locale",
}

// Error is a usage error in configuration (exit status 2).
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

// Load builds the effective configuration: embedded defaults, then the
// file (if any), then LEDGER_* environment variables, then flags.
func Load(file string, flags *pflag.FlagSet) (*viper.Viper, error) {
	v := viper.New()
	defaults := map[string]any{}
	if err := yaml.Unmarshal(Default(), &defaults); err != nil {
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
			return nil, &Error{fmt.Sprintf("config file: %v", err)}
		}
		m, err := checkConfigFile(data, file, flat)
		if err != nil {
			return nil, err
		}
		if err := v.MergeConfigMap(m); err != nil {
			return nil, &Error{fmt.Sprintf("config file %s: %v", file, err)}
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
		return nil, &Error{fmt.Sprintf("config file %s: %v", file, err)}
	}
	m := map[string]any{}
	if node.Kind == 0 {
		return m, nil
	}
	if err := node.Decode(&m); err != nil {
		return nil, &Error{fmt.Sprintf("config file %s: %v", file, err)}
	}
	var walk func(prefix string, n *yaml.Node) error
	walk = func(prefix string, n *yaml.Node) error {
		if n.Kind == yaml.DocumentNode {
			return walk(prefix, n.Content[0])
		}
		if n.Kind != yaml.MappingNode {
			return &Error{fmt.Sprintf("config file %s, line %d: key %q must be a mapping", file, n.Line, orRoot(prefix))}
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
				return &Error{fmt.Sprintf("config file %s, line %d: unknown key %q", file, k.Line, key)}
			}
			if err := checkType(key, def, val); err != nil {
				return &Error{fmt.Sprintf("config file %s, line %d: key %q: %v", file, val.Line, key, err)}
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
	if _, err := i18n.Parse(v.GetString("locale")); err != nil {
		return &Error{fmt.Sprintf("configuration key %q: %s", "locale", ledger.ErrorMessage(err))}
	}
	for key := range durationKeys {
		if _, err := time.ParseDuration(v.GetString(key)); err != nil {
			return &Error{fmt.Sprintf("configuration key %q: must be a duration such as \"30s\", got %q", key, v.GetString(key))}
		}
	}
	for key := range moneyKeys {
		if _, err := ledger.ParseAmount(v.GetString(key)); err != nil {
			return &Error{fmt.Sprintf("configuration key %q: %s", key, ledger.ErrorMessage(err))}
		}
	}
	if err := attachmentLimits(v).Check(); err != nil {
		return &Error{fmt.Sprintf("configuration key %q: %s", ledger.ErrorField(err), ledger.ErrorMessage(err))}
	}
	if z := strings.TrimSpace(v.GetString("report.time_zone")); z != "" {
		if _, err := time.LoadLocation(z); err != nil {
			return &Error{fmt.Sprintf("configuration key %q: %q is no time zone (e.g. Asia/Shanghai)", "report.time_zone", z)}
		}
	}
	for key, def := range defaults {
		switch def.(type) {
		case int:
			s := fmt.Sprint(v.Get(key))
			if _, err := fmt.Sscanf(s, "%d", new(int)); err != nil {
				return &Error{fmt.Sprintf("configuration key %q: must be an integer, got %q", key, s)}
			}
		case bool:
			s := fmt.Sprint(v.Get(key))
			if s != "true" && s != "false" && s != "1" && s != "0" {
				return &Error{fmt.Sprintf("configuration key %q: must be true or false, got %q", key, s)}
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

// Effective lists every key with its effective value, secrets masked.
func Effective(v *viper.Viper) map[string]any {
	defaults := map[string]any{}
	yaml.Unmarshal(Default(), &defaults)
	flat := map[string]any{}
	flatten("", defaults, flat)
	out := map[string]any{}
	for k := range flat {
		val := v.Get(k)
		if str, ok := val.(string); ok {
			val = RedactKeyValue(k, str)
		} else if SecretKey(k) && val != nil {
			val = Mask
		}
		out[k] = val
	}
	return out
}

func SortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
