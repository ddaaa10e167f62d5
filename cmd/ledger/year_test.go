package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// TestCLIOpeningAndYear: ledger opening makes the opening vouchers from a
// CSV file (an admin of the whole book), refuses an unbalanced one naming
// the code and field, and ledger year close/reopen refuse what their rules
// refuse, as exit 3 with the code.
func TestCLIOpeningAndYear(t *testing.T) {
	t.Parallel()
	tdb := pgtest.NewDatabase(t)
	if out, errOut, code := runLedgerURL(t, tdb.OwnerURL, "setup", "../../configs/demo/fenyang.yaml"); code != 0 {
		t.Fatalf("setup: %d %s %s", code, out, errOut)
	}
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	csv := "科目,党组织,资金来源,期初余额,本年累计借方,本年累计贷方\n" +
		"100201,FY,FY-UP,7000.00,6000.00,1000.00\n420101,FY,FY-UP,6000.00,0,6000.00\n500101,FY,FY-UP,1000.00,1000.00,0\n"
	bad := write("bad.csv", csv)
	good := write("opening.csv", csv+"300102,FY,FY-UP,2000.00,0,0\n")
	if _, errOut, code := runLedgerURL(t, tdb.OwnerURL, "--as", "sunlixin", "opening", bad, "--month", "2020-02"); code != exit.Rejected || !strings.Contains(errOut, "unbalanced") {
		t.Fatalf("unbalanced opening: exit %d %s", code, errOut)
	}
	if _, errOut, code := runLedgerURL(t, tdb.OwnerURL, "--as", "wangfang", "opening", good, "--month", "2020-02"); code != exit.Rejected || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("opening by an officer: exit %d %s", code, errOut)
	}
	out, errOut, code := runLedgerURL(t, tdb.OwnerURL, "--as", "sunlixin", "--json", "opening", good, "--month", "2020-02", "--key", "opening-2020")
	if code != 0 {
		t.Fatalf("opening: exit %d %s", code, errOut)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var flows []string
	for dec.More() {
		var v struct {
			Flow string `json:"flow"`
			Date string `json:"date"`
		}
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		flows = append(flows, v.Flow+" "+v.Date)
	}
	if strings.Join(flows, ",") != "opening 2020-02-01,opening_ytd 2020-02-01" {
		t.Fatalf("opening vouchers %q", flows)
	}
	if _, errOut, code := runLedgerURL(t, tdb.OwnerURL, "--as", "sunlixin", "year", "close", "2020"); code != exit.Rejected || !strings.Contains(errOut, "invalid_state") {
		t.Fatalf("year close with February open: exit %d %s", code, errOut)
	}
	if _, errOut, code := runLedgerURL(t, tdb.OwnerURL, "--as", "sunlixin", "year", "reopen", "2020", "--reason", "更正"); code != exit.Rejected || !strings.Contains(errOut, "invalid_state") {
		t.Fatalf("re-open a year that is not closed: exit %d %s", code, errOut)
	}
	if _, _, code := runLedgerURL(t, tdb.OwnerURL, "--as", "sunlixin", "year", "close", "二〇二〇"); code != exit.Usage {
		t.Fatalf("year close with no year: exit %d", code)
	}
}
