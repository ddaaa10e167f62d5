package reports

import (
	"io"
	"iter"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger/report"
)

// WriteBareT3 writes the cells of T3 使用明细 with a bare excelize
// StreamWriter: a header row and one row of plain values per T3 row, no
// title, styles, totals, panes, filters or print setup. It is the baseline
// that `ledger bench` and BenchmarkBareStreamWriter compare WriteSheet's T3
// with (SPEC §9: at most 1.5 times its time, its memory + 50 MiB).
func WriteBareT3(w io.Writer, rows iter.Seq2[report.T3Row, error]) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetT3); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(SheetT3)
	if err != nil {
		return err
	}
	head := make([]any, len(t3Columns))
	for i, c := range t3Columns {
		head[i] = c.head
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	cells := make([]any, len(t3Columns))
	n := 0
	if rows != nil {
		for r, err := range rows {
			if err != nil {
				return err
			}
			n++
			cells[0] = n
			cells[1] = r.OrgName
			cells[2] = dateSerial(r.Date)
			cells[3] = r.Voucher
			cells[4] = r.Summary
			cells[5] = purposeName(r.Purpose)
			cells[6] = r.FundName
			cells[7] = t3Item(&r)
			cells[8] = nil
			if !r.Quantity.IsZero() {
				cells[8], _ = r.Quantity.Float64()
			}
			cells[9] = nil
			if !r.UnitPrice.IsZero() {
				cells[9], _ = r.UnitPrice.Float64()
			}
			cells[10] = float64(r.Amount.Fen()) / 100
			cells[11] = methodName(r.Method)
			cells[12] = r.Payee
			cells[13] = payeeTypeName(r.PayeeType)
			cells[14] = strings.Join(r.DocTypes, "、")
			cells[15] = r.Attachments
			cells[16] = r.Decision
			cells[17] = r.Handler
			cells[18] = r.Checker
			cells[19] = nil
			if !r.PublishedOn.IsZero() {
				cells[19] = dateSerial(r.PublishedOn)
			}
			cells[20] = strings.Join(r.Flags, "、")
			cell, _ := excelize.CoordinatesToCellName(1, n+1)
			if err := sw.SetRow(cell, cells); err != nil {
				return err
			}
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
