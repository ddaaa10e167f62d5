// Package exchange carries the ledger to and from the tools around it:
// the plain-text journal for ledger-cli and hledger, the voucher template
// workbook imported as drafts, the proof that a restored backup equals its
// manifest, and the audit data package (GB/T 24589.2 and a plain CSV/XLSX
// 数据包). It joins the storage adapter to the pure readers and writers;
// the command and the API call it alike.
package exchange

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/gbt24589"
	"github.com/fenyang/partyfee/ledger/journal"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/xlsximport"
)

// WriteJournal writes the journal of period in format f to w and returns
// the number of vouchers written.
func WriteJournal(ctx context.Context, db *postgres.DB, book string, p ledger.PeriodRange, f journal.Format, w io.Writer) (int, error) {
	var jw *journal.Writer
	n := 0
	err := db.ExportJournal(ctx, book, p, postgres.JournalExport{
		Start: func(b *ledger.Books, opening []ledger.Line) error {
			jw = journal.NewWriter(w, f, b)
			if err := jw.Header(p, db.Now()); err != nil {
				return err
			}
			return jw.Opening(p.From, opening)
		},
		Voucher: func(v *ledger.Voucher) error {
			n++
			return jw.Voucher(v)
		},
	})
	if err != nil {
		return 0, err
	}
	return n, jw.Flush()
}

// ImportResult says what ImportWorkbook did.
type ImportResult struct {
	postgres.DraftImportResult
	// Notes say what of the file was read but not recorded.
	Notes []string `json:"notes"`
}

// ImportWorkbook reads the voucher template workbook data and makes its
// vouchers (with the beneficiaries of the sheet 受益人) as drafts of book
// under actor: all or none, every rule checked, errors naming the sheet,
// row and column; vouchers made before from the same 凭证键 are skipped.
func ImportWorkbook(ctx context.Context, db *postgres.DB, book, actor string, data []byte) (ImportResult, error) {
	b, err := db.LoadBooks(ctx, book)
	if err != nil {
		return ImportResult{}, err
	}
	wb, err := xlsximport.ReadWorkbook(bytes.NewReader(data), b)
	if err != nil {
		return ImportResult{}, err
	}
	in := make([]postgres.DraftInput, len(wb.Drafts))
	for i, d := range wb.Drafts {
		in[i] = postgres.DraftInput{Voucher: d.Voucher, Where: fmt.Sprintf("工作表“%s”第 %d 行（凭证键 %s）", xlsximport.SheetVouchers, d.Row, d.Key)}
	}
	res, err := db.ImportDrafts(ctx, book, actor, in)
	if err != nil {
		return ImportResult{}, err
	}
	if res.IDs == nil {
		res.IDs, res.Words = []int64{}, []string{}
	}
	return ImportResult{DraftImportResult: res, Notes: append([]string{}, wb.Notes...)}, nil
}

// DataPackage reads the posted vouchers of period from one snapshot and
// returns the tables of the audit data package (GB/T 24589.2 and the plain
// 数据包), with the number of vouchers.
func DataPackage(ctx context.Context, db *postgres.DB, book string, p ledger.PeriodRange) ([]gbt24589.Table, int, error) {
	var b *gbt24589.Builder
	n := 0
	err := db.ExportJournal(ctx, book, p, postgres.JournalExport{
		Start: func(books *ledger.Books, opening []ledger.Line) error {
			b = gbt24589.NewBuilder(books, p, db.Now())
			b.Opening(opening)
			return nil
		},
		Voucher: func(v *ledger.Voucher) error {
			n++
			b.Voucher(v)
			return nil
		},
	})
	if err != nil {
		return nil, 0, err
	}
	return b.Tables(), n, nil
}
