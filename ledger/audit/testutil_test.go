package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// cst is the zone of the scenario's dates: rules must count calendar days
// in the dates' own zone.
var cst = time.FixedZone("CST", 8*3600)

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, cst)
	if err != nil {
		panic(err)
	}
	return t
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		panic(err)
	}
	return t
}

func yuanOf(s string) ledger.Money { return ledger.MustParseMoney(s) }

func moneyPtr(s string) *ledger.Money { m := yuanOf(s); return &m }

func testChart() ledger.Chart {
	accts := []*ledger.Account{
		{Code: "1001", Name: "库存现金", Type: ledger.Asset, Side: ledger.Debit, Leaf: true, Cash: true, Restricted: true},
		{Code: "1002", Name: "银行存款", Type: ledger.Asset, Side: ledger.Debit, Cash: true},
		{Code: "100201", Name: "银行存款—党费专户", Type: ledger.Asset, Side: ledger.Debit, Parent: "1002", Leaf: true, Cash: true, Restricted: true},
		{Code: "121801", Name: "其他应收款—专项党费待报账", Type: ledger.Asset, Side: ledger.Debit, Leaf: true, Restricted: true},
		{Code: "121802", Name: "其他应收款—借款", Type: ledger.Asset, Side: ledger.Debit, Leaf: true},
		{Code: "230701", Name: "其他应付款—代收党员自愿捐款", Type: ledger.Liability, Side: ledger.Credit, Leaf: true},
		{Code: "420101", Name: "上级下拨党费—专项（疫情防控）", Type: ledger.Income, Side: ledger.Credit, Leaf: true},
		{Code: "4801", Name: "本级配套专项党费", Type: ledger.Income, Side: ledger.Credit, Leaf: true},
		{Code: "500101", Name: "党费支出—专项—物资采购", Type: ledger.Expense, Side: ledger.Debit, Leaf: true, Purpose: ledger.Procurement},
		{Code: "500102", Name: "党费支出—专项—一线慰问", Type: ledger.Expense, Side: ledger.Debit, Leaf: true, Purpose: ledger.Condolence},
		{Code: "500103", Name: "党费支出—专项—党员群众救助", Type: ledger.Expense, Side: ledger.Debit, Leaf: true, Purpose: ledger.Relief},
		{Code: "5101", Name: "单位管理费用", Type: ledger.Expense, Side: ledger.Debit, Leaf: true},
		{Code: "5401", Name: "上缴党费支出", Type: ledger.Expense, Side: ledger.Debit, Leaf: true},
		{Code: "5501", Name: "下拨党费支出", Type: ledger.Expense, Side: ledger.Debit, Leaf: true},
	}
	c := ledger.Chart{}
	for _, a := range accts {
		c[a.Code] = a
	}
	return c
}

// fx builds an Input step by step. Vouchers are kept as pointers until
// input() copies them, so a test can adjust one after making it.
type fx struct {
	in      Input
	vs      []*ledger.Voucher
	nextID  int64
	numbers map[[2]int]int
}

func newFx() *fx {
	all := []ledger.Purpose{ledger.Procurement, ledger.Condolence, ledger.Relief}
	f := &fx{numbers: map[[2]int]int{}}
	f.in = Input{
		From:  day("2020-02-01"),
		AsOf:  day("2020-02-29"),
		Book:  ledger.Book{Code: "FY", Name: "中共汾阳市委组织部（党费专户）", RequireCashierSign: true},
		Chart: testChart(),
		Orgs: map[string]*ledger.Organisation{
			"city": {Code: "city", Name: "中共汾阳市委组织部", Kind: ledger.OrgDept, Secretary: "王书记"},
			"jc":   {Code: "jc", Name: "监测救治临时党支部", Kind: ledger.OrgTempBranch, Parent: "city", Secretary: "刘常委", SetUp: day("2020-01-26")},
			"hq":   {Code: "hq", Name: "后勤保障临时党支部", Kind: ledger.OrgTempBranch, Parent: "city", Secretary: "陈常委", SetUp: day("2020-01-26")},
			"jc1":  {Code: "jc1", Name: "监测救治第一党小组", Kind: ledger.OrgPartyGroup, Parent: "jc", SetUp: day("2020-01-27")},
		},
		Funds: map[string]*ledger.Fund{
			"upper":    {Code: "upper", Name: "上级下拨专项党费", Kind: ledger.FundUpper, Project: "2020-疫情防控专项", Purposes: all},
			"matching": {Code: "matching", Name: "本级配套专项党费", Kind: ledger.FundMatching, Project: "2020-疫情防控专项", Purposes: all},
			"narrow":   {Code: "narrow", Name: "物资专项党费", Kind: ledger.FundUpper, Project: "2020-疫情防控专项", Purposes: []ledger.Purpose{ledger.Procurement}},
			"donation": {Code: "donation", Name: "代收党员自愿捐款", Kind: ledger.FundDonation},
			"general":  {Code: "general", Name: "一般党费", Kind: ledger.FundGeneral},
		},
		Users: map[string]*ledger.User{
			"zhang": {Name: "zhang", FullName: "张伟"},
			"li":    {Name: "li", FullName: "李静"},
			"wang":  {Name: "wang", FullName: "王敏"},
		},
	}
	return f
}

