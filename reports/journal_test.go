package reports

import (
	"cmp"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

// This file is the test's own small ledger: a journal of vouchers made by
// the SPEC §3 flows, and straightforward code turning it into the tables of
// report.AuditData. It is independent of the writer so that the invariants checked
// on the written workbook are not the writer's own arithmetic read back.

type tOrg struct {
	code, name, parent string
	kind               ledger.OrgKind
	category           string
	secretary, host    string
}

type tFund struct {
	code, name string
	kind       ledger.FundKind
}

type tLine struct {
	account       string
	org, fund     string
	purpose       ledger.Purpose
	debit, credit ledger.Money
}

type tVoucher struct {
	id            int64
	date          time.Time
	number        int
	flow          string // receive, match, allocate, spend, return
	summary       string
	lines         []tLine
	payee         string
	payeeType     string
	method        string
	attachments   int
	docTypes      []string
	decision      string
	item          string
	qty           decimal.Decimal
	unitPrice     ledger.Money
	beneficiaries []ledger.Beneficiary
	reversalOf    *tVoucher
	maker         string
}

func (v *tVoucher) word() string { return fmt.Sprintf("记-%04d", v.number) }

type tBook struct {
	code, name string
	orgs       []tOrg
	funds      []tFund
	vouchers   []*tVoucher
	from, to   time.Time
	city       string
	findings   []report.T8Row
	t9         *report.T9Table
	numbers    map[string]int // next voucher number per month
}

var accountNames = map[string]string{
	"1002": "银行存款", ledger.AcctBank: "银行存款—党费专户",
	"1218": "其他应收款", ledger.AcctPending: "其他应收款—专项党费待报账",
	"4201": "上级补助收入", ledger.AcctUpperIncome: "上级下拨党费—专项（疫情防控）",
	ledger.AcctMatching: "本级配套专项党费",
	"5001":              "党费支出", ledger.AcctProcurement: "党费支出—专项—物资采购",
	ledger.AcctCondolence: "党费支出—专项—一线慰问", ledger.AcctRelief: "党费支出—专项—党员群众救助",
}

var accountParent = map[string]string{
	ledger.AcctBank: "1002", ledger.AcctPending: "1218", ledger.AcctUpperIncome: "4201",
	ledger.AcctProcurement: "5001", ledger.AcctCondolence: "5001", ledger.AcctRelief: "5001",
}

func m(s string) ledger.Money { return ledger.MustParseMoney(s) }

func day(y, mo, d int) time.Time { return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC) }

func (b *tBook) org(code string) *tOrg {
	for i := range b.orgs {
		if b.orgs[i].code == code {
			return &b.orgs[i]
		}
	}
	panic("no org " + code)
}

func (b *tBook) fund(code string) *tFund {
	for i := range b.funds {
		if b.funds[i].code == code {
			return &b.funds[i]
		}
	}
	panic("no fund " + code)
}

func (b *tBook) add(v *tVoucher) *tVoucher {
	if b.numbers == nil {
		b.numbers = map[string]int{}
	}
	key := v.date.Format("2006-01")
	b.numbers[key]++
	v.number = b.numbers[key]
	v.id = int64(len(b.vouchers) + 1)
	if v.maker == "" {
		v.maker = "李会计"
	}
	if v.method == "" {
		v.method = ledger.MethodBank
	}
	b.vouchers = append(b.vouchers, v)
	return v
}

func dr(acct, org, fund string, p ledger.Purpose, a ledger.Money) tLine {
	return tLine{account: acct, org: org, fund: fund, purpose: p, debit: a, credit: ledger.Zero}
}

func cr(acct, org, fund string, a ledger.Money) tLine {
	return tLine{account: acct, org: org, fund: fund, debit: ledger.Zero, credit: a}
}

