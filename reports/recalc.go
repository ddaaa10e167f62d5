package reports

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/xuri/excelize/v2"
)

// RecalcCheck checks a written workbook against LibreOffice: it converts the
// workbook with LibreOffice headless, in a private profile that makes it
// recalculate every formula on load (by default LibreOffice trusts the
// values stored in an OOXML file), and compares each formula cell's stored
// value with LibreOffice's. Tests and operators use it to show that the
// totals a program reads from the file are the totals a spreadsheet
// computes.

// RecalcInstallHint says how to get LibreOffice when it is missing.
const RecalcInstallHint = "install LibreOffice Calc: `apt-get update && apt-get install -y libreoffice-calc` (as root), or run scripts/install-libreoffice"

// recalcTimeout bounds one LibreOffice run.
const recalcTimeout = 4 * time.Minute

// Mismatch is a formula cell whose stored value differs from the value
// LibreOffice computed.
type Mismatch struct {
	Sheet, Cell, Formula string
	Stored, Recalculated string
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%s!%s =%s: stored %q, LibreOffice %q", m.Sheet, m.Cell, m.Formula, m.Stored, m.Recalculated)
}

// RecalcResult is the outcome of RecalcCheck.
type RecalcResult struct {
	// Recalculated is the path of LibreOffice's recalculated copy (in the
	// output directory), for reading recalculated totals back.
	Recalculated string
	// Formulas is the number of formula cells compared.
	Formulas   int
	Mismatches []Mismatch
}

// SofficePath finds LibreOffice's soffice on PATH or where Debian installs it.
func SofficePath() (string, error) {
	if p, err := exec.LookPath("soffice"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("soffice not found on PATH, in /usr/bin or in /usr/lib/libreoffice/program; " + RecalcInstallHint)
}

// recalcRegistry makes a LibreOffice profile recalculate every formula of
// OOXML and ODF files on load (mode 0, "always").
const recalcRegistry = `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
`

// RecalcCheck converts the workbook at path with recalculation forced,
// writing the recalculated copy into outDir (created if needed; the
// private profile lives there too), and compares every formula cell.
func RecalcCheck(ctx context.Context, path, outDir string) (*RecalcResult, error) {
	soffice, err := SofficePath()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	profile := filepath.Join(outDir, "lo-profile")
	if err := os.MkdirAll(filepath.Join(profile, "user"), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(profile, "user", "registrymodifications.xcu"), []byte(recalcRegistry), 0o644); err != nil {
		return nil, err
	}
	out := filepath.Join(outDir, "recalculated")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, recalcTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
		"-env:UserInstallation="+(&url.URL{Scheme: "file", Path: profile}).String(),
		"--convert-to", "xlsx", "--outdir", out, abs)
	// soffice starts soffice.bin as a child: run it in a process group of
	// its own and, on timeout, kill that group (what this call started,
	// nothing else).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	cmd.Env = append(os.Environ(), "HOME="+outDir)
	output, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("soffice did not finish within %s: %s", recalcTimeout, output)
	}
	if err != nil {
		return nil, fmt.Errorf("soffice: %v: %s", err, output)
	}
	res := &RecalcResult{Recalculated: filepath.Join(out, filepath.Base(abs))}
	if _, err := os.Stat(res.Recalculated); err != nil {
		return nil, fmt.Errorf("soffice wrote no %s: %s", res.Recalculated, output)
	}
	if res.Formulas, res.Mismatches, err = compareFormulas(abs, res.Recalculated); err != nil {
		return nil, err
	}
	return res, nil
}

// compareFormulas compares each formula cell's stored value in original
// with its value in recalculated: numbers to half a fen, text exactly.
func compareFormulas(original, recalculated string) (int, []Mismatch, error) {
	a, err := excelize.OpenFile(original)
	if err != nil {
		return 0, nil, err
	}
	defer a.Close()
	b, err := excelize.OpenFile(recalculated)
	if err != nil {
		return 0, nil, err
	}
	defer b.Close()
	n := 0
	var bad []Mismatch
	raw := excelize.Options{RawCellValue: true}
	for _, s := range a.GetSheetList() {
		rows, err := a.GetRows(s, raw)
		if err != nil {
			return 0, nil, err
		}
		for r, row := range rows {
			for c := range row {
				name := cellName(c+1, r+1)
				formula, err := a.GetCellFormula(s, name)
				if err != nil {
					return 0, nil, err
				}
				if formula == "" {
					continue
				}
				n++
				got, err := b.GetCellValue(s, name, raw)
				if err != nil {
					return 0, nil, err
				}
				if !sameRecalcValue(row[c], got) {
					bad = append(bad, Mismatch{Sheet: s, Cell: name, Formula: formula, Stored: row[c], Recalculated: got})
				}
			}
		}
	}
	return n, bad, nil
}

func sameRecalcValue(stored, recalculated string) bool {
	x, err1 := strconv.ParseFloat(stored, 64)
	y, err2 := strconv.ParseFloat(recalculated, 64)
	if err1 == nil && err2 == nil {
		d := x - y
		return d < 0.005 && d > -0.005
	}
	return stored == recalculated
}
