package configs

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fenyang/partyfee/ledger"
)

// openingFile is the YAML form of the opening balances (期初余额); amounts
// are quoted strings, as everywhere in configuration.
type openingFile struct {
	Month    string `yaml:"month"`
	Openings []struct {
		Account    string `yaml:"account"`
		Org        string `yaml:"org"`
		Fund       string `yaml:"fund"`
		Balance    string `yaml:"balance"`
		YearDebit  string `yaml:"year_debit"`
		YearCredit string `yaml:"year_credit"`
	} `yaml:"openings"`
}

// ParseOpening reads opening balances from a file named name: YAML
// (.yaml, .yml: a list "openings" of account, org, fund, balance,
// year_debit, year_credit, and optionally the first open "month") or CSV
// (ledger.ParseOpeningCSV). month, when not "", overrides the file's; the
// month returned is zero when neither names one.
func ParseOpening(name string, data []byte, month string) (rows []ledger.OpeningRow, first time.Time, err error) {
	rows, m, err := parseOpening(name, data)
	if month != "" {
		m = month
	}
	if err == nil && m != "" {
		if first, err = time.Parse("2006-01", m); err != nil {
			return nil, first, ledger.Errorf(ledger.EInvalid, "month", "month %q is not YYYY-MM", m)
		}
	}
	return rows, first, err
}

func parseOpening(name string, data []byte) (rows []ledger.OpeningRow, month string, err error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
	default:
		rows, err = ledger.ParseOpeningCSV(bytes.NewReader(data))
		return rows, "", err
	}
	var f openingFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, "", ledger.Errorf(ledger.EInvalid, "file", "%s is not a valid opening file: %v", name, err)
	}
	for i, o := range f.Openings {
		r := ledger.OpeningRow{Account: o.Account, Org: o.Org, Fund: o.Fund}
		for _, m := range []struct {
			field, s string
			dst      *ledger.Money
		}{{"balance", o.Balance, &r.Balance}, {"year_debit", o.YearDebit, &r.YearDebit}, {"year_credit", o.YearCredit, &r.YearCredit}} {
			*m.dst = ledger.Zero
			if strings.TrimSpace(m.s) == "" {
				continue
			}
			if *m.dst, err = ledger.ParseMoney(m.s); err != nil {
				return nil, "", ledger.Errorf(ledger.EInvalidAmount, fmt.Sprintf("rows[%d].%s", i+1, m.field), "%q is not an amount", m.s)
			}
		}
		rows = append(rows, r)
	}
	return rows, f.Month, nil
}