func (b *tBook) receive(d time.Time, fund string, a ledger.Money) *tVoucher {
	acct := ledger.AcctUpperIncome
	summary := "收到省市下拨专项党费"
	flow := "receive"
	if b.fund(fund).kind == ledger.FundMatching {
		acct, summary, flow = ledger.AcctMatching, "本级配套专项党费", "match"
	}
	return b.add(&tVoucher{date: d, flow: flow, summary: summary, attachments: 1, docTypes: []string{"银行回单"},
		decision: "市委常委会2020-02-01纪要第3号",
		lines:    []tLine{dr(ledger.AcctBank, b.city, fund, "", a), cr(acct, b.city, fund, a)}})
}

func (b *tBook) allocate(d time.Time, org, fund string, a ledger.Money) *tVoucher {
	return b.add(&tVoucher{date: d, flow: "allocate", summary: "拨付" + b.org(org).name + "专项党费", attachments: 1,
		docTypes: []string{"银行回单"}, decision: "市委组织部部务会2020-02-05纪要第1号", payee: b.org(org).host, payeeType: ledger.PayeeOrg,
		lines: []tLine{dr(ledger.AcctPending, org, fund, "", a), cr(ledger.AcctBank, b.city, fund, a)}})
}

func (b *tBook) spend(d time.Time, org, fund string, p ledger.Purpose, a ledger.Money, v tVoucher) *tVoucher {
	v.date, v.flow = d, "spend"
	if v.summary == "" {
		v.summary = b.org(org).name + p.Name()
	}
	v.lines = []tLine{dr(ledger.ExpenseAccount(p), org, fund, p, a), cr(ledger.AcctPending, org, fund, a)}
	return b.add(&v)
}

func (b *tBook) giveBack(d time.Time, org, fund string, a ledger.Money) *tVoucher {
	return b.add(&tVoucher{date: d, flow: "return", summary: b.org(org).name + "退回结余专项党费", attachments: 1,
		docTypes: []string{"银行回单"}, decision: "撤销临时党支部决定",
		lines: []tLine{dr(ledger.AcctBank, b.city, fund, "", a), cr(ledger.AcctPending, org, fund, a)}})
}

// reverse makes the red reversal of v: the same lines with negated amounts.
func (b *tBook) reverse(d time.Time, v *tVoucher) *tVoucher {
	r := *v
	r.date = d
	r.summary = fmt.Sprintf("注销%d月%d日%s号凭证", int(v.date.Month()), v.date.Day(), v.word())
	r.reversalOf = v
	r.attachments = 0
	r.lines = nil
	for _, l := range v.lines {
		l.debit, l.credit = l.debit.Neg(), l.credit.Neg()
		r.lines = append(r.lines, l)
	}
	var bs []ledger.Beneficiary
	for _, x := range v.beneficiaries {
		x.Amount = x.Amount.Neg()
		bs = append(bs, x)
	}
	r.beneficiaries = bs
	return b.add(&r)
}

// flowOf is the flow of a voucher, a reversal taking its original's.
func flowOf(v *tVoucher) string {
	if v.reversalOf != nil {
		return v.reversalOf.flow
	}
	return v.flow
}

func (b *tBook) inPeriod(v *tVoucher) bool { return !v.date.Before(b.from) && !v.date.After(b.to) }

func (b *tBook) sorted() []*tVoucher {
	vs := slices.Clone(b.vouchers)
	slices.SortStableFunc(vs, func(x, y *tVoucher) int {
		if c := x.date.Compare(y.date); c != 0 {
			return c
		}
		return cmp.Compare(x.number, y.number)
	})
	return vs
}

