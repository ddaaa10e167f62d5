package audit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fenyang/partyfee/ledger"
)

// Severities of a finding.
const (
	SeverityHigh   = "HIGH"
	SeverityMedium = "MEDIUM"
	SeverityLow    = "LOW"
)

func validSeverity(s string) bool {
	return s == SeverityHigh || s == SeverityMedium || s == SeverityLow
}

// Config holds the thresholds and word lists of the rules (domain §6.7).
// The comment of each field names its key in configs/audit.yaml.
type Config struct {
	// Severity is the default severity of each rule (severity.A-01 …).
	Severity map[string]string

	// DenyWords are item words that are never a permitted use (a01.deny_words).
	DenyWords []string
	// AllowWords are removed from the text before DenyWords are looked for,
	// so that 酒精 (disinfectant alcohol) does not match 酒 (a01.allow_words).
	AllowWords []string

	// UndistributedDays: money received stays at the book's bank longer than
	// this many days → A-03 (a03.days).
	UndistributedDays int
	// UndistributedHighDays: beyond this many days A-03 is HIGH
	// (a03.high_after_days).
	UndistributedHighDays int

	// UnsettledDays: an advance (121801) unsettled longer than this many
	// days → A-04 (a04.days).
	UnsettledDays int

	// DocTypes are the accepted source-document types; "签收单/花名册"
	// accepts 签收单, 花名册 and the combined label (a08.doc_types).
	DocTypes []string

	// CashThreshold is the large-cash limit of A-09 (a09.threshold).
	CashThreshold ledger.Money
	// SignatureDocTypes are the documents that carry the recipients'
	// signatures (a09.signature_doc_types).
	SignatureDocTypes []string
	// SignedCashSeverity is the severity of a large cash condolence/relief
	// payment that has its signature sheet attached: listed, not a breach
	// (a09.signed_severity).
	SignedCashSeverity string

	// SplitWindowDays: payments to one payee whose dates differ by at most
	// this many days form one purchase (a10.days).
	SplitWindowDays int
	// SplitThreshold is the approval threshold T of A-10 unless the
	// organisation (or its nearest ancestor) sets ApprovalThreshold
	// (a10.threshold).
	SplitThreshold ledger.Money

	// BackdateDays: a voucher made more than this many days after its bank
	// value date → A-14 (a14.days).
	BackdateDays int

	// Standards are the per-person standards of condolence and relief
	// payments by purpose; a purpose without a standard is not checked
	// (a15.standards).
	Standards map[ledger.Purpose]ledger.Money

	// PublicityDays: an organisation with uses in a month must publish
	// within this many days of the month end (a17.days).
	PublicityDays int
}

// DefaultConfig returns the defaults of domain §6.7. configs/audit.yaml
// holds the same values (a test keeps them equal).
func DefaultConfig() Config {
	sev := make(map[string]string, len(Rules))
	for _, r := range Rules {
		sev[r.ID] = r.Severity
	}
	return Config{
		Severity:              sev,
		DenyWords:             []string{"烟", "酒", "礼品", "购物卡", "餐费", "宴请", "旅游", "车辆", "办公家具"},
		AllowWords:            []string{"酒精", "车辆消毒"},
		UndistributedDays:     15,
		UndistributedHighDays: 30,
		UnsettledDays:         60,
		DocTypes:              []string{"发票", "财政票据", "银行回单", "签收单/花名册"},
		CashThreshold:         ledger.MustParseMoney("1000.00"),
		SignatureDocTypes:     []string{"签收单/花名册"},
		SignedCashSeverity:    SeverityLow,
		SplitWindowDays:       7,
		SplitThreshold:        ledger.MustParseMoney("1000.00"),
		BackdateDays:          30,
		Standards: map[ledger.Purpose]ledger.Money{
			ledger.Condolence: ledger.MustParseMoney("1000.00"),
			ledger.Relief:     ledger.MustParseMoney("2000.00"),
		},
		PublicityDays: 30,
	}
}

