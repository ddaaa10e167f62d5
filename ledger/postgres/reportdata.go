package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

// This file fills the audit workbook's model (report.AuditData) from the
// journal. Everything is read in one read-only REPEATABLE READ transaction,
// so every table of a workbook comes from the same snapshot and the
// cross-sheet invariants hold even while others post. The small tables are
// read when AuditData is called; the tables that grow with the journal (T3,
// 明细账, 银行存款日记账, 凭证清单) are iterators that run their one ordered
// query on that transaction when pulled and hand out rows as PostgreSQL sends
// them (rows.Next), keeping nothing.
//
// What counts (SPEC §3):
//   - T1–T7, 科目余额表, 试算平衡表, 明细账 and 银行存款日记账 count posted
//     vouchers only; drafts, checked/signed vouchers and voided ones do not.
//     A red reversal counts with its negative amounts.
//   - 凭证清单 lists every line of every voucher dated in the period, in
//     every state, with the state in its own column: voided numbers stay
//     visible, so the numbering can be seen to be gapless. Its 合计 adds up
//     every line listed.
//   - A report on a subtree (org) lists in T1–T8 the organisations of the
//     subtree; the book's statements (科目余额表, 试算平衡表, 明细账,
//     银行存款日记账, 凭证清单) take every line of the vouchers that have a
//     line in the subtree, so each voucher shows whole and balances.
//   - T1 reads the organisations' available balances: the accounts the chart
//     marks restricted (100201 bank and 1001 cash at the book's root, 121801
//     at a branch), per special fund (upper, matching). Each posted voucher's
//     net movement of an organisation's available balance is one of: 本期收入
//     (the voucher credits an income account, 420101/4801), 本期使用 (it
//     debits a spending account, 5001xx), 本期拨入/本期退回 (121801 up/down:
//     allocation received, unspent money sent back), 本期拨出/本期收回 (bank
//     or cash down/up otherwise: allocation made — also a 5501 grant —, money
//     returned). A red reversal keeps its original's column with a negative
//     amount. 期初结余 is the available balance before the period, 期末结余 at
//     its end, so every row satisfies the T1 formula by construction, and
//     AuditData checks that it does.

// AuditOption tunes AuditData.
type AuditOption func(*auditOptions)

type auditOptions struct {
	t9      *report.T9Table
	t9Set   bool
	timeout time.Duration
}

// WithReconciliation gives the 银行存款余额调节表 (T9) to print, instead of
// the reconciliation stored for the period.
func WithReconciliation(t *report.T9Table) AuditOption {
	return func(o *auditOptions) { o.t9, o.t9Set = t, true }
}

// WithReportTimeout bounds every statement of the report's transaction
// (default reportTimeoutDefault): a workbook of a large period streams for
// longer than an ordinary statement may run.
func WithReportTimeout(d time.Duration) AuditOption {
	return func(o *auditOptions) { o.timeout = d }
}

// reportTimeoutDefault bounds one statement of a report, streaming included.
const reportTimeoutDefault = 30 * time.Minute

// Limits on what one cell of the workbook carries.
const (
	itemNamesMax = 20  // beneficiaries named in T3's 品名/受助对象; more are counted
	usesMax      = 200 // uses listed in one T7 row; more are counted
)

// Accounts of 明细账 and 银行存款日记账.
var (
	detailAccounts = []string{ledger.AcctBank, ledger.AcctPending, ledger.AcctUpperIncome, ledger.AcctMatching,
		ledger.AcctProcurement, ledger.AcctCondolence, ledger.AcctRelief}
	cashAccounts = []string{ledger.AcctCash}
	bankAccounts = []string{ledger.AcctBank}
)

// AuditData reads the audit workbook of book over period for the subtree of
// org ("" for the whole book). Reviewer defaults to the book's checker
// (the first by user name); the caller sets Preparer, GeneratedBy and
// GeneratedAt, may replace Reviewer, writes the workbook (reports.WriteAudit or
// WriteSheet), pulling the iterators one at a time, and then calls close,
// which ends the transaction the iterators read from.
func (db *DB) AuditData(ctx context.Context, book string, period ledger.PeriodRange, org string, opts ...AuditOption) (*report.AuditData, func() error, error) {
	o := auditOptions{timeout: reportTimeoutDefault}
	for _, f := range opts {
		f(&o)
	}
	if period.From.IsZero() || period.To.IsZero() || period.To.Before(period.From) {
		return nil, nil, ledger.Errorf(ledger.EInvalid, "period", "the period is missing or ends before it starts")
	}
	// The transaction outlives the call: the workbook's iterators read
	// from it until close ends it, so it cannot be runTx's.
	tx, err := db.begin(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, nil, mapError(err)
	}
	closeTx := func() error {
		err := tx.Rollback(context.WithoutCancel(ctx))
		if errors.Is(err, pgx.ErrTxClosed) {
			return nil
		}
		return mapError(err)
	}
	d, err := readAudit(ctx, tx, book, period, org, &o)
	if err != nil {
		_ = closeTx()
		return nil, nil, mapError(err)
	}
	return d, closeTx, nil
}

// reportReader reads the tables of one workbook on one transaction.
type reportReader struct {
	ctx       context.Context
	tx        pgx.Tx
	book      string
	b         *ledger.Books
	from, to  time.Time
	yearStart time.Time
	scope     []string // organisations in the report; empty for the whole book
	orgOrder  []string // organisations in scope, depth first
	users     map[string]string
	checker   string // the book's first checker by name, the default 审核人
	hasTable  map[string]bool
	// publications by organisation: dates of the publications covering it
	// (its own, its ancestors' and the book's), sorted.
	publications map[string][]time.Time
}

func readAudit(ctx context.Context, tx pgx.Tx, book string, period ledger.PeriodRange, org string, o *auditOptions) (*report.AuditData, error) {
	if _, err := tx.Exec(ctx, `SELECT set_config('statement_timeout', $1, true)`, fmt.Sprint(o.timeout.Milliseconds())); err != nil {
		return nil, err
	}
	b, err := loadBooks(ctx, tx, book)
	if err != nil {
		return nil, err
	}
	if org != "" && b.Orgs[org] == nil {
		return nil, ledger.Errorf(ledger.ENotFound, "org", "organisation %s does not exist in book %s", org, book)
	}
	r := &reportReader{ctx: ctx, tx: tx, book: book, b: b, from: period.From, to: period.To,
		yearStart: time.Date(period.From.Year(), 1, 1, 0, 0, 0, 0, time.UTC), scope: []string{}}
	orgs, err := loadOrgs(ctx, tx, book)
	if err != nil {
		return nil, err
	}
	r.orgOrder = depthFirst(orgs, org)
	if org != "" {
		r.scope = slices.Clone(r.orgOrder)
	}
	if err := r.loadUsers(); err != nil {
		return nil, err
	}
	if err := r.loadTables(); err != nil {
		return nil, err
	}
	if err := r.loadPublications(); err != nil {
		return nil, err
	}
	d := &report.AuditData{BookCode: book, BookName: b.Book.Name, Period: period.Label(), From: period.From, To: period.To,
		GeneratedBy: ledger.SystemUser}
	if r.checker != "" {
		d.Reviewer = r.person(r.checker)
	}
	if org != "" {
		d.OrgCode, d.OrgName = org, b.Orgs[org].Name
	}
	steps := []struct {
		name string
		fn   func(*report.AuditData) error
	}{
		{"T1", r.t1}, {"T2", r.t2}, {"T4", r.t4}, {"T5", r.t5}, {"T6", r.t6}, {"T7", r.t7}, {"T8", r.t8},
		{"balances", r.balances}, {"seal", r.seal},
	}
	for _, s := range steps {
		if err := s.fn(d); err != nil {
			return nil, fmt.Errorf("audit workbook %s: %w", s.name, err)
		}
	}
	if o.t9Set {
		d.T9 = o.t9
	} else if d.T9, err = storedReconciliation(ctx, tx, book, period); err != nil {
		return nil, fmt.Errorf("audit workbook T9: %w", err)
	}
	d.T3 = r.t3()
	d.Detail = r.journal(detailAccounts, false)
	d.CashJournal = r.journal(cashAccounts, true)
	d.BankJournal = r.journal(bankAccounts, true)
	if err := r.general(d); err != nil {
		return nil, fmt.Errorf("audit workbook 总账: %w", err)
	}
	d.Expense = r.expense()
	d.Vouchers = r.vouchers()
	d.Params = r.params(org)
	return d, nil
}

