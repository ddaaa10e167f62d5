package workbook

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
	"github.com/fenyang/partyfee/ledger/report"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var clock = time.Date(2020, 3, 5, 8, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// openBooks is a fresh database holding the books of the Shanxi setup
// named by keep, as the application role.
func openBooks(t *testing.T, keep ...string) *postgres.DB {
	t.Helper()
	s, err := configs.ReadSetup("configs/demo/shanxi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var books []ledger.BookSetup
	for _, bs := range s.Books {
		for _, k := range keep {
			if bs.Book.Code == k {
				for i := range bs.Users {
					bs.Users[i].Password = ""
				}
				books = append(books, bs)
			}
		}
	}
	var readers []ledger.RollupReader
	for _, r := range s.RollupReaders {
		for _, k := range keep {
			if r.Book == k {
				readers = append(readers, r)
			}
		}
	}
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	db.Now = func() time.Time { return clock }
	if err := db.ApplySetup(context.Background(), &ledger.Setup{Books: books, RollupReaders: readers}); err != nil {
		t.Fatal(err)
	}
	return db
}

func post(t *testing.T, db *postgres.DB, book string, id int64, checker, cashier string) {
	t.Helper()
	for _, st := range []struct {
		who string
		act ledger.Action
	}{{checker, ledger.ActCheck}, {cashier, ledger.ActSign}, {checker, ledger.ActPost}} {
		if _, err := db.Transition(context.Background(), book, st.who, id, st.act); err != nil {
			t.Fatalf("%s %s %d: %v", st.who, st.act, id, err)
		}
	}
}

// TestRollupAcrossDatabases: 吕梁's book and Fenyang's live in two
// databases; the grant is exported, received and posted below, and the
// roll-up read from both matches what was sent with what was received,
// while a grant not yet received shows 在途. A reader not granted a book is
// refused, naming it.
func TestRollupAcrossDatabases(t *testing.T) {
	ctx := context.Background()
	upper, lower := openBooks(t, "LL-DFZH"), openBooks(t, "FY-DFZH")
	ub, err := upper.LoadBooks(ctx, "LL-DFZH")
	if err != nil {
		t.Fatal(err)
	}
	rv, err := ledger.BuildFlow(&ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "LL-UP", Amount: ledger.MustParseMoney("1000.00"),
		Date: day("2020-02-02"), Attachments: 1}, ub)
	if err != nil {
		t.Fatal(err)
	}
	if rv, _, err = upper.CreateVoucher(ctx, "llofficer", rv); err != nil {
		t.Fatal(err)
	}
	post(t, upper, "LL-DFZH", rv.ID, "llchecker", "llcashier")
	var grants []*ledger.Voucher
	for _, amount := range []string{"600.00", "300.00"} {
		g, _, err := upper.MakeGrant(ctx, "LL-DFZH", "llofficer", &ledger.GrantRequest{Fund: "LL-UP", Amount: ledger.MustParseMoney(amount),
			Date: day("2020-02-03"), Attachments: 1, ToBook: "FY-DFZH", ToBookName: "中共汾阳市委组织部（党费专户）", ToOrg: "FY", ToFund: "FY-UP"})
		if err != nil {
			t.Fatal(err)
		}
		post(t, upper, "LL-DFZH", g.ID, "llchecker", "llcashier")
		grants = append(grants, g)
	}
	// Fenyang takes the first grant only, and posts it.
	exp, err := upper.ExportGrant(ctx, "LL-DFZH", grants[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := lower.ReceiveGrant(ctx, "wangfang", exp)
	if err != nil {
		t.Fatal(err)
	}
	post(t, lower, "FY-DFZH", r.ID, "liqiang", "zhaomin")

	p, _ := ledger.ParsePeriod("2020-02")
	req := postgres.RollupRequest{Period: p, ReaderBook: "LL-DFZH", Reader: "llauditor", Sources: []postgres.RollupSource{
		{Book: "LL-DFZH", DB: upper, Source: "upper"}, {Book: "FY-DFZH", DB: lower, Source: "lower"}}}
	roll, err := postgres.BuildRollup(ctx, req, upper.Now)
	if err != nil {
		t.Fatal(err)
	}
	if len(roll.Transfers) != 1 {
		t.Fatalf("transfers = %+v", roll.Transfers)
	}
	tr := roll.Transfers[0]
	if tr.Sent.String() != "900.00" || tr.Received.String() != "600.00" || tr.InTransit().String() != "300.00" || tr.Grants != 2 || !tr.ReceiverRead {
		t.Fatalf("transfer = %+v", tr)
	}
	var fy *report.RollupBook
	for i := range roll.Books {
		if roll.Books[i].Book == "FY-DFZH" {
			fy = &roll.Books[i]
		}
	}
	if fy == nil {
		t.Fatal("Fenyang is not in the roll-up")
	}
	for _, f := range fy.Funds {
		if f.Fund == "FY-UP" && (f.Received.String() != "600.00" || f.Unspent.String() != "600.00" || !f.Conserved()) {
			t.Errorf("Fenyang FY-UP = %+v", f)
		}
	}
	out := filepath.Join(t.TempDir(), "rollup.xlsx")
	if err := WriteRollup(out, roll, "武志宏", "", report.Signatures{}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("上下级核对", "H4"); v != "在途" {
		t.Errorf("上下级核对 H4 = %q, want 在途", v)
	}

	// An officer reads no roll-up, not even of the own book.
	req.Reader = "llofficer"
	if _, err := postgres.BuildRollup(ctx, req, upper.Now); ledger.ErrorCode(err) != ledger.EForbidden {
		t.Fatalf("an ungranted reader: %v", err)
	}
}
