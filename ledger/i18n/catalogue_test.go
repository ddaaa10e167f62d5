package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// site is one message key found in the source, with where it stands.
type site struct {
	format string
	pos    string
}

// moduleRoot finds the directory holding go.mod above this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package")
		}
		dir = parent
	}
}

// parseModule parses every non-test Go file of the module.
func parseModule(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	root := moduleRoot(t)
	fset := token.NewFileSet()
	var files []*ast.File
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fset, files
}

// callName is the name a call is made by: Errorf for ledger.Errorf and for
// Errorf inside package ledger, T for i18n.T, and the plain name otherwise.
func callName(call *ast.CallExpr) string {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		return fn.Name
	case *ast.SelectorExpr:
		if x, ok := fn.X.(*ast.Ident); ok && (x.Name == "ledger" || x.Name == "i18n") {
			return fn.Sel.Name
		}
		// Methods (s.errorf(…)) forward by name as well.
		return fn.Sel.Name
	}
	return ""
}

// messageSites finds every format that reaches the catalogue: the literal
// format of ledger.Errorf and i18n.T, and the literal passed to any function
// that forwards one of its parameters as such a format (found to a fixed
// point, so wrappers of wrappers count).
func messageSites(t *testing.T) []site {
	fset, files := parseModule(t)
	// forwarders: function name → index of its format parameter.
	forwarders := map[string]int{"Errorf": 2, "T": 1, "Usagef": 0, "CanAudit": 1, "CanRecordFacts": 1, "CanActBookWide": 1, "CanRunBatch": 1, "mayReconcileBook": 1}
	for changed := true; changed; {
		changed = false
		for _, f := range files {
			if f.Name.Name == "fmt" {
				continue
			}
			for _, decl := range f.Decls {
				fd, ok := decl.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				if _, known := forwarders[fd.Name.Name]; known {
					continue
				}
				params := paramIndex(fd)
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok || !isCatalogueCall(call, forwarders) {
						return true
					}
					i := forwarders[callName(call)]
					if id, ok := call.Args[i].(*ast.Ident); ok {
						if pi, ok := params[id.Name]; ok {
							forwarders[fd.Name.Name] = pi
							changed = true
						}
					}
					return true
				})
			}
		}
	}
	var sites []site
	add := func(e ast.Expr) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatalf("%s: %v", fset.Position(lit.Pos()), err)
		}
		sites = append(sites, site{format: s, pos: fset.Position(lit.Pos()).String()})
	}
	for _, f := range files {
		// The command's help texts: cmd/ledger and the command groups it
		// wires from internal packages.
		name := filepath.ToSlash(fset.Position(f.Pos()).Filename)
		inCmd := strings.Contains(name, "/cmd/") || strings.Contains(name, "/internal/cli/") || strings.Contains(name, "/internal/attachcmd/")
		ast.Inspect(f, func(n ast.Node) bool {
			// Help texts of the command: cobra's Short and Long, and the
			// usage text of each flag, are keys rendered with i18n.Text.
			if kv, ok := n.(*ast.KeyValueExpr); ok && inCmd {
				if id, ok := kv.Key.(*ast.Ident); ok && (id.Name == "Short" || id.Name == "Long") {
					add(kv.Value)
				}
			}
			if call, ok := n.(*ast.CallExpr); ok && inCmd && isFlagDefinition(call) {
				add(call.Args[len(call.Args)-1])
			}
			call, ok := n.(*ast.CallExpr)
			if !ok || !isCatalogueCall(call, forwarders) {
				return true
			}
			lit, ok := call.Args[forwarders[callName(call)]].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: %v", fset.Position(lit.Pos()), err)
			}
			sites = append(sites, site{format: s, pos: fset.Position(lit.Pos()).String()})
			return true
		})
	}
	return sites
}

// isCatalogueCall tells a call of a forwarder from fmt.Errorf, errors.New
// and other functions of the same name.
func isCatalogueCall(call *ast.CallExpr, forwarders map[string]int) bool {
	name := callName(call)
	i, ok := forwarders[name]
	if !ok || len(call.Args) <= i {
		return false
	}
	if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
		if x, ok := sel.X.(*ast.Ident); ok {
			switch x.Name {
			case "fmt", "errors", "t", "b", "tb", "log", "xerrors":
				return false
			}
		}
	}
	return true
}

// isFlagDefinition tells a pflag definition (f.StringVar(&v, "name",
// "", "usage")), whose last argument is the flag's usage text.
func isFlagDefinition(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || len(call.Args) < 3 {
		return false
	}
	for _, kind := range []string{"String", "Bool", "Int", "Int64", "Duration", "StringSlice", "StringArray", "Float64"} {
		if sel.Sel.Name == kind || sel.Sel.Name == kind+"Var" || sel.Sel.Name == kind+"P" || sel.Sel.Name == kind+"VarP" {
			return true
		}
	}
	return false
}

func paramIndex(fd *ast.FuncDecl) map[string]int {
	m := map[string]int{}
	i := 0
	for _, field := range fd.Type.Params.List {
		if len(field.Names) == 0 {
			i++
			continue
		}
		for _, n := range field.Names {
			m[n.Name] = i
			i++
		}
	}
	return m
}

