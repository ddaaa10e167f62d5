package reports

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// The LibreOffice test opens workbooks in LibreOffice headless with
// recalculation on load forced, saves them, and compares every formula's
// recalculated value with the value the writer stored. It does not skip
// when LibreOffice is missing: the project's test script installs it.

const installHint = "LibreOffice is required by this test; install it with " +
	"`apt-get update && apt-get install -y libreoffice-calc` (as root), or run scripts/install-libreoffice"

// sofficeTimeout bounds one conversion run.
const sofficeTimeout = 4 * time.Minute

func sofficePath() (string, error) {
	if p, err := exec.LookPath("soffice"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("soffice not found on PATH, in /usr/bin or in /usr/lib/libreoffice/program")
}

// recalcProfile is the registry of a private LibreOffice profile that
// recalculates every formula of an OOXML (and ODF) file on load (mode 0,
// "always"), so the saved values are LibreOffice's own.
const recalcProfile = `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
`

// recalcAll converts the files with one LibreOffice run, in a private
// profile, and returns the paths of the recalculated copies.
func recalcAll(t *testing.T, soffice string, files ...string) []string {
	t.Helper()
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile")
	if err := os.MkdirAll(filepath.Join(profile, "user"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(profile, "user", "registrymodifications.xcu"), []byte(recalcProfile), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	ctx, cancel := context.WithTimeout(context.Background(), sofficeTimeout)
	defer cancel()
	args := []string{"--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
		"-env:UserInstallation=" + (&url.URL{Scheme: "file", Path: profile}).String(),
		"--convert-to", "xlsx", "--outdir", out}
	cmd := exec.CommandContext(ctx, soffice, append(args, files...)...)
	// soffice starts soffice.bin as a child: run it in its own process
	// group and, on timeout, kill that group (the process we started and
	// its children), nothing else.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	cmd.Env = append(os.Environ(), "HOME="+dir)
	output, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("soffice timed out after %s: %s", sofficeTimeout, output)
	}
	if err != nil {
		t.Fatalf("soffice: %v: %s", err, output)
	}
	var paths []string
	for _, f := range files {
		p := filepath.Join(out, filepath.Base(f))
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("soffice did not write %s: %s", p, output)
		}
		paths = append(paths, p)
	}
	return paths
}

// recalcMismatches compares each formula cell's stored value in the
// original workbook with its value after LibreOffice recalculated it. It
// returns the mismatches and the number of formulas compared.
func recalcMismatches(t *testing.T, original, recalculated string) ([]string, int) {
	t.Helper()
	a, err := excelize.OpenFile(original)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := excelize.OpenFile(recalculated)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var bad []string
	n := 0
	for _, s := range a.GetSheetList() {
		for _, c := range sheetCells(t, a, s) {
			if c.formula == "" {
				continue
			}
			n++
			got, err := b.GetCellValue(s, c.name, excelize.Options{RawCellValue: true})
			if err != nil {
				bad = append(bad, fmt.Sprintf("%s!%s: %v", s, c.name, err))
				continue
			}
			if !sameValue(c.value, got) {
				bad = append(bad, fmt.Sprintf("%s!%s =%s: stored %q, LibreOffice %q", s, c.name, c.formula, c.value, got))
			}
		}
	}
	return bad, n
}

// sameValue compares numbers to half a fen and other values exactly.
func sameValue(stored, recalculated string) bool {
	x, err1 := strconv.ParseFloat(stored, 64)
	y, err2 := strconv.ParseFloat(recalculated, 64)
	if err1 == nil && err2 == nil {
		d := x - y
		return d < 0.005 && d > -0.005
	}
	return stored == recalculated
}

// plantWrongTotal rewrites the stored value of one formula cell in a
// worksheet part of the workbook, leaving the formula as it was.
func plantWrongTotal(t *testing.T, data []byte, part, cell, value string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(<c r="` + cell + `"[^>]*><f>[^<]*</f><v>)[^<]*(</v>)`)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	planted := false
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name == part {
			if !re.Match(body) {
				t.Fatalf("%s has no formula cell %s", part, cell)
			}
			body = re.ReplaceAll(body, []byte("${1}"+value+"${2}"))
			planted = true
		}
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !planted {
		t.Fatalf("no part %s", part)
	}
	return out.Bytes()
}

func TestLibreOfficeRecalculation(t *testing.T) {
	soffice, err := sofficePath()
	if err != nil {
		t.Fatalf("%v. %s", err, installHint)
	}
	dir := t.TempDir()
	good, _ := writeFixture(t, Options{})
	f := openBook(t, good)
	g := readGrid(t, f, SheetT1)
	total := cellName(t1Income, g.rowOf(1, "合计"))
	// T1 is the second sheet created, so its part is sheet2.xml.
	planted := plantWrongTotal(t, good, "xl/worksheets/sheet2.xml", total, "320001")
	pf := openBook(t, planted)
	if v, _ := pf.GetCellValue(SheetT1, total, excelize.Options{RawCellValue: true}); v != "320001" {
		t.Fatalf("planted workbook stores %s = %q, want 320001", total, v)
	}
	// A table continued over several sheets: SUMs and links across sheets.
	var cont bytes.Buffer
	b := newBook()
	b.receive(day(2020, 2, 3), fundUpper, m("90000.00"))
	b.allocate(day(2020, 2, 4), "FY-ZH", fundUpper, m("90000.00"))
	for i := 0; i < 40; i++ {
		b.spend(day(2020, 2, 5+i/3), "FY-ZH", fundUpper, "relief", m("12.34"), tVoucher{payee: "某人", attachments: 1})
	}
	if _, err := WriteAudit(&cont, b.audit(), Options{RowLimit: 30}); err != nil {
		t.Fatal(err)
	}
	// A random journal with a small row limit: most tables continue.
	var random bytes.Buffer
	if _, err := WriteAudit(&random, randomBook(7).audit(), Options{RowLimit: 14}); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"fixture.xlsx": good, "planted.xlsx": planted, "continued.xlsx": cont.Bytes(), "random.xlsx": random.Bytes()}
	var paths []string
	for _, name := range []string{"fixture.xlsx", "planted.xlsx", "continued.xlsx", "random.xlsx"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out := recalcAll(t, soffice, paths...)

	for i, name := range []string{"fixture.xlsx", "continued.xlsx", "random.xlsx"} {
		j := []int{0, 2, 3}[i]
		bad, n := recalcMismatches(t, paths[j], out[j])
		if n < 50 {
			t.Errorf("%s: only %d formulas compared", name, n)
		}
		for _, m := range bad {
			t.Errorf("%s: %s", name, m)
		}
		t.Logf("%s: %d formulas recalculated by LibreOffice match the stored values", name, n)
	}

	bad, _ := recalcMismatches(t, paths[1], out[1])
	want := SheetT1 + "!" + total + " "
	found := false
	for _, m := range bad {
		if strings.HasPrefix(m, want) {
			found = true
		}
	}
	if !found {
		t.Errorf("the planted wrong total %s!%s was not reported; mismatches: %q", SheetT1, total, bad)
	}
}
