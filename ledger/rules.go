package ledger

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Limits on vouchers (TigerBeetle style: a limit on everything).
const (
	LinesMax         = 200
	BeneficiariesMax = 500
	SummaryLenMax    = 500
	AttachmentsMax   = 9999
	TextLenMax       = 500
)

// Books is what the rules need to know about a book: its chart,
// organisations and funds. The adapter loads it; the rules only read it.
type Books struct {
	Book  *Book
	Chart Chart
	Orgs  map[string]*Organisation
	Funds map[string]*Fund
}

// Root is the book's root organisation (the one without a parent that holds
// the bank account), or nil.
func (b *Books) Root() *Organisation {
	var roots []*Organisation
	for _, o := range b.Orgs {
		if o.Parent == "" && o.Kind != OrgExternal {
			roots = append(roots, o)
		}
	}
	sort.Slice(roots, func(i, j int) bool { return roots[i].Code < roots[j].Code })
	if len(roots) == 0 {
		return nil
	}
	return roots[0]
}

// Ancestors returns the codes from org up to the root, org first.
func (b *Books) Ancestors(org string) []string {
	var out []string
	for c := org; c != "" && len(out) <= OrgDepthMax; {
		out = append(out, c)
		o := b.Orgs[c]
		if o == nil {
			break
		}
		c = o.Parent
	}
	return out
}

// InScope reports whether org lies in the subtree rooted at scope ("" is
// the whole book).
func (b *Books) InScope(scope, org string) bool {
	if scope == "" {
		return true
	}
	for _, c := range b.Ancestors(org) {
		if c == scope {
			return true
		}
	}
	return false
}

// ValidateOrganisations checks the organisation tree: known kinds, parents
// that exist, no cycles, bounded depth, dissolution after set-up.
func ValidateOrganisations(orgs map[string]*Organisation) error {
	codes := make([]string, 0, len(orgs))
	for c := range orgs {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		o := orgs[c]
		field := "organisations." + c
		if strings.TrimSpace(o.Name) == "" {
			return Errorf(EInvalid, field+".name", "organisation %s has no name", c)
		}
		if !o.Kind.Valid() {
			return Errorf(EInvalid, field+".kind", "organisation %s: unknown kind %q (org_dept, temp_branch, party_group, branch, external)", c, o.Kind)
		}
		if o.Parent != "" && orgs[o.Parent] == nil {
			return Errorf(ENotFound, field+".parent", "organisation %s: parent %s does not exist", c, o.Parent)
		}
		if o.Dissolved != nil && !o.SetUp.IsZero() && o.Dissolved.Before(o.SetUp) {
			return Errorf(EInvalid, field+".dissolved", "organisation %s is dissolved before it was set up", c)
		}
		depth := 0
		for p := o.Parent; p != ""; p = orgs[p].Parent {
			depth++
			if p == c || depth >= OrgDepthMax {
				return Errorf(EInvalid, field+".parent", "organisation %s: the tree has a cycle or is deeper than %d levels", c, OrgDepthMax)
			}
		}
	}
	return nil
}

// Depth is the number of ancestors of org.
func Depth(orgs map[string]*Organisation, org string) int {
	d := 0
	for p := orgs[org].Parent; p != "" && d < OrgDepthMax; p = orgs[p].Parent {
		d++
	}
	return d
}