func seq[T any](rows []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// audit derives every table of the audit workbook from the journal.
func (b *tBook) audit() *report.AuditData {
	d := &report.AuditData{
		BookCode: b.code, BookName: b.name, Period: b.from.Format("2006-01"), From: b.from, To: b.to,
		GeneratedAt: time.Date(2020, 3, 2, 9, 30, 0, 0, time.FixedZone("CST", 8*3600)),
		GeneratedBy: "system", Preparer: "李会计", Reviewer: "王审核",
		PeriodSeal: "9f2c4e0a5b7d1e3f60718293a4b5c6d7e8f90112233445566778899aabbccddee",
		Params:     map[string]string{"cash_large": "1000.00", "idle_days": "60", "late_allocation_days": "15"},
	}
	vs := b.sorted()
	fundName := func(c string) string { return b.fund(c).name }
	orgName := func(c string) string { return b.org(c).name }

	// T1: per organisation and special fund.
	type key struct{ org, fund string }
	type t1acc struct{ open, income, in, rec, out, used, ret ledger.Money }
	acc := map[key]*t1acc{}
	var keys []key
	get := func(k key) *t1acc {
		a, ok := acc[k]
		if !ok {
			a = &t1acc{ledger.Zero, ledger.Zero, ledger.Zero, ledger.Zero, ledger.Zero, ledger.Zero, ledger.Zero}
			acc[k] = a
			keys = append(keys, k)
		}
		return a
	}
	for _, v := range vs {
		if v.date.After(b.to) {
			continue
		}
		for _, l := range v.lines {
			if !b.fund(l.fund).kind.Special() {
				continue
			}
			net := l.debit.Sub(l.credit)
			a := get(key{l.org, l.fund})
			avail := l.account == ledger.AcctBank || l.account == ledger.AcctPending
			if v.date.Before(b.from) {
				if avail {
					a.open = a.open.Add(net)
				}
				continue
			}
			switch {
			case l.account == ledger.AcctUpperIncome || l.account == ledger.AcctMatching:
				a.income = a.income.Sub(net)
			case strings.HasPrefix(l.account, "5001"):
				a.used = a.used.Add(net)
			case l.account == ledger.AcctPending && flowOf(v) == "allocate":
				a.in = a.in.Add(net)
			case l.account == ledger.AcctPending && flowOf(v) == "return":
				a.ret = a.ret.Sub(net)
			case l.account == ledger.AcctBank && flowOf(v) == "allocate":
				a.out = a.out.Sub(net)
			case l.account == ledger.AcctBank && flowOf(v) == "return":
				a.rec = a.rec.Add(net)
			}
		}
	}
	for _, k := range keys {
		a := acc[k]
		if !b.fund(k.fund).kind.Special() {
			continue
		}
		closing := a.open.Add(a.income).Add(a.in).Add(a.rec).Sub(a.out).Sub(a.used).Sub(a.ret)
		d.T1 = append(d.T1, report.T1Row{Org: k.org, OrgName: orgName(k.org), Fund: k.fund, FundName: fundName(k.fund), FundKind: b.fund(k.fund).kind,
			Opening: a.open, Income: a.income, AllocatedIn: a.in, Recovered: a.rec, AllocatedOut: a.out, Used: a.used, Returned: a.ret, Closing: closing})
	}

	// Findings by voucher, for T3's flags.
	flags := map[string][]string{}
	for _, f := range b.findings {
		flags[f.Voucher] = append(flags[f.Voucher], f.Rule)
	}

	// T2, and the city's bank balance per fund as vouchers go.
	bank := map[string]ledger.Money{}
	received := map[string]time.Time{}
	for _, v := range vs {
		for _, l := range v.lines {
			if l.account == ledger.AcctBank {
				bank[l.fund] = cmp.Or(bank[l.fund], ledger.Zero).Add(l.debit.Sub(l.credit))
			}
		}
		f := flowOf(v)
		if f == "receive" || f == "match" {
			if _, ok := received[v.lines[0].fund]; !ok {
				received[v.lines[0].fund] = v.date
			}
		}
		if !b.inPeriod(v) {
			continue
		}
		switch f {
		case "receive", "match":
			fund := v.lines[0].fund
			d.T2 = append(d.T2, report.T2Row{DocRef: "汾组通〔2020〕5号", Decision: v.decision, Fund: fund, FundName: fundName(fund),
				ReceivedOn: v.date, Received: v.lines[0].debit, VoucherID: v.id, Voucher: v.word(), Method: v.method,
				Unallocated: bank[fund], Memo: v.summary})
		case "allocate":
			l := v.lines[0]
			days := 0
			if r, ok := received[l.fund]; ok {
				days = int(v.date.Sub(r).Hours() / 24)
			}
			d.T2 = append(d.T2, report.T2Row{DocRef: "汾组通〔2020〕7号", Decision: v.decision, Fund: l.fund, FundName: fundName(l.fund),
				Org: l.org, OrgName: orgName(l.org), HostUnit: b.org(l.org).host, Date: v.date, Amount: l.debit,
				VoucherID: v.id, Voucher: v.word(), Method: v.method, Unallocated: bank[l.fund], DaysHeld: days, Memo: v.summary})
		}
	}

	// T3, T4, T6, T7 from the spending vouchers of the period.
	type t4acc struct {
		count, noReceipt, persons int
		amount, cash              ledger.Money
	}
	t4 := map[ledger.Purpose]*t4acc{}
	type t7key struct {
		org string
		p   ledger.Purpose
	}
	t7 := map[t7key]*report.T7Row{}
	var t7keys []t7key
	var t3 []report.T3Row
	ids := map[string]int{}
	for _, v := range vs {
		if !b.inPeriod(v) || flowOf(v) != "spend" {
			continue
		}
		for _, x := range v.beneficiaries {
			ids[x.IDNumber]++
		}
	}
	for _, v := range vs {
		if !b.inPeriod(v) || flowOf(v) != "spend" {
			continue
		}
		l := v.lines[0]
		sign := 1
		if v.reversalOf != nil {
			sign = -1
		}
		checker := "王审核"
		t3 = append(t3, report.T3Row{Org: l.org, OrgName: orgName(l.org), Date: v.date, VoucherID: v.id, Voucher: v.word(), Summary: v.summary,
			Purpose: l.purpose, FundName: fundName(l.fund), Item: v.item, Quantity: v.qty, UnitPrice: v.unitPrice.Decimal(), Amount: l.debit,
			Method: v.method, Payee: v.payee, PayeeType: v.payeeType, DocTypes: v.docTypes, Attachments: v.attachments,
			Decision: v.decision, Handler: v.maker, Checker: checker, PublishedOn: b.to.AddDate(0, 0, 3), Flags: flags[v.word()]})
		a := t4[l.purpose]
		if a == nil {
			a = &t4acc{amount: ledger.Zero, cash: ledger.Zero}
			t4[l.purpose] = a
		}
		a.count += sign
		a.amount = a.amount.Add(l.debit)
		if v.method == ledger.MethodCash {
			a.cash = a.cash.Add(l.debit)
		}
		if v.attachments == 0 && v.reversalOf == nil {
			a.noReceipt++
		}
		a.persons += sign * len(v.beneficiaries)
		k := t7key{l.org, l.purpose}
		r := t7[k]
		if r == nil {
			r = &report.T7Row{Org: l.org, OrgName: orgName(l.org), Purpose: l.purpose, Amount: ledger.Zero, PublishedOn: b.to.AddDate(0, 0, 3)}
			t7[k] = r
			t7keys = append(t7keys, k)
		}
		r.Count += sign
		r.Amount = r.Amount.Add(l.debit)
		r.Persons += sign * len(v.beneficiaries)
		r.Uses = append(r.Uses, v.date.Format("01-02")+" "+v.summary+" "+l.debit.Format()+"元")
		for _, x := range v.beneficiaries {
			d.T6 = append(d.T6, report.T6Row{Name: x.Name, Category: x.Category, IDNumber: x.IDNumber, OrgName: orgName(l.org),
				Reason: x.Reason, Purpose: l.purpose, Amount: x.Amount, Date: v.date, Method: v.method, VoucherID: v.id,
				Voucher: v.word(), Receipt: "已签字", Duplicate: ids[x.IDNumber] > 1})
		}
	}
	d.T3 = seq(t3)
	for _, p := range ledger.Purposes {
		if a := t4[p]; a != nil {
			d.T4 = append(d.T4, report.T4Row{Purpose: p, Count: a.count, Amount: a.amount, Cash: a.cash, NoReceipt: a.noReceipt, Persons: a.persons})
		}
	}
	slices.SortStableFunc(t7keys, func(x, y t7key) int {
		return cmp.Compare(slices.IndexFunc(b.orgs, func(o tOrg) bool { return o.code == x.org }),
			slices.IndexFunc(b.orgs, func(o tOrg) bool { return o.code == y.org }))
	})
	for _, k := range t7keys {
		d.T7 = append(d.T7, *t7[k])
	}

	// T5: every organisation's pending-settlement (121801) flows.
	for _, o := range b.orgs {
		r := report.T5Row{Org: o.code, Name: o.name, Parent: o.parent, Kind: o.kind, Category: o.category, Secretary: o.secretary,
			HostUnit: o.host, Opening: ledger.Zero, In: ledger.Zero, Used: ledger.Zero, Returned: ledger.Zero}
		var lastMove time.Time
		for _, v := range vs {
			if v.date.After(b.to) {
				continue
			}
			for _, l := range v.lines {
				if l.org != o.code || l.account != ledger.AcctPending {
					continue
				}
				net := l.debit.Sub(l.credit)
				if v.date.Before(b.from) {
					r.Opening = r.Opening.Add(net)
					continue
				}
				switch flowOf(v) {
				case "allocate":
					r.In = r.In.Add(net)
				case "spend":
					r.Used = r.Used.Sub(net)
					if v.date.After(r.LastUsed) {
						r.LastUsed = v.date
					}
				case "return":
					r.Returned = r.Returned.Sub(net)
				}
				lastMove = v.date
			}
		}
		r.Closing = r.Opening.Add(r.In).Sub(r.Used).Sub(r.Returned)
		if r.Closing.Sign() > 0 && !lastMove.IsZero() {
			r.DaysIdle = int(b.to.Sub(lastMove).Hours() / 24)
		}
		d.T5 = append(d.T5, r)
	}
	d.T8 = b.findings
	d.T9 = b.t9

	// Balances per leaf account, and the parents 1002, 1218, 4201, 5001.
	type bal struct{ open, pd, pc, yd, yc ledger.Money }
	bals := map[string]*bal{}
	var accts []string
	year := time.Date(b.from.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	for _, v := range vs {
		if v.date.After(b.to) {
			continue
		}
		for _, l := range v.lines {
			x := bals[l.account]
			if x == nil {
				x = &bal{ledger.Zero, ledger.Zero, ledger.Zero, ledger.Zero, ledger.Zero}
				bals[l.account] = x
				accts = append(accts, l.account)
			}
			switch {
			case v.date.Before(b.from):
				x.open = x.open.Add(l.debit.Sub(l.credit))
				if !v.date.Before(year) {
					x.yd, x.yc = x.yd.Add(l.debit), x.yc.Add(l.credit)
				}
			default:
				x.pd, x.pc = x.pd.Add(l.debit), x.pc.Add(l.credit)
				x.yd, x.yc = x.yd.Add(l.debit), x.yc.Add(l.credit)
			}
		}
	}
	slices.Sort(accts)
	side := func(signed ledger.Money) (ledger.Money, ledger.Money) {
		if signed.Sign() >= 0 {
			return signed, ledger.Zero
		}
		return ledger.Zero, signed.Neg()
	}
	row := func(code string, x bal, parent string) report.BalanceRow {
		od, oc := side(x.open)
		cd, cc := side(x.open.Add(x.pd).Sub(x.pc))
		return report.BalanceRow{Account: code, Name: accountNames[code], Parent: parent, OpeningDebit: od, OpeningCredit: oc,
			PeriodDebit: x.pd, PeriodCredit: x.pc, YearDebit: x.yd, YearCredit: x.yc, ClosingDebit: cd, ClosingCredit: cc}
	}
	tops := map[string]*bal{}
	var topCodes []string
	for _, a := range accts {
		top := a
		if p, ok := accountParent[a]; ok {
			top = p
		}
		t := tops[top]
		if t == nil {
			t = &bal{ledger.Zero, ledger.Zero, ledger.Zero, ledger.Zero, ledger.Zero}
			tops[top] = t
			topCodes = append(topCodes, top)
		}
		x := bals[a]
		t.open, t.pd, t.pc, t.yd, t.yc = t.open.Add(x.open), t.pd.Add(x.pd), t.pc.Add(x.pc), t.yd.Add(x.yd), t.yc.Add(x.yc)
	}
	slices.Sort(topCodes)
	for _, top := range topCodes {
		d.Trial = append(d.Trial, row(top, *tops[top], ""))
		if _, leaf := bals[top]; !leaf {
			d.Balances = append(d.Balances, row(top, *tops[top], ""))
		}
		for _, a := range accts {
			if a == top || accountParent[a] == top {
				parent := ""
				if a != top {
					parent = top
				}
				d.Balances = append(d.Balances, row(a, *bals[a], parent))
			}
		}
	}

	// 明细账, 现金日记账 and 银行存款日记账.
	var detail, cashRows, bankRows []report.JournalRow
	for _, a := range accts {
		x := bals[a]
		var yd, yc ledger.Money = ledger.Zero, ledger.Zero
		for _, v := range vs {
			if v.date.Before(b.from) && !v.date.Before(year) {
				for _, l := range v.lines {
					if l.account == a {
						yd, yc = yd.Add(l.debit), yc.Add(l.credit)
					}
				}
			}
		}
		open := report.JournalRow{Kind: report.JournalOpening, Account: a, AccountName: accountNames[a], Balance: x.open, YearDebit: yd, YearCredit: yc}
		detail = append(detail, open)
		switch a {
		case ledger.AcctBank:
			bankRows = append(bankRows, open)
		case ledger.AcctCash:
			cashRows = append(cashRows, open)
		}
		for _, v := range vs {
			if !b.inPeriod(v) {
				continue
			}
			var contra []string
			for _, l := range v.lines {
				if l.account != a && !slices.Contains(contra, accountNames[l.account]) {
					contra = append(contra, accountNames[l.account])
				}
			}
			for _, l := range v.lines {
				if l.account != a {
					continue
				}
				r := report.JournalRow{Account: a, AccountName: accountNames[a], Date: v.date, VoucherID: v.id, Voucher: v.word(),
					Summary: v.summary, Contra: strings.Join(contra, "、"), OrgName: orgName(l.org), FundName: fundName(l.fund),
					Debit: l.debit, Credit: l.credit, Method: v.method}
				detail = append(detail, r)
				switch a {
				case ledger.AcctBank:
					bankRows = append(bankRows, r)
				case ledger.AcctCash:
					cashRows = append(cashRows, r)
				}
			}
		}
	}
	d.Detail = seq(detail)
	// The adapter gives every journal account of the chart its section,
	// also 1001 库存现金 without postings.
	if len(cashRows) == 0 {
		cashRows = append(cashRows, report.JournalRow{Kind: report.JournalOpening, Account: ledger.AcctCash, AccountName: "库存现金",
			Balance: ledger.Zero, YearDebit: ledger.Zero, YearCredit: ledger.Zero})
	}
	d.CashJournal = seq(cashRows)
	d.BankJournal = seq(bankRows)

	// 凭证清单.
	var lines []report.VoucherLineRow
	for _, v := range vs {
		if !b.inPeriod(v) {
			continue
		}
		rev := ""
		if v.reversalOf != nil {
			rev = v.reversalOf.word()
		}
		for i, l := range v.lines {
			lines = append(lines, report.VoucherLineRow{VoucherID: v.id, Date: v.date, Voucher: v.word(), Line: i + 1, Summary: v.summary,
				Account: l.account, AccountName: accountNames[l.account], OrgName: orgName(l.org), FundName: fundName(l.fund),
				Purpose: l.purpose, Debit: l.debit, Credit: l.credit, Attachments: v.attachments, Maker: v.maker,
				Checker: "王审核", Cashier: "赵出纳", Poster: "王审核", Status: ledger.StatusPosted, ReversalOf: rev})
		}
	}
	d.Vouchers = seq(lines)
	b.books(d, vs, year)
	return d
}

// books derives 总账 and the 多栏式 支出明细账 from the journal, and gives
// the bank journal's transfers a 票据号.
func (b *tBook) books(d *report.AuditData, vs []*tVoucher, year time.Time) {
	top := func(a string) string {
		if p, ok := accountParent[a]; ok {
			return p
		}
		return a
	}
	// 总账: per first-level account and month of the year.
	type mkey struct {
		account string
		month   time.Month
	}
	opening := map[string]ledger.Money{}
	moves := map[mkey][2]ledger.Money{}
	var tops []string
	for _, v := range vs {
		if v.date.After(b.to) {
			continue
		}
		for _, l := range v.lines {
			t := top(l.account)
			if !slices.Contains(tops, t) {
				tops = append(tops, t)
			}
			if v.date.Before(year) {
				opening[t] = opening[t].Add(l.debit).Sub(l.credit)
				continue
			}
			k := mkey{t, v.date.Month()}
			x := moves[k]
			moves[k] = [2]ledger.Money{x[0].Add(l.debit), x[1].Add(l.credit)}
		}
	}
	slices.Sort(tops)
	for _, t := range tops {
		bal, yd, yc := opening[t].Add(ledger.Zero), ledger.Zero, ledger.Zero
		for m := time.January; m <= b.to.Month(); m++ {
			x := moves[mkey{t, m}]
			dr, cr := x[0].Add(ledger.Zero), x[1].Add(ledger.Zero)
			yd, yc = yd.Add(dr), yc.Add(cr)
			d.General = append(d.General, report.GeneralRow{Account: t, Name: accountNames[t], Month: time.Date(year.Year(), m, 1, 0, 0, 0, 0, time.UTC),
				Opening: bal, Debit: dr, Credit: cr, YearDebit: yd, YearCredit: yc})
			bal = bal.Add(dr).Sub(cr)
		}
	}
	// 支出明细账: the lines on 5001's purpose accounts.
	open := report.ExpenseRow{Kind: report.JournalOpening, Account: "5001", AccountName: accountNames["5001"],
		Balance: ledger.Zero, YearDebit: ledger.Zero, YearCredit: ledger.Zero, YearByPurpose: map[ledger.Purpose]ledger.Money{}}
	var entries []report.ExpenseRow
	for _, v := range vs {
		if v.date.After(b.to) {
			continue
		}
		for _, l := range v.lines {
			if accountParent[l.account] != "5001" {
				continue
			}
			if v.date.Before(b.from) {
				open.Balance = open.Balance.Add(l.debit).Sub(l.credit)
				if !v.date.Before(year) {
					open.YearDebit, open.YearCredit = open.YearDebit.Add(l.debit), open.YearCredit.Add(l.credit)
					open.YearByPurpose[l.purpose] = open.YearByPurpose[l.purpose].Add(l.debit)
				}
				continue
			}
			entries = append(entries, report.ExpenseRow{Account: "5001", AccountName: accountNames["5001"], Date: v.date, VoucherID: v.id,
				Voucher: v.word(), Summary: v.summary, OrgName: b.org(l.org).name, FundName: b.fund(l.fund).name, Purpose: l.purpose,
				Debit: l.debit, Credit: l.credit})
		}
	}
	d.Expense = seq(append([]report.ExpenseRow{open}, entries...))
	// 票据号 of the transfers (转账支票号) in the bank journal.
	bank := d.BankJournal
	d.BankJournal = func(yield func(report.JournalRow, error) bool) {
		for r, err := range bank {
			if r.Kind == report.JournalEntry && r.Method == ledger.MethodBank && r.VoucherID%3 != 0 {
				r.BillNo = fmt.Sprintf("ZZ%08d", 31402200+r.VoucherID)
			}
			if !yield(r, err) {
				return
			}
		}
	}
}
