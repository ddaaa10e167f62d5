package bankrec_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/bankrec"
)

var periodEnd = time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC)

func feb(day int) time.Time { return time.Date(2020, 2, day, 0, 0, 0, 0, time.UTC) }

func money(s string) ledger.Money { return ledger.MustParseMoney(s) }

func be(id int64, day int, amount, ref string) bankrec.BookEntry {
	return bankrec.BookEntry{VoucherID: id, Voucher: fmt.Sprintf("记-%04d", id), Date: feb(day), Amount: money(amount), Reference: ref}
}

func sl(row, day int, amount, ref string) bankrec.StatementLine {
	return bankrec.StatementLine{Row: row, Date: feb(day), Amount: money(amount), Reference: ref}
}

// describe renders a result compactly: matches as "B1+B2=S7" (book voucher
// ids, statement rows), then the four outstanding lists.
func describe(r bankrec.Result) string {
	var parts []string
	for _, m := range r.Matches {
		var b, s []string
		for _, e := range m.Book {
			b = append(b, fmt.Sprintf("B%d", e.VoucherID))
		}
		for _, l := range m.Statement {
			s = append(s, fmt.Sprintf("S%d", l.Row))
		}
		mark := ""
		if m.ByReference {
			mark = "#"
		}
		parts = append(parts, strings.Join(b, "+")+"="+strings.Join(s, "+")+mark)
	}
	rows := func(ls []bankrec.StatementLine) string {
		var o []string
		for _, l := range ls {
			o = append(o, fmt.Sprintf("S%d", l.Row))
		}
		return strings.Join(o, ",")
	}
	ids := func(es []bankrec.BookEntry) string {
		var o []string
		for _, e := range es {
			o = append(o, fmt.Sprintf("B%d", e.VoucherID))
		}
		return strings.Join(o, ",")
	}
	return fmt.Sprintf("%s | bank+ %s | bank- %s | book+ %s | book- %s", strings.Join(parts, " "),
		rows(r.BankReceivedNotBooked), rows(r.BankPaidNotBooked), ids(r.BookedReceivedNotInBank), ids(r.BookedPaidNotInBank))
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name string
		book []bankrec.BookEntry
		stmt []bankrec.StatementLine
		cfg  bankrec.MatchConfig
		want string
	}{
		{
			name: "all one to one",
			book: []bankrec.BookEntry{be(1, 3, "90000.00", ""), be(2, 5, "230000.00", ""), be(3, 10, "-10000.00", ""), be(4, 10, "-8000.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 3, "90000.00", ""), sl(6, 6, "230,000.00", ""), sl(7, 11, "-8000.00", ""), sl(8, 12, "-10000.00", "")},
			want: "B1=S5 B2=S6 B4=S7 B3=S8 | bank+  | bank-  | book+  | book- ",
		},
		{
			name: "equal reference wins over a nearer date",
			book: []bankrec.BookEntry{be(1, 10, "-500.00", ""), be(2, 4, "-500.00", "HD0207")},
			stmt: []bankrec.StatementLine{sl(5, 10, "-500.00", "hd0207 ")},
			want: "B2=S5# | bank+  | bank-  | book+  | book- B1",
		},
		{
			name: "nearest date wins",
			book: []bankrec.BookEntry{be(1, 2, "-500.00", ""), be(2, 9, "-500.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 8, "-500.00", "")},
			want: "B2=S5 | bank+  | bank-  | book+  | book- B1",
		},
		{
			name: "ties go to the earlier book entry",
			book: []bankrec.BookEntry{be(2, 6, "-500.00", ""), be(1, 6, "-500.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 6, "-500.00", "")},
			want: "B1=S5 | bank+  | bank-  | book+  | book- B2",
		},
		{
			name: "outside the window",
			book: []bankrec.BookEntry{be(1, 1, "1000.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 15, "1000.00", "")},
			cfg:  bankrec.MatchConfig{DateWindowDays: 10},
			want: " | bank+ S5 | bank-  | book+ B1 | book- ",
		},
		{
			name: "window edge is inside",
			book: []bankrec.BookEntry{be(1, 1, "1000.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 11, "1000.00", "")},
			cfg:  bankrec.MatchConfig{DateWindowDays: 10},
			want: "B1=S5 | bank+  | bank-  | book+  | book- ",
		},
		{
			name: "sign matters",
			book: []bankrec.BookEntry{be(1, 1, "1000.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 1, "-1000.00", "")},
			want: " | bank+  | bank- S5 | book+ B1 | book- ",
		},
		{
			// Nearest first would pair B2 with S5 and leave B1 and S6 out;
			// both can be matched.
			name: "greedy choice is repaired",
			book: []bankrec.BookEntry{be(1, 1, "-200.00", ""), be(2, 5, "-200.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 4, "-200.00", ""), sl(6, 8, "-200.00", "")},
			cfg:  bankrec.MatchConfig{DateWindowDays: 3},
			want: "B1=S5 B2=S6 | bank+  | bank-  | book+  | book- ",
		},
		{
			name: "one statement line, several vouchers",
			book: []bankrec.BookEntry{be(1, 10, "-3000.00", ""), be(2, 10, "-2000.00", ""), be(3, 11, "-1500.00", ""), be(4, 20, "-700.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 11, "-5000.00", "")},
			want: "B1+B2=S5 | bank+  | bank-  | book+  | book- B3,B4",
		},
		{
			name: "one voucher, several statement lines",
			book: []bankrec.BookEntry{be(1, 10, "230000.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 10, "130000.00", ""), sl(6, 11, "100000.00", ""), sl(7, 12, "50.00", "")},
			want: "B1=S5+S6 | bank+ S7 | bank-  | book+  | book- ",
		},
		{
			name: "smallest group first",
			book: []bankrec.BookEntry{be(1, 10, "-100.00", ""), be(2, 10, "-200.00", ""), be(3, 10, "-300.00", ""), be(4, 10, "-400.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 10, "-700.00", "")},
			want: "B3+B4=S5 | bank+  | bank-  | book+  | book- B1,B2",
		},
		{
			name: "four items at most by default",
			book: []bankrec.BookEntry{be(1, 10, "-100.00", ""), be(2, 10, "-100.00", ""), be(3, 10, "-100.00", ""), be(4, 10, "-100.00", ""), be(5, 10, "-100.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 10, "-500.00", "")},
			want: " | bank+  | bank- S5 | book+  | book- B1,B2,B3,B4,B5",
		},
		{
			name: "five when configured",
			book: []bankrec.BookEntry{be(1, 10, "-100.00", ""), be(2, 10, "-100.00", ""), be(3, 10, "-100.00", ""), be(4, 10, "-100.00", ""), be(5, 10, "-100.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 10, "-500.00", "")},
			cfg:  bankrec.MatchConfig{DateWindowDays: 10, GroupSizeMax: 5},
			want: "B1+B2+B3+B4+B5=S5 | bank+  | bank-  | book+  | book- ",
		},
		{
			name: "groups off",
			book: []bankrec.BookEntry{be(1, 10, "-3000.00", ""), be(2, 10, "-2000.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 10, "-5000.00", "")},
			cfg:  bankrec.MatchConfig{DateWindowDays: 10, GroupSizeMax: 1},
			want: " | bank+  | bank- S5 | book+  | book- B1,B2",
		},
		{
			name: "group members of the other sign are not used",
			book: []bankrec.BookEntry{be(1, 10, "-6000.00", ""), be(2, 10, "1000.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 10, "-5000.00", "")},
			want: " | bank+  | bank- S5 | book+ B2 | book- B1",
		},
		{
			name: "group members outside the window are not used",
			book: []bankrec.BookEntry{be(1, 1, "-3000.00", ""), be(2, 20, "-2000.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 12, "-5000.00", "")},
			cfg:  bankrec.MatchConfig{DateWindowDays: 10},
			want: " | bank+  | bank- S5 | book+  | book- B1,B2",
		},
		{
			name: "search bound",
			book: []bankrec.BookEntry{be(1, 10, "-1.00", ""), be(2, 10, "-2.00", ""), be(3, 10, "-4.00", ""), be(4, 10, "-8.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 10, "-15.00", "")},
			cfg:  bankrec.MatchConfig{DateWindowDays: 10, CombinationsMax: 3},
			want: " | bank+  | bank- S5 | book+  | book- B1,B2,B3,B4",
		},
		{
			name: "one to one before groups",
			book: []bankrec.BookEntry{be(1, 10, "-5000.00", ""), be(2, 10, "-3000.00", ""), be(3, 10, "-2000.00", "")},
			stmt: []bankrec.StatementLine{sl(5, 10, "-5000.00", "")},
			want: "B1=S5 | bank+  | bank-  | book+  | book- B2,B3",
		},
		{
			name: "empty",
			want: " | bank+  | bank-  | book+  | book- ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg == (bankrec.MatchConfig{}) {
				cfg = bankrec.DefaultMatchConfig()
			}
			got := describe(bankrec.Match(tt.book, tt.stmt, cfg))
			if got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// The result must not depend on the order of the input.
func TestMatchDeterministic(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	amounts := []string{"100.00", "-100.00", "250.00", "-250.00", "-50.00", "-150.00", "1000.00"}
	var book []bankrec.BookEntry
	var stmt []bankrec.StatementLine
	for i := range 40 {
		book = append(book, be(int64(i+1), 1+rng.IntN(28), amounts[rng.IntN(len(amounts))], ""))
		stmt = append(stmt, sl(i+3, 1+rng.IntN(28), amounts[rng.IntN(len(amounts))], ""))
	}
	want := describe(bankrec.Match(book, stmt, bankrec.DefaultMatchConfig()))
	for range 20 {
		rng.Shuffle(len(book), func(i, j int) { book[i], book[j] = book[j], book[i] })
		rng.Shuffle(len(stmt), func(i, j int) { stmt[i], stmt[j] = stmt[j], stmt[i] })
		if got := describe(bankrec.Match(book, stmt, bankrec.DefaultMatchConfig())); got != want {
			t.Fatalf("shuffled input gives\n%s\nnot\n%s", got, want)
		}
	}
}

// Every input item ends up in exactly one place, and every match balances.
func TestMatchAccountsForEverything(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	for range 50 {
		var book []bankrec.BookEntry
		var stmt []bankrec.StatementLine
		for i := range 30 {
			book = append(book, be(int64(i+1), 1+rng.IntN(28), fmt.Sprintf("%d.00", rng.IntN(9)*100-400+1), ""))
			stmt = append(stmt, sl(i+3, 1+rng.IntN(28), fmt.Sprintf("%d.00", rng.IntN(9)*100-400+1), ""))
		}
		r := bankrec.Match(book, stmt, bankrec.MatchConfig{DateWindowDays: 5, GroupSizeMax: 3})
		seenB, seenS := map[int64]int{}, map[int]int{}
		for _, m := range r.Matches {
			sum := ledger.Zero
			for _, b := range m.Book {
				seenB[b.VoucherID]++
				if absDays(b.Date, m.Statement[0].Date) > 5 && len(m.Statement) == 1 {
					t.Fatalf("match outside window: %s", describe(bankrec.Result{Matches: []bankrec.Group{m}}))
				}
			}
			for _, s := range m.Statement {
				seenS[s.Row]++
				sum = sum.Add(s.Amount)
			}
			if !sum.Equal(m.Amount()) || (len(m.Book) > 1 && len(m.Statement) > 1) {
				t.Fatalf("bad match %s", describe(bankrec.Result{Matches: []bankrec.Group{m}}))
			}
		}
		for _, b := range slices.Concat(r.BookedReceivedNotInBank, r.BookedPaidNotInBank) {
			seenB[b.VoucherID]++
		}
		for _, s := range slices.Concat(r.BankReceivedNotBooked, r.BankPaidNotBooked) {
			seenS[s.Row]++
		}
		for _, b := range book {
			if seenB[b.VoucherID] != 1 {
				t.Fatalf("book entry %d appears %d times", b.VoucherID, seenB[b.VoucherID])
			}
		}
		for _, s := range stmt {
			if seenS[s.Row] != 1 {
				t.Fatalf("statement row %d appears %d times", s.Row, seenS[s.Row])
			}
		}
	}
}

func absDays(a, b time.Time) int {
	d := int(a.Sub(b).Hours() / 24)
	if d < 0 {
		return -d
	}
	return d
}

type wantDiscrepancy struct {
	check   string
	voucher string
	row     int
	diff    string
}

func TestReconcile(t *testing.T) {
	tests := []struct {
		name          string
		book          []bankrec.BookEntry
		stmt          []bankrec.StatementLine
		bookBal       string
		bankBal       string
		balanced      bool
		adjusted      string
		outstanding   [4]int // bank received, bank paid, booked received, booked paid
		discrepancies []wantDiscrepancy
	}{
		{
			name:     "all matched",
			book:     []bankrec.BookEntry{be(1, 3, "90000.00", ""), be(2, 5, "230000.00", ""), be(3, 10, "-10000.00", "")},
			stmt:     []bankrec.StatementLine{sl(5, 3, "90000.00", ""), sl(6, 6, "230000.00", ""), sl(7, 11, "-10000.00", "")},
			bookBal:  "310000.00",
			bankBal:  "310000.00",
			balanced: true,
			adjusted: "310000.00",
		},
		{
			name:        "银行已收企业未收 within the window",
			book:        []bankrec.BookEntry{be(1, 3, "90000.00", "")},
			stmt:        []bankrec.StatementLine{sl(5, 3, "90000.00", ""), sl(6, 21, "12.34", "")}, // interest
			bookBal:     "90000.00",
			bankBal:     "90012.34",
			balanced:    true,
			adjusted:    "90012.34",
			outstanding: [4]int{1, 0, 0, 0},
		},
		{
			name:        "银行已付企业未付 within the window",
			book:        []bankrec.BookEntry{be(1, 3, "90000.00", "")},
			stmt:        []bankrec.StatementLine{sl(5, 3, "90000.00", ""), sl(6, 28, "-5.00", "")}, // bank charge
			bookBal:     "90000.00",
			bankBal:     "89995.00",
			balanced:    true,
			adjusted:    "89995.00",
			outstanding: [4]int{0, 1, 0, 0},
		},
		{
			name:        "企业已收银行未收 within the window",
			book:        []bankrec.BookEntry{be(1, 3, "90000.00", ""), be(2, 28, "230000.00", "")},
			stmt:        []bankrec.StatementLine{sl(5, 3, "90000.00", "")},
			bookBal:     "320000.00",
			bankBal:     "90000.00",
			balanced:    true,
			adjusted:    "320000.00",
			outstanding: [4]int{0, 0, 1, 0},
		},
		{
			name:        "企业已付银行未付 within the window",
			book:        []bankrec.BookEntry{be(1, 3, "90000.00", ""), be(2, 27, "-20000.00", "")},
			stmt:        []bankrec.StatementLine{sl(5, 3, "90000.00", "")},
			bookBal:     "70000.00",
			bankBal:     "90000.00",
			balanced:    true,
			adjusted:    "70000.00",
			outstanding: [4]int{0, 0, 0, 1},
		},
		{
			name:        "all four within the window",
			book:        []bankrec.BookEntry{be(1, 3, "90000.00", ""), be(2, 27, "-20000.00", ""), be(3, 28, "230000.00", "")},
			stmt:        []bankrec.StatementLine{sl(5, 3, "90000.00", ""), sl(6, 21, "12.34", ""), sl(7, 29, "-5.00", "")},
			bookBal:     "300000.00",
			bankBal:     "90007.34",
			balanced:    true,
			adjusted:    "300007.34",
			outstanding: [4]int{1, 1, 1, 1},
		},
		{
			name:        "an item older than the window",
			book:        []bankrec.BookEntry{be(1, 3, "90000.00", ""), be(7, 10, "-20000.00", "")},
			stmt:        []bankrec.StatementLine{sl(5, 3, "90000.00", "")},
			bookBal:     "70000.00",
			bankBal:     "90000.00",
			balanced:    true,
			adjusted:    "70000.00",
			outstanding: [4]int{0, 0, 0, 1},
			discrepancies: []wantDiscrepancy{
				{check: bankrec.CheckOutstandingAge, voucher: "记-0007", diff: "-20000.00"},
			},
		},
		{
			name:        "an old statement line",
			book:        []bankrec.BookEntry{be(1, 3, "90000.00", "")},
			stmt:        []bankrec.StatementLine{sl(5, 3, "90000.00", ""), sl(6, 18, "-5.00", "")},
			bookBal:     "90000.00",
			bankBal:     "89995.00",
			balanced:    true,
			adjusted:    "89995.00",
			outstanding: [4]int{0, 1, 0, 0},
			discrepancies: []wantDiscrepancy{
				{check: bankrec.CheckOutstandingAge, row: 6, diff: "-5.00"},
			},
		},
		{
			name:     "one-to-many match",
			book:     []bankrec.BookEntry{be(1, 3, "90000.00", ""), be(2, 10, "-3000.00", ""), be(3, 10, "-2000.00", "")},
			stmt:     []bankrec.StatementLine{sl(5, 3, "50000.00", ""), sl(6, 4, "40000.00", ""), sl(7, 11, "-5000.00", "")},
			bookBal:  "85000.00",
			bankBal:  "85000.00",
			balanced: true,
			adjusted: "85000.00",
		},
		{
			name:        "adjusted balances differ",
			book:        []bankrec.BookEntry{be(1, 3, "90000.00", ""), be(2, 27, "-20000.00", "")},
			stmt:        []bankrec.StatementLine{sl(5, 3, "90000.00", "")},
			bookBal:     "70000.00",
			bankBal:     "90000.01",
			balanced:    false,
			adjusted:    "70000.00",
			outstanding: [4]int{0, 0, 0, 1},
			discrepancies: []wantDiscrepancy{
				{check: bankrec.CheckAdjustedBalances, diff: "-0.01"},
			},
		},
		{
			name:        "an item after the period end",
			book:        []bankrec.BookEntry{be(1, 3, "90000.00", "")},
			stmt:        []bankrec.StatementLine{sl(5, 3, "90000.00", ""), {Row: 6, Date: time.Date(2020, 3, 2, 0, 0, 0, 0, time.UTC), Amount: money("1.00")}},
			bookBal:     "90000.00",
			bankBal:     "90001.00",
			balanced:    true,
			adjusted:    "90001.00",
			outstanding: [4]int{1, 0, 0, 0},
			discrepancies: []wantDiscrepancy{
				{check: bankrec.CheckAfterPeriodEnd, row: 6, diff: "1.00"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bankrec.Match(tt.book, tt.stmt, bankrec.DefaultMatchConfig())
			tab := bankrec.Reconcile(money(tt.bookBal), money(tt.bankBal), r, periodEnd, 10)
			if tab.Balanced != tt.balanced {
				t.Errorf("Balanced = %v, want %v (book %s, bank %s)", tab.Balanced, tt.balanced, tab.AdjustedBook, tab.AdjustedBank)
			}
			if !tab.AdjustedBook.Equal(money(tt.adjusted)) {
				t.Errorf("adjusted book balance %s, want %s", tab.AdjustedBook, tt.adjusted)
			}
			if tt.balanced && !tab.AdjustedBank.Equal(money(tt.adjusted)) {
				t.Errorf("adjusted bank balance %s, want %s", tab.AdjustedBank, tt.adjusted)
			}
			got := [4]int{len(tab.BankReceivedNotBooked), len(tab.BankPaidNotBooked), len(tab.BookedReceivedNotInBank), len(tab.BookedPaidNotInBank)}
			if got != tt.outstanding {
				t.Errorf("outstanding %v, want %v: %s", got, tt.outstanding, describe(r))
			}
			for _, m := range []ledger.Money{tab.BankReceivedNotBookedTotal, tab.BankPaidNotBookedTotal, tab.BookedReceivedNotInBankTotal, tab.BookedPaidNotInBankTotal} {
				if m.Sign() < 0 {
					t.Errorf("a total is negative: %s", m)
				}
			}
			if len(tab.Discrepancies) != len(tt.discrepancies) {
				t.Fatalf("discrepancies %+v, want %+v", tab.Discrepancies, tt.discrepancies)
			}
			for i, w := range tt.discrepancies {
				d := tab.Discrepancies[i]
				if d.Check != w.check || d.Voucher != w.voucher || d.Row != w.row || d.Difference.String() != w.diff || d.Msg == "" {
					t.Errorf("discrepancy %+v, want %+v", d, w)
				}
				if w.voucher != "" && !strings.Contains(d.Msg, w.voucher) {
					t.Errorf("message %q does not name %s", d.Msg, w.voucher)
				}
			}
			if tab.Clean() != (tt.balanced && len(tt.discrepancies) == 0) {
				t.Errorf("Clean() = %v", tab.Clean())
			}
		})
	}
}

func TestReconcileAge(t *testing.T) {
	// Window 10 at 2020-02-29: the 19th is 10 days before (normal), the
	// 18th 11 days (a discrepancy).
	r := bankrec.Result{BookedPaidNotInBank: []bankrec.BookEntry{be(1, 19, "-1.00", ""), be(2, 18, "-1.00", "")}}
	tab := bankrec.Reconcile(money("0"), money("2.00"), r, periodEnd, 10)
	if len(tab.Discrepancies) != 1 || tab.Discrepancies[0].VoucherID != 2 || tab.Discrepancies[0].AgeDays != 11 {
		t.Fatalf("discrepancies %+v", tab.Discrepancies)
	}
	if tab.Discrepancies[0].Outstanding != bankrec.BookedPaidNotInBank || !strings.Contains(tab.Discrepancies[0].Msg, "企业已付银行未付") {
		t.Fatalf("discrepancy %+v", tab.Discrepancies[0])
	}
	// A timestamp late on the period end's day is still that day.
	late := bankrec.Result{BankReceivedNotBooked: []bankrec.StatementLine{{Row: 3, Date: time.Date(2020, 2, 29, 23, 59, 0, 0, time.FixedZone("CST", 8*3600)), Amount: money("1.00")}}}
	if tab := bankrec.Reconcile(money("0"), money("1.00"), late, periodEnd, 0); !tab.Clean() {
		t.Fatalf("not clean: %+v", tab.Discrepancies)
	}
}

func TestStatementBalances(t *testing.T) {
	bal := func(s string) *ledger.Money { m := money(s); return &m }
	lines := []bankrec.StatementLine{
		{Row: 5, Date: feb(3), Amount: money("90000.00"), Balance: bal("90000.00")},
		{Row: 6, Date: feb(3), Amount: money("-100.00"), Balance: bal("89900.00")},
		{Row: 7, Date: feb(6), Amount: money("230000.00"), Balance: bal("319900.00")},
		{Row: 8, Date: feb(9), Amount: money("-900.00"), Balance: bal("319000.00")},
	}
	if d := bankrec.CheckBalances(lines); len(d) != 0 {
		t.Fatalf("oldest first: %+v", d)
	}
	if b, ok := bankrec.StatementBalance(lines); !ok || !b.Equal(money("319000.00")) {
		t.Fatalf("closing balance %s %v", b, ok)
	}
	// The same statement newest first, as some banks export it.
	rev := slices.Clone(lines)
	slices.Reverse(rev)
	for i := range rev {
		rev[i].Row = 5 + i
	}
	if d := bankrec.CheckBalances(rev); len(d) != 0 {
		t.Fatalf("newest first: %+v", d)
	}
	if b, ok := bankrec.StatementBalance(rev); !ok || !b.Equal(money("319000.00")) {
		t.Fatalf("closing balance newest first %s %v", b, ok)
	}
	// A missing row breaks the chain at the next line.
	gap := slices.Delete(slices.Clone(lines), 1, 2)
	d := bankrec.CheckBalances(gap)
	if len(d) != 1 || d[0].Row != 7 || d[0].Check != bankrec.CheckStatementBalance || d[0].Difference.String() != "-100.00" {
		t.Fatalf("gap: %+v", d)
	}
	if _, ok := bankrec.StatementBalance(nil); ok {
		t.Fatal("empty statement has a balance")
	}
}

func BenchmarkMatch(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var book []bankrec.BookEntry
	var stmt []bankrec.StatementLine
	for i := range 5000 {
		amount := fmt.Sprintf("-%d.%02d", 1+rng.IntN(5000), rng.IntN(100))
		day := 1 + rng.IntN(28)
		book = append(book, be(int64(i+1), day, amount, ""))
		if i%50 != 0 { // 2% outstanding on each side
			stmt = append(stmt, sl(i+3, min(29, day+rng.IntN(3)), amount, ""))
		} else {
			stmt = append(stmt, sl(i+3, day, fmt.Sprintf("%d.00", 1+rng.IntN(100)), ""))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		bankrec.Match(book, stmt, bankrec.DefaultMatchConfig())
	}
}
