package postgres_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

var (
	seedFlag  = flag.Int64("seed", 0, "seed of TestPropertyRandomFlows (0: the LEDGER_TEST_SEED variable, else random)")
	stepsFlag = flag.Int("steps", 120, "steps of TestPropertyRandomFlows")
)

// propertySeed is the seed to run with: -seed, then LEDGER_TEST_SEED, then
// the clock.
func propertySeed(t *testing.T) int64 {
	if *seedFlag != 0 {
		return *seedFlag
	}
	if s := os.Getenv("LEDGER_TEST_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("LEDGER_TEST_SEED: %v", err)
		}
		return n
	}
	return time.Now().UnixNano()
}

type balanceKey struct{ account, org, fund string }

// model is what the ledger should hold: the balances of the posted
// vouchers, computed in Go independently of the database.
type model struct {
	balances   map[balanceKey]int64
	restricted map[string]bool
}

// apply returns the balances after posting v and whether every restricted
// balance stays at or above zero.
func (m *model) apply(v *ledger.Voucher) (map[balanceKey]int64, bool) {
	next := make(map[balanceKey]int64, len(m.balances)+len(v.Lines))
	for k, b := range m.balances {
		next[k] = b
	}
	for _, l := range v.Lines {
		next[balanceKey{l.Account, l.Org, l.Fund}] += l.Amount().Fen()
	}
	for _, l := range v.Lines {
		k := balanceKey{l.Account, l.Org, l.Fund}
		if m.restricted[l.Account] && next[k] < 0 {
			return next, false
		}
	}
	return next, true
}

// TestPropertyRandomFlows runs a random sequence of receive, match,
// allocate, spend, return and reverse through the workflow, as the users
// the rules want, and checks after every step and at the end that the
// ledger keeps every invariant and agrees with a model kept in Go. A
// failing run prints its seed; replay it with -seed N or LEDGER_TEST_SEED=N.
func TestPropertyRandomFlows(t *testing.T) {
	t.Parallel()
	seed := propertySeed(t)
	t.Logf("seed %d (replay: go test ./ledger/postgres -run TestPropertyRandomFlows -seed %d)", seed, seed)
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(seed>>32)))
	f := newFixture(t, nil)
	b := f.books()
	m := &model{balances: map[balanceKey]int64{}, restricted: map[string]bool{}}
	for code, a := range b.Chart {
		m.restricted[code] = a.Restricted
	}
	branches := []string{"FY-CP-01", "FY-CP-02", "FY-WG-ZHXT", "FY-DCZD", "FY-CP-01-G1", "FY-DCZD-G5"}
	funds := []string{"FY-UP", "FY-MATCH"}
	makers := []string{"wangfang", "liuyang", "sunlixin"}
	checkers := []string{"liqiang", "zhouhui", "sunlixin"}
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	// amount is up to about 1.3 times what is available, so that some
	// postings must be rejected.
	amount := func(available int64) ledger.Money {
		return ledger.FromFen(1 + rng.Int64N(available+available/3+10000))
	}
	actions := 0
	var reversible []*ledger.Voucher
	outcomes := map[string]int{}

	// run takes a made voucher through the workflow; it reports whether it
	// was posted.
	run := func(step int, v *ledger.Voucher) bool {
		t.Helper()
		actions++ // make
		if rng.IntN(12) == 0 {
			f.mustStep(v.Maker, v.ID, ledger.ActVoid)
			actions++
			outcomes["void"]++
			return false
		}
		checker := pick(checkers)
		for checker == v.Maker {
			checker = pick(checkers)
		}
		f.mustStep(checker, v.ID, ledger.ActCheck)
		actions++
		if rng.IntN(10) == 0 {
			f.mustStep(checker, v.ID, ledger.ActUncheck)
			f.mustStep(checker, v.ID, ledger.ActCheck)
			actions += 2
		}
		if touchesCash(v) {
			f.mustStep("zhaomin", v.ID, ledger.ActSign)
			actions++
		}
		next, affordable := m.apply(v)
		_, err := f.step(checker, v.ID, ledger.ActPost)
		switch {
		case affordable && err == nil:
			m.balances = next
			actions++
			outcomes[v.Flow+" posted"]++
			return true
		case !affordable && ledger.ErrorCode(err) == ledger.EInsufficientFunds:
			outcomes[v.Flow+" rejected"]++
			return false
		default:
			t.Fatalf("step %d: posting %s %s (%s): affordable %v, got %v", step, v.Flow, v.Word(), v.Total(), affordable, err)
		}
		return false
	}

	for step := range *stepsFlag {
		fund := pick(funds)
		org := pick(branches)
		date := day("2020-02-01").AddDate(0, 0, rng.IntN(29))
		var r ledger.FlowRequest
		switch op := rng.IntN(10); {
		case op < 2:
			r = ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: ledger.FromFen(1 + rng.Int64N(2_000_000)), Attachments: 1}
			if fund == "FY-MATCH" {
				r.Flow, r.Fund = ledger.FlowMatch, "FY-MATCH"
			}
		case op < 5:
			r = ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: fund, Org: org,
				Amount: amount(m.balances[balanceKey{ledger.AcctBank, "FY", fund}])}
		case op < 8:
			if rng.IntN(6) == 0 {
				org = "" // the root spends from the bank
			}
			avail := m.balances[balanceKey{ledger.AcctPending, org, fund}]
			if org == "" {
				avail = m.balances[balanceKey{ledger.AcctBank, "FY", fund}]
			}
			r = ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: fund, Org: org, Purpose: ledger.Purposes[rng.IntN(3)],
				Amount: amount(avail), Attachments: 1}
		case op < 9:
			r = ledger.FlowRequest{Flow: ledger.FlowReturn, Fund: fund, Org: org,
				Amount: amount(m.balances[balanceKey{ledger.AcctPending, org, fund}])}
		default:
			if len(reversible) == 0 {
				continue
			}
			i := rng.IntN(len(reversible))
			orig := reversible[i]
			red, err := f.db.Reverse(f.ctx, book, pick(makers[:2]), orig.ID, orig.Date)
			if err != nil {
				t.Fatalf("step %d: reverse %s: %v", step, orig.Word(), err)
			}
			if red.ReversalOf != orig.ID || len(red.Lines) != len(orig.Lines) {
				t.Fatalf("step %d: red voucher %+v does not cancel %s", step, red, orig.Word())
			}
			for j, l := range red.Lines {
				if !l.Amount().Equal(orig.Lines[j].Amount().Neg()) {
					t.Fatalf("step %d: red line %d is %s, the original's %s", step, j+1, l.Amount(), orig.Lines[j].Amount())
				}
			}
			if run(step, red) {
				reversible = slices.Delete(reversible, i, i+1)
			} else {
				// A voided or rejected reversal leaves the original
				// reversible only when the red voucher was voided.
				if got, _ := f.db.Voucher(f.ctx, book, red.ID); got.Status != ledger.StatusVoid {
					reversible = slices.Delete(reversible, i, i+1)
				}
			}
			f.checkEveryStep(t, step, m)
			continue
		}
		r.Date = date
		v, err := f.flow(pick(makers), r)
		if err != nil {
			t.Fatalf("step %d: make %s %s of %s for %q: %v", step, r.Flow, r.Amount, r.Fund, r.Org, err)
		}
		if run(step, v) {
			reversible = append(reversible, v)
		}
		f.checkEveryStep(t, step, m)
	}
	t.Logf("outcomes: %v", outcomes)
	f.checkInvariants(t, m, actions)
}

