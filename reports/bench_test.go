package reports

import (
	"fmt"
	"io"
	"iter"
	"os"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

// benchRowCount is the number of T3 rows per benchmark operation;
// REPORTS_BENCH_ROWS overrides it (e.g. 1000000 for the SPEC §9 size).
func benchRowCount(b *testing.B) int {
	if s := os.Getenv("REPORTS_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("REPORTS_BENCH_ROWS=%q", s)
		}
		return n
	}
	return 20000
}

// benchRows yields n synthetic T3 rows, the same for both benchmarks.
func benchRows(n int) iter.Seq2[report.T3Row, error] {
	words := make([]string, 1000)
	for i := range words {
		words[i] = fmt.Sprintf("记-%04d", i+1)
	}
	base := report.T3Row{OrgName: "高速口检测站临时党支部", Summary: "购买防护物资", Purpose: ledger.Procurement, FundName: "本级配套专项党费",
		Item: "医用防护服", Quantity: decimal.NewFromInt(20), UnitPrice: m("79.00").Decimal(), Method: ledger.MethodBank,
		Payee: "汾阳市康泰医药有限公司", PayeeType: ledger.PayeeSupplier, DocTypes: []string{"发票"}, Attachments: 2,
		Decision: "支部委员会会议纪要", Handler: "李会计", Checker: "王审核", PublishedOn: day(2020, 3, 3)}
	return func(yield func(report.T3Row, error) bool) {
		for i := 0; i < n; i++ {
			r := base
			r.Date = day(2020, 2, 1+i%28)
			r.VoucherID = int64(i + 1)
			r.Voucher = words[i%len(words)]
			r.Amount = ledger.FromFen(int64(100 + i%1000000))
			if !yield(r, nil) {
				return
			}
		}
	}
}

// BenchmarkT3Stream writes T3 使用明细 as the workbook writes it (title,
// styles, formats, links off as the sheet is alone, 合计, panes, filter,
// print setup), streaming the rows.
func BenchmarkT3Stream(b *testing.B) {
	n := benchRowCount(b)
	d := fixtureBook().audit()
	b.ReportAllocs()
	for b.Loop() {
		d.T3 = benchRows(n)
		if err := WriteSheet(io.Discard, d, SheetT3, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkBareStreamWriter writes the same cells with a bare StreamWriter.
func BenchmarkBareStreamWriter(b *testing.B) {
	n := benchRowCount(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteBareT3(io.Discard, benchRows(n)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkAuditWorkbook writes the whole fixture workbook.
func BenchmarkAuditWorkbook(b *testing.B) {
	for b.Loop() {
		if _, err := WriteAudit(io.Discard, fixtureBook().audit(), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