// Validate checks the values; the error is a *ledger.Error with code
// EInvalid whose Field is the YAML key path.
func (c *Config) Validate() error {
	known := map[string]bool{}
	for _, r := range Rules {
		known[r.ID] = true
		if _, ok := c.Severity[r.ID]; !ok {
			return configErr("severity."+r.ID, "no severity for rule %s", r.ID)
		}
	}
	for _, id := range sortedKeys(c.Severity) {
		if !known[id] {
			return configErr("severity."+id, "unknown rule %q (A-01 … A-%02d)", id, len(Rules))
		}
		if !validSeverity(c.Severity[id]) {
			return configErr("severity."+id, "unknown severity %q (HIGH, MEDIUM or LOW)", c.Severity[id])
		}
	}
	if !validSeverity(c.SignedCashSeverity) {
		return configErr("a09.signed_severity", "unknown severity %q (HIGH, MEDIUM or LOW)", c.SignedCashSeverity)
	}
	lists := []struct {
		key   string
		words []string
	}{
		{"a01.deny_words", c.DenyWords}, {"a01.allow_words", c.AllowWords},
		{"a08.doc_types", c.DocTypes}, {"a09.signature_doc_types", c.SignatureDocTypes},
	}
	for _, l := range lists {
		for i, w := range l.words {
			if strings.TrimSpace(w) == "" {
				return configErr(fmt.Sprintf("%s[%d]", l.key, i), "empty entry")
			}
		}
	}
	days := []struct {
		key string
		n   int
	}{
		{"a03.days", c.UndistributedDays}, {"a03.high_after_days", c.UndistributedHighDays},
		{"a04.days", c.UnsettledDays}, {"a10.days", c.SplitWindowDays},
		{"a14.days", c.BackdateDays}, {"a17.days", c.PublicityDays},
	}
	for _, d := range days {
		if d.n < 0 {
			return configErr(d.key, "days must not be negative, got %d", d.n)
		}
		if d.n > daysMax {
			return configErr(d.key, "days must be at most %d, got %d", daysMax, d.n)
		}
	}
	if c.UndistributedHighDays < c.UndistributedDays {
		return configErr("a03.high_after_days", "must not be less than a03.days (%d), got %d", c.UndistributedDays, c.UndistributedHighDays)
	}
	if c.CashThreshold.Sign() <= 0 {
		return configErr("a09.threshold", "must be greater than 0, got %s", c.CashThreshold)
	}
	if c.SplitThreshold.Sign() <= 0 {
		return configErr("a10.threshold", "must be greater than 0, got %s", c.SplitThreshold)
	}
	for _, p := range sortedKeys(c.Standards) {
		if !p.Valid() {
			return configErr("a15.standards."+string(p), "unknown purpose %q (procurement, condolence or relief)", p)
		}
		if c.Standards[p].Sign() <= 0 {
			return configErr("a15.standards."+string(p), "must be greater than 0, got %s", c.Standards[p])
		}
	}
	return nil
}

// daysMax bounds every day count (ten years).
const daysMax = 3660

func configErr(field, format string, args ...any) *ledger.Error {
	return &ledger.Error{Code: ledger.EInvalid, Op: "audit.LoadConfig", Field: field, Msg: field + ": " + fmt.Sprintf(format, args...)}
}

// fileConfig is the shape of configs/audit.yaml. Pointers tell an absent
// key (the default stays) from a present one.
type fileConfig struct {
	Severity map[string]string `yaml:"severity"`
	A01      *struct {
		DenyWords  *[]string `yaml:"deny_words"`
		AllowWords *[]string `yaml:"allow_words"`
	} `yaml:"a01"`
	A03 *struct {
		Days          *int `yaml:"days"`
		HighAfterDays *int `yaml:"high_after_days"`
	} `yaml:"a03"`
	A04 *struct {
		Days *int `yaml:"days"`
	} `yaml:"a04"`
	A08 *struct {
		DocTypes *[]string `yaml:"doc_types"`
	} `yaml:"a08"`
	A09 *struct {
		Threshold         *string   `yaml:"threshold"`
		SignatureDocTypes *[]string `yaml:"signature_doc_types"`
		SignedSeverity    *string   `yaml:"signed_severity"`
	} `yaml:"a09"`
	A10 *struct {
		Days      *int    `yaml:"days"`
		Threshold *string `yaml:"threshold"`
	} `yaml:"a10"`
	A14 *struct {
		Days *int `yaml:"days"`
	} `yaml:"a14"`
	A15 *struct {
		Standards map[string]string `yaml:"standards"`
	} `yaml:"a15"`
	A17 *struct {
		Days *int `yaml:"days"`
	} `yaml:"a17"`
}

// LoadConfig reads an audit configuration (the format of
// configs/audit.yaml) on top of DefaultConfig: keys that are absent keep
// their defaults, lists replace the default list, maps (severity,
// a15.standards) override key by key. name is the file name used in
// messages. Decoding is strict: an unknown key, a value of the wrong YAML
// type (money must be a quoted string, days an integer), negative days, a
// bad amount or an unknown severity is a *ledger.Error with code EInvalid
// whose Field is the key path (such as "a03.days") and whose message names
// the file and line.
func LoadConfig(data []byte, name string) (Config, error) {
	cfg := DefaultConfig()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Config{}, &ledger.Error{Code: ledger.EInvalid, Op: "audit.LoadConfig", Msg: name + ": " + err.Error()}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return cfg, nil // an empty file: the defaults
	}
	lines := map[string]int{}
	if err := checkNode(doc.Content[0], reflect.TypeOf(fileConfig{}), "", lines); err != nil {
		err.Msg = name + ": " + err.Msg
		return Config{}, err
	}
	// The shape is known to be right; the strict decoder is the second
	// line of defence and fills the struct.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var fc fileConfig
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, &ledger.Error{Code: ledger.EInvalid, Op: "audit.LoadConfig", Msg: name + ": " + err.Error()}
	}
	if err := fc.apply(&cfg); err != nil {
		return Config{}, located(err, name, lines)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, located(err, name, lines)
	}
	return cfg, nil
}

