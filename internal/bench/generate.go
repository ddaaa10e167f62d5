package bench

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/csvimport"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// The approved-voucher workload of SPEC §9 ("bulk load of 1,000,000
// approved vouchers"): GenerateApprovedCSV writes the file that
// ImportApproved loads, and CopyBaseline loads the same rows with a raw
// COPY and no checks, for the ratio.

// genVoucher is one generated approved voucher.
type genVoucher struct {
	key                             string
	date                            time.Time
	summary                         string
	attachments                     int
	maker, checker, cashier, poster string
	flow                            string
	lines                           [2]genLine
}

type genLine struct {
	account, org, fund string
	purpose            ledger.Purpose
	debit, credit      int64
}

// approvedGen yields n approved vouchers valid against the demo setup
// (configs/demo/fenyang.yaml, book FY-DFZH) on an empty book: receipts of
// upper-level money (FY-UP) and local matching (FY-MATCH) into the bank
// whenever the bank runs short, allocations to the temporary branches and
// their spending on the three purposes, never overdrawing a branch, dated
// in order from 2020-01-28 (when the branches were set up) to 2020-12-31.
// The same n and seed always give the same vouchers.
type approvedGen struct {
	n, i     int
	seed     uint64
	rnd      *rand.Rand
	root     string
	branches []*ledger.Organisation
	bank     map[string]int64    // fund → bank balance
	pending  map[[2]string]int64 // (branch, fund) → 121801 balance
	queue    []genVoucher
	start    time.Time
	days     int
}

var genFunds = []string{"FY-UP", "FY-MATCH"}

func newApprovedGen(n int, seed uint64) (*approvedGen, error) {
	s, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		return nil, err
	}
	g := &approvedGen{n: n, seed: seed, rnd: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), bank: map[string]int64{}, pending: map[[2]string]int64{},
		start: time.Date(2020, 1, 28, 0, 0, 0, 0, time.UTC)}
	g.days = int(time.Date(2020, 12, 31, 0, 0, 0, 0, time.UTC).Sub(g.start).Hours()/24) + 1
	for i := range s.Books[0].Orgs {
		o := &s.Books[0].Orgs[i]
		switch {
		case o.Parent == "":
			g.root = o.Code
		case o.Kind == ledger.OrgTempBranch:
			g.branches = append(g.branches, o)
		}
	}
	if g.root == "" || len(g.branches) == 0 {
		return nil, fmt.Errorf("the demo setup has no root organisation or no temporary branches")
	}
	return g, nil
}

// next returns the next voucher, or false after n.
func (g *approvedGen) next() (genVoucher, bool) {
	if g.i >= g.n {
		return genVoucher{}, false
	}
	if len(g.queue) == 0 {
		g.plan()
	}
	v := g.queue[0]
	g.queue = g.queue[1:]
	g.i++
	v.key = fmt.Sprintf("G%d-%08d", g.seed, g.i)
	v.attachments = 1 + g.rnd.IntN(3)
	v.maker = []string{"wangfang", "liuyang"}[g.rnd.IntN(2)]
	v.checker = []string{"liqiang", "zhouhui"}[g.rnd.IntN(2)]
	v.poster = v.checker
	return v, true
}

// plan queues the next business event (one or two vouchers).
func (g *approvedGen) plan() {
	date := g.start.AddDate(0, 0, g.i*g.days/g.n)
	b := g.branches[g.rnd.IntN(len(g.branches))]
	fund := genFunds[g.rnd.IntN(len(genFunds))]
	k := [2]string{b.Code, fund}
	spend := 5000 + g.rnd.Int64N(295001) // 50.00 to 3,000.00
	if g.rnd.IntN(10) < 6 && g.pending[k] >= spend {
		p := ledger.Purposes[g.rnd.IntN(len(ledger.Purposes))]
		g.pending[k] -= spend
		g.queue = append(g.queue, genVoucher{date: date, flow: ledger.FlowSpend, summary: b.Name + "专项党费报账（" + p.Name() + "）",
			lines: [2]genLine{{account: ledger.ExpenseAccount(p), org: b.Code, fund: fund, purpose: p, debit: spend},
				{account: ledger.AcctPending, org: b.Code, fund: fund, credit: spend}}})
		return
	}
	alloc := 500000 + g.rnd.Int64N(2500001) // 5,000.00 to 30,000.00
	if g.bank[fund] < alloc {
		const receipt = 500000000 // 5,000,000.00
		g.bank[fund] += receipt
		v := genVoucher{date: date, cashier: "zhaomin", flow: ledger.FlowReceive, summary: "收到上级下拨专项党费",
			lines: [2]genLine{{account: ledger.AcctBank, org: g.root, fund: fund, debit: receipt},
				{account: ledger.AcctUpperIncome, org: g.root, fund: fund, credit: receipt}}}
		if fund == "FY-MATCH" {
			v.flow, v.summary, v.lines[1].account = ledger.FlowMatch, "本级配套专项党费", ledger.AcctMatching
		}
		g.queue = append(g.queue, v)
	}
	g.bank[fund] -= alloc
	g.pending[k] += alloc
	g.queue = append(g.queue, genVoucher{date: date, cashier: "zhaomin", flow: ledger.FlowAllocate, summary: b.Name + "划拨专项党费",
		lines: [2]genLine{{account: ledger.AcctPending, org: b.Code, fund: fund, debit: alloc},
			{account: ledger.AcctBank, org: g.root, fund: fund, credit: alloc}}})
}

