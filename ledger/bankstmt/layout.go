package bankstmt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/fenyang/partyfee/ledger"
)

// Layout describes one bank's statement export: how to find its header row
// and which columns hold what. Layouts are configuration
// (configs/bank_layouts.yaml), read with LoadLayouts.
type Layout struct {
	// Name identifies the layout (lower case letters, digits, "-", "_").
	Name string `yaml:"name"`
	// Bank and Description are for people.
	Bank        string `yaml:"bank"`
	Description string `yaml:"description"`
	// Detect lists header names that must all appear in one row for the
	// file to be of this layout; that row is the header row, and the rows
	// above it (titles, account number, period) are skipped. When several
	// layouts match, the one with the most Detect names wins, then the
	// first in the file.
	Detect []string `yaml:"detect"`
	// Date is the transaction date (or date and time) column.
	Date Columns `yaml:"date"`
	// DateFormats are the accepted date formats, tried in order, written
	// with the tokens YYYY (year), MM / M (month with / without a leading
	// zero), DD / D (day), HH (hour 00–23), mm (minute), ss (second); any
	// other character except ASCII letters, digits and "_" stands for
	// itself: "YYYYMMDD", "YYYY-MM-DD HH:mm:ss", "YYYY/M/D", "YYYY年MM月DD日".
	DateFormats []string `yaml:"date_formats"`
	// Either Amount, one signed column (money in positive), or In and Out,
	// two columns of unsigned amounts: In is money into the account (收入,
	// the bank's 贷方发生额), Out money out of it (支出, the bank's 借方发生额).
	Amount Columns `yaml:"amount"`
	In     Columns `yaml:"in"`
	Out    Columns `yaml:"out"`
	// Optional columns; a configured column missing from the file is left
	// empty.
	Balance      Columns `yaml:"balance"`
	Reference    Columns `yaml:"reference"`
	Counterparty Columns `yaml:"counterparty"`
	Summary      Columns `yaml:"summary"`
	// Skip lists prefixes of rows that are not transactions (合计, 本页合计
	// …): a data row whose first non-empty cell starts with one is skipped.
	// Empty means SkipDefault.
	Skip []string `yaml:"skip"`
}

// Columns are the accepted header names of one column, tried in order. In
// YAML a single name or a list of names.
type Columns []string

// UnmarshalYAML accepts a scalar or a sequence of scalars.
func (c *Columns) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			*c = nil
			return nil
		}
		*c = Columns{n.Value}
		return nil
	case yaml.SequenceNode:
		var s []string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*c = s
		return nil
	}
	return fmt.Errorf("line %d: a column is a header name or a list of header names", n.Line)
}

// SkipDefault are the row prefixes skipped when a layout names none.
var SkipDefault = []string{"合计", "本页合计", "本页小计", "小计", "总计", "累计"}

// layoutsFile is the shape of the layouts file.
type layoutsFile struct {
	Version int      `yaml:"version"`
	Layouts []Layout `yaml:"layouts"`
}

// layoutsFileVersion is the only version of the file format so far.
const layoutsFileVersion = 1

// LoadLayoutsFile reads and checks a layouts file (configs/bank_layouts.yaml
// or an operator's copy).
func LoadLayoutsFile(path string) ([]Layout, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &ledger.Error{Code: ledger.EInvalid, Field: path, Msg: fmt.Sprintf("reading bank layouts %s", path), Err: err}
	}
	return LoadLayouts(data, path)
}

// LoadLayouts decodes and checks the layouts file data; filename names it
// in errors. Decoding is strict: an unknown key anywhere is an error naming
// the key, its line and the file, so a misspelt column is never silently
// ignored. Every error is EInvalid with Field set to filename.
func LoadLayouts(data []byte, filename string) ([]Layout, error) {
	fail := func(format string, args ...any) error {
		return &ledger.Error{Code: ledger.EInvalid, Field: filename, Msg: filename + ": " + fmt.Sprintf(format, args...)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fail("%v", err)
	}
	if len(doc.Content) == 0 {
		return nil, fail("no layouts")
	}
	if err := checkKeys(doc.Content[0], reflect.TypeFor[layoutsFile](), "the file"); err != nil {
		return nil, fail("%v", err)
	}
	var f layoutsFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fail("%v", err)
	}
	if err := dec.Decode(new(yaml.Node)); err != io.EOF {
		return nil, fail("more than one YAML document")
	}
	if f.Version != 0 && f.Version != layoutsFileVersion {
		return nil, fail("version %d is not supported (only %d)", f.Version, layoutsFileVersion)
	}
	if len(f.Layouts) == 0 {
		return nil, fail("no layouts")
	}
	seen := map[string]bool{}
	for i := range f.Layouts {
		l := &f.Layouts[i]
		if err := l.Check(); err != nil {
			return nil, fail("layout %d: %v", i+1, err)
		}
		if seen[l.Name] {
			return nil, fail("layout %q is defined twice", l.Name)
		}
		seen[l.Name] = true
	}
	return f.Layouts, nil
}

