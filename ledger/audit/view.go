package audit

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// view is the input prepared once for all rules: the posted vouchers in
// date order, the reversal pairs and small lookups.
type view struct {
	in  *Input
	cfg *Config

	// vs are the posted vouchers dated on or before AsOf, ordered by date,
	// then id.
	vs []*ledger.Voucher
	// cancelled holds originals cancelled by a posted red reversal in vs;
	// paired holds both members of such pairs. Balance rules leave paired
	// vouchers out (together they change nothing); voucher rules ignore
	// cancelled originals and look at reversal vouchers only where the
	// rule is about how the reversal itself was handled.
	cancelled map[int64]bool
	paired    map[int64]bool

	fromDay, asOfDay int64
	fromSet          bool
}

func newView(in *Input, cfg *Config) *view {
	if cfg == nil {
		d := DefaultConfig()
		cfg = &d
	}
	v := &view{in: in, cfg: cfg, cancelled: map[int64]bool{}, paired: map[int64]bool{}}
	v.asOfDay = dayNum(in.AsOf)
	v.fromSet = !in.From.IsZero()
	v.fromDay = dayNum(in.From)
	for i := range in.Vouchers {
		x := &in.Vouchers[i]
		if x.Status == ledger.StatusPosted && dayNum(x.Date) <= v.asOfDay {
			v.vs = append(v.vs, x)
		}
	}
	sort.SliceStable(v.vs, func(i, j int) bool {
		a, b := v.vs[i], v.vs[j]
		if da, db := dayNum(a.Date), dayNum(b.Date); da != db {
			return da < db
		}
		return a.ID < b.ID
	})
	present := map[int64]bool{}
	for _, x := range v.vs {
		present[x.ID] = true
	}
	for _, x := range v.vs {
		if x.ReversalOf != 0 && present[x.ReversalOf] {
			v.cancelled[x.ReversalOf] = true
			v.paired[x.ReversalOf] = true
			v.paired[x.ID] = true
		}
	}
	return v
}

