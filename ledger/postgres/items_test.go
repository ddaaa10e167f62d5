package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

func testItem(name, spec, unit, qty, price, amount string) ledger.Item {
	return ledger.Item{Name: name, Spec: spec, Unit: unit, Quantity: decimal.RequireFromString(qty),
		UnitPrice: decimal.RequireFromString(price), Amount: money(amount)}
}

// itemSpend is a procurement of FY-CP-01 with items.
func itemSpend(amount string, items ...ledger.Item) ledger.FlowRequest {
	r := spend("FY-CP-01", "FY-UP", ledger.Procurement, amount)
	r.Items = items
	return r
}

// rawItems inserts items "line_no seq quantity unit_price amount_fen" of
// voucher id in one statement.
func rawItems(tx pgx.Tx, id int64, items ...string) error {
	values := ""
	for i, s := range items {
		var no, seq int
		var q, p string
		var fen int64
		if _, err := fmt.Sscan(s, &no, &seq, &q, &p, &fen); err != nil {
			return err
		}
		if i > 0 {
			values += ", "
		}
		values += fmt.Sprintf("('FY-DFZH', %d, %d, %d, '口罩', '', '个', %s, %s, %d)", id, no, seq, q, p, fen)
	}
	_, err := tx.Exec(context.Background(), `INSERT INTO voucher_items (book, voucher_id, line_no, seq, name, spec, unit, quantity, unit_price, amount_fen)
		VALUES `+values)
	return err
}

// rawItemVoucher makes, as ledger_app in one transaction, a draft
// procurement of 100.00 (line 1 Dr 500101, line 2 Cr 121801) with items.
func (f *fixture) rawItemVoucher(items ...string) error {
	return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error {
		id, err := rawDraft(tx)
		if err != nil {
			return err
		}
		if err := rawLines(tx, id, "500101 FY-CP-01 FY-UP procurement 10000 0", "121801 FY-CP-01 FY-UP - 0 10000"); err != nil {
			return err
		}
		return rawItems(tx, id, items...)
	})
}

func TestItemsRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	items := []ledger.Item{
		testItem("医用外科口罩", "50只/盒", "盒", "20", "36.5", "730.00"),
		testItem("84消毒液", "500ml", "瓶", "47", "10", "470.00"),
	}
	v := f.mustFlow("wangfang", itemSpend("1200.00", items...))
	got, err := f.db.Voucher(f.ctx, book, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Lines[0].Items) != 2 || len(got.Lines[1].Items) != 0 {
		t.Fatalf("items per line = %d, %d; want 2, 0", len(got.Lines[0].Items), len(got.Lines[1].Items))
	}
	for i, it := range got.Lines[0].Items {
		w := items[i]
		if it.Name != w.Name || it.Spec != w.Spec || it.Unit != w.Unit || !it.Quantity.Equal(w.Quantity) ||
			!it.UnitPrice.Equal(w.UnitPrice) || !it.Amount.Equal(w.Amount) {
			t.Errorf("item %d = %+v, want %+v", i+1, it, w)
		}
	}
	// Posting keeps them; the idempotency hash covers them.
	f.mustStep("liqiang", v.ID, ledger.ActCheck)
	if n := f.count(`SELECT count(*) FROM voucher_items WHERE book = $1 AND voucher_id = $2`, book, v.ID); n != 2 {
		t.Fatalf("%d stored items, want 2", n)
	}
}

func TestItemsRefusedInGo(t *testing.T) {
	t.Parallel()
	runCases(t, []ruleCase{
		{name: "items that add up", run: func(f *fixture) error {
			_, err := f.flow("wangfang", itemSpend("100.00", testItem("口罩", "", "个", "100", "1", "100.00")))
			return err
		}},
		{name: "quantity × unit price off by a fen", run: func(f *fixture) error {
			_, err := f.flow("wangfang", itemSpend("12.34", testItem("酒精棉片", "", "盒", "1", "12.345", "12.34")))
			return err
		}, code: ledger.EInvalidAmount, field: "lines[1].items[1].amount"},
		{name: "items short of the line", run: func(f *fixture) error {
			_, err := f.flow("wangfang", itemSpend("100.00", testItem("口罩", "", "个", "99", "1", "99.00")))
			return err
		}, code: ledger.EInvalidAmount, field: "lines[1].items"},
		{name: "items on the credit line", run: func(f *fixture) error {
			l1, l2 := dr("500101", "FY-CP-01", "FY-UP", "100.00"), cr("121801", "FY-CP-01", "FY-UP", "100.00")
			l1.Purpose = ledger.Procurement
			l2.Items = []ledger.Item{testItem("口罩", "", "个", "100", "1", "100.00")}
			_, err := f.create("wangfang", generalVoucher(l1, l2))
			return err
		}, code: ledger.EInvalid, field: "lines[2].items"},
	})
}

