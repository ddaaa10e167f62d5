package reports

import (
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
)

// SheetVoucherList is the sheet of the web's voucher search export.
const SheetVoucherList = "凭证查询"

// VoucherListRow is one voucher of the search export, with its names
// already resolved (people by full name, organisations by name).
type VoucherListRow struct {
	Date    time.Time
	Word    string // 字号
	Summary string
	Payee   string
	Orgs    string // the organisations of its lines
	Amount  ledger.Money
	Status  string
	Maker   string
	Checker string
	Cashier string
	Poster  string
}

var voucherListHeads = []any{"日期", "凭证字号", "摘要", "收款人", "党组织", "金额", "状态", "制单", "审核", "出纳", "记账"}

// WriteVoucherList writes the vouchers of a search as one sheet: a header
// row and one row per voucher, dates as dates and amounts as numbers
// formatted #,##0.00.
func WriteVoucherList(w io.Writer, rows []VoucherListRow) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetVoucherList); err != nil {
		return err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14, CustomNumFmt: ptr("yyyy-mm-dd")})
	if err != nil {
		return err
	}
	moneyStyle, err := f.NewStyle(&excelize.Style{NumFmt: 4})
	if err != nil {
		return err
	}
	for i, width := range []float64{12, 12, 36, 24, 30, 14, 10, 10, 10, 10, 10} {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(SheetVoucherList, name, name, width); err != nil {
			return err
		}
	}
	sw, err := f.NewStreamWriter(SheetVoucherList)
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", voucherListHeads); err != nil {
		return err
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		amount := float64(r.Amount.Fen()) / 100
		if err := sw.SetRow(cell, []any{
			excelize.Cell{StyleID: dateStyle, Value: dateSerial(r.Date)}, r.Word, r.Summary, r.Payee, r.Orgs,
			excelize.Cell{StyleID: moneyStyle, Value: amount}, r.Status, r.Maker, r.Checker, r.Cashier, r.Poster,
		}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return save(f, w)
}

func ptr[T any](v T) *T { return &v }
