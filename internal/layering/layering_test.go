package layering

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/fenyang/partyfee"

// A rule: packages matching from (a path relative to the module, "…/..."
// for a subtree) may not depend, directly or through others, on packages
// matching any of never.
type rule struct {
	from  string
	never []string
	why   string
}

var rules = []rule{
	{"ledger", []string{"ledger/...", "reports/...", "configs/...", "cmd/...", "internal/...", "migrations/..."},
		"the domain is pure: no adapter, renderer, configuration or tooling"},
	{"ledger/audit/...", adapters, "feature packages stay below the adapters"},
	{"ledger/recon/...", adapters, "feature packages stay below the adapters"},
	{"ledger/report/...", adapters, "feature packages stay below the adapters"},
	{"ledger/bankrec/...", adapters, "feature packages stay below the adapters"},
	{"ledger/bankstmt/...", adapters, "feature packages stay below the adapters"},
	{"ledger/csvimport/...", adapters, "feature packages stay below the adapters"},
	{"ledger/i18n/...", adapters, "feature packages stay below the adapters"},
	{"ledger/gbt24589/...", adapters, "feature packages stay below the adapters"},
	{"ledger/postgres/...", []string{"reports/...", "configs/...", "ledger/httpapi/...", "ledger/web/...", "cmd/...", "internal/..."},
		"the storage adapter takes SQL in and gives domain values out"},
	{"reports/...", []string{"ledger/postgres/...", "ledger/httpapi/...", "ledger/web/...", "configs/...", "cmd/...", "internal/..."},
		"the renderer takes domain values in and writes files"},
	{"ledger/exchange/...", []string{"reports/...", "configs/...", "ledger/httpapi/...", "ledger/web/...", "cmd/...", "internal/..."},
		"the exchange joins storage to the pure readers and writers; the command and the API call it"},
	{"ledger/httpapi/...", []string{"configs/...", "cmd/...", "internal/..."},
		"the API receives resolved options; it reads no configuration"},
	{"ledger/web/...", []string{"configs/...", "cmd/...", "internal/..."},
		"the web pages receive resolved options; they read no configuration"},
	{"configs/...", []string{"ledger/postgres/...", "ledger/httpapi/...", "reports/...", "cmd/...", "internal/..."},
		"configuration files are data with their parsers"},
	{"migrations/...", []string{"..."}, "migrations are SQL files"},
	{"internal/...", []string{"cmd/..."}, "tooling is called by the command, never the other way"},
}

// adapters are what a package below the adapters may never reach.
var adapters = []string{"ledger/postgres/...", "ledger/httpapi/...", "ledger/web/...", "reports/...", "configs/...", "cmd/...", "internal/...", "migrations/..."}

// Tooling that only the command may import.
var commandOnly = []string{"internal/bench/...", "internal/demo/..."}

// The domain's only third-party module.
var domainModules = []string{"github.com/shopspring/decimal"}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json", module+"/...")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(&out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	return pkgs
}

// matches tells whether the module-relative path rel matches pattern.
func matches(pattern, rel string) bool {
	if pattern == "..." {
		return true
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return rel == base || strings.HasPrefix(rel, base+"/")
	}
	return rel == pattern
}

func relative(importPath string) (string, bool) {
	if importPath == module {
		return "", true
	}
	return strings.CutPrefix(importPath, module+"/")
}

func TestImportArrows(t *testing.T) {
	pkgs := listPackages(t)
	checked := 0
	for _, p := range pkgs {
		from, ok := relative(p.ImportPath)
		if !ok {
			continue
		}
		for _, r := range rules {
			if !matches(r.from, from) {
				continue
			}
			checked++
			for _, dep := range p.Deps {
				to, ok := relative(dep)
				if !ok || to == from {
					continue
				}
				for _, never := range r.never {
					if matches(never, to) && !matches(r.from, to) {
						t.Errorf("%s depends on %s (%s)", from, to, r.why)
					}
				}
			}
		}
		// The command wires the tooling; tooling packages may share pieces.
		if !matches("cmd/...", from) && !matches("internal/...", from) {
			for _, dep := range p.Imports {
				to, ok := relative(dep)
				if !ok {
					continue
				}
				for _, only := range commandOnly {
					if matches(only, to) {
						t.Errorf("%s imports %s: only the command wires the bench and the demo", from, to)
					}
				}
			}
		}
		if from == "ledger" {
			for _, dep := range p.Imports {
				if !strings.Contains(strings.Split(dep, "/")[0], ".") {
					continue // standard library
				}
				allowed := false
				for _, m := range domainModules {
					allowed = allowed || dep == m || strings.HasPrefix(dep, m+"/")
				}
				if !allowed {
					t.Errorf("the domain package imports %s; it may use the standard library and %v only", dep, domainModules)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d package-rule pairs checked; the rule table does not match the tree", checked)
	}
}

func TestMatches(t *testing.T) {
	for _, tc := range []struct {
		pattern, rel string
		want         bool
	}{
		{"ledger", "ledger", true}, {"ledger", "ledger/audit", false},
		{"ledger/postgres/...", "ledger/postgres", true}, {"ledger/postgres/...", "ledger/postgres/pgtest", true},
		{"ledger/postgres/...", "ledger/postgresx", false}, {"...", "anything", true},
	} {
		if got := matches(tc.pattern, tc.rel); got != tc.want {
			t.Errorf("matches(%q, %q) = %v", tc.pattern, tc.rel, got)
		}
	}
}