func dr(acct, org, fund, amount string) ledger.Line {
	return ledger.Line{Summary: "借", Account: acct, Org: org, Fund: fund, Debit: yuanOf(amount), Credit: ledger.Zero}
}

func cr(acct, org, fund, amount string) ledger.Line {
	return ledger.Line{Summary: "贷", Account: acct, Org: org, Fund: fund, Debit: ledger.Zero, Credit: yuanOf(amount)}
}

// voucher adds a posted voucher made by zhang, checked and posted by li,
// signed by wang, with one invoice and a decision reference, made on its
// date at 10:00.
func (f *fx) voucher(date, summary string, lines ...ledger.Line) *ledger.Voucher {
	f.nextID++
	d := day(date)
	k := [2]int{d.Year(), int(d.Month())}
	f.numbers[k]++
	made := d.Add(10 * time.Hour)
	for i := range lines {
		lines[i].No = i + 1
	}
	x := &ledger.Voucher{
		ID: f.nextID, Book: "FY", Type: "记", Year: k[0], Month: k[1], Number: f.numbers[k],
		Date: d, Summary: summary, Attachments: 1, DocTypes: []string{"发票"},
		Decision: "市委组织部部务会纪要〔2020〕3号", Method: ledger.MethodBank,
		Lines: lines, Status: ledger.StatusPosted,
		Maker: "zhang", Checker: "li", Cashier: "wang", Poster: "li", MadeAt: &made,
	}
	f.vs = append(f.vs, x)
	return x
}

func (f *fx) receive(date, fund, amount string) *ledger.Voucher {
	acct := ledger.AcctUpperIncome
	if f.in.Funds[fund].Kind == ledger.FundMatching {
		acct = ledger.AcctMatching
	}
	x := f.voucher(date, "收到专项党费", dr("100201", "city", fund, amount), cr(acct, "city", fund, amount))
	x.Flow, x.Payee, x.PayeeType, x.DocTypes = "receive", "吕梁市委组织部", ledger.PayeeUpper, []string{"银行回单"}
	return x
}

func (f *fx) allocate(date, org, fund, amount string) *ledger.Voucher {
	x := f.voucher(date, "划拨专项党费", dr("121801", org, fund, amount), cr("100201", "city", fund, amount))
	x.Flow, x.Payee, x.PayeeType, x.DocTypes = "allocate", f.in.Orgs[org].Name, ledger.PayeeOrg, []string{"银行回单"}
	return x
}

// spend books spending of a branch against its advance (报账制); the
// purpose follows from the account.
func (f *fx) spend(date, org, fund string, p ledger.Purpose, amount, payee, summary string) *ledger.Voucher {
	acct := ledger.ExpenseAccount(p)
	x := f.voucher(date, summary, dr(acct, org, fund, amount), cr("121801", org, fund, amount))
	x.Flow, x.Payee, x.PayeeType, x.Cashier = "spend", payee, ledger.PayeeSupplier, ""
	return x
}