// depthFirst lists the organisations of the subtree of root ("" for the
// whole book) depth first, children in setup order.
func depthFirst(orgs []*ledger.Organisation, root string) []string {
	children := map[string][]string{}
	known := map[string]bool{}
	for _, o := range orgs {
		known[o.Code] = true
	}
	var roots []string
	for _, o := range orgs {
		if o.Parent == "" || !known[o.Parent] {
			roots = append(roots, o.Code)
			continue
		}
		children[o.Parent] = append(children[o.Parent], o.Code)
	}
	if root != "" {
		roots = []string{root}
	}
	var out []string
	var walk func(c string, depth int)
	walk = func(c string, depth int) {
		out = append(out, c)
		if depth > ledger.OrgDepthMax {
			return
		}
		for _, k := range children[c] {
			walk(k, depth+1)
		}
	}
	for _, c := range roots {
		walk(c, 0)
	}
	return out
}

// args are the parameters every report query starts with: $1 book, $2 the
// first day, $3 the last day of the period, $4 the organisations in scope
// (empty: every organisation). A query that needs only some of them still
// mentions each (PostgreSQL must know every parameter's type).
func (r *reportReader) args(more ...any) []any {
	return append([]any{r.book, r.from, r.to, r.scope}, more...)
}

// voucherScopeSQL is the SQL condition that voucher v has a line of an
// organisation in scope. The book's statements (科目余额表, 试算平衡表,
// 明细账, 银行存款日记账, 凭证清单) of a subtree take whole vouchers, so
// that each voucher balances and so does the trial balance.
const voucherScopeSQL = `(cardinality($4::text[]) = 0 OR EXISTS (SELECT 1 FROM voucher_lines s
	WHERE s.book = v.book AND s.voucher_id = v.id AND s.org = ANY($4::text[])))`

// scopeSQL is the SQL condition that an organisation column is in scope.
func scopeSQL(col string) string {
	return fmt.Sprintf("(cardinality($4::text[]) = 0 OR %s = ANY($4::text[]))", col)
}

func (r *reportReader) loadUsers() error {
	r.users = map[string]string{}
	rows, err := r.tx.Query(r.ctx, `SELECT name, full_name, 'checker' = ANY(roles) AND NOT disabled FROM users WHERE book = $1 ORDER BY name`, r.book)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name, full string
		var checker bool
		if err := rows.Scan(&name, &full, &checker); err != nil {
			return err
		}
		if full != "" {
			r.users[name] = full
		}
		if checker && r.checker == "" {
			r.checker = name
		}
	}
	return rows.Err()
}

// person is the name a report prints for a user.
func (r *reportReader) person(name string) string {
	if full, ok := r.users[name]; ok {
		return full
	}
	return name
}

// loadTables notes which tables of later migrations exist: the report
// reads audit findings and publications when they are there.
func (r *reportReader) loadTables() error {
	r.hasTable = map[string]bool{}
	for _, t := range []string{"audit_findings", "audit_runs", "audit_run_findings", "publicity"} {
		var ok bool
		if err := r.tx.QueryRow(r.ctx, `SELECT to_regclass($1) IS NOT NULL`, t).Scan(&ok); err != nil {
			return err
		}
		r.hasTable[t] = ok
	}
	return nil
}

// loadPublications reads the publications (公示) dated on or after the
// period's first day; a publication by an organisation covers its subtree,
// one without an organisation the whole book (as rule A-17 reads them).
func (r *reportReader) loadPublications() error {
	r.publications = map[string][]time.Time{}
	if !r.hasTable["publicity"] {
		return nil
	}
	rows, err := r.tx.Query(r.ctx, `SELECT coalesce(org, ''), date FROM publicity WHERE book = $1 AND date >= $2 ORDER BY date`, r.book, r.from)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var org string
		var d time.Time
		if err := rows.Scan(&org, &d); err != nil {
			return err
		}
		for _, c := range r.orgOrder {
			if org == "" || r.b.InScope(org, c) {
				r.publications[c] = append(r.publications[c], d)
			}
		}
	}
	return rows.Err()
}

// publishedOn is the first publication covering org dated on or after d;
// zero when there is none.
func (r *reportReader) publishedOn(org string, d time.Time) time.Time {
	ds := r.publications[org]
	i := sort.Search(len(ds), func(i int) bool { return !ds[i].Before(d) })
	if i == len(ds) {
		return time.Time{}
	}
	return ds[i]
}

func (r *reportReader) orgName(code string) string {
	if o := r.b.Orgs[code]; o != nil {
		return o.Name
	}
	return code
}

func (r *reportReader) fundName(code string) string {
	if f := r.b.Funds[code]; f != nil {
		return f.Name
	}
	return code
}

func (r *reportReader) accountName(code string) string {
	if a := r.b.Chart[code]; a != nil {
		return a.Name
	}
	return code
}

// voucherWord is a voucher's 字号, e.g. 记-0012 (ledger.Voucher.Word).
func voucherWord(typ string, number int) string {
	v := ledger.Voucher{Type: typ, Number: number}
	return v.Word()
}

// T1 column keys of the classification below.
const (
	catIncome    = "income"
	catUsed      = "used"
	catIn        = "in"
	catReturned  = "returned"
	catOut       = "out"
	catRecovered = "recovered"
)

