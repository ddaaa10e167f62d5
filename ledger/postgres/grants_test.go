package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

const upperBook = "LL-DFZH"

// shanxiSetup is configs/demo/shanxi.yaml (吕梁 above Fenyang), without
// passwords.
func shanxiSetup(t testing.TB) *ledger.Setup {
	t.Helper()
	data, err := configs.Read("demo/shanxi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := configs.ParseSetup(data, "demo/shanxi.yaml", func(n string) ([]byte, error) { return configs.Read("demo/" + n) })
	if err != nil {
		t.Fatal(err)
	}
	for bi := range s.Books {
		for i := range s.Books[bi].Users {
			s.Books[bi].Users[i].Password = ""
		}
	}
	return s
}

// twoBooks is a fresh database holding both books of the Shanxi setup.
func twoBooks(t *testing.T) (*pgtest.TestDB, *postgres.DB) {
	t.Helper()
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	db.Now = func() time.Time { return clock }
	if err := db.ApplySetup(context.Background(), shanxiSetup(t)); err != nil {
		t.Fatalf("apply setup: %v", err)
	}
	return tdb, db
}

// postIn takes a draft of bk through check, sign and post.
func postIn(t *testing.T, db *postgres.DB, bk string, id int64, checker, cashier string) *ledger.Voucher {
	t.Helper()
	ctx := context.Background()
	for _, st := range []struct {
		who string
		act ledger.Action
	}{{checker, ledger.ActCheck}, {cashier, ledger.ActSign}, {checker, ledger.ActPost}} {
		if _, err := db.Transition(ctx, bk, st.who, id, st.act); err != nil {
			t.Fatalf("%s %s voucher %d of %s: %v", st.who, st.act, id, bk, err)
		}
	}
	v, err := db.Voucher(ctx, bk, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// fundUpper receives amount into 吕梁's LL-UP and posts it.
func fundUpper(t *testing.T, db *postgres.DB, amount string) {
	t.Helper()
	ctx := context.Background()
	b, err := db.LoadBooks(ctx, upperBook)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ledger.BuildFlow(&ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "LL-UP", Amount: money(amount), Date: day("2020-02-02"),
		Summary: "收到省委组织部下拨疫情防控专项党费", Attachments: 1}, b)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err = db.CreateVoucher(ctx, "llofficer", v)
	if err != nil {
		t.Fatal(err)
	}
	postIn(t, db, upperBook, v.ID, "llchecker", "llcashier")
}

func grantRequest(amount string) *ledger.GrantRequest {
	return &ledger.GrantRequest{Fund: "LL-UP", Amount: money(amount), Date: day("2020-02-03"), Attachments: 1,
		Decision: "吕组通〔2020〕3号", ToBook: book, ToOrg: "FY", ToFund: "FY-UP"}
}

func TestGrantAcrossBooks(t *testing.T) {
	tdb, db := twoBooks(t)
	ctx := context.Background()
	fundUpper(t, db, "90000.00")

	g, replayed, err := db.MakeGrant(ctx, upperBook, "llofficer", grantRequestKey("90000.00", "g-1"))
	if err != nil || replayed {
		t.Fatalf("make grant: %v (replayed %v)", err, replayed)
	}
	again, replayed, err := db.MakeGrant(ctx, upperBook, "llofficer", grantRequestKey("90000.00", "g-1"))
	if err != nil || !replayed || again.ID != g.ID {
		t.Fatalf("the same key again: %v, replayed %v, id %d want %d", err, replayed, again.ID, g.ID)
	}
	if g.Flow != ledger.FlowGrant || g.Lines[0].Account != ledger.AcctGrantOut || g.Payee != "中共汾阳市委组织部（党费专户）" {
		t.Fatalf("grant voucher = %+v", g)
	}
	// Nothing in Fenyang's book until the grant is posted.
	if n := countIn(t, db, `SELECT count(*) FROM vouchers WHERE book = $1`, book); n != 0 {
		t.Fatalf("Fenyang has %d vouchers before the grant is posted", n)
	}
	postIn(t, db, upperBook, g.ID, "llchecker", "llcashier")

	gs, err := db.Grants(ctx, book)
	if err != nil || len(gs) != 1 {
		t.Fatalf("grants of Fenyang: %v, %+v", err, gs)
	}
	if !gs[0].InTransit() || gs[0].ReceiptID == 0 || gs[0].ReceiptStatus != ledger.StatusDraft {
		t.Fatalf("after the upper post the grant is 在途 with a draft receipt: %+v", gs[0])
	}
	r, err := db.Voucher(ctx, book, gs[0].ReceiptID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Maker != ledger.SystemUser || r.Flow != ledger.FlowReceive || r.Total().String() != "90000.00" ||
		r.Lines[0].Account != ledger.AcctBank || r.Lines[0].Org != "FY" || r.Lines[0].Fund != "FY-UP" ||
		r.Lines[1].Account != ledger.AcctUpperIncome || r.Number != 1 {
		t.Fatalf("receipt draft = %+v", r)
	}
	// The lower book's own people check and post it.
	postIn(t, db, book, r.ID, "liqiang", "zhaomin")
	gs, _ = db.Grants(ctx, book)
	if gs[0].InTransit() || gs[0].ReceiptStatus != ledger.StatusPosted {
		t.Fatalf("after the lower post the grant is received: %+v", gs[0])
	}
	var bank int64
	if err := db.Pool.QueryRow(ctx, `SELECT balance_fen FROM balances WHERE book = $1 AND account = '100201' AND org = 'FY' AND fund = 'FY-UP'`, book).Scan(&bank); err != nil || bank != 9000000 {
		t.Fatalf("Fenyang's bank balance = %d (%v), want 9000000", bank, err)
	}

	// The roll-up: both books' figures, the transfer matched.
	p, _ := ledger.ParsePeriod("2020-02")
	up, err := db.RollupBook(ctx, upperBook, p)
	if err != nil {
		t.Fatal(err)
	}
	low, err := db.RollupBook(ctx, book, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(up.Sent) != 1 || up.Sent[0].AmountFen != 9000000 || up.Sent[0].Fund != "FY-UP" || len(low.Received) != 1 {
		t.Fatalf("sent %+v, received %+v", up.Sent, low.Received)
	}
	for _, f := range up.Funds {
		if f.Fund == "LL-UP" && (f.Received != 9000000 || f.GrantedOut != 9000000 || f.Unspent != 0 || f.Income != f.Assets) {
			t.Fatalf("吕梁 LL-UP = %+v", f)
		}
	}

	// Raw SQL as the application role: system makes no draft but a
	// posted grant's receipt, and a receipt names a real grant.
	app := rawConn(t, tdb.AppURL)
	_, err = app.Exec(ctx, `INSERT INTO vouchers (book, type, year, month, number, date, summary, flow, idem_key, maker, made_at)
		VALUES ($1, '记', 0, 0, 1, '2020-02-10', '伪造', 'receive', 'grant:LL-DFZH:999', 'system', now())`, book)
	wantCode(t, postgres.MapError(err), ledger.EForbidden, "maker")
	tx, _ := app.Begin(ctx)
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO vouchers (book, type, year, month, number, date, summary, flow, maker, made_at)
		VALUES ($1, '记', 0, 0, 1, '2020-02-10', '伪造下拨', 'receive', 'wangfang', now()) RETURNING id`, book).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO voucher_lines (book, voucher_id, line_no, summary, account, org, fund, debit_fen, credit_fen)
		VALUES ($1, $2, 1, 'x', '100201', 'FY', 'FY-UP', 100, 0), ($1, $2, 2, 'x', '420101', 'FY', 'FY-UP', 0, 100)`, book, id); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO grant_receipts (book, voucher_id, from_book, from_voucher, amount_fen) VALUES ($1, $2, 'LL-DFZH', 999, 100)`, book, id); err != nil {
		t.Fatal(err)
	}
	wantCode(t, postgres.MapError(tx.Commit(ctx)), ledger.ENotFound, "from_voucher")
	// A grant voucher without its grant row is not posted.
	_, err = app.Exec(ctx, `UPDATE grants SET amount_fen = 1`)
	if err == nil {
		t.Fatal("a grant was changed")
	}
}

func TestGrantRefused(t *testing.T) {
	_, db := twoBooks(t)
	ctx := context.Background()
	fundUpper(t, db, "1000.00")
	for _, c := range []struct {
		name, code, field string
		mod               func(r *ledger.GrantRequest)
	}{
		{"to its own book", ledger.EInvalid, "to_book", func(r *ledger.GrantRequest) { r.ToBook = upperBook }},
		{"no receiving organisation", ledger.EInvalid, "to_org", func(r *ledger.GrantRequest) { r.ToOrg = "" }},
		{"an unknown receiving organisation", ledger.ENotFound, "to_org", func(r *ledger.GrantRequest) { r.ToOrg = "FY-NONE" }},
		{"into a matching fund", ledger.EInvalid, "to_fund", func(r *ledger.GrantRequest) { r.ToFund = "FY-MATCH" }},
		{"from a general fund", ledger.EInvalid, "fund", func(r *ledger.GrantRequest) { r.Fund = "LL-GEN" }},
		{"a zero amount", ledger.EInvalidAmount, "amount", func(r *ledger.GrantRequest) { r.Amount = ledger.Zero }},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := grantRequest("100.00")
			c.mod(r)
			_, _, err := db.MakeGrant(ctx, upperBook, "llofficer", r)
			wantCode(t, err, c.code, c.field)
		})
	}
	// The auditor makes nothing.
	_, _, err := db.MakeGrant(ctx, upperBook, "llauditor", grantRequest("100.00"))
	wantCode(t, err, ledger.EForbidden, "-")
	// More than the bank holds: the post is refused and nothing reaches
	// Fenyang.
	g, _, err := db.MakeGrant(ctx, upperBook, "llofficer", grantRequest("5000.00"))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []struct {
		who string
		act ledger.Action
	}{{"llchecker", ledger.ActCheck}, {"llcashier", ledger.ActSign}} {
		if _, err := db.Transition(ctx, upperBook, st.who, g.ID, st.act); err != nil {
			t.Fatal(err)
		}
	}
	_, err = db.Transition(ctx, upperBook, "llchecker", g.ID, ledger.ActPost)
	wantCode(t, err, ledger.EInsufficientFunds, "-")
	if n := countIn(t, db, `SELECT count(*) FROM vouchers WHERE book = $1`, book); n != 0 {
		t.Fatalf("a refused grant made %d vouchers in Fenyang", n)
	}
}

// TestGrantAcrossDatabases: the lower book lives in another database and
// takes the grant from its export, once.
func TestGrantAcrossDatabases(t *testing.T) {
	exp, lower := grantToAnotherDatabase(t)
	ctx := context.Background()
	v1, replayed, err := lower.ReceiveGrant(ctx, "wangfang", exp)
	if err != nil || replayed {
		t.Fatalf("receive: %v (replayed %v)", err, replayed)
	}
	v2, replayed, err := lower.ReceiveGrant(ctx, "wangfang", exp)
	if err != nil || !replayed || v2.ID != v1.ID {
		t.Fatalf("receive again: %v, replayed %v, %d want %d", err, replayed, v2.ID, v1.ID)
	}
	if v1.Total().String() != "300.00" || v1.Maker != "wangfang" || v1.Lines[0].Org != "FY" {
		t.Fatalf("receipt = %+v", v1)
	}
	bad := *exp
	bad.ToBook = "FY-OTHER"
	_, _, err = lower.ReceiveGrant(ctx, "wangfang", &bad)
	wantCode(t, err, ledger.ENotFound, "-")
}

// grantToAnotherDatabase posts a grant of 300.00 from 吕梁 to a Fenyang
// book kept in another database, and returns its export and that database.
func grantToAnotherDatabase(t *testing.T) (*ledger.GrantReceipt, *postgres.DB) {
	t.Helper()
	_, upper := twoBooks(t)
	ctx := context.Background()
	fundUpper(t, upper, "300.00")
	s := shanxiSetup(t)
	// The upper database knows only 吕梁's book: drop Fenyang from it by
	// granting to a book code it does not hold.
	r := grantRequest("300.00")
	r.ToBook, r.ToBookName = "FY-ELSEWHERE", "汾阳（另库）"
	g, _, err := upper.MakeGrant(ctx, upperBook, "llofficer", r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := upper.ExportGrant(ctx, upperBook, g.ID); ledger.ErrorCode(err) != ledger.EInvalidState {
		t.Fatalf("an unposted grant is not exported: %v", err)
	}
	postIn(t, upper, upperBook, g.ID, "llchecker", "llcashier")
	exp, err := upper.ExportGrant(ctx, upperBook, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if exp.Amount.String() != "300.00" || exp.ToBook != "FY-ELSEWHERE" || exp.FromBookName != "中共吕梁市委组织部（党费专户）" {
		t.Fatalf("export = %+v", exp)
	}

	lowerDB := pgtest.NewDatabase(t)
	lower := lowerDB.Open(t, lowerDB.AppURL)
	lower.Now = func() time.Time { return clock }
	fy := s.Books[0]
	fy.Book.Code = "FY-ELSEWHERE"
	for i := range fy.Orgs {
		fy.Orgs[i].Book = fy.Book.Code
	}
	for i := range fy.Funds {
		fy.Funds[i].Book = fy.Book.Code
	}
	for i := range fy.Users {
		fy.Users[i].User.Book = fy.Book.Code
	}
	if err := lower.ApplySetup(ctx, &ledger.Setup{Books: []ledger.BookSetup{fy}}); err != nil {
		t.Fatal(err)
	}
	return exp, lower
}

// TestGrantReceivedConcurrently: eight officers take the same grant at
// once; one receipt is made, and every one of them gets it back.
func TestGrantReceivedConcurrently(t *testing.T) {
	exp, lower := grantToAnotherDatabase(t)
	const n = 8
	type got struct {
		id       int64
		replayed bool
		err      error
	}
	out := make(chan got, n)
	start := make(chan struct{})
	for range n {
		go func() {
			<-start
			v, replayed, err := lower.ReceiveGrant(context.Background(), "wangfang", exp)
			g := got{replayed: replayed, err: err}
			if v != nil {
				g.id = v.ID
			}
			out <- g
		}()
	}
	close(start)
	var first int64
	made := 0
	for range n {
		g := <-out
		if g.err != nil {
			t.Fatalf("a concurrent receipt failed: %v", g.err)
		}
		if first == 0 {
			first = g.id
		}
		if g.id != first {
			t.Fatalf("receipts %d and %d for one grant", first, g.id)
		}
		if !g.replayed {
			made++
		}
	}
	if made != 1 {
		t.Fatalf("%d calls say they made the receipt, want 1", made)
	}
	if c := countIn(t, lower, `SELECT count(*) FROM vouchers WHERE book = 'FY-ELSEWHERE'`); c != 1 {
		t.Fatalf("%d vouchers in the lower book, want 1", c)
	}
	if c := countIn(t, lower, `SELECT count(*) FROM grant_receipts WHERE book = 'FY-ELSEWHERE'`); c != 1 {
		t.Fatalf("%d grant receipts, want 1", c)
	}
}

func grantRequestKey(amount, key string) *ledger.GrantRequest {
	r := grantRequest(amount)
	r.Key = key
	return r
}

func countIn(t *testing.T, db *postgres.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func rawConn(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}