// ValidateVoucher checks a new voucher against the rules of SPEC §4 that do
// not need the stored balances: amounts, balance per fund, leaf accounts,
// known organisations and funds, purposes, limits. Posting checks the
// balances, the period and the organisations' dates again, under locks.
func ValidateVoucher(v *Voucher, b *Books) error {
	if err := CheckVoucherText(v); err != nil {
		return err
	}
	if v.Date.IsZero() {
		return Errorf(EInvalid, "date", "the voucher date is missing")
	}
	if strings.TrimSpace(v.Summary) == "" {
		return Errorf(EInvalid, "summary", "the summary (摘要) is empty")
	}
	if len([]rune(v.Summary)) > SummaryLenMax {
		return Errorf(EInvalid, "summary", "the summary is longer than %d characters", SummaryLenMax)
	}
	for name, s := range map[string]string{"decision": v.Decision, "payee": v.Payee, "memo": v.Memo} {
		if len([]rune(s)) > TextLenMax {
			return Errorf(EInvalid, name, "%s is longer than %d characters", name, TextLenMax)
		}
	}
	if v.Attachments < 0 || v.Attachments > AttachmentsMax {
		return Errorf(EInvalid, "attachments", "attachments must be between 0 and %d", AttachmentsMax)
	}
	if v.Type == "" {
		v.Type = "记"
	}
	if b.Book != nil && len(b.Book.VoucherTypes) > 0 && !contains(b.Book.VoucherTypes, v.Type) {
		return Errorf(EInvalid, "type", "voucher type %s is not one of %s", v.Type, strings.Join(b.Book.VoucherTypes, ", "))
	}
	if v.Method != "" && v.Method != MethodBank && v.Method != MethodCash {
		return Errorf(EInvalid, "method", "payment method %q is not bank or cash", v.Method)
	}
	if v.PayeeType != "" && !contains(PayeeTypes, v.PayeeType) {
		return Errorf(EInvalid, "payee_type", "payee type %q is not one of %s", v.PayeeType, strings.Join(PayeeTypes, ", "))
	}
	if len(v.Lines) < 2 {
		return Errorf(EUnbalanced, "lines", "a voucher needs at least 2 lines, it has %d", len(v.Lines))
	}
	if len(v.Lines) > LinesMax {
		return Errorf(EInvalid, "lines", "a voucher has at most %d lines", LinesMax)
	}
	red := v.ReversalOf != 0
	perFund := map[string][2]Money{}
	var funds []string
	for i := range v.Lines {
		l := &v.Lines[i]
		l.No = i + 1
		f := fmt.Sprintf("lines[%d]", i+1)
		if strings.TrimSpace(l.Summary) == "" {
			l.Summary = v.Summary
		}
		a := b.Chart[l.Account]
		if a == nil {
			return Errorf(ENotFound, f+".account", "account %s is not in the chart", l.Account)
		}
		if !a.Leaf {
			return Errorf(EInvalid, f+".account", "account %s (%s) is not a leaf account; post to one of its sub-accounts", a.Code, a.Name)
		}
		if b.Orgs[l.Org] == nil {
			return Errorf(ENotFound, f+".org", "organisation %s does not exist", l.Org)
		}
		fund := b.Funds[l.Fund]
		if fund == nil {
			return Errorf(ENotFound, f+".fund", "fund %s does not exist", l.Fund)
		}
		if l.Debit.IsZero() == l.Credit.IsZero() {
			return Errorf(EInvalidAmount, f+".amount", "exactly one of debit and credit must be non-zero")
		}
		for _, m := range []Money{l.Debit, l.Credit} {
			if m.Sign() < 0 && !red {
				return Errorf(EInvalidAmount, f+".amount", "negative amounts are only allowed on a red reversal")
			}
			if m.Abs().Cmp(AmountMax) > 0 {
				return Errorf(EInvalidAmount, f+".amount", "amount exceeds 999,999,999,999.99")
			}
			if !m.Equal(FromFen(m.Fen())) {
				return Errorf(EInvalidAmount, f+".amount", "amount has more than 2 decimal places")
			}
		}
		if a.Purpose != "" {
			if l.Purpose == "" {
				l.Purpose = a.Purpose
			}
			if l.Purpose != a.Purpose {
				return Errorf(EPurposeNotAllowed, f+".purpose", "account %s is for %s, not %s", a.Code, a.Purpose, l.Purpose)
			}
			if fund.Kind == FundDonation {
				return Errorf(EPurposeNotAllowed, f+".fund", "donations (%s) are remitted upward in full and never spent locally", fund.Code)
			}
			if !fund.Allows(l.Purpose) {
				return Errorf(EPurposeNotAllowed, f+".purpose", "fund %s may not be spent on %s (%s)", fund.Code, l.Purpose.Name(), l.Purpose)
			}
		} else if l.Purpose != "" && !l.Purpose.Valid() {
			return Errorf(EPurposeNotAllowed, f+".purpose", "unknown purpose %q", l.Purpose)
		}
		s, seen := perFund[l.Fund]
		if !seen {
			funds = append(funds, l.Fund)
		}
		perFund[l.Fund] = [2]Money{s[0].Add(l.Debit), s[1].Add(l.Credit)}
	}
	for _, fc := range funds {
		s := perFund[fc]
		if !s[0].Equal(s[1]) {
			return Errorf(EUnbalanced, "lines", "the lines of fund %s do not balance: debit %s, credit %s", fc, s[0].Format(), s[1].Format())
		}
	}
	if b.Book != nil && b.Book.VoucherAmountMax.Sign() > 0 && v.Total().Abs().Cmp(b.Book.VoucherAmountMax) > 0 {
		return Errorf(EInvalidAmount, "amount", "the voucher's total %s exceeds the book's ceiling of %s for one voucher",
			v.Total().Abs().Format(), b.Book.VoucherAmountMax.Format())
	}
	if len(v.Beneficiaries) > BeneficiariesMax {
		return Errorf(EInvalid, "beneficiaries", "at most %d beneficiaries per voucher", BeneficiariesMax)
	}
	for i, p := range v.Beneficiaries {
		f := fmt.Sprintf("beneficiaries[%d]", i+1)
		if strings.TrimSpace(p.Name) == "" {
			return Errorf(EInvalid, f+".name", "beneficiary name is empty")
		}
		if p.Amount.Sign() <= 0 {
			return Errorf(EInvalidAmount, f+".amount", "beneficiary amount must be greater than 0")
		}
		kind, number, err := CheckPersonID(f, string(p.IDKind), p.IDNumber, v.Date)
		if err != nil {
			return err
		}
		v.Beneficiaries[i].IDKind, v.Beneficiaries[i].IDNumber = kind, number
	}
	return CheckItems(v, b)
}