// classifySQL is a WITH clause whose relation c holds, per posted voucher
// dated in the period and per organisation in scope and special fund, the
// net movement n (fen, debit positive) of the organisation's available
// balance and the T1 column cat it belongs to (see the top of this file).
// pendingOnly reads 121801-like accounts (restricted, not cash) only, as T5
// does. Voucher-level facts (an income or a spending line) are read from
// all the voucher's lines of the fund, in scope or not.
func classifySQL(pendingOnly bool) string {
	avail := "a.restricted"
	if pendingOnly {
		avail = "a.restricted AND NOT a.cash"
	}
	return `WITH x AS (
		SELECT l.voucher_id, l.org, l.fund, ` + avail + ` AS avail, NOT a.cash AS pending, a.type = 'income' AS income,
		       a.purpose IS NOT NULL AS spend, l.debit_fen - l.credit_fen AS n, v.reversal_of IS NOT NULL AS red
		FROM voucher_lines l
		JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		JOIN accounts a ON a.book = l.book AND a.code = l.account
		JOIN funds f ON f.book = l.book AND f.code = l.fund
		WHERE l.book = $1 AND v.status = 'posted' AND ` + effDateSQL + ` BETWEEN $2 AND $3 AND f.kind IN ('upper', 'matching')
	), flags AS (
		SELECT voucher_id, fund, bool_or(income) AS income, bool_or(spend) AS spend FROM x GROUP BY 1, 2
	), g AS (
		SELECT voucher_id, org, fund, bool_or(pending) AS pending, bool_or(red) AS red, sum(n)::bigint AS n
		FROM x WHERE avail GROUP BY 1, 2, 3
	), c AS (
		SELECT g.voucher_id, g.org, g.fund, g.n, CASE
			WHEN fl.income THEN '` + catIncome + `'
			WHEN fl.spend THEN '` + catUsed + `'
			WHEN g.pending THEN CASE WHEN (g.n > 0) <> g.red THEN '` + catIn + `' ELSE '` + catReturned + `' END
			ELSE CASE WHEN (g.n < 0) <> g.red THEN '` + catOut + `' ELSE '` + catRecovered + `' END
		END AS cat
		FROM g JOIN flags fl ON fl.voucher_id = g.voucher_id AND fl.fund = g.fund
		WHERE g.n <> 0 AND ` + scopeSQL("g.org") + `
	) `
}

// flowSums are an organisation's available-balance movements of one fund,
// in fen, by T1 column.
type flowSums struct {
	open, close                                int64
	income, in, recovered, out, used, returned int64
}

func (s *flowSums) add(cat string, n int64) error {
	switch cat {
	case catIncome:
		s.income += n
	case catUsed:
		s.used -= n
	case catIn:
		s.in += n
	case catReturned:
		s.returned -= n
	case catOut:
		s.out -= n
	case catRecovered:
		s.recovered += n
	default:
		return fmt.Errorf("unknown T1 column %q", cat)
	}
	return nil
}

// balanced checks the T1 formula.
func (s *flowSums) balanced() bool {
	return s.open+s.income+s.in+s.recovered-s.out-s.used-s.returned == s.close
}

type orgFundKey struct{ org, fund string }

