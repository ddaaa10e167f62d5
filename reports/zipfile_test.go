package reports

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A workbook saved straight into a file holds the same sheets and cells as
// the one excelize builds in memory.
func TestSaveToFileMatchesWrite(t *testing.T) {
	var mem bytes.Buffer
	if _, err := WriteAudit(&mem, fixtureBook().audit(), Options{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "audit.xlsx")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// Something before the workbook: save writes from the file's offset.
	if _, err := out.WriteString("lead"); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteAudit(out, fixtureBook().audit(), Options{}); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data[:4]) != "lead" {
		t.Fatalf("the file starts %q", data[:4])
	}
	a, err := excelize.OpenReader(&mem)
	if err != nil {
		t.Fatal(err)
	}
	b, err := excelize.OpenReader(bytes.NewReader(data[4:]))
	if err != nil {
		t.Fatalf("the saved file does not open: %v", err)
	}
	if !slices.Equal(a.GetSheetList(), b.GetSheetList()) {
		t.Fatalf("sheets %v, in memory %v", b.GetSheetList(), a.GetSheetList())
	}
	cells := 0
	for _, sh := range a.GetSheetList() {
		ra, err := a.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := b.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		if len(ra) != len(rb) {
			t.Fatalf("%s: %d rows, in memory %d", sh, len(rb), len(ra))
		}
		for i := range ra {
			if !slices.Equal(ra[i], rb[i]) {
				t.Fatalf("%s row %d: %q, in memory %q", sh, i+1, rb[i], ra[i])
			}
			cells += len(ra[i])
		}
	}
	if cells < 100 {
		t.Fatalf("only %d cells compared", cells)
	}
}

// A part of more than 4 GB gets ZIP version 4.5 in its local header, as
// excelize gives it; the others keep 2.0.
func TestSaveMarksZip64Parts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parts.zip")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	z := newFileZip(out)
	for _, name := range []string{"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"} {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, "<worksheet>"+name+"</worksheet>"); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	z.parts[1].n = math.MaxUint32 + 1 // as if it were that large
	if err := z.markZip64(out, 0); err != nil {
		t.Fatal(err)
	}
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("the archive does not open: %v", err)
	}
	defer r.Close()
	for i, want := range []uint16{20, 45} {
		off, err := r.File[i].DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 6)
		if _, err := out.ReadAt(head, off-30-int64(len(r.File[i].Name))); err != nil {
			t.Fatal(err)
		}
		if got := binary.LittleEndian.Uint16(head[4:]); string(head[:4]) != "PK\x03\x04" || got != want {
			t.Errorf("%s: header %q, version %d, want %d", r.File[i].Name, head[:4], got, want)
		}
	}
}