// relief books a condolence/relief voucher with its rows.
func (f *fx) relief(date, org, fund string, p ledger.Purpose, bs ...ledger.Beneficiary) *ledger.Voucher {
	total := ledger.Zero
	for _, b := range bs {
		total = total.Add(b.Amount)
	}
	x := f.spend(date, org, fund, p, total.String(), "", p.Name())
	x.Beneficiaries = bs
	x.PayeeType = ledger.PayeeIndividual
	x.DocTypes = []string{"签收单/花名册"}
	return x
}

func ben(name, id, amount string) ledger.Beneficiary {
	return ledger.Beneficiary{Name: name, IDNumber: id, Amount: yuanOf(amount), Category: "医务人员"}
}

// reverse adds a posted red reversal of x.
func (f *fx) reverse(date string, x *ledger.Voucher) *ledger.Voucher {
	lines := make([]ledger.Line, len(x.Lines))
	for i, l := range x.Lines {
		l.Debit, l.Credit = l.Debit.Neg(), l.Credit.Neg()
		lines[i] = l
	}
	r := f.voucher(date, "注销凭证", lines...)
	r.ReversalOf, r.Correcting, r.Attachments, r.Cashier = x.ID, true, 0, x.Cashier
	return r
}

func (f *fx) input() *Input {
	in := f.in
	in.Vouchers = nil
	for _, x := range f.vs {
		in.Vouchers = append(in.Vouchers, *x)
	}
	return &in
}

// run evaluates one rule with the default configuration.
func (f *fx) run(rule func(*Input, *Config) []Finding) []Finding {
	cfg := DefaultConfig()
	return rule(f.input(), &cfg)
}

// want describes the finding a test expects.
type want struct {
	rule, severity string
	voucher        *ledger.Voucher // nil: a finding without voucher
	org            string
	amount         string
	phrases        []string
	key            string // "" to skip
}

// only asserts that fs holds exactly the wanted findings, in order.
func only(t *testing.T, fs []Finding, ws ...want) {
	t.Helper()
	if len(fs) != len(ws) {
		t.Fatalf("got %d findings, want %d:\n%s", len(fs), len(ws), dump(fs))
	}
	for i, w := range ws {
		check(t, fs[i], w)
	}
}

func check(t *testing.T, f Finding, w want) {
	t.Helper()
	if f.Rule != w.rule || f.Severity != w.severity || f.Org != w.org || f.Amount.String() != yuanOf(w.amount).String() {
		t.Errorf("finding %s %s org %q amount %s; want %s %s org %q amount %s\n%s",
			f.Rule, f.Severity, f.Org, f.Amount, w.rule, w.severity, w.org, w.amount, f.Explanation)
	}
	if r := ruleByID(w.rule); f.Type != r.Type {
		t.Errorf("type %q, want %q", f.Type, r.Type)
	}
	if w.voucher != nil {
		if f.VoucherID != w.voucher.ID || f.Voucher != w.voucher.Word() || !f.Date.Equal(w.voucher.Date) {
			t.Errorf("voucher %d %s %s, want %d %s %s", f.VoucherID, f.Voucher, ymd(f.Date), w.voucher.ID, w.voucher.Word(), ymd(w.voucher.Date))
		}
	} else if f.VoucherID != 0 || f.Voucher != "" {
		t.Errorf("voucher %d %s, want none", f.VoucherID, f.Voucher)
	}
	for _, p := range w.phrases {
		if !strings.Contains(f.Explanation, p) {
			t.Errorf("explanation lacks %q:\n%s", p, f.Explanation)
		}
	}
	if w.key != "" && f.Key != w.key {
		t.Errorf("key %q, want %q", f.Key, w.key)
	}
	if f.Key == "" || !strings.HasPrefix(f.Key, f.Rule+"|") {
		t.Errorf("key %q does not start with the rule", f.Key)
	}
}

func none(t *testing.T, fs []Finding) {
	t.Helper()
	if len(fs) != 0 {
		t.Fatalf("want no findings, got:\n%s", dump(fs))
	}
}

func dump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Rule + " " + f.Severity + " " + f.Voucher + " " + ymd(f.Date) + " " + f.Org + " " + f.Amount.String() + " " + f.Key + "\n    " + f.Explanation + "\n")
	}
	return b.String()
}