// flows reads the available-balance movements per organisation and fund:
// opening and closing balances, and the period's movements by column.
func (r *reportReader) flows(pendingOnly bool) (map[orgFundKey]*flowSums, error) {
	out := map[orgFundKey]*flowSums{}
	get := func(k orgFundKey) *flowSums {
		s := out[k]
		if s == nil {
			s = &flowSums{}
			out[k] = s
		}
		return s
	}
	avail := "a.restricted"
	if pendingOnly {
		avail = "a.restricted AND NOT a.cash"
	}
	rows, err := r.tx.Query(r.ctx, `SELECT l.org, l.fund,
			coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE `+effDateSQL+` < $2), 0)::bigint,
			sum(l.debit_fen - l.credit_fen)::bigint
		FROM voucher_lines l
		JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		JOIN accounts a ON a.book = l.book AND a.code = l.account
		JOIN funds f ON f.book = l.book AND f.code = l.fund
		WHERE l.book = $1 AND v.status = 'posted' AND `+effDateSQL+` <= $3 AND `+avail+`
		  AND f.kind IN ('upper', 'matching') AND `+scopeSQL("l.org")+`
		GROUP BY 1, 2`, r.args()...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k orgFundKey
		var open, closing int64
		if err := rows.Scan(&k.org, &k.fund, &open, &closing); err != nil {
			rows.Close()
			return nil, err
		}
		s := get(k)
		s.open, s.close = open, closing
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = r.tx.Query(r.ctx, classifySQL(pendingOnly)+`SELECT org, fund, cat, sum(n)::bigint FROM c GROUP BY 1, 2, 3`, r.args()...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k orgFundKey
		var cat string
		var n int64
		if err := rows.Scan(&k.org, &k.fund, &cat, &n); err != nil {
			return nil, err
		}
		if err := get(k).add(cat, n); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for k, s := range out {
		if !s.balanced() {
			return nil, fmt.Errorf("%s %s: opening %s and the period's movements do not add up to the closing balance %s",
				k.org, k.fund, ledger.FromFen(s.open), ledger.FromFen(s.close))
		}
	}
	return out, nil
}

// specialFunds lists the book's special funds, upper-level first, by code.
func (r *reportReader) specialFunds() []*ledger.Fund {
	var fs []*ledger.Fund
	for _, f := range r.b.Funds {
		if f.Kind.Special() {
			fs = append(fs, f)
		}
	}
	slices.SortFunc(fs, func(a, b *ledger.Fund) int {
		if a.Kind != b.Kind {
			if a.Kind == ledger.FundUpper {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Code, b.Code)
	})
	return fs
}

// t1 fills T1 收支总表: a row per organisation and special fund that has
// an available balance or a movement, funds upper-level first, each fund's
// organisations depth first.
func (r *reportReader) t1(d *report.AuditData) error {
	flows, err := r.flows(false)
	if err != nil {
		return err
	}
	for _, f := range r.specialFunds() {
		for _, org := range r.orgOrder {
			s := flows[orgFundKey{org, f.Code}]
			if s == nil {
				continue
			}
			d.T1 = append(d.T1, report.T1Row{Org: org, OrgName: r.orgName(org), Fund: f.Code, FundName: f.Name, FundKind: f.Kind,
				Opening: ledger.FromFen(s.open), Income: ledger.FromFen(s.income), AllocatedIn: ledger.FromFen(s.in),
				Recovered: ledger.FromFen(s.recovered), AllocatedOut: ledger.FromFen(s.out), Used: ledger.FromFen(s.used),
				Returned: ledger.FromFen(s.returned), Closing: ledger.FromFen(s.close)})
		}
	}
	return nil
}

// docRefPattern finds document numbers (文号) such as 晋组通〔2020〕8号 in
// a decision reference.
var docRefPattern = regexp.MustCompile(`[^\s；;，,、（）()]*[〔\[]\d{4}[〕\]]\d+号`)

// t2Row is a T2 row with its voucher's position in the journal's order.
type t2Row struct {
	report.T2Row
	key voucherKey
}

// voucherKey orders vouchers as the reports do: date, type, number, id.
type voucherKey struct {
	date   time.Time
	typ    string
	number int
	id     int64
}

func (k voucherKey) cmp(o voucherKey) int {
	if c := k.date.Compare(o.date); c != 0 {
		return c
	}
	if c := strings.Compare(k.typ, o.typ); c != 0 {
		return c
	}
	if k.number != o.number {
		if k.number < o.number {
			return -1
		}
		return 1
	}
	switch {
	case k.id < o.id:
		return -1
	case k.id > o.id:
		return 1
	}
	return 0
}

// t2 fills T2 拨付情况: the period's receipts of special funds and
// allocations to organisations in scope. 未拨付余额 is the special fund's
// money still in the book's bank and cash after the voucher; 滞留天数 of an
// allocation counts the days since the oldest money it passes down came in
// (first in, first out over the bank and cash movements of the fund).
func (r *reportReader) t2(d *report.AuditData) error {
	rows, err := r.tx.Query(r.ctx, classifySQL(false)+`SELECT c.voucher_id, c.org, c.fund, c.cat, c.n, v.date, v.type, v.number,
			v.summary, v.decision, v.method
		FROM c JOIN vouchers v ON v.book = $1 AND v.id = c.voucher_id
		WHERE c.cat IN ('`+catIncome+`', '`+catIn+`')
		ORDER BY v.date, v.type COLLATE "C", v.number, v.id, c.cat, c.org`, r.args()...)
	if err != nil {
		return err
	}
	var out []t2Row
	for rows.Next() {
		var x t2Row
		var org, cat, summary, decision, method string
		var n int64
		if err := rows.Scan(&x.VoucherID, &org, &x.Fund, &cat, &n, &x.key.date, &x.key.typ, &x.key.number, &summary, &decision, &method); err != nil {
			rows.Close()
			return err
		}
		x.key.id = x.VoucherID
		x.FundName = r.fundName(x.Fund)
		x.Voucher = voucherWord(x.key.typ, x.key.number)
		// 文件依据 takes the document numbers of the decision reference,
		// 决策依据 the rest (meeting minutes and dates), if anything is left.
		refs := docRefPattern.FindAllString(decision, -1)
		x.DocRef, x.Decision = strings.Join(refs, "；"), decision
		if strings.Trim(docRefPattern.ReplaceAllString(decision, ""), " ；;，,、") == "" {
			x.Decision = ""
		}
		x.Method = orDefault(method, ledger.MethodBank)
		x.Memo = summary
		x.Received, x.Amount, x.Unallocated = ledger.Zero, ledger.Zero, ledger.Zero
		if cat == catIncome {
			x.ReceivedOn, x.Received = x.key.date, ledger.FromFen(n)
		} else {
			x.Org, x.OrgName, x.Date, x.Amount = org, r.orgName(org), x.key.date, ledger.FromFen(n)
			if o := r.b.Orgs[org]; o != nil {
				x.HostUnit = o.HostUnit
			}
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := r.unallocated(out); err != nil {
		return err
	}
	for _, x := range out {
		d.T2 = append(d.T2, x.T2Row)
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// fundLot is money of a fund that came into the bank or cash on a day.
type fundLot struct {
	date time.Time
	fen  int64
}

// unallocated fills 未拨付余额 and 滞留天数 of the T2 rows (in journal
// order) from the bank and cash movements of the special funds up to the
// period's end.
func (r *reportReader) unallocated(out []t2Row) error {
	if len(out) == 0 {
		return nil
	}
	rows, err := r.tx.Query(r.ctx, `SELECT v.id, v.date, v.type, v.number, l.fund, sum(l.debit_fen - l.credit_fen)::bigint
		FROM voucher_lines l
		JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		JOIN accounts a ON a.book = l.book AND a.code = l.account
		JOIN funds f ON f.book = l.book AND f.code = l.fund
		WHERE l.book = $1 AND v.status = 'posted' AND v.date <= $2 AND a.restricted AND a.cash AND f.kind IN ('upper', 'matching')
		GROUP BY v.id, v.date, v.type, v.number, l.fund
		ORDER BY v.date, v.type COLLATE "C", v.number, v.id, l.fund`, r.book, r.to)
	if err != nil {
		return err
	}
	defer rows.Close()
	balance := map[string]int64{}
	lots := map[string][]fundLot{}
	type heldKey struct {
		id   int64
		fund string
	}
	held := map[heldKey]time.Time{}
	i := 0
	// settle gives the T2 rows up to (and, when through, including)
	// voucher key k the fund's balance at that point.
	settle := func(k voucherKey, through bool) {
		for i < len(out) {
			c := out[i].key.cmp(k)
			if c > 0 || (c == 0 && !through) {
				return
			}
			x := &out[i]
			x.Unallocated = ledger.FromFen(balance[x.Fund])
			if x.Amount.Sign() > 0 {
				if since, ok := held[heldKey{x.VoucherID, x.Fund}]; ok {
					x.DaysHeld = int(x.Date.Sub(since).Hours() / 24)
				}
			}
			i++
		}
	}
	// A voucher's rows (one per fund) are applied before its T2 rows take
	// the balance after it.
	var prev voucherKey
	started := false
	for rows.Next() {
		var k voucherKey
		var fund string
		var n int64
		if err := rows.Scan(&k.id, &k.date, &k.typ, &k.number, &fund, &n); err != nil {
			return err
		}
		if started && k.id != prev.id {
			settle(prev, true)
		}
		prev, started = k, true
		settle(k, false)
		balance[fund] += n
		q := lots[fund]
		switch {
		case n > 0:
			q = append(q, fundLot{k.date, n})
		case n < 0:
			if len(q) > 0 {
				held[heldKey{k.id, fund}] = q[0].date
			}
			for need := -n; need > 0 && len(q) > 0; {
				take := min(need, q[0].fen)
				q[0].fen -= take
				need -= take
				if q[0].fen == 0 {
					q = q[1:]
				}
			}
		}
		lots[fund] = q
	}
	if err := rows.Err(); err != nil {
		return err
	}
	settle(voucherKey{date: r.to.AddDate(1, 0, 0)}, true)
	return nil
}

// spendLinesSQL selects the posted spending lines (accounts bound to a
// purpose) of special funds dated in the period, of organisations in scope.
const spendLinesSQL = `FROM voucher_lines l
	JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
	JOIN accounts a ON a.book = l.book AND a.code = l.account
	JOIN funds f ON f.book = l.book AND f.code = l.fund
	WHERE l.book = $1 AND v.status = 'posted' AND v.date BETWEEN $2 AND $3 AND a.purpose IS NOT NULL AND ` + notYearFlowSQL + `
	  AND f.kind IN ('upper', 'matching') AND (cardinality($4::text[]) = 0 OR l.org = ANY($4::text[]))`

// methodSQL is a voucher's payment method: as recorded, or cash when it
// has a cash-on-hand line ($5), bank otherwise.
const methodSQL = `CASE WHEN v.method <> '' THEN v.method
	WHEN EXISTS (SELECT 1 FROM voucher_lines c WHERE c.book = v.book AND c.voucher_id = v.id AND c.account = $5) THEN 'cash'
	ELSE 'bank' END`

// personsSQL counts a voucher's beneficiaries (a red reversal's are its
// original's, counted negative).
const personsSQL = `(SELECT count(*) FROM voucher_beneficiaries b WHERE b.book = v.book AND b.voucher_id = coalesce(v.reversal_of, v.id))
	* CASE WHEN v.reversal_of IS NULL THEN 1 ELSE -1 END`

// signSQL counts a voucher once, a red reversal minus once.
const signSQL = `CASE WHEN v.reversal_of IS NULL THEN 1 ELSE -1 END`

// t3 streams T3 使用明细: one row per spending line, in journal order.
func (r *reportReader) t3() iter.Seq2[report.T3Row, error] {
	flags := `'{}'::text[]`
	join := ""
	if r.hasTable["audit_findings"] {
		flags = `coalesce(fl.rules, '{}')`
		join = `LEFT JOIN (SELECT voucher_id, array_agg(DISTINCT rule ORDER BY rule) AS rules FROM audit_findings
			WHERE book = $1 AND voucher_id IS NOT NULL GROUP BY voucher_id) fl ON fl.voucher_id = v.id`
	}
	// A line with items (物品明细) gives one row per item, the line's amount
	// split by them; a red reversal's rows are its original's items,
	// negated (quantity and amount), so the rows add up to the lines.
	sql := `SELECT v.id, v.date, v.type, v.number, v.summary, l.org, l.fund, coalesce(l.purpose, a.purpose),
			CASE WHEN it.seq IS NULL THEN l.debit_fen - l.credit_fen ELSE it.amount_fen * ` + signSQL + ` END,
			` + methodSQL + `, v.payee, v.payee_type, v.doc_types, v.attachments, v.decision, v.maker, coalesce(v.checker, ''),
			coalesce(ben.n, 0), coalesce(ben.names, '{}'), ` + flags + `,
			coalesce(it.name, ''), coalesce(it.spec, ''), coalesce(it.unit, ''),
			coalesce((it.quantity * ` + signSQL + `)::text, '0'), coalesce(it.unit_price::text, '0')
		FROM voucher_lines l
		JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		JOIN accounts a ON a.book = l.book AND a.code = l.account
		JOIN funds f ON f.book = l.book AND f.code = l.fund
		LEFT JOIN LATERAL (SELECT count(*)::int AS n, (array_agg(b.name ORDER BY b.seq))[1:` + fmt.Sprint(itemNamesMax) + `] AS names
			FROM voucher_beneficiaries b WHERE b.book = v.book AND b.voucher_id = coalesce(v.reversal_of, v.id)) ben ON true
		LEFT JOIN voucher_items it ON it.book = l.book AND it.voucher_id = coalesce(v.reversal_of, v.id) AND it.line_no = l.line_no
		` + join + `
		WHERE l.book = $1 AND v.status = 'posted' AND v.date BETWEEN $2 AND $3 AND a.purpose IS NOT NULL AND ` + notYearFlowSQL + `
		  AND f.kind IN ('upper', 'matching') AND ` + scopeSQL("l.org") + `
		ORDER BY v.date, v.type COLLATE "C", v.number, v.id, l.line_no, it.seq`
	return func(yield func(report.T3Row, error) bool) {
		rows, err := r.tx.Query(r.ctx, sql, r.args(ledger.AcctCash)...)
		if err != nil {
			yield(report.T3Row{}, mapError(err))
			return
		}
		defer rows.Close()
		var typ, org, fund, purpose, maker, checker string
		var number, persons int
		var fen int64
		var names []string
		var itemName, qty, price string
		for rows.Next() {
			var x report.T3Row
			if err := rows.Scan(&x.VoucherID, &x.Date, &typ, &number, &x.Summary, &org, &fund, &purpose, &fen, &x.Method,
				&x.Payee, &x.PayeeType, &x.DocTypes, &x.Attachments, &x.Decision, &maker, &checker, &persons, &names, &x.Flags,
				&itemName, &x.Spec, &x.Unit, &qty, &price); err != nil {
				yield(report.T3Row{}, mapError(err))
				return
			}
			var err error
			if x.Quantity, err = decimal.NewFromString(qty); err == nil {
				x.UnitPrice, err = decimal.NewFromString(price)
			}
			if err != nil {
				yield(report.T3Row{}, err)
				return
			}
			x.Org, x.OrgName = org, r.orgName(org)
			x.Voucher = voucherWord(typ, number)
			x.Purpose = ledger.Purpose(purpose)
			x.FundName = r.fundName(fund)
			x.Amount = ledger.FromFen(fen)
			x.Item = itemText(names, persons)
			if itemName != "" {
				x.Item = itemName
			}
			x.Handler, x.Checker = r.person(maker), r.person(checker)
			x.PublishedOn = r.publishedOn(org, x.Date)
			if !yield(x, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(report.T3Row{}, mapError(err))
		}
	}
}

// itemText names the beneficiaries of a spending (品名/受助对象).
func itemText(names []string, n int) string {
	if n == 0 {
		return ""
	}
	s := strings.Join(names, "、")
	if n > len(names) {
		s += fmt.Sprintf("等%d人", n)
	}
	return s
}

// t4 fills T4 按用途汇总: per purpose the spending lines (a red reversal
// counts minus one), the amount, the cash part, the lines without
// attachments (reversals and corrections aside) and the beneficiaries.
func (r *reportReader) t4(d *report.AuditData) error {
	rows, err := r.tx.Query(r.ctx, `SELECT coalesce(l.purpose, a.purpose), sum(`+signSQL+`)::int, sum(l.debit_fen - l.credit_fen)::bigint,
			coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE `+methodSQL+` = 'cash'), 0)::bigint,
			count(*) FILTER (WHERE v.attachments = 0 AND v.reversal_of IS NULL AND NOT v.correcting AND NOT v.closing)::int,
			sum(`+personsSQL+`)::int
		`+spendLinesSQL+`
		GROUP BY 1`, r.args(ledger.AcctCash)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	by := map[ledger.Purpose]report.T4Row{}
	for rows.Next() {
		var x report.T4Row
		var purpose string
		var amount, cash int64
		if err := rows.Scan(&purpose, &x.Count, &amount, &cash, &x.NoReceipt, &x.Persons); err != nil {
			return err
		}
		x.Purpose, x.Amount, x.Cash = ledger.Purpose(purpose), ledger.FromFen(amount), ledger.FromFen(cash)
		by[x.Purpose] = x
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range ledger.Purposes {
		x, ok := by[p]
		if !ok {
			x = report.T4Row{Purpose: p, Amount: ledger.Zero, Cash: ledger.Zero}
		}
		d.T4 = append(d.T4, x)
	}
	return nil
}

// t5 fills T5 按党组织汇总: every organisation in scope with its own
// pending-settlement (121801) movements of the special funds; the writer
// rolls them up the tree. 最近使用日期 is the last spending by the
// organisation up to the period's end; 滞留天数 the days from the last
// movement of its balance to the period's end while money is left.
func (r *reportReader) t5(d *report.AuditData) error {
	flows, err := r.flows(true)
	if err != nil {
		return err
	}
	type dates struct{ lastUsed, lastMove time.Time }
	last := map[string]*dates{}
	rows, err := r.tx.Query(r.ctx, `SELECT l.org, max(v.date) FILTER (WHERE a.purpose IS NOT NULL),
			max(v.date) FILTER (WHERE a.restricted AND NOT a.cash)
		FROM voucher_lines l
		JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		JOIN accounts a ON a.book = l.book AND a.code = l.account
		JOIN funds f ON f.book = l.book AND f.code = l.fund
		WHERE l.book = $1 AND v.status = 'posted' AND v.date <= $3 AND $2::date <= $3 AND f.kind IN ('upper', 'matching') AND `+scopeSQL("l.org")+`
		GROUP BY 1`, r.args()...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var org string
		var used, moved *time.Time
		if err := rows.Scan(&org, &used, &moved); err != nil {
			rows.Close()
			return err
		}
		x := &dates{}
		if used != nil {
			x.lastUsed = *used
		}
		if moved != nil {
			x.lastMove = *moved
		}
		last[org] = x
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, code := range r.orgOrder {
		o := r.b.Orgs[code]
		var s flowSums
		for k, f := range flows {
			if k.org == code {
				s.open += f.open
				s.close += f.close
				s.in += f.in
				s.used += f.used
				s.returned += f.returned
				s.recovered += f.recovered
				s.out += f.out
				s.income += f.income
			}
		}
		// A pending-settlement balance moves by allocation, spending and
		// return. Money that reached it otherwise (a voucher crediting an
		// income account straight to 121801) counts as received, so that
		// the row still adds up; the cover's T5 = T2 check then shows it.
		in, returned := s.in+s.income+s.recovered, s.returned+s.out
		x := report.T5Row{Org: code, Name: o.Name, Parent: o.Parent, Kind: o.Kind, Category: o.Category, Secretary: o.Secretary,
			HostUnit: o.HostUnit, Opening: ledger.FromFen(s.open), In: ledger.FromFen(in), Used: ledger.FromFen(s.used),
			Returned: ledger.FromFen(returned), Closing: ledger.FromFen(s.close)}
		if code == r.orgOrder[0] && len(r.scope) > 0 {
			x.Parent = "" // the report's root
		}
		if l := last[code]; l != nil {
			x.LastUsed = l.lastUsed
			if s.close > 0 && !l.lastMove.IsZero() {
				x.DaysIdle = int(r.to.Sub(l.lastMove).Hours() / 24)
			}
		}
		if o.Dissolved != nil {
			x.Dissolved = *o.Dissolved
		}
		d.T5 = append(d.T5, x)
	}
	return nil
}

// t6 fills T6 慰问救助花名册: the beneficiaries of the period's spending,
// a red reversal's (its original's) with negative amounts, and as 物品 the
// goods of the voucher's items (品名×数量单位), given to its beneficiaries. An ID number
// paid more than once in the project (the fund's project), by vouchers not
// reversed, is marked as a duplicate.
func (r *reportReader) t6(d *report.AuditData) error {
	rows, err := r.tx.Query(r.ctx, `WITH sl AS (
			SELECT DISTINCT ON (l.voucher_id) l.voucher_id, l.org, l.fund, coalesce(l.purpose, a.purpose) AS purpose, f.project
			FROM voucher_lines l
			JOIN accounts a ON a.book = l.book AND a.code = l.account
			JOIN funds f ON f.book = l.book AND f.code = l.fund
			WHERE l.book = $1 AND a.purpose IS NOT NULL AND f.kind IN ('upper', 'matching')
			ORDER BY l.voucher_id, l.line_no
		), dup AS (
			SELECT sl.project, b.id_number
			FROM voucher_beneficiaries b
			JOIN vouchers v ON v.book = b.book AND v.id = b.voucher_id
			JOIN sl ON sl.voucher_id = v.id
			WHERE b.book = $1 AND v.status = 'posted' AND v.reversal_of IS NULL AND v.date <= $3 AND b.id_number <> ''
			  AND NOT EXISTS (SELECT 1 FROM vouchers rv WHERE rv.book = v.book AND rv.reversal_of = v.id AND rv.status = 'posted' AND rv.date <= $3)
			GROUP BY 1, 2 HAVING count(*) > 1
		)
		SELECT b.name, b.category, b.id_number, b.reason, b.amount_fen * `+signSQL+`, sl.org, sl.purpose, v.date, `+methodSQL+`,
			v.id, v.type, v.number, v.doc_types, dup.id_number IS NOT NULL, coalesce(goods.list, '')
		FROM vouchers v
		JOIN sl ON sl.voucher_id = v.id
		JOIN voucher_beneficiaries b ON b.book = v.book AND b.voucher_id = coalesce(v.reversal_of, v.id)
		LEFT JOIN LATERAL (SELECT string_agg(i.name || '×' || i.quantity::text || i.unit, '、' ORDER BY i.line_no, i.seq) AS list
			FROM voucher_items i WHERE i.book = v.book AND i.voucher_id = coalesce(v.reversal_of, v.id)) goods ON true
		LEFT JOIN dup ON dup.project = sl.project AND dup.id_number = b.id_number
		WHERE v.book = $1 AND v.status = 'posted' AND v.date BETWEEN $2 AND $3 AND `+scopeSQL("sl.org")+`
		ORDER BY v.date, v.type COLLATE "C", v.number, v.id, b.seq`, r.args(ledger.AcctCash)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var x report.T6Row
		var fen int64
		var org, purpose, typ string
		var number int
		var docs []string
		if err := rows.Scan(&x.Name, &x.Category, &x.IDNumber, &x.Reason, &fen, &org, &purpose, &x.Date, &x.Method,
			&x.VoucherID, &typ, &number, &docs, &x.Duplicate, &x.Goods); err != nil {
			return err
		}
		x.Amount, x.OrgName, x.Purpose, x.Voucher = ledger.FromFen(fen), r.orgName(org), ledger.Purpose(purpose), voucherWord(typ, number)
		if slices.Contains(docs, "签收单/花名册") {
			x.Receipt = "签收单/花名册"
		}
		d.T6 = append(d.T6, x)
	}
	return rows.Err()
}

// t7 fills T7 公示表: per organisation (depth first) and purpose, the
// period's spending with its uses, and the first publication covering the
// organisation after its last use.
func (r *reportReader) t7(d *report.AuditData) error {
	rows, err := r.tx.Query(r.ctx, `SELECT l.org, coalesce(l.purpose, a.purpose), sum(`+signSQL+`)::int, sum(l.debit_fen - l.credit_fen)::bigint,
			sum(`+personsSQL+`)::int, max(v.date), count(*)::int,
			(array_agg(v.date ORDER BY v.date, v.type COLLATE "C", v.number, v.id, l.line_no))[1:`+fmt.Sprint(usesMax)+`],
			(array_agg(v.summary ORDER BY v.date, v.type COLLATE "C", v.number, v.id, l.line_no))[1:`+fmt.Sprint(usesMax)+`],
			(array_agg(l.debit_fen - l.credit_fen ORDER BY v.date, v.type COLLATE "C", v.number, v.id, l.line_no))[1:`+fmt.Sprint(usesMax)+`]
		`+spendLinesSQL+`
		GROUP BY 1, 2`, r.args()...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type key struct {
		org     string
		purpose ledger.Purpose
	}
	by := map[key]report.T7Row{}
	for rows.Next() {
		var x report.T7Row
		var purpose string
		var amount int64
		var lastUse time.Time
		var uses int
		var dates []time.Time
		var summaries []string
		var fens []int64
		if err := rows.Scan(&x.Org, &purpose, &x.Count, &amount, &x.Persons, &lastUse, &uses, &dates, &summaries, &fens); err != nil {
			return err
		}
		x.OrgName, x.Purpose, x.Amount = r.orgName(x.Org), ledger.Purpose(purpose), ledger.FromFen(amount)
		for i := range dates {
			x.Uses = append(x.Uses, fmt.Sprintf("%s %s %s元", dates[i].Format("01-02"), summaries[i], ledger.FromFen(fens[i]).Format()))
		}
		if uses > len(dates) {
			x.Uses = append(x.Uses, fmt.Sprintf("……共%d笔", uses))
		}
		x.PublishedOn = r.publishedOn(x.Org, lastUse)
		by[key{x.Org, x.Purpose}] = x
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, org := range r.orgOrder {
		for _, p := range ledger.Purposes {
			if x, ok := by[key{org, p}]; ok {
				d.T7 = append(d.T7, x)
			}
		}
	}
	return nil
}

// t8 fills T8 异常清单 from the stored audit findings, when the audit
// tables exist: the findings of the latest evaluation of each period lying
// within the report's period (a month, a range or a year), in scope.
func (r *reportReader) t8(d *report.AuditData) error {
	if !r.hasTable["audit_findings"] || !r.hasTable["audit_runs"] || !r.hasTable["audit_run_findings"] {
		return nil
	}
	rows, err := r.tx.Query(r.ctx, `WITH runs AS (
			SELECT max(id) AS id FROM audit_runs WHERE book = $1 AND period_from >= $2 AND period_to <= $3
			GROUP BY period_from, period_to
		)
		SELECT f.rule, f.type, f.severity, coalesce(f.voucher_id, 0), f.voucher_word, f.date, f.org, f.amount_fen,
			f.explanation, f.responsible, f.deadline, f.state
		FROM audit_findings f
		WHERE f.book = $1 AND f.key IN (SELECT rf.finding_key FROM audit_run_findings rf JOIN runs ON rf.run_id = runs.id WHERE rf.book = $1)
		  AND (cardinality($4::text[]) = 0 OR f.org = ANY($4::text[]))
		ORDER BY f.rule, f.date NULLS FIRST, f.voucher_id NULLS FIRST, f.org, f.key`, r.args()...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var x report.T8Row
		var date, deadline *time.Time
		var org string
		var fen int64
		if err := rows.Scan(&x.Rule, &x.Type, &x.Severity, &x.VoucherID, &x.Voucher, &date, &org, &fen, &x.Note,
			&x.Responsible, &deadline, &x.Status); err != nil {
			return err
		}
		if date != nil {
			x.Date = *date
		}
		if deadline != nil {
			x.Deadline = *deadline
		}
		if org != "" {
			x.OrgName = r.orgName(org)
		}
		x.Amount = ledger.FromFen(fen)
		d.T8 = append(d.T8, x)
	}
	return rows.Err()
}

// balanceSums are an account's balances and movements in fen.
type balanceSums struct{ open, pd, pc, yd, yc int64 }

// balances fills 科目余额表 (every account with a posted line up to the
// period's end, and its parents as the sums of their children) and
// 试算平衡表 (the first-level accounts). All funds count: these are the
// book's own statements. 本年累计 runs from 1 January of the period's first
// year.
func (r *reportReader) balances(d *report.AuditData) error {
	rows, err := r.tx.Query(r.ctx, `SELECT l.account,
			coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE `+effDateSQL+` < $2), 0)::bigint,
			coalesce(sum(l.debit_fen) FILTER (WHERE `+effDateSQL+` >= $2), 0)::bigint,
			coalesce(sum(l.credit_fen) FILTER (WHERE `+effDateSQL+` >= $2), 0)::bigint,
			coalesce(sum(l.debit_fen) FILTER (WHERE `+effDateSQL+` >= $5 AND v.flow <> 'opening'), 0)::bigint,
			coalesce(sum(l.credit_fen) FILTER (WHERE `+effDateSQL+` >= $5 AND v.flow <> 'opening'), 0)::bigint
		FROM voucher_lines l
		JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		WHERE l.book = $1 AND v.status = 'posted' AND `+effDateSQL+` <= $3 AND `+voucherScopeSQL+`
		GROUP BY 1`, r.args(r.yearStart)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	sums := map[string]*balanceSums{}
	for rows.Next() {
		var code string
		var s balanceSums
		if err := rows.Scan(&code, &s.open, &s.pd, &s.pc, &s.yd, &s.yc); err != nil {
			return err
		}
		// Every ancestor in the chart adds its children up.
		for c, n := code, 0; c != "" && n <= 8; n++ {
			t := sums[c]
			if t == nil {
				t = &balanceSums{}
				sums[c] = t
			}
			t.open, t.pd, t.pc, t.yd, t.yc = t.open+s.open, t.pd+s.pd, t.pc+s.pc, t.yd+s.yd, t.yc+s.yc
			a := r.b.Chart[c]
			if a == nil {
				break
			}
			c = a.Parent
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	codes := make([]string, 0, len(sums))
	for c := range sums {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	side := func(fen int64) (ledger.Money, ledger.Money) {
		if fen >= 0 {
			return ledger.FromFen(fen), ledger.Zero
		}
		return ledger.Zero, ledger.FromFen(-fen)
	}
	for _, c := range codes {
		s := sums[c]
		parent := ""
		if a := r.b.Chart[c]; a != nil {
			parent = a.Parent
		}
		x := report.BalanceRow{Account: c, Name: r.accountName(c), Parent: parent,
			PeriodDebit: ledger.FromFen(s.pd), PeriodCredit: ledger.FromFen(s.pc), YearDebit: ledger.FromFen(s.yd), YearCredit: ledger.FromFen(s.yc)}
		x.OpeningDebit, x.OpeningCredit = side(s.open)
		x.ClosingDebit, x.ClosingCredit = side(s.open + s.pd - s.pc)
		d.Balances = append(d.Balances, x)
		if parent == "" {
			d.Trial = append(d.Trial, x)
		}
	}
	return nil
}

// seal fills the period seal: the chain head recorded when the period's
// last month was closed, "" while it is open.
func (r *reportReader) seal(d *report.AuditData) error {
	var seal, reason *string
	err := r.tx.QueryRow(r.ctx, `SELECT seal, no_statement_reason FROM periods WHERE book = $1 AND year = $2 AND month = $3 AND status = 'closed'`,
		r.book, r.to.Year(), int(r.to.Month())).Scan(&seal, &reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if seal != nil {
		d.PeriodSeal = *seal
	}
	if reason != nil {
		d.NoStatementReason = *reason
	}
	return nil
}

// journal streams 明细账 (or, daybook, 现金日记账 or 银行存款日记账 with the
// 对方科目 of each entry) of accounts: per account
// (by code) its opening row, then its posted lines of the period in journal
// order. Every account of the list that is in the chart gets its section.
func (r *reportReader) journal(accounts []string, daybook bool) iter.Seq2[report.JournalRow, error] {
	var codes []string
	for _, c := range accounts {
		if r.b.Chart[c] != nil {
			codes = append(codes, c)
		}
	}
	slices.Sort(codes)
	contra := `''`
	if daybook {
		contra = `coalesce((SELECT string_agg(DISTINCT a2.name, '、' ORDER BY a2.name) FROM voucher_lines l2
			JOIN accounts a2 ON a2.book = l2.book AND a2.code = l2.account
			WHERE l2.book = l.book AND l2.voucher_id = l.voucher_id AND l2.account <> l.account), '')`
	}
	return func(yield func(report.JournalRow, error) bool) {
		fail := func(err error) { yield(report.JournalRow{}, mapError(err)) }
		open := map[string]balanceSums{}
		rows, err := r.tx.Query(r.ctx, `SELECT l.account, sum(l.debit_fen - l.credit_fen)::bigint,
				coalesce(sum(l.debit_fen) FILTER (WHERE `+effDateSQL+` >= $5 AND v.flow <> 'opening'), 0)::bigint,
				coalesce(sum(l.credit_fen) FILTER (WHERE `+effDateSQL+` >= $5 AND v.flow <> 'opening'), 0)::bigint
			FROM voucher_lines l
			JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			WHERE l.book = $1 AND v.status = 'posted' AND `+effDateSQL+` < $2 AND $2 <= $3::date AND l.account = ANY($6) AND `+voucherScopeSQL+`
			GROUP BY 1`, r.args(r.yearStart, codes)...)
		if err != nil {
			fail(err)
			return
		}
		for rows.Next() {
			var c string
			var s balanceSums
			if err := rows.Scan(&c, &s.open, &s.yd, &s.yc); err != nil {
				rows.Close()
				fail(err)
				return
			}
			open[c] = s
		}
		if err := rows.Err(); err != nil {
			fail(err)
			return
		}
		next := 0
		// startUpTo writes the opening rows of the accounts up to code.
		startUpTo := func(code string) bool {
			for next < len(codes) && codes[next] <= code {
				c := codes[next]
				s := open[c]
				if !yield(report.JournalRow{Kind: report.JournalOpening, Account: c, AccountName: r.accountName(c),
					Balance: ledger.FromFen(s.open), YearDebit: ledger.FromFen(s.yd), YearCredit: ledger.FromFen(s.yc),
					Debit: ledger.Zero, Credit: ledger.Zero}, nil) {
					return false
				}
				next++
			}
			return true
		}
		rows, err = r.tx.Query(r.ctx, `SELECT l.account, v.id, v.date, v.type, v.number, l.summary, `+contra+`, l.org, l.fund,
				l.debit_fen, l.credit_fen, v.method, v.memo
			FROM voucher_lines l
			JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			WHERE l.book = $1 AND v.status = 'posted' AND `+effDateSQL+` BETWEEN $2 AND $3 AND l.account = ANY($5) AND `+voucherScopeSQL+`
			ORDER BY l.account COLLATE "C", v.date, v.type COLLATE "C", v.number, v.id, l.line_no`, r.args(codes)...)
		if err != nil {
			fail(err)
			return
		}
		defer rows.Close()
		var typ, org, fund, memo string
		var number int
		var debit, credit int64
		for rows.Next() {
			var x report.JournalRow
			if err := rows.Scan(&x.Account, &x.VoucherID, &x.Date, &typ, &number, &x.Summary, &x.Contra, &org, &fund, &debit, &credit, &x.Method, &memo); err != nil {
				fail(err)
				return
			}
			if !startUpTo(x.Account) {
				return
			}
			x.Kind, x.AccountName, x.Voucher = report.JournalEntry, r.accountName(x.Account), voucherWord(typ, number)
			x.OrgName, x.FundName, x.BillNo = r.orgName(org), r.fundName(fund), ledger.BillNo(memo)
			x.Debit, x.Credit, x.Balance, x.YearDebit, x.YearCredit = ledger.FromFen(debit), ledger.FromFen(credit), ledger.Zero, ledger.Zero, ledger.Zero
			if !yield(x, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			fail(err)
			return
		}
		startUpTo("\xff")
	}
}

// vouchers streams 凭证清单: every line of every voucher dated in the
// period, in every state (the state is a column; voided numbers show), of
// vouchers with a line in scope, in journal order.
func (r *reportReader) vouchers() iter.Seq2[report.VoucherLineRow, error] {
	sql := `SELECT v.id, v.date, v.type, v.number, l.line_no, l.summary, l.account, l.org, l.fund, coalesce(l.purpose, ''),
			l.debit_fen, l.credit_fen, v.attachments, v.maker, coalesce(v.checker, ''), coalesce(v.cashier, ''), coalesce(v.poster, ''),
			v.status, coalesce(o.type, ''), coalesce(o.number, 0), o.date,
			(SELECT count(*) FROM voucher_attachments a WHERE a.book = v.book AND a.voucher_id = v.id)::int
		FROM vouchers v
		JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
		LEFT JOIN vouchers o ON o.book = v.book AND o.id = v.reversal_of
		WHERE v.book = $1 AND v.date BETWEEN $2 AND $3 AND ` + voucherScopeSQL + `
		ORDER BY v.date, v.type COLLATE "C", v.number, v.id, l.line_no`
	return func(yield func(report.VoucherLineRow, error) bool) {
		rows, err := r.tx.Query(r.ctx, sql, r.args()...)
		if err != nil {
			yield(report.VoucherLineRow{}, mapError(err))
			return
		}
		defer rows.Close()
		var typ, org, fund, purpose, maker, checker, cashier, poster, status, otyp string
		var number, onumber int
		var debit, credit int64
		var odate *time.Time
		for rows.Next() {
			var x report.VoucherLineRow
			if err := rows.Scan(&x.VoucherID, &x.Date, &typ, &number, &x.Line, &x.Summary, &x.Account, &org, &fund, &purpose,
				&debit, &credit, &x.Attachments, &maker, &checker, &cashier, &poster, &status, &otyp, &onumber, &odate, &x.Files); err != nil {
				yield(report.VoucherLineRow{}, mapError(err))
				return
			}
			x.Voucher, x.AccountName = voucherWord(typ, number), r.accountName(x.Account)
			x.OrgName, x.FundName, x.Purpose = r.orgName(org), r.fundName(fund), ledger.Purpose(purpose)
			x.Debit, x.Credit = ledger.FromFen(debit), ledger.FromFen(credit)
			x.Maker, x.Checker, x.Cashier, x.Poster = r.person(maker), r.person(checker), r.person(cashier), r.person(poster)
			x.Status = ledger.VoucherStatus(status)
			if odate != nil {
				// Numbers run per month: name the month when it is not the reversal's.
				x.ReversalOf = voucherWord(otyp, onumber)
				if odate.Year() != x.Date.Year() || odate.Month() != x.Date.Month() {
					x.ReversalOf = odate.Format("2006-01") + " " + x.ReversalOf
				}
			}
			if !yield(x, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(report.VoucherLineRow{}, mapError(err))
		}
	}
}

// params are the parameters printed on the cover.
func (r *reportReader) params(org string) map[string]string {
	var funds []string
	for _, f := range r.specialFunds() {
		funds = append(funds, fmt.Sprintf("%s %s（%s）", f.Code, f.Name, f.Kind.Name()))
	}
	scope := "全部党组织"
	if org != "" {
		scope = fmt.Sprintf("%s %s 及其下级", org, r.orgName(org))
	}
	return map[string]string{
		"专项资金":  strings.Join(funds, "；"),
		"党组织范围": scope,
		"凭证范围":  "T1–T7、科目余额表、试算平衡表、明细账、银行存款日记账：已记账凭证（红字冲销为负数）；凭证清单：本期全部凭证（含未记账、作废，见状态列）",
		"本年累计":  "自 " + r.yearStart.Format(time.DateOnly) + " 起",
	}
}

// effDateSQL is the date a posted voucher v counts on in the statements:
// its own, but the opening balances (期初) count before the book's first
// month — the balances at the start of the year on the last day of the year
// before, the year's movements before that month on the month's eve — so
// that the month opens with them and 本年累计 includes the movements.
const effDateSQL = `(CASE v.flow WHEN 'opening' THEN make_date(v.year, 1, 1) - 1 WHEN 'opening_ytd' THEN v.date - 1 ELSE v.date END)`

// notYearFlowSQL leaves the opening and year-end closing vouchers out of
// the spending tables: they carry balances, not uses.
const notYearFlowSQL = `v.flow NOT IN ('opening', 'opening_ytd', 'year_close')`