// GenerateApprovedCSV writes n approved vouchers (2 lines each) for the
// demo book FY-DFZH as the CSV file `ledger import --approved` reads, with
// the Chinese header: receipts into the bank, allocations to the temporary
// branches and their spending, dated 2020-01-28 to 2020-12-31 in file
// order. Loaded into a book holding the demo setup and no vouchers, every
// voucher passes every rule. The same n and seed give the same file.
func GenerateApprovedCSV(w io.Writer, n int, seed uint64) error {
	g, err := newApprovedGen(n, seed)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := csv.NewWriter(bw)
	if err := cw.Write(csvimport.ChineseNames[:]); err != nil {
		return err
	}
	rec := make([]string, len(csvimport.ChineseNames))
	for {
		v, ok := g.next()
		if !ok {
			break
		}
		for i, l := range v.lines {
			rec[csvimport.ColKey] = v.key
			rec[csvimport.ColDate] = v.date.Format(time.DateOnly)
			rec[csvimport.ColType] = "记"
			rec[csvimport.ColSummary] = v.summary
			rec[csvimport.ColAccount] = l.account
			rec[csvimport.ColOrg] = l.org
			rec[csvimport.ColFund] = l.fund
			rec[csvimport.ColPurpose] = string(l.purpose)
			rec[csvimport.ColDebit] = fenText(l.debit)
			rec[csvimport.ColCredit] = fenText(l.credit)
			rec[csvimport.ColAttachments] = strconv.Itoa(v.attachments)
			rec[csvimport.ColMaker], rec[csvimport.ColChecker], rec[csvimport.ColPoster], rec[csvimport.ColCashier] = v.maker, v.checker, v.poster, v.cashier
			if i > 0 {
				// later rows may leave the voucher's fields empty
				rec[csvimport.ColDate], rec[csvimport.ColAttachments] = "", ""
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func fenText(fen int64) string {
	if fen == 0 {
		return ""
	}
	return ledger.FromFen(fen).String()
}

type counterKey struct {
	year, month int
	typ         string
}

// CopyResult says what CopyBaseline wrote.
type CopyResult struct {
	Vouchers int     `json:"vouchers"`
	Lines    int     `json:"lines"`
	Seconds  float64 `json:"seconds"`
}

// CopyBaseline writes the vouchers GenerateApprovedCSV(n, seed) describes
// into book the raw way, for the import's baseline: one transaction with
// session_replication_role = replica (no triggers, no foreign-key checks)
// that COPYs the rows an import leaves behind — the vouchers (as posted,
// numbered in file order, ids continuing the table's), their lines and
// their seal-queue entries — and writes the resulting balances and voucher
// counters directly. Nothing is checked. db must be connected as a
// superuser (replica mode needs one), to a fresh database holding the demo
// setup.
func CopyBaseline(ctx context.Context, db *postgres.DB, book string, n int, seed uint64) (CopyResult, error) {
	start := time.Now()
	var res CopyResult
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return err
		}
		var firstID int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) + 1 FROM vouchers`).Scan(&firstID); err != nil {
			return err
		}
		counters := map[counterKey]int{}
		rows, err := tx.Query(ctx, `SELECT year, month, type, last FROM voucher_counters WHERE book = $1`, book)
		if err != nil {
			return err
		}
		for rows.Next() {
			var y, m, last int
			var t string
			if err := rows.Scan(&y, &m, &t, &last); err != nil {
				return err
			}
			counters[counterKey{y, m, t}] = last
		}
		if err := rows.Err(); err != nil {
			return err
		}
		now := db.Now()
		g, err := newApprovedGen(n, seed)
		if err != nil {
			return err
		}
		deltas := map[ledger.BalanceKey]int64{}
		id := firstID - 1
		vouchers := copySource(func() ([]any, bool) {
			v, ok := g.next()
			if !ok {
				return nil, false
			}
			id++
			y, m := v.date.Year(), int(v.date.Month())
			ck := counterKey{y, m, "记"}
			counters[ck]++
			var cashier any
			var signedAt any
			if v.cashier != "" {
				cashier, signedAt = v.cashier, now
			}
			for _, l := range v.lines {
				deltas[ledger.BalanceKey{Account: l.account, Org: l.org, Fund: l.fund}] += l.debit - l.credit
			}
			return []any{book, id, "记", y, m, counters[ck], v.date, v.summary, v.attachments, "import", "posted", v.key,
				v.maker, now, v.checker, now, cashier, signedAt, v.poster, now, v.lines[0].debit + v.lines[1].debit}, true
		})
		nv, err := tx.CopyFrom(ctx, pgx.Identifier{"vouchers"}, []string{"book", "id", "type", "year", "month", "number", "date", "summary",
			"attachments", "flow", "status", "idem_key", "maker", "made_at", "checker", "checked_at", "cashier", "signed_at", "poster",
			"posted_at", "total_fen"}, vouchers)
		if err != nil {
			return err
		}
		if g, err = newApprovedGen(n, seed); err != nil {
			return err
		}
		id = firstID - 1
		var pending [][]any
		lines := copySource(func() ([]any, bool) {
			if len(pending) == 0 {
				v, ok := g.next()
				if !ok {
					return nil, false
				}
				id++
				for i, l := range v.lines {
					var purpose any
					if l.purpose != "" {
						purpose = string(l.purpose)
					}
					pending = append(pending, []any{book, id, v.date, i + 1, v.summary, l.account, l.org, l.fund, purpose, l.debit, l.credit})
				}
			}
			r := pending[0]
			pending = pending[1:]
			return r, true
		})
		nl, err := tx.CopyFrom(ctx, pgx.Identifier{"voucher_lines"}, []string{"book", "voucher_id", "date", "line_no", "summary", "account", "org",
			"fund", "purpose", "debit_fen", "credit_fen"}, lines)
		if err != nil {
			return err
		}
		// The seal queue: the import queues every voucher it posts, so a
		// load that leaves the same ledger behind does too.
		id = firstID - 1
		queue := copySource(func() ([]any, bool) {
			if id >= firstID-1+int64(nv) {
				return nil, false
			}
			id++
			return []any{book, id, now}, true
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"seal_pending"}, []string{"book", "voucher_id", "posted_at"}, queue); err != nil {
			return err
		}
		for k, d := range deltas {
			if _, err := tx.Exec(ctx, `INSERT INTO balances AS b (book, account, org, fund, restricted, balance_fen)
				SELECT $1, $2, $3, $4, a.restricted, $5 FROM accounts a WHERE a.book = $1 AND a.code = $2
				ON CONFLICT (book, account, org, fund) DO UPDATE SET balance_fen = b.balance_fen + excluded.balance_fen`,
				book, k.Account, k.Org, k.Fund, d); err != nil {
				return err
			}
		}
		// The posted lines and the turnover by day, as the importer writes
		// them (migration 00021).
		if _, err := tx.Exec(ctx, strings.ReplaceAll(derivePosted, "$RANGE", "v.book = $1 AND v.id BETWEEN $2 AND $3"), book, firstID, firstID-1+nv); err != nil {
			return err
		}
		for k, last := range counters {
			if _, err := tx.Exec(ctx, `INSERT INTO voucher_counters (book, year, month, type, last) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (book, year, month, type) DO UPDATE SET last = excluded.last`, book, k.year, k.month, k.typ, last); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('vouchers', 'id'), $1)`, firstID-1+nv); err != nil {
			return err
		}
		res.Vouchers, res.Lines = int(nv), int(nl)
		return nil
	})
	res.Seconds = time.Since(start).Seconds()
	return res, err
}

// copySource adapts a row generator to pgx.CopyFromSource.
func copySource(next func() ([]any, bool)) pgx.CopyFromSource { return &funcSource{next: next} }

type funcSource struct {
	next func() ([]any, bool)
	row  []any
}

func (s *funcSource) Next() bool {
	s.row, _ = s.next()
	return s.row != nil
}
func (s *funcSource) Values() ([]any, error) { return s.row, nil }
func (s *funcSource) Err() error             { return nil }
