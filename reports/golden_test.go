package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// writeFixture writes the audit workbook of the fixture.
func writeFixture(t testing.TB, opt Options) ([]byte, Summary) {
	t.Helper()
	var buf bytes.Buffer
	sum, err := WriteAudit(&buf, fixtureBook().audit(), opt)
	if err != nil {
		t.Fatalf("WriteAudit: %v", err)
	}
	return buf.Bytes(), sum
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -run Golden -update to create it)", err)
	}
	if string(want) != got {
		wl, gl := strings.Split(string(want), "\n"), strings.Split(got, "\n")
		for i := 0; i < max(len(wl), len(gl)); i++ {
			var w, g string
			if i < len(wl) {
				w = wl[i]
			}
			if i < len(gl) {
				g = gl[i]
			}
			if w != g {
				t.Fatalf("%s differs at line %d:\nwant %s\ngot  %s\n(run with -update if the change is intended)", path, i+1, w, g)
			}
		}
	}
}

// goldenFile names the golden file of a sheet.
func goldenFile(sheet string) string {
	return "audit/" + strings.ReplaceAll(sheet, " ", "_") + ".golden"
}

func TestGoldenAuditWorkbook(t *testing.T) {
	data, _ := writeFixture(t, Options{})
	f := openBook(t, data)
	golden(t, "audit/workbook.golden", dumpWorkbook(t, f, data))
	for _, s := range f.GetSheetList() {
		golden(t, goldenFile(s), dumpSheet(t, f, s))
	}
}

// TestGoldenSheetAlone covers WriteSheet: one table, voucher numbers as
// plain text (no 凭证清单 to link to), and the cover alone with plain
// numbers.
func TestGoldenSheetAlone(t *testing.T) {
	for _, name := range []string{"t3", "cover"} {
		var buf bytes.Buffer
		if err := WriteSheet(&buf, fixtureBook().audit(), name, Options{}); err != nil {
			t.Fatalf("WriteSheet(%s): %v", name, err)
		}
		f := openBook(t, buf.Bytes())
		sheets := f.GetSheetList()
		want, _ := SheetName(name)
		if len(sheets) != 1 || sheets[0] != want {
			t.Fatalf("WriteSheet(%s) sheets = %q, want [%s]", name, sheets, want)
		}
		golden(t, "alone/"+name+".golden", dumpSheet(t, f, want))
	}
}

func TestSheetNames(t *testing.T) {
	for _, alias := range SheetAliases() {
		if _, ok := SheetName(alias); !ok {
			t.Errorf("alias %s does not resolve", alias)
		}
	}
	for _, n := range SheetNames {
		if got, ok := SheetName(n); !ok || got != n {
			t.Errorf("SheetName(%q) = %q, %v", n, got, ok)
		}
	}
	if got, _ := SheetName("T3"); got != SheetT3 {
		t.Errorf("SheetName(T3) = %q", got)
	}
	if _, ok := SheetName("t10"); ok {
		t.Error("t10 resolved")
	}
	if err := WriteSheet(&bytes.Buffer{}, fixtureBook().audit(), "nope", Options{}); err == nil {
		t.Error("WriteSheet accepted an unknown sheet")
	}
}
