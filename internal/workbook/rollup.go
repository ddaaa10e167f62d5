package workbook

import (
	"io"

	"github.com/fenyang/partyfee/ledger/report"
	"github.com/fenyang/partyfee/reports"
)

// WriteRollup writes the roll-up workbook to path.
func WriteRollup(path string, r *report.Rollup, preparer, reviewer string, sig report.Signatures) error {
	return WriteFile(path, func(w io.Writer) error { return reports.WriteRollup(w, r, preparer, reviewer, sig) })
}