// checkEveryStep: no restricted balance below zero (the bank of each fund
// included: allocations never exceed what the parent had), and the stored
// balances are the model's.
func (f *fixture) checkEveryStep(t *testing.T, step int, m *model) {
	t.Helper()
	if n := f.count(`SELECT count(*) FROM balances b JOIN accounts a ON a.book = b.book AND a.code = b.account
		WHERE (a.restricted OR b.restricted) AND b.balance_fen < 0`); n != 0 {
		t.Fatalf("step %d: %d restricted balances below zero", step, n)
	}
	stored := f.storedBalances()
	for k, want := range m.balances {
		if stored[k] != want {
			t.Fatalf("step %d: stored balance %v = %s, the model says %s", step, k, ledger.FromFen(stored[k]), ledger.FromFen(want))
		}
	}
	for k, got := range stored {
		if m.balances[k] != got {
			t.Fatalf("step %d: stored balance %v = %s, the model says %s", step, k, ledger.FromFen(got), ledger.FromFen(m.balances[k]))
		}
	}
}

func (f *fixture) storedBalances() map[balanceKey]int64 {
	f.t.Helper()
	rows, err := f.db.Pool.Query(f.ctx, `SELECT account, org, fund, balance_fen FROM balances WHERE book = $1`, book)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	out := map[balanceKey]int64{}
	for rows.Next() {
		var k balanceKey
		var fen int64
		if err := rows.Scan(&k.account, &k.org, &k.fund, &fen); err != nil {
			f.t.Fatal(err)
		}
		out[k] = fen
	}
	if err := rows.Err(); err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) checkInvariants(t *testing.T, m *model, actions int) {
	t.Helper()
	checks := []struct{ what, sql string }{
		{"vouchers that do not balance per fund", `SELECT count(*) FROM (SELECT voucher_id, fund FROM voucher_lines
			GROUP BY voucher_id, fund HAVING sum(debit_fen) <> sum(credit_fen)) x`},
		{"vouchers with fewer than 2 lines", `SELECT count(*) FROM vouchers v
			WHERE (SELECT count(*) FROM voucher_lines l WHERE l.book = v.book AND l.voucher_id = v.id) < 2`},
		{"vouchers whose total is not the sum of their debits", `SELECT count(*) FROM vouchers v
			WHERE total_fen <> (SELECT sum(debit_fen) FROM voucher_lines l WHERE l.book = v.book AND l.voucher_id = v.id)`},
		{"restricted balances below zero", `SELECT count(*) FROM balances b JOIN accounts a ON a.book = b.book AND a.code = b.account
			WHERE a.restricted AND b.balance_fen < 0`},
		{"stored balances that differ from the posted lines", `SELECT count(*) FROM balances b
			FULL JOIN (SELECT l.book, l.account, l.org, l.fund, sum(l.debit_fen - l.credit_fen) AS fen FROM voucher_lines l
				JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id WHERE v.status = 'posted'
				GROUP BY l.book, l.account, l.org, l.fund) p
			ON p.book = b.book AND p.account = b.account AND p.org = b.org AND p.fund = b.fund
			WHERE coalesce(b.balance_fen, 0) <> coalesce(p.fen, 0)`},
		{"funds whose balances do not add up to zero", `SELECT count(*) FROM (SELECT fund FROM balances GROUP BY fund HAVING sum(balance_fen) <> 0) x`},
		{"posted vouchers without one post action", `SELECT count(*) FROM vouchers v WHERE v.status = 'posted'
			AND (SELECT count(*) FROM actions a WHERE a.book = v.book AND a.voucher_id = v.id AND a.action = 'post') <> 1`},
		{"vouchers without one make action", `SELECT count(*) FROM vouchers v
			WHERE (SELECT count(*) FROM actions a WHERE a.book = v.book AND a.voucher_id = v.id AND a.action = 'make') <> 1`},
		{"red vouchers that do not negate their original", `SELECT count(*) FROM vouchers r JOIN voucher_lines rl ON rl.book = r.book AND rl.voucher_id = r.id
			LEFT JOIN voucher_lines ol ON ol.book = r.book AND ol.voucher_id = r.reversal_of AND ol.line_no = rl.line_no
			WHERE r.reversal_of IS NOT NULL AND (ol.line_no IS NULL OR rl.debit_fen <> -ol.debit_fen OR rl.credit_fen <> -ol.credit_fen
				OR rl.account <> ol.account OR rl.org <> ol.org OR rl.fund <> ol.fund)`},
	}
	for _, c := range checks {
		if n := f.count(c.sql); n != 0 {
			t.Errorf("%d %s", n, c.what)
		}
	}
	if n := f.count(`SELECT count(*) FROM actions`); n != actions {
		t.Errorf("the action log has %d entries, the steps that succeeded were %d", n, actions)
	}
	// The roll-up: the root's total of each account and fund is the sum of
	// every organisation's own balance, from the stored balances and
	// recomputed as of the end of the month alike.
	for _, asOf := range []time.Time{{}, day("2020-02-29")} {
		rows, err := f.db.Balances(f.ctx, book, "", "", asOf)
		if err != nil {
			t.Fatal(err)
		}
		own := map[[2]string]ledger.Money{}
		root := map[[2]string]ledger.Money{}
		for _, r := range rows {
			k := [2]string{r.Account, r.Fund}
			if _, ok := own[k]; !ok {
				own[k] = ledger.Zero
			}
			own[k] = own[k].Add(r.Own)
			if r.Org == "FY" {
				root[k] = r.Total
			}
		}
		for k, sum := range own {
			if !root[k].Equal(sum) {
				t.Errorf("as of %v: FY's total of %v is %s, its subtree holds %s", asOf, k, root[k], sum)
			}
			if want := m.sum(k[0], k[1]); want != sum.Fen() {
				t.Errorf("as of %v: %v adds up to %s, the model says %s", asOf, k, sum, ledger.FromFen(want))
			}
		}
	}
}

func (m *model) sum(account, fund string) int64 {
	var s int64
	for k, b := range m.balances {
		if k.account == account && k.fund == fund {
			s += b
		}
	}
	return s
}

func (k balanceKey) String() string { return fmt.Sprintf("%s/%s/%s", k.account, k.org, k.fund) }
