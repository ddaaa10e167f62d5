package migrations_test

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger/postgres/embedded"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
	"github.com/fenyang/partyfee/migrations"
)

var update = flag.Bool("update", false, "rewrite schema.sql from a freshly migrated database")

func TestMain(m *testing.M) { pgtest.Main(m) }

// The schema the migrations build is the committed schema.sql: pg_dump
// --schema-only of a freshly migrated database, normalised. A migration that
// changes the schema changes schema.sql in the same commit (go test
// ./migrations -update rewrites it), so the schema can be read in one file
// and every change to it is seen in review.
func TestSchemaSnapshot(t *testing.T) {
	tdb := pgtest.NewDatabase(t)
	got := dumpSchema(t, tdb.SuperURL)
	if *update {
		if err := os.WriteFile("schema.sql", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("schema.sql")
	if err != nil {
		t.Fatalf("%v (go test ./migrations -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the migrated schema differs from schema.sql (go test ./migrations -update rewrites it after a deliberate change):\n%s", firstDifference(want, got))
	}
}

// dumpSchema runs pg_dump --schema-only on url and normalises its output.
func dumpSchema(t *testing.T, url string) []byte {
	t.Helper()
	bins, err := embedded.FindBinaries("", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bins.Dir, "pg_dump"), "--schema-only", "--dbname="+url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pg_dump: %v: %s", err, stderr.String())
	}
	return normalise(out)
}

// normalise drops what pg_dump makes differ from run to run or from
// installation to installation: the random key of \restrict and
// \unrestrict, the version comments, and runs of blank lines they leave.
func normalise(dump []byte) []byte {
	var b bytes.Buffer
	blank := false
	for line := range strings.Lines(string(dump)) {
		s := strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(s, `\restrict `), strings.HasPrefix(s, `\unrestrict `),
			strings.HasPrefix(s, "-- Dumped from database version"), strings.HasPrefix(s, "-- Dumped by pg_dump version"):
			continue
		case s == "":
			if blank {
				continue
			}
			blank = true
		default:
			blank = false
		}
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// firstDifference shows the first line where got departs from want, with
// a few lines of context.
func firstDifference(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	from := max(0, i-3)
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d\n--- schema.sql\n", i+1)
	for _, s := range w[from:min(len(w), i+4)] {
		b.WriteString("  " + s + "\n")
	}
	b.WriteString("+++ migrated\n")
	for _, s := range g[from:min(len(g), i+4)] {
		b.WriteString("  " + s + "\n")
	}
	return b.String()
}

// The field at fault travels as the error's column (RAISE … USING
// COLUMN), never as a "field: " prefix of the message that the adapter
// would have to parse back out.
func TestRaiseNamesFieldAsColumn(t *testing.T) {
	prefix := regexp.MustCompile(`MESSAGE = (?:format\()?'[a-z_]+(?:\[%s\])?(?:\.(?:[a-z_]+|%s))?: `)
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations: %v", err)
	}
	for _, name := range files {
		b, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if prefix.MatchString(line) {
				t.Errorf("%s:%d: the field is in the message text; raise it with USING COLUMN: %s", name, i+1, strings.TrimSpace(line))
			}
		}
	}
}