func TestItemsRefusedByTheDatabase(t *testing.T) {
	t.Parallel()
	runCases(t, []ruleCase{
		{name: "raw items that add up", run: func(f *fixture) error {
			return f.rawItemVoucher("1 1 2.5 12.5 3125", "1 2 68.75 1 6875")
		}},
		{name: "raw item whose product is off", run: func(f *fixture) error {
			return f.rawItemVoucher("1 1 1 12.345 1234", "1 2 1 87.66 8766")
		}, code: ledger.EInvalidAmount, field: "items.amount"},
		{name: "raw items short of the line at commit", run: func(f *fixture) error {
			return f.rawItemVoucher("1 1 99 1 9900")
		}, code: ledger.EInvalidAmount, field: "lines[1].items"},
		{name: "raw items on the credit line", run: func(f *fixture) error {
			return f.rawItemVoucher("2 1 100 1 10000")
		}, code: ledger.EInvalid, field: "lines[2].items"},
		{name: "raw quantity with 5 decimals", run: func(f *fixture) error {
			return f.rawItemVoucher("1 1 1.00001 100 10000")
		}, code: ledger.EInvalid, field: "items.quantity"},
		{name: "raw negative quantity and unit price", run: func(f *fixture) error {
			return f.rawItemVoucher("1 1 -1 -100 10000")
		}, code: ledger.EInvalid, field: "items.quantity"},
		{name: "raw items of a checked voucher", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", spend("FY-CP-01", "FY-UP", ledger.Procurement, "100.00"))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			return f.inTx(f.tdb.AppURL, func(tx pgx.Tx) error { return rawItems(tx, v.ID, "1 1 100 1 10000") })
		}, code: ledger.EImmutable, field: "items"},
		{name: "an item of a checked voucher changed by the owner", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", itemSpend("100.00", testItem("口罩", "", "个", "100", "1", "100.00")))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			owner := f.tdb.Open(f.t, f.tdb.OwnerURL)
			_, err := owner.Pool.Exec(f.ctx, `UPDATE voucher_items SET name = '口罩（改）' WHERE book = $1 AND voucher_id = $2`, book, v.ID)
			return postgres.MapError(err)
		}, code: ledger.EImmutable, field: "items"},
		{name: "an item of a checked voucher deleted by the owner", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", itemSpend("100.00", testItem("口罩", "", "个", "100", "1", "100.00")))
			f.mustStep("liqiang", v.ID, ledger.ActCheck)
			owner := f.tdb.Open(f.t, f.tdb.OwnerURL)
			_, err := owner.Pool.Exec(f.ctx, `DELETE FROM voucher_items WHERE book = $1 AND voucher_id = $2`, book, v.ID)
			return postgres.MapError(err)
		}, code: ledger.EImmutable, field: "items"},
		{name: "an item deleted by the application", run: func(f *fixture) error {
			v := f.mustFlow("wangfang", itemSpend("100.00", testItem("口罩", "", "个", "100", "1", "100.00")))
			_, err := f.db.Pool.Exec(f.ctx, `DELETE FROM voucher_items WHERE book = $1 AND voucher_id = $2`, book, v.ID)
			return postgres.MapError(err)
		}, code: ledger.EForbidden, field: "-"},
		{name: "the auditor reads items and writes none", run: func(f *fixture) error {
			f.mustFlow("wangfang", itemSpend("100.00", testItem("口罩", "", "个", "100", "1", "100.00")))
			aud := f.tdb.Open(f.t, f.tdb.AuditURL)
			var n int
			if err := aud.Pool.QueryRow(f.ctx, `SELECT count(*) FROM voucher_items`).Scan(&n); err != nil || n != 1 {
				return fmt.Errorf("auditor reads %d items (%v), want 1", n, err)
			}
			return f.inTx(f.tdb.AuditURL, func(tx pgx.Tx) error {
				id, err := rawDraft(tx)
				if err != nil {
					return err
				}
				return rawItems(tx, id, "1 1 100 1 10000")
			})
		}, code: ledger.EForbidden, field: "-"},
	})
}

