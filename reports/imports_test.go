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
// values into workbooks and never reaches a database.
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
			if path == "database/sql" || strings.Contains(path, "/ledger/") || strings.Contains(path, "pgx") || strings.Contains(path, "postgres") {
				t.Errorf("%s imports %s: reports must not depend on the database or an adapter", name, path)
			}
		}
	}
}