// checkKeys reports the first mapping key of n, or of the layouts under it,
// that the target type does not know, with its line.
func checkKeys(n *yaml.Node, t reflect.Type, where string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: %s must be a mapping", n.Line, where)
	}
	known := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			known[tag] = f.Type
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ft, ok := known[k.Value]
		if !ok {
			names := make([]string, 0, len(known))
			for name := range known {
				names = append(names, name)
			}
			slices.Sort(names)
			return fmt.Errorf("line %d: unknown key %q in %s (known keys: %s)", k.Line, k.Value, where, strings.Join(names, ", "))
		}
		if ft == reflect.TypeFor[[]Layout]() && v.Kind == yaml.SequenceNode {
			for j, item := range v.Content {
				name := fmt.Sprintf("layout %d", j+1)
				if item.Kind == yaml.MappingNode {
					for x := 0; x+1 < len(item.Content); x += 2 {
						if item.Content[x].Value == "name" {
							name = fmt.Sprintf("layout %q", item.Content[x+1].Value)
						}
					}
				}
				if err := checkKeys(item, reflect.TypeFor[Layout](), name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

var layoutNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Check reports the first problem of a layout: missing name, detection
// names or date column, amounts given both ways or neither, a bad date
// format, an empty header name.
func (l *Layout) Check() error {
	if !layoutNamePattern.MatchString(l.Name) {
		return fmt.Errorf("name %q: lower case letters, digits, '-' and '_'", l.Name)
	}
	in := func(format string, args ...any) error {
		return fmt.Errorf("layout %q: %s", l.Name, fmt.Sprintf(format, args...))
	}
	if len(l.Detect) == 0 {
		return in("detect: at least one header name is needed")
	}
	for _, d := range l.Detect {
		if normHeader(d) == "" {
			return in("detect: empty header name")
		}
	}
	if len(l.Date) == 0 {
		return in("date: the date column is needed")
	}
	switch {
	case len(l.Amount) > 0 && (len(l.In) > 0 || len(l.Out) > 0):
		return in("give either amount or in and out, not both")
	case len(l.Amount) == 0 && (len(l.In) == 0 || len(l.Out) == 0):
		return in("give either amount (one signed column) or both in and out")
	}
	for key, c := range map[string]Columns{"date": l.Date, "amount": l.Amount, "in": l.In, "out": l.Out, "balance": l.Balance,
		"reference": l.Reference, "counterparty": l.Counterparty, "summary": l.Summary} {
		for _, name := range c {
			if normHeader(name) == "" {
				return in("%s: empty header name", key)
			}
		}
	}
	if len(l.DateFormats) == 0 {
		return in("date_formats: at least one format is needed")
	}
	for _, f := range l.DateFormats {
		if _, err := goDateLayout(f); err != nil {
			return in("date_formats: %v", err)
		}
	}
	for _, s := range l.Skip {
		if strings.TrimSpace(s) == "" {
			return in("skip: empty prefix")
		}
	}
	return nil
}

// dateTokens maps the date format tokens to Go reference-time layout
// elements; longer tokens first so that "MM" is not read as two "M".
var dateTokens = []struct{ token, layout string }{
	{"YYYY", "2006"}, {"MM", "01"}, {"M", "1"}, {"DD", "02"}, {"D", "2"},
	{"HH", "15"}, {"mm", "04"}, {"ss", "05"},
}

// goDateLayout turns a format such as "YYYY-MM-DD HH:mm:ss" into the Go
// layout "2006-01-02 15:04:05". Literal characters may not be ASCII letters,
// digits or "_", which Go layouts would read as elements.
func goDateLayout(format string) (string, error) {
	if format == "" {
		return "", errors.New("empty format")
	}
	var b strings.Builder
	hasYear, hasMonth, hasDay := false, false, false
	for rest := format; rest != ""; {
		token := ""
		for _, t := range dateTokens {
			if strings.HasPrefix(rest, t.token) {
				token = t.token
				b.WriteString(t.layout)
				rest = rest[len(t.token):]
				break
			}
		}
		switch token {
		case "YYYY":
			hasYear = true
		case "MM", "M":
			hasMonth = true
		case "DD", "D":
			hasDay = true
		}
		if token != "" {
			continue
		}
		r, size := utf8.DecodeRuneInString(rest)
		if r == '_' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return "", fmt.Errorf("%q: %q is neither a token (YYYY MM M DD D HH mm ss) nor a separator", format, r)
		}
		b.WriteString(rest[:size])
		rest = rest[size:]
	}
	if !hasYear || !hasMonth || !hasDay {
		return "", fmt.Errorf("%q: a date format needs YYYY, a month and a day", format)
	}
	return b.String(), nil
}

// layoutNames lists the names of layouts, for messages.
func layoutNames(layouts []Layout) string {
	names := make([]string, len(layouts))
	for i := range layouts {
		names[i] = layouts[i].Name
	}
	return strings.Join(names, ", ")
}

// normHeader is how header cells and configured names are compared: with
// every kind of white space (ASCII, full-width U+3000, no-break) and a
// byte-order mark removed.
func normHeader(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b' {
			return -1
		}
		return r
	}, cleanCell(s))
}

// baseName is filename without its directory, for messages.
func baseName(filename string) string {
	if filename == "" {
		return "statement"
	}
	return filepath.Base(filename)
}