// TestItemsInReports: T3 使用明细 has one row per item (the line's amount
// split by them, a red reversal's rows negated) and its total stays the
// lines'; T6 lists the goods of a condolence voucher with its beneficiary.
func TestItemsInReports(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("5000.00", map[string]string{"FY-CP-01": "3000.00"})
	buy := f.post(itemSpend("1200.00",
		testItem("医用外科口罩", "50只/盒", "盒", "20", "36.5", "730.00"),
		testItem("84消毒液", "500ml", "瓶", "47", "10", "470.00")))
	red, err := f.db.Reverse(f.ctx, book, "wangfang", buy.ID, day("2020-02-11"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.approve(red); err != nil {
		t.Fatal(err)
	}
	f.post(spend("FY-CP-01", "FY-UP", ledger.Procurement, "100.00")) // no items: one row
	gift := spend("FY-CP-01", "FY-UP", ledger.Condolence, "200.00")
	gift.Items = []ledger.Item{testItem("方便面", "", "箱", "4", "35", "140.00"), testItem("矿泉水", "550ml×24", "箱", "2", "30", "60.00")}
	f.post(gift)

	feb, _ := ledger.ParsePeriod("2020-02")
	d, closeData, err := f.db.AuditData(f.ctx, book, feb, "")
	if err != nil {
		t.Fatal(err)
	}
	defer closeData()
	type row struct{ item, spec, qty, price, amount string }
	var got []row
	total := ledger.Zero
	for r, err := range d.T3 {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row{r.Item, r.Spec, r.Quantity.String(), r.UnitPrice.String(), r.Amount.String()})
		total = total.Add(r.Amount)
	}
	want := []row{
		{"医用外科口罩", "50只/盒", "20", "36.5", "730.00"}, {"84消毒液", "500ml", "47", "10", "470.00"},
		{"", "", "0", "0", "100.00"},
		{"方便面", "", "4", "35", "140.00"}, {"矿泉水", "550ml×24", "2", "30", "60.00"},
		// the red reversal of 2020-02-11: the original's items, negated
		{"医用外科口罩", "50只/盒", "-20", "36.5", "-730.00"}, {"84消毒液", "500ml", "-47", "10", "-470.00"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("T3 rows\n got %v\nwant %v", got, want)
	}
	if !total.Equal(money("300.00")) {
		t.Fatalf("T3 total %s, want the lines' 300.00", total)
	}
	var goods []string
	for _, r := range d.T6 {
		goods = append(goods, r.Goods)
	}
	if fmt.Sprint(goods) != "[方便面×4箱、矿泉水×2箱]" {
		t.Fatalf("T6 goods %v", goods)
	}
}

// TestEditReplacesItems: editing a draft writes its item lines again with
// its lines (an item removed is gone, a new one is there), and a check
// that fails at commit (items not adding up) leaves the draft as it was.
func TestEditReplacesItems(t *testing.T) {
	f := newFixture(t, nil)
	f.fund("1000.00", map[string]string{"FY-CP-01": "500.00"})
	v := f.mustFlow("wangfang", itemSpend("100.00", testItem("口罩", "", "盒", "2", "30", "60.00"), testItem("酒精", "500ml", "瓶", "4", "10", "40.00")))
	next := *v
	next.Lines = append([]ledger.Line(nil), v.Lines...)
	next.Lines[0].Items = []ledger.Item{testItem("测温枪", "", "把", "1", "100", "100.00")}
	out, err := f.db.EditVoucher(f.ctx, "wangfang", v.ID, 1, &next)
	if err != nil {
		t.Fatal(err)
	}
	if out.Version != 2 || len(out.Lines[0].Items) != 1 || out.Lines[0].Items[0].Name != "测温枪" {
		t.Fatalf("after the edit: version %d, items %+v", out.Version, out.Lines[0].Items)
	}
	if n := f.count(`SELECT count(*) FROM voucher_items WHERE book = $1 AND voucher_id = $2`, book, v.ID); n != 1 {
		t.Fatalf("%d item rows after the edit, want 1", n)
	}
	bad := *out
	bad.Lines = append([]ledger.Line(nil), out.Lines...)
	bad.Lines[0].Items = []ledger.Item{testItem("测温枪", "", "把", "1", "90", "90.00")}
	if _, err := f.db.EditVoucher(f.ctx, "wangfang", v.ID, 2, &bad); ledger.ErrorCode(err) != ledger.EInvalidAmount {
		t.Fatalf("items not adding up to the line: %v", err)
	}
	w, err := f.db.Voucher(f.ctx, book, v.ID)
	if err != nil || w.Version != 2 || len(w.Lines[0].Items) != 1 || w.Lines[0].Items[0].Amount.String() != "100.00" {
		t.Fatalf("a refused edit changed the draft: %+v %v", w, err)
	}
}
