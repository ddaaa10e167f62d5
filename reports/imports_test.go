package reports

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports holds the layering rule of STYLE.md: reports turns domain
// values into workbooks and never reaches a database; of the packages below
// ledger it reads only the pure feature packages (read models, the batch's
// vocabulary, the finding lifecycle, the audit data package's tables).
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			feature := path == "github.com/fenyang/partyfee/ledger/report" || path == "github.com/fenyang/partyfee/ledger/recon" || path == "github.com/fenyang/partyfee/ledger/audit" ||
				path == "github.com/fenyang/partyfee/ledger/gbt24589"
			if path == "database/sql" || strings.Contains(path, "/ledger/") && !feature || strings.Contains(path, "pgx") || strings.Contains(path, "postgres") {
				t.Errorf("%s imports %s: reports must not depend on the database or an adapter", name, path)
			}
		}
	}
}