// dayNum is the calendar day of t (in t's own location) as a day count.
func dayNum(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func dateOf(day int64) time.Time { return time.Unix(day*86400, 0).UTC() }

func ymd(t time.Time) string { return t.Format("2006-01-02") }

func (v *view) inWindow(t time.Time) bool {
	d := dayNum(t)
	return d <= v.asOfDay && (!v.fromSet || d >= v.fromDay)
}

// subject reports whether a voucher's content is subject to the voucher
// rules: not a red reversal and not cancelled by one.
func (v *view) subject(x *ledger.Voucher) bool {
	return x.ReversalOf == 0 && !v.cancelled[x.ID]
}

// windowed yields the vouchers subject to the voucher rules and dated in
// the window.
func (v *view) windowed() []*ledger.Voucher {
	var out []*ledger.Voucher
	for _, x := range v.vs {
		if v.subject(x) && v.inWindow(x.Date) {
			out = append(out, x)
		}
	}
	return out
}

func (v *view) account(code string) *ledger.Account {
	if a := v.in.Chart[code]; a != nil {
		return a
	}
	return &ledger.Account{Code: code}
}

func (v *view) fund(code string) *ledger.Fund {
	if f := v.in.Funds[code]; f != nil {
		return f
	}
	return &ledger.Fund{Code: code}
}

func (v *view) special(fund string) bool { return v.fund(fund).Kind.Special() }

func (v *view) donation(fund string) bool { return v.fund(fund).Kind == ledger.FundDonation }

// under reports whether code is root or one of its sub-accounts (4-2-2
// coding: a sub-account's code starts with its parent's).
func under(code, root string) bool { return strings.HasPrefix(code, root) }

func (v *view) isCash(code string) bool { return v.account(code).Cash }

// isCashOnHand: 1001 库存现金 and its children.
func (v *view) isCashOnHand(code string) bool { return under(code, ledger.AcctCash) }

// isBank: a cash account (Account.Cash) that is not cash on hand.
func (v *view) isBank(code string) bool { return v.isCash(code) && !v.isCashOnHand(code) }

func isPending(code string) bool { return under(code, ledger.AcctPending) }

func isGrant(code string) bool { return under(code, ledger.AcctGrantOut) }

// AcctRemitUp is 5401 上缴党费支出 (domain §4.3): the expense of money
// remitted to the higher level. The ledger package does not name it yet.
const AcctRemitUp = "5401"

func (v *view) purposeOf(l *ledger.Line) ledger.Purpose {
	if l.Purpose != "" {
		return l.Purpose
	}
	return v.account(l.Account).Purpose
}

// isSpend: a debit on an expense account bound to a purpose (500101 …):
// a use (使用) of money.
func (v *view) isSpend(l *ledger.Line) bool {
	return l.Debit.Sign() > 0 && v.account(l.Account).Type == ledger.Expense && v.purposeOf(l) != ""
}

// isExpenseDebit: any debit on an expense account.
func (v *view) isExpenseDebit(l *ledger.Line) bool {
	return l.Debit.Sign() > 0 && v.account(l.Account).Type == ledger.Expense
}

// voucherOrg is the organisation a voucher is about: the first line off the
// cash accounts (the branch of an allocation, spending or return), else the
// first line's.
func (v *view) voucherOrg(x *ledger.Voucher) string {
	for i := range x.Lines {
		if !v.isCash(x.Lines[i].Account) {
			return x.Lines[i].Org
		}
	}
	if len(x.Lines) > 0 {
		return x.Lines[0].Org
	}
	return ""
}

func (v *view) orgName(code string) string {
	if code == "" {
		return v.bookName()
	}
	if o := v.in.Orgs[code]; o != nil && o.Name != "" {
		return o.Name
	}
	return code
}

func (v *view) bookName() string {
	if v.in.Book.Name != "" {
		return v.in.Book.Name
	}
	return "本账套"
}

func (v *view) fundName(code string) string {
	if f := v.in.Funds[code]; f != nil && f.Name != "" {
		return f.Name
	}
	return code
}

func (v *view) accountLabel(code string) string {
	if a := v.in.Chart[code]; a != nil && a.Name != "" {
		return code + " " + a.Name
	}
	return code
}

// person is a user's full name with the user name, or the name as given.
func (v *view) person(user string) string {
	if u := v.in.Users[user]; u != nil && u.FullName != "" && u.FullName != user {
		return u.FullName + "（" + user + "）"
	}
	return user
}

// secretary is the responsible person of an organisation-level finding.
func (v *view) secretary(org string) string {
	if o := v.in.Orgs[org]; o != nil {
		return o.Secretary
	}
	return ""
}

// isAncestor reports whether anc is org or one of its ancestors.
func (v *view) isAncestor(anc, org string) bool {
	for i := 0; org != "" && i <= ledger.OrgDepthMax; i++ {
		if org == anc {
			return true
		}
		o := v.in.Orgs[org]
		if o == nil {
			return false
		}
		org = o.Parent
	}
	return false
}

func yuan(m ledger.Money) string { return m.Format() + " 元" }

func purposeLabel(p ledger.Purpose) string {
	if n := p.Name(); n != "" {
		return n
	}
	if p == "" {
		return "（未填用途）"
	}
	return string(p)
}

// voucherFinding starts a finding about voucher x: rule data, date, 字号,
// and the maker as the responsible person.
func (v *view) voucherFinding(rule string, x *ledger.Voucher, org string, amount ledger.Money, explanation string, detail ...string) Finding {
	r := ruleByID(rule)
	return Finding{
		Rule: rule, Type: r.Type, Severity: v.severity(rule),
		VoucherID: x.ID, Voucher: x.Word(), Date: x.Date, Org: org, Amount: amount,
		Explanation: x.Word() + "（" + ymd(x.Date) + "）：" + explanation,
		Responsible: v.person(x.Maker),
		Key:         key(rule, x.ID, org, detail...),
	}
}

// orgFinding starts a finding about an organisation (no voucher); the
// secretary is responsible.
func (v *view) orgFinding(rule string, date time.Time, org string, amount ledger.Money, explanation string, detail ...string) Finding {
	r := ruleByID(rule)
	return Finding{
		Rule: rule, Type: r.Type, Severity: v.severity(rule),
		Date: date, Org: org, Amount: amount, Explanation: explanation,
		Responsible: v.secretary(org),
		Key:         key(rule, 0, org, detail...),
	}
}

func (v *view) severity(rule string) string {
	if s := v.cfg.Severity[rule]; s != "" {
		return s
	}
	return ruleByID(rule).Severity
}

// beneficiary is one person paid by a condolence or relief voucher.
type beneficiary struct {
	x       *ledger.Voucher
	index   int // 1-based row in the voucher's list
	b       ledger.Beneficiary
	org     string
	purpose ledger.Purpose
}

// beneficiaries lists the condolence/relief rows of the vouchers subject
// to voucher rules, in voucher order. A voucher without a list that pays
// an individual payee counts the payee as its one beneficiary.
func (v *view) beneficiaries() []beneficiary {
	var out []beneficiary
	for _, x := range v.vs {
		if !v.subject(x) {
			continue
		}
		org, purpose := "", ledger.Purpose("")
		total := ledger.Zero
		for i := range x.Lines {
			l := &x.Lines[i]
			if !v.isSpend(l) {
				continue
			}
			p := v.purposeOf(l)
			if p != ledger.Condolence && p != ledger.Relief {
				continue
			}
			if purpose == "" {
				org, purpose = l.Org, p
			}
			total = total.Add(l.Debit)
		}
		if purpose == "" {
			continue
		}
		if len(x.Beneficiaries) == 0 {
			if x.PayeeType == ledger.PayeeIndividual && x.Payee != "" {
				out = append(out, beneficiary{x: x, index: 1, b: ledger.Beneficiary{Name: x.Payee, Amount: total}, org: org, purpose: purpose})
			}
			continue
		}
		for i, b := range x.Beneficiaries {
			out = append(out, beneficiary{x: x, index: i + 1, b: b, org: org, purpose: purpose})
		}
	}
	return out
}

func normID(id string) string { return strings.ToUpper(strings.TrimSpace(id)) }

func normName(s string) string { return strings.TrimSpace(s) }

// who describes a beneficiary for an explanation, the ID masked.
func who(b ledger.Beneficiary) string {
	s := normName(b.Name)
	if id := normID(b.IDNumber); id != "" {
		s += "（证件号 " + ledger.MaskID(id) + "）"
	} else if ph := strings.TrimSpace(b.Phone); ph != "" {
		s += "（电话 " + ledger.MaskID(ph) + "）"
	}
	return s
}

// rowRef names a beneficiary row in a key. A posted voucher never changes,
// so the row number identifies the person without putting any identity
// data into the key; zero-padded so keys sort in row order.
func rowRef(r beneficiary) string { return fmt.Sprintf("#%04d", r.index) }