// DateWindow is the range of plausible voucher dates of the book at the
// instant now: from its first period's first day to today in its time zone
// plus DateDaysAhead. A spend dated 9999-12-31 would lower today's balance
// outside every monthly report.
func (b *Books) DateWindow(now time.Time) (from, to time.Time) {
	from = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	ahead, zone := 0, TimeZoneDefault
	if b.Book != nil {
		ahead = b.Book.DateDaysAhead
		if b.Book.TimeZone != "" {
			zone = b.Book.TimeZone
		}
	}
	if b.Book != nil && !b.Book.FirstPeriod.IsZero() {
		from = b.Book.FirstPeriod
	} else {
		first := time.Time{}
		for _, o := range b.Orgs {
			if !o.SetUp.IsZero() && (first.IsZero() || o.SetUp.Before(first)) {
				first = o.SetUp
			}
		}
		if !first.IsZero() {
			from = time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
		}
	}
	loc, err := loadLocation(zone)
	if err != nil {
		loc = chinaStandardTime
	}
	y, m, d := now.In(loc).Date()
	return from, time.Date(y, m, d+ahead, 0, 0, 0, 0, time.UTC)
}

// CheckDate refuses a voucher dated outside the book's DateWindow at now
// (invalid, field date). The database checks the same window against its
// own clock.
func CheckDate(v *Voucher, b *Books, now time.Time) error {
	from, to := b.DateWindow(now)
	if v.Date.Before(from) || v.Date.After(to) {
		return Errorf(EInvalid, "date", "the date %s is outside the book's window of plausible dates, %s to %s",
			v.Date.Format(time.DateOnly), from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	return nil
}

// CheckActive reports org_inactive when a line allocates to or spends by an
// organisation outside its set-up and dissolution dates.
func CheckActive(v *Voucher, b *Books) error {
	if v.ReversalOf != 0 {
		return nil
	}
	for i := range v.Lines {
		l := &v.Lines[i]
		a := b.Chart[l.Account]
		if a == nil || l.Debit.Sign() <= 0 || !(a.Purpose != "" || a.Type == Asset && a.Restricted && !a.Cash) {
			continue
		}
		o := b.Orgs[l.Org]
		if o != nil && !o.ActiveOn(v.Date) {
			return Errorf(EOrgInactive, fmt.Sprintf("lines[%d].org", i+1), "%s (%s) is not active on %s", o.Name, o.Code, v.Date.Format(time.DateOnly))
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Action is a step of the voucher workflow.
type Action string

const (
	ActMake    Action = "make"
	ActCheck   Action = "check"
	ActUncheck Action = "uncheck"
	ActSign    Action = "sign"
	ActPost    Action = "post"
	ActVoid    Action = "void"
	ActReverse Action = "reverse"
	ActRead    Action = "read"
)

// AsOfStep sets v's workflow to what step a, done by actor at at, left
// it: the state the step leads to, the step's own person and time, and
// none of the steps after it (the API answers a replayed request with
// it, see httpapi). The content — lines, attachments, version — stays as
// v holds it; a posted voucher's never changes.
func (v *Voucher) AsOfStep(a Action, actor string, at time.Time) {
	at = at.UTC()
	switch a {
	case ActMake, ActUncheck:
		v.Status = StatusDraft
		v.Checker, v.CheckedAt = "", nil
		v.Cashier, v.SignedAt = "", nil
		v.Poster, v.PostedAt = "", nil
	case ActCheck:
		v.Status = StatusChecked
		v.Checker, v.CheckedAt = actor, &at
		v.Cashier, v.SignedAt = "", nil
		v.Poster, v.PostedAt = "", nil
	case ActSign:
		v.Status = StatusSigned
		v.Cashier, v.SignedAt = actor, &at
		v.Poster, v.PostedAt = "", nil
	case ActPost:
		v.Status = StatusPosted
		v.Poster, v.PostedAt = actor, &at
	case ActVoid:
		v.Status = StatusVoid
	}
}

// Authorize decides whether user u may do action a on voucher v (SPEC §3's
// state table, the roles and the organisation scope). It checks the state
// too, so the error is the one the user needs to see first.
func Authorize(u *User, a Action, v *Voucher, b *Books, requireCashierSign bool) error {
	if u == nil {
		return Errorf(EUnauthenticated, "user", "no acting user")
	}
	orgsInScope := func() error {
		for i := range v.Lines {
			if !b.InScope(u.Scope, v.Lines[i].Org) {
				return Errorf(EForbidden, fmt.Sprintf("lines[%d].org", i+1), "%s may act only within %s; %s is outside", u.Name, u.Scope, v.Lines[i].Org)
			}
		}
		return nil
	}
	if a == ActRead {
		return orgsInScope()
	}
	if u.Has(RoleAuditor) && !u.Has(RoleOfficer) && !u.Has(RoleChecker) && !u.Has(RoleCashier) && !u.Has(RoleAdmin) {
		return Errorf(EForbidden, "user", "%s is an auditor: auditors read everything and write nothing but audit-finding states", u.Name)
	}
	need := map[Action][]Role{
		ActMake: {RoleOfficer, RoleAdmin}, ActReverse: {RoleOfficer, RoleAdmin},
		ActCheck: {RoleChecker, RoleAdmin}, ActUncheck: {RoleChecker, RoleAdmin},
		ActSign: {RoleCashier}, ActPost: {RoleChecker, RoleAdmin},
		ActVoid: {RoleOfficer, RoleAdmin},
	}[a]
	ok := false
	for _, r := range need {
		ok = ok || u.Has(r)
	}
	if !ok {
		names := make([]string, len(need))
		for i, r := range need {
			names[i] = string(r)
		}
		return Errorf(EForbidden, "user", "%s lacks the role to %s a voucher (needs %s)", u.Name, a, strings.Join(names, " or "))
	}
	if err := orgsInScope(); err != nil {
		return err
	}
	word := v.Word()
	switch a {
	case ActMake:
		return nil
	case ActReverse:
		if v.Status != StatusPosted {
			return Errorf(EInvalidState, "status", "only a posted voucher is reversed; %s is %s", word, v.Status)
		}
	case ActVoid:
		if v.Status != StatusDraft {
			return Errorf(EInvalidState, "status", "only a draft is voided; %s is %s", word, v.Status)
		}
		if u.Name != v.Maker && !u.Has(RoleAdmin) {
			return Errorf(ESamePerson, "user", "only the maker %s or an admin voids %s", v.Maker, word)
		}
	case ActCheck:
		if v.Status != StatusDraft {
			return Errorf(EInvalidState, "status", "only a draft is checked; %s is %s", word, v.Status)
		}
		if u.Name == v.Maker {
			return Errorf(ESamePerson, "user", "%s made %s and cannot check it (制单人与审核人不能是同一人)", u.Name, word)
		}
	case ActUncheck:
		if v.Status != StatusChecked {
			return Errorf(EInvalidState, "status", "only a checked voucher is unchecked; %s is %s", word, v.Status)
		}
		if u.Name != v.Checker {
			return Errorf(ESamePerson, "user", "only the checker %s may cancel the check of %s", v.Checker, word)
		}
	case ActSign:
		if v.Status != StatusChecked {
			return Errorf(EInvalidState, "status", "only a checked voucher is signed; %s is %s", word, v.Status)
		}
		if u.Name == v.Maker || u.Name == v.Checker {
			return Errorf(ESamePerson, "user", "the cashier must be neither maker nor checker of %s", word)
		}
	case ActPost:
		if v.Status != StatusChecked && v.Status != StatusSigned {
			return Errorf(EInvalidState, "status", "only a checked or signed voucher is posted; %s is %s", word, v.Status)
		}
		if requireCashierSign && v.Status == StatusChecked && v.TouchesCash(b.Chart) {
			return Errorf(EInvalidState, "status", "%s touches cash or bank and must be signed by the cashier first", word)
		}
		if u.Name == v.Maker {
			return Errorf(ESamePerson, "user", "%s made %s and cannot post it", u.Name, word)
		}
		if u.Name == v.Cashier {
			return Errorf(ESamePerson, "user", "%s signed %s as cashier and cannot post it", u.Name, word)
		}
	}
	return nil
}

// ReversalSummary is the 摘要 of a red voucher cancelling v:
// 注销{M}月{D}日{字}{号}凭证 (会计基础工作规范).
func ReversalSummary(v *Voucher) string {
	return fmt.Sprintf("注销%d月%d日%s字%d号凭证", int(v.Date.Month()), v.Date.Day(), v.Type, v.Number)
}

// CorrectionSummary is the 摘要 of a blue voucher correcting v.
func CorrectionSummary(v *Voucher) string {
	return fmt.Sprintf("订正%d月%d日%s字%d号凭证", int(v.Date.Month()), v.Date.Day(), v.Type, v.Number)
}

// Reversal builds the red voucher that cancels posted voucher v: the same
// lines with negated amounts (the only negative amounts in the ledger).
func Reversal(v *Voucher, date time.Time) *Voucher {
	r := &Voucher{
		Book: v.Book, Type: v.Type, Date: date, Summary: ReversalSummary(v),
		Attachments: 0, Correcting: true, Decision: v.Decision, Payee: v.Payee, PayeeType: v.PayeeType,
		Method: v.Method, Flow: "reversal", ReversalOf: v.ID,
	}
	for _, l := range v.Lines {
		r.Lines = append(r.Lines, Line{Summary: ReversalSummary(v), Account: l.Account, Org: l.Org, Fund: l.Fund,
			Purpose: l.Purpose, Debit: l.Debit.Neg(), Credit: l.Credit.Neg()})
	}
	return r
}