func TestEveryMessageHasChinese(t *testing.T) {
	sites := messageSites(t)
	if len(sites) < 100 {
		t.Fatalf("found only %d message sites; the source scan is broken", len(sites))
	}
	var missing []string
	seen := map[string]bool{}
	for _, s := range sites {
		if _, ok := zh.Messages[s.format]; ok || seen[s.format] || !needsText(s.format) {
			continue
		}
		seen[s.format] = true
		missing = append(missing, s.pos+": "+strconv.Quote(s.format))
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d messages have no Chinese entry in zh-CN.json:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

// needsText tells a format that a person reads from one that only passes its
// arguments through ("%s", "%v: %v").
func needsText(format string) bool {
	rest := format
	for _, v := range verbs(format) {
		rest = strings.Replace(rest, v.text, "", 1)
	}
	return strings.Trim(rest, " :;,.()[]-—/") != ""
}

func TestEntriesUseTheirKeysArguments(t *testing.T) {
	for key, zhFormat := range zh.Messages {
		if got, want := verbSet(zhFormat), verbSet(key); got != want {
			t.Errorf("%q → %q: arguments %s, the key has %s", key, zhFormat, got, want)
		}
		if strings.TrimSpace(zhFormat) == "" {
			t.Errorf("%q has an empty translation", key)
		}
	}
}

func TestEveryCodeHasBothLanguages(t *testing.T) {
	codes := codesOfLedger(t)
	if len(codes) < 15 {
		t.Fatalf("found %d codes in ledger/errors.go; the scan is broken", len(codes))
	}
	for _, code := range codes {
		if _, ok := zh.Codes[code]; !ok {
			t.Errorf("code %s has no Chinese title", code)
		}
		if _, ok := codeTitlesEn[code]; !ok {
			t.Errorf("code %s has no English title", code)
		}
	}
	for code := range zh.Codes {
		if _, ok := codeTitlesEn[code]; !ok {
			t.Errorf("zh-CN.json names %s, which is no code", code)
		}
	}
}

// codesOfLedger reads the E… constants of ledger/errors.go.
func codesOfLedger(t *testing.T) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join(moduleRoot(t), "ledger", "errors.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if !strings.HasPrefix(n.Name, "E") || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					codes = append(codes, s)
				}
			}
		}
	}
	return codes
}

func TestDescribe(t *testing.T) {
	err := ledger.Errorf(ledger.EInsufficientFunds, "amount", "%s has %s of fund %s on %s %s; %s needs %s",
		"高速汾阳东口检测站点临时党支部", "5,000.00", "FY-UP", "121801", "2020-02-10", "记-0001", "6,000.00")
	zhLine := Describe(ZhCN, err)
	if !strings.HasPrefix(zhLine, "错误：余额不足（insufficient_funds，字段 amount）：") {
		t.Errorf("Chinese: %s", zhLine)
	}
	enLine := Describe(En, err)
	if enLine != "error: insufficient funds (insufficient_funds, field amount): "+err.Msg {
		t.Errorf("English: %s", enLine)
	}
	if got := Describe(ZhCN, os.ErrNotExist); got != "错误：内部错误（internal）：内部错误" {
		t.Errorf("internal: %s", got)
	}
}

func TestRefileKeepsTheTranslation(t *testing.T) {
	inner := ledger.Errorf(ledger.EInvalid, "date", "%q is not a date of the form YYYY-MM-DD", "2020-13-01")
	outer := ledger.Refile(inner, ledger.EInvalid, "value_date")
	if outer.Field != "value_date" || outer.Format != inner.Format || Message(ZhCN, outer) != Message(ZhCN, inner) {
		t.Errorf("refiled: %+v", outer)
	}
}

func TestLanguages(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   Lang
	}{
		{"", ZhCN}, {"zh-CN,zh;q=0.9", ZhCN}, {"en-US,en;q=0.9", En}, {"fr-FR", ZhCN},
		{"en;q=0.5, zh;q=0.9", ZhCN}, {"garbage;;;", ZhCN},
	} {
		if got := FromAcceptLanguage(tc.header); got != tc.want {
			t.Errorf("Accept-Language %q: %s, want %s", tc.header, got, tc.want)
		}
	}
	if _, err := Parse("de"); ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "locale" {
		t.Errorf("Parse(de): %v", err)
	}
	if l, err := Parse("en-US"); err != nil || l != En {
		t.Errorf("Parse(en-US): %v %v", l, err)
	}
}

// TestDomainWordsInChinese: a voucher's state and a fund's kind passed to a
// refusal read in Chinese, and stay codes in English.
func TestDomainWordsInChinese(t *testing.T) {
	err := ledger.Errorf(ledger.EImmutable, "status", "%s is %s: only a draft is edited (a checked voucher is unchecked first; a posted one is corrected by a reversal)", "记-0003", ledger.StatusPosted)
	if got := Message(ZhCN, err); !strings.Contains(got, "已记账") || strings.Contains(got, "posted") {
		t.Errorf("zh-CN: %q", got)
	}
	if got := Message(En, err); !strings.Contains(got, "is posted") {
		t.Errorf("en: %q", got)
	}
	err = ledger.Errorf(ledger.EInvalid, "fund", "only special funds (upper, matching) are allocated down; %s is %s", "FY-GEN", ledger.FundGeneral)
	if got := Message(ZhCN, err); !strings.Contains(got, "一般党费") {
		t.Errorf("zh-CN fund kind: %q", got)
	}
}