// located prefixes the message of a configuration error with the file and
// the line of its key.
func located(err error, name string, lines map[string]int) error {
	var e *ledger.Error
	if !errors.As(err, &e) {
		return err
	}
	out := *e
	if l, ok := lines[e.Field]; ok {
		out.Msg = fmt.Sprintf("%s: line %d: %s", name, l, e.Msg)
	} else {
		out.Msg = name + ": " + e.Msg
	}
	return &out
}

func (fc *fileConfig) apply(cfg *Config) error {
	for id, s := range fc.Severity {
		cfg.Severity[id] = s
	}
	if a := fc.A01; a != nil {
		setList(&cfg.DenyWords, a.DenyWords)
		setList(&cfg.AllowWords, a.AllowWords)
	}
	if a := fc.A03; a != nil {
		setInt(&cfg.UndistributedDays, a.Days)
		setInt(&cfg.UndistributedHighDays, a.HighAfterDays)
	}
	if a := fc.A04; a != nil {
		setInt(&cfg.UnsettledDays, a.Days)
	}
	if a := fc.A08; a != nil {
		setList(&cfg.DocTypes, a.DocTypes)
	}
	if a := fc.A09; a != nil {
		if err := setMoney(&cfg.CashThreshold, a.Threshold, "a09.threshold"); err != nil {
			return err
		}
		setList(&cfg.SignatureDocTypes, a.SignatureDocTypes)
		if a.SignedSeverity != nil {
			cfg.SignedCashSeverity = *a.SignedSeverity
		}
	}
	if a := fc.A10; a != nil {
		setInt(&cfg.SplitWindowDays, a.Days)
		if err := setMoney(&cfg.SplitThreshold, a.Threshold, "a10.threshold"); err != nil {
			return err
		}
	}
	if a := fc.A14; a != nil {
		setInt(&cfg.BackdateDays, a.Days)
	}
	if a := fc.A15; a != nil {
		for _, k := range sortedKeys(a.Standards) {
			field := "a15.standards." + k
			if !ledger.Purpose(k).Valid() {
				return configErr(field, "unknown purpose %q (procurement, condolence or relief)", k)
			}
			m, err := ledger.ParseMoney(a.Standards[k])
			if err != nil {
				return configErr(field, "%s", ledger.ErrorMessage(err))
			}
			cfg.Standards[ledger.Purpose(k)] = m
		}
	}
	if a := fc.A17; a != nil {
		setInt(&cfg.PublicityDays, a.Days)
	}
	return nil
}

func setList(dst *[]string, src *[]string) {
	if src != nil {
		*dst = append([]string{}, (*src)...)
	}
}

func setInt(dst *int, src *int) {
	if src != nil {
		*dst = *src
	}
}

func setMoney(dst *ledger.Money, src *string, field string) error {
	if src == nil {
		return nil
	}
	m, err := ledger.ParseMoney(*src)
	if err != nil {
		return configErr(field, "%s", ledger.ErrorMessage(err))
	}
	*dst = m
	return nil
}

// checkNode walks the YAML tree against the Go type t and reports the first
// unknown key or mistyped value with its key path. It also records the line
// of every key so later value errors can name it.
func checkNode(n *yaml.Node, t reflect.Type, path string, lines map[string]int) *ledger.Error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	at := func(format string, args ...any) *ledger.Error {
		e := configErr(path, format, args...)
		e.Msg = fmt.Sprintf("line %d: %s", n.Line, e.Msg)
		return e
	}
	if n.ShortTag() == "!!null" {
		return at("has no value")
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		if n.Kind != yaml.MappingNode {
			return at("expected a mapping of keys, got %s", describe(n))
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
				return at("key %s is not a string", describe(k))
			}
			child := k.Value
			if path != "" {
				child = path + "." + k.Value
			}
			lines[child] = k.Line
			if seen[k.Value] {
				e := configErr(child, "key given twice")
				e.Msg = fmt.Sprintf("line %d: %s", k.Line, e.Msg)
				return e
			}
			seen[k.Value] = true
			var ct reflect.Type
			if t.Kind() == reflect.Map {
				ct = t.Elem()
			} else if f, ok := fieldByTag(t, k.Value); ok {
				ct = f.Type
			} else {
				e := configErr(child, "unknown key")
				e.Msg = fmt.Sprintf("line %d: %s", k.Line, e.Msg)
				return e
			}
			if err := checkNode(v, ct, child, lines); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return at("expected a list, got %s", describe(n))
		}
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			lines[p] = c.Line
			if err := checkNode(c, t.Elem(), p, lines); err != nil {
				return err
			}
		}
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			return at("expected a whole number of days, got %s", describe(n))
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			return at("expected a string (money is a quoted string such as \"1000.00\"), got %s", describe(n))
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
	return fmt.Sprintf("%s %q", n.ShortTag(), n.Value)
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
