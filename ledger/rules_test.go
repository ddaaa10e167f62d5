package ledger_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
)

// demoBooks is the demo book (configs/demo/fenyang.yaml) as the rules see
// it, with FY-OT-04 dissolved on 2020-02-15.
func demoBooks(t *testing.T) *ledger.Books {
	t.Helper()
	s, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	bs := s.Books[0]
	chart, err := ledger.CompleteChart(bs.Accounts)
	if err != nil {
		t.Fatal(err)
	}
	b := &ledger.Books{Book: &bs.Book, Chart: chart, Orgs: map[string]*ledger.Organisation{}, Funds: map[string]*ledger.Fund{}}
	for i := range bs.Orgs {
		b.Orgs[bs.Orgs[i].Code] = &bs.Orgs[i]
	}
	for i := range bs.Funds {
		b.Funds[bs.Funds[i].Code] = &bs.Funds[i]
	}
	d := date("2020-02-15")
	b.Orgs["FY-OT-04"].Dissolved = &d
	return b
}

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func m(s string) ledger.Money { return ledger.MustParseMoney(s) }

func dr(account, org, fund, amount string) ledger.Line {
	return ledger.Line{Account: account, Org: org, Fund: fund, Debit: m(amount), Credit: ledger.Zero}
}

func cr(account, org, fund, amount string) ledger.Line {
	return ledger.Line{Account: account, Org: org, Fund: fund, Debit: ledger.Zero, Credit: m(amount)}
}

func voucher(lines ...ledger.Line) *ledger.Voucher {
	return &ledger.Voucher{Book: "FY-DFZH", Date: date("2020-02-10"), Summary: "划拨专项党费", Attachments: 1, Lines: lines}
}

// errorIs fails t unless err has code and field.
func errorIs(t *testing.T, err error, code, field string) {
	t.Helper()
	if ledger.ErrorCode(err) != code || ledger.ErrorField(err) != field {
		t.Fatalf("got %v (code %q, field %q), want code %q on field %q", err, ledger.ErrorCode(err), ledger.ErrorField(err), code, field)
	}
}

var allocation = []ledger.Line{dr("121801", "FY-CP-01", "FY-UP", "100.00"), cr("100201", "FY", "FY-UP", "100.00")}

func TestValidateVoucherOK(t *testing.T) {
	b := demoBooks(t)
	red := voucher(ledger.Line{Account: "121801", Org: "FY-CP-01", Fund: "FY-UP", Debit: m("-100.00"), Credit: ledger.Zero},
		ledger.Line{Account: "100201", Org: "FY", Fund: "FY-UP", Debit: ledger.Zero, Credit: m("-100.00")})
	red.ReversalOf = 7
	for _, c := range []struct {
		name string
		v    *ledger.Voucher
	}{
		{"an allocation", voucher(allocation...)},
		{"two funds, each balanced", voucher(dr("121801", "FY-CP-01", "FY-UP", "100.00"), dr("121801", "FY-CP-01", "FY-MATCH", "0.01"),
			cr("100201", "FY", "FY-MATCH", "0.01"), cr("100201", "FY", "FY-UP", "100.00"))},
		{"spending takes the purpose of its account", voucher(dr("500102", "FY-CP-01", "FY-UP", "50.00"), cr("121801", "FY-CP-01", "FY-UP", "50.00"))},
		{"the book's ceiling", voucher(dr("100201", "FY", "FY-UP", "100000000.00"), cr("420101", "FY", "FY-UP", "100000000.00"))},
		{"a red reversal", red},
		{"the most lines", voucher(manyLines(ledger.LinesMax)...)},
		{"the longest summary", func() *ledger.Voucher {
			v := voucher(allocation...)
			v.Summary = strings.Repeat("摘", ledger.SummaryLenMax)
			return v
		}()},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := ledger.ValidateVoucher(c.v, b); err != nil {
				t.Fatal(err)
			}
			for i, l := range c.v.Lines {
				if l.No != i+1 || l.Summary == "" {
					t.Fatalf("line %d: numbered %d, summary %q", i+1, l.No, l.Summary)
				}
				if a := b.Chart[l.Account]; a.Purpose != "" && l.Purpose != a.Purpose {
					t.Fatalf("line %d on %s has purpose %q", i+1, l.Account, l.Purpose)
				}
			}
			if c.v.Type != "记" {
				t.Fatalf("type defaulted to %q", c.v.Type)
			}
		})
	}
}

// manyLines returns n lines (n even) of 0.01 allocations.
func manyLines(n int) []ledger.Line {
	var out []ledger.Line
	for range n / 2 {
		out = append(out, dr("121801", "FY-CP-01", "FY-UP", "0.01"), cr("100201", "FY", "FY-UP", "0.01"))
	}
	return out
}

func TestValidateVoucherErrors(t *testing.T) {
	b := demoBooks(t)
	with := func(change func(v *ledger.Voucher)) *ledger.Voucher {
		v := voucher(append([]ledger.Line(nil), allocation...)...)
		change(v)
		return v
	}
	purposeLine := dr("500101", "FY-CP-01", "FY-UP", "1.00")
	purposeLine.Purpose = ledger.Relief
	unknownPurpose := dr("121801", "FY-CP-01", "FY-UP", "1.00")
	unknownPurpose.Purpose = "banquet"
	for _, c := range []struct {
		name, code, field string
		v                 *ledger.Voucher
	}{
		{"no date", ledger.EInvalid, "date", with(func(v *ledger.Voucher) { v.Date = time.Time{} })},
		{"empty summary", ledger.EInvalid, "summary", with(func(v *ledger.Voucher) { v.Summary = "  " })},
		{"summary too long", ledger.EInvalid, "summary", with(func(v *ledger.Voucher) { v.Summary = strings.Repeat("摘", ledger.SummaryLenMax+1) })},
		{"payee too long", ledger.EInvalid, "payee", with(func(v *ledger.Voucher) { v.Payee = strings.Repeat("x", ledger.TextLenMax+1) })},
		// Text that a person did not type (issue #14, defect 9).
		{"NUL in the summary", ledger.EInvalid, "summary", with(func(v *ledger.Voucher) { v.Summary = "划拨\x00" })},
		{"ANSI escape in the payee", ledger.EInvalid, "payee", with(func(v *ledger.Voucher) { v.Payee = "\x1b[2J供应商" })},
		{"GBK bytes in the decision", ledger.EInvalid, "decision", with(func(v *ledger.Voucher) { v.Decision = "\xb2\xbf\xce\xf1" })},
		{"newline in the summary", ledger.EInvalid, "summary", with(func(v *ledger.Voucher) { v.Summary = "a\nb" })},
		{"C1 control in the memo", ledger.EInvalid, "memo", with(func(v *ledger.Voucher) { v.Memo = "a\u0085b" })},
		{"direction override in a line", ledger.EInvalid, "lines[2].summary", with(func(v *ledger.Voucher) { v.Lines[1].Summary = "\u202e收入" })},
		{"NUL in a line's org", ledger.EInvalid, "lines[1].org", with(func(v *ledger.Voucher) { v.Lines[0].Org = "FY\x00" })},
		{"DEL in a beneficiary", ledger.EInvalid, "beneficiaries[1].name", with(func(v *ledger.Voucher) {
			v.Beneficiaries = []ledger.Beneficiary{{Name: "张\x7f三", Amount: m("1.00")}}
		})},
		{"negative attachments", ledger.EInvalid, "attachments", with(func(v *ledger.Voucher) { v.Attachments = -1 })},
		{"too many attachments", ledger.EInvalid, "attachments", with(func(v *ledger.Voucher) { v.Attachments = ledger.AttachmentsMax + 1 })},
		{"unknown voucher type", ledger.EInvalid, "type", with(func(v *ledger.Voucher) { v.Type = "收" })},
		{"unknown method", ledger.EInvalid, "method", with(func(v *ledger.Voucher) { v.Method = "cheque" })},
		{"unknown payee type", ledger.EInvalid, "payee_type", with(func(v *ledger.Voucher) { v.PayeeType = "friend" })},
		{"one line", ledger.EUnbalanced, "lines", voucher(allocation[0])},
		{"no lines", ledger.EUnbalanced, "lines", voucher()},
		{"too many lines", ledger.EInvalid, "lines", voucher(manyLines(ledger.LinesMax + 2)...)},
		{"unknown account", ledger.ENotFound, "lines[2].account", voucher(allocation[0], cr("100299", "FY", "FY-UP", "100.00"))},
		{"parent account", ledger.EInvalid, "lines[1].account", voucher(dr("1218", "FY-CP-01", "FY-UP", "100.00"), allocation[1])},
		{"unknown organisation", ledger.ENotFound, "lines[1].org", voucher(dr("121801", "FY-CP-99", "FY-UP", "100.00"), allocation[1])},
		{"unknown fund", ledger.ENotFound, "lines[1].fund", voucher(dr("121801", "FY-CP-01", "FY-X", "100.00"), allocation[1])},
		{"zero line", ledger.EInvalidAmount, "lines[1].amount", voucher(ledger.Line{Account: "121801", Org: "FY-CP-01", Fund: "FY-UP", Debit: ledger.Zero, Credit: ledger.Zero}, allocation[1])},
		{"both sides", ledger.EInvalidAmount, "lines[1].amount", voucher(ledger.Line{Account: "121801", Org: "FY-CP-01", Fund: "FY-UP", Debit: m("1.00"), Credit: m("1.00")}, allocation[1])},
		{"negative outside a reversal", ledger.EInvalidAmount, "lines[1].amount", voucher(
			ledger.Line{Account: "121801", Org: "FY-CP-01", Fund: "FY-UP", Debit: m("-100.00"), Credit: ledger.Zero},
			ledger.Line{Account: "100201", Org: "FY", Fund: "FY-UP", Debit: ledger.Zero, Credit: m("-100.00")})},
		{"one fen over the maximum", ledger.EInvalidAmount, "lines[1].amount", voucher(
			ledger.Line{Account: "100201", Org: "FY", Fund: "FY-UP", Debit: ledger.AmountMax.Add(ledger.FromFen(1)), Credit: ledger.Zero},
			ledger.Line{Account: "420101", Org: "FY", Fund: "FY-UP", Debit: ledger.Zero, Credit: ledger.AmountMax.Add(ledger.FromFen(1))})},
		{"one fen off", ledger.EUnbalanced, "lines", voucher(allocation[0], cr("100201", "FY", "FY-UP", "99.99"))},
		{"balanced in total, not per fund", ledger.EUnbalanced, "lines", voucher(dr("121801", "FY-CP-01", "FY-UP", "100.00"), cr("100201", "FY", "FY-MATCH", "100.00"))},
		{"two funds crossed", ledger.EUnbalanced, "lines", voucher(dr("121801", "FY-CP-01", "FY-UP", "100.00"), dr("121801", "FY-CP-01", "FY-MATCH", "50.00"),
			cr("100201", "FY", "FY-UP", "50.00"), cr("100201", "FY", "FY-MATCH", "100.00"))},
		{"a purpose other than the account's", ledger.EPurposeNotAllowed, "lines[1].purpose", voucher(purposeLine, cr("121801", "FY-CP-01", "FY-UP", "1.00"))},
		{"donations spent", ledger.EPurposeNotAllowed, "lines[1].fund", voucher(dr("500103", "FY", "FY-DON", "1.00"), cr("100201", "FY", "FY-DON", "1.00"))},
		{"a fund without the purpose", ledger.EPurposeNotAllowed, "lines[1].purpose", voucher(dr("500101", "FY", "FY-GEN", "1.00"), cr("100201", "FY", "FY-GEN", "1.00"))},
		{"an unknown purpose", ledger.EPurposeNotAllowed, "lines[1].purpose", voucher(unknownPurpose, cr("100201", "FY", "FY-UP", "1.00"))},
		{"a nameless beneficiary", ledger.EInvalid, "beneficiaries[1].name", with(func(v *ledger.Voucher) {
			v.Beneficiaries = []ledger.Beneficiary{{Name: " ", Amount: m("1.00")}}
		})},
		{"a beneficiary of nothing", ledger.EInvalidAmount, "beneficiaries[2].amount", with(func(v *ledger.Voucher) {
			v.Beneficiaries = []ledger.Beneficiary{{Name: "张三", Amount: m("1.00")}, {Name: "李四", Amount: ledger.Zero}}
		})},
	} {
		t.Run(c.name, func(t *testing.T) {
			errorIs(t, ledger.ValidateVoucher(c.v, b), c.code, c.field)
		})
	}
}

func TestCheckActive(t *testing.T) {
	b := demoBooks(t)
	at := func(d string, lines ...ledger.Line) *ledger.Voucher {
		v := voucher(lines...)
		v.Date = date(d)
		return v
	}
	alloc := []ledger.Line{dr("121801", "FY-OT-04", "FY-UP", "1.00"), cr("100201", "FY", "FY-UP", "1.00")}
	spend := []ledger.Line{dr("500101", "FY-OT-04", "FY-UP", "1.00"), cr("121801", "FY-OT-04", "FY-UP", "1.00")}
	ret := []ledger.Line{dr("100201", "FY", "FY-UP", "1.00"), cr("121801", "FY-OT-04", "FY-UP", "1.00")}
	red := at("2020-03-01", ledger.Line{Account: "121801", Org: "FY-OT-04", Fund: "FY-UP", Debit: m("-1.00"), Credit: ledger.Zero},
		ledger.Line{Account: "100201", Org: "FY", Fund: "FY-UP", Debit: ledger.Zero, Credit: m("-1.00")})
	red.ReversalOf = 3
	for _, c := range []struct {
		name string
		v    *ledger.Voucher
		code string
	}{
		{"allocate on the set-up day", at("2020-01-28", alloc...), ""},
		{"allocate on the dissolution day", at("2020-02-15", alloc...), ""},
		{"spend on the dissolution day", at("2020-02-15", spend...), ""},
		{"return after the dissolution", at("2020-03-01", ret...), ""},
		{"reverse after the dissolution", red, ""},
		{"allocate before the set-up", at("2020-01-27", alloc...), ledger.EOrgInactive},
		{"allocate the day after the dissolution", at("2020-02-16", alloc...), ledger.EOrgInactive},
		{"spend after the dissolution", at("2020-03-01", spend...), ledger.EOrgInactive},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := ledger.CheckActive(c.v, b)
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			errorIs(t, err, c.code, "lines[1].org")
		})
	}
}

func TestAuthorize(t *testing.T) {
	b := demoBooks(t)
	user := func(name string, scope string, roles ...ledger.Role) *ledger.User {
		return &ledger.User{Name: name, Roles: roles, Scope: scope}
	}
	officer := user("wangfang", "", ledger.RoleOfficer)
	officer2 := user("liuyang", "", ledger.RoleOfficer)
	scoped := user("cp01officer", "FY-CP-01", ledger.RoleOfficer)
	checker := user("liqiang", "", ledger.RoleChecker)
	checker2 := user("zhouhui", "", ledger.RoleChecker)
	cashier := user("zhaomin", "", ledger.RoleCashier)
	auditor := user("fengqing", "", ledger.RoleAuditor)
	admin := user("sunlixin", "", ledger.RoleAdmin, ledger.RoleChecker)
	both := user("chenjing", "", ledger.RoleChecker, ledger.RoleCashier)

	cash := func(status ledger.VoucherStatus, maker, checker, cashier string) *ledger.Voucher {
		v := voucher(allocation...)
		v.Status, v.Maker, v.Checker, v.Cashier, v.Number = status, maker, checker, cashier, 3
		return v
	}
	nonCash := func(status ledger.VoucherStatus, maker, checker string, org string) *ledger.Voucher {
		v := voucher(dr("500101", org, "FY-UP", "1.00"), cr("121801", org, "FY-UP", "1.00"))
		v.Status, v.Maker, v.Checker = status, maker, checker
		return v
	}
	for _, c := range []struct {
		name        string
		u           *ledger.User
		act         ledger.Action
		v           *ledger.Voucher
		code, field string
	}{
		{"officer makes", officer, ledger.ActMake, cash("", "", "", ""), "", ""},
		{"admin makes", admin, ledger.ActMake, cash("", "", "", ""), "", ""},
		{"scoped officer makes in scope", scoped, ledger.ActMake, nonCash("", "", "", "FY-CP-01-G2"), "", ""},
		{"checker checks", checker, ledger.ActCheck, cash(ledger.StatusDraft, "wangfang", "", ""), "", ""},
		{"same checker unchecks", checker, ledger.ActUncheck, cash(ledger.StatusChecked, "wangfang", "liqiang", ""), "", ""},
		{"cashier signs", cashier, ledger.ActSign, cash(ledger.StatusChecked, "wangfang", "liqiang", ""), "", ""},
		{"checker posts a signed voucher", checker, ledger.ActPost, cash(ledger.StatusSigned, "wangfang", "liqiang", "zhaomin"), "", ""},
		{"another checker posts", checker2, ledger.ActPost, cash(ledger.StatusSigned, "wangfang", "liqiang", "zhaomin"), "", ""},
		{"checker posts a checked non-cash voucher", checker, ledger.ActPost, nonCash(ledger.StatusChecked, "wangfang", "liqiang", "FY-CP-01"), "", ""},
		{"maker voids", officer, ledger.ActVoid, cash(ledger.StatusDraft, "wangfang", "", ""), "", ""},
		{"admin voids", admin, ledger.ActVoid, cash(ledger.StatusDraft, "wangfang", "", ""), "", ""},
		{"officer reverses", officer2, ledger.ActReverse, cash(ledger.StatusPosted, "wangfang", "liqiang", "zhaomin"), "", ""},
		{"auditor reads", auditor, ledger.ActRead, cash(ledger.StatusPosted, "wangfang", "liqiang", "zhaomin"), "", ""},

		{"nobody", nil, ledger.ActMake, cash("", "", "", ""), ledger.EUnauthenticated, "user"},
		{"auditor makes", auditor, ledger.ActMake, cash("", "", "", ""), ledger.EForbidden, "user"},
		{"auditor checks", auditor, ledger.ActCheck, cash(ledger.StatusDraft, "wangfang", "", ""), ledger.EForbidden, "user"},
		{"checker makes", checker, ledger.ActMake, cash("", "", "", ""), ledger.EForbidden, "user"},
		{"officer checks", officer2, ledger.ActCheck, cash(ledger.StatusDraft, "wangfang", "", ""), ledger.EForbidden, "user"},
		{"checker signs", checker2, ledger.ActSign, cash(ledger.StatusChecked, "wangfang", "liqiang", ""), ledger.EForbidden, "user"},
		{"cashier posts", cashier, ledger.ActPost, cash(ledger.StatusSigned, "wangfang", "liqiang", "zhaomin"), ledger.EForbidden, "user"},
		{"scoped officer spends for another branch", scoped, ledger.ActMake, nonCash("", "", "", "FY-CP-02"), ledger.EForbidden, "lines[1].org"},
		{"scoped officer allocates from the root", scoped, ledger.ActMake, voucher(dr("121801", "FY-CP-01", "FY-UP", "1.00"), cr("100201", "FY", "FY-UP", "1.00")), ledger.EForbidden, "lines[2].org"},
		{"scoped officer reads the root", scoped, ledger.ActRead, cash(ledger.StatusPosted, "wangfang", "liqiang", "zhaomin"), ledger.EForbidden, "lines[2].org"},
		{"maker checks", admin, ledger.ActCheck, cash(ledger.StatusDraft, "sunlixin", "", ""), ledger.ESamePerson, "user"},
		{"another checker unchecks", checker2, ledger.ActUncheck, cash(ledger.StatusChecked, "wangfang", "liqiang", ""), ledger.ESamePerson, "user"},
		{"checker signs as cashier", both, ledger.ActSign, cash(ledger.StatusChecked, "wangfang", "chenjing", ""), ledger.ESamePerson, "user"},
		{"maker posts", admin, ledger.ActPost, cash(ledger.StatusSigned, "sunlixin", "liqiang", "zhaomin"), ledger.ESamePerson, "user"},
		{"cashier posts what they signed", both, ledger.ActPost, cash(ledger.StatusSigned, "wangfang", "liqiang", "chenjing"), ledger.ESamePerson, "user"},
		{"another officer voids", officer2, ledger.ActVoid, cash(ledger.StatusDraft, "wangfang", "", ""), ledger.ESamePerson, "user"},
		{"post a draft", checker, ledger.ActPost, cash(ledger.StatusDraft, "wangfang", "", ""), ledger.EInvalidState, "status"},
		{"post a posted voucher", checker, ledger.ActPost, cash(ledger.StatusPosted, "wangfang", "liqiang", "zhaomin"), ledger.EInvalidState, "status"},
		{"check a posted voucher", checker2, ledger.ActCheck, cash(ledger.StatusPosted, "wangfang", "liqiang", "zhaomin"), ledger.EInvalidState, "status"},
		{"check a void voucher", checker, ledger.ActCheck, cash(ledger.StatusVoid, "wangfang", "", ""), ledger.EInvalidState, "status"},
		{"sign a draft", cashier, ledger.ActSign, nonCash(ledger.StatusDraft, "wangfang", "", "FY-CP-01"), ledger.EInvalidState, "status"},
		{"sign twice", cashier, ledger.ActSign, cash(ledger.StatusSigned, "wangfang", "liqiang", "zhaomin"), ledger.EInvalidState, "status"},
		{"post a checked cash voucher unsigned", checker, ledger.ActPost, cash(ledger.StatusChecked, "wangfang", "liqiang", ""), ledger.EInvalidState, "status"},
		{"uncheck a signed voucher", checker, ledger.ActUncheck, cash(ledger.StatusSigned, "wangfang", "liqiang", "zhaomin"), ledger.EInvalidState, "status"},
		{"void a checked voucher", officer, ledger.ActVoid, cash(ledger.StatusChecked, "wangfang", "liqiang", ""), ledger.EInvalidState, "status"},
		{"reverse a draft", officer, ledger.ActReverse, cash(ledger.StatusDraft, "wangfang", "", ""), ledger.EInvalidState, "status"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := ledger.Authorize(c.u, c.act, c.v, b, true)
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			errorIs(t, err, c.code, c.field)
		})
	}
	// Without require_cashier_sign a checked cash voucher posts.
	if err := ledger.Authorize(checker, ledger.ActPost, cash(ledger.StatusChecked, "wangfang", "liqiang", ""), b, false); err != nil {
		t.Fatalf("post unsigned with require_cashier_sign off: %v", err)
	}
}

func TestReversal(t *testing.T) {
	b := demoBooks(t)
	orig := voucher(dr("500102", "FY-CP-01", "FY-UP", "300.00"), cr("121801", "FY-CP-01", "FY-UP", "300.00"))
	if err := ledger.ValidateVoucher(orig, b); err != nil {
		t.Fatal(err)
	}
	orig.ID, orig.Number, orig.Status, orig.Date = 41, 12, ledger.StatusPosted, date("2020-02-09")
	red := ledger.Reversal(orig, date("2020-02-20"))
	if red.ReversalOf != 41 || red.Summary != "注销2月9日记字12号凭证" || !red.Date.Equal(date("2020-02-20")) || red.Flow != "reversal" {
		t.Fatalf("red voucher: %+v", red)
	}
	if err := ledger.ValidateVoucher(red, b); err != nil {
		t.Fatalf("the red voucher is not valid: %v", err)
	}
	for i, l := range red.Lines {
		o := orig.Lines[i]
		if l.Account != o.Account || l.Org != o.Org || l.Fund != o.Fund || l.Purpose != o.Purpose ||
			!l.Debit.Equal(o.Debit.Neg()) || !l.Credit.Equal(o.Credit.Neg()) {
			t.Fatalf("red line %d = %+v does not negate %+v", i+1, l, o)
		}
	}
	if !red.Total().Equal(m("-300.00")) {
		t.Fatalf("red total %s", red.Total())
	}
	if got := ledger.CorrectionSummary(orig); got != "订正2月9日记字12号凭证" {
		t.Fatalf("correction summary %q", got)
	}
}

func TestValidateOrganisations(t *testing.T) {
	tree := func(change func(map[string]*ledger.Organisation)) map[string]*ledger.Organisation {
		orgs := map[string]*ledger.Organisation{
			"FY":    {Code: "FY", Name: "组织部", Kind: ledger.OrgDept},
			"FY-A":  {Code: "FY-A", Name: "支部", Kind: ledger.OrgTempBranch, Parent: "FY", SetUp: date("2020-01-28")},
			"FY-A1": {Code: "FY-A1", Name: "党小组", Kind: ledger.OrgPartyGroup, Parent: "FY-A"},
		}
		if change != nil {
			change(orgs)
		}
		return orgs
	}
	if err := ledger.ValidateOrganisations(tree(nil)); err != nil {
		t.Fatal(err)
	}
	deep := tree(func(o map[string]*ledger.Organisation) {
		parent := "FY-A1"
		for i := range ledger.OrgDepthMax {
			c := fmt.Sprintf("FY-D%d", i)
			o[c] = &ledger.Organisation{Code: c, Name: c, Kind: ledger.OrgPartyGroup, Parent: parent}
			parent = c
		}
	})
	for _, c := range []struct {
		name, code, field string
		orgs              map[string]*ledger.Organisation
	}{
		{"no name", ledger.EInvalid, "organisations.FY-A.name", tree(func(o map[string]*ledger.Organisation) { o["FY-A"].Name = "" })},
		{"unknown kind", ledger.EInvalid, "organisations.FY-A.kind", tree(func(o map[string]*ledger.Organisation) { o["FY-A"].Kind = "club" })},
		{"unknown parent", ledger.ENotFound, "organisations.FY-A.parent", tree(func(o map[string]*ledger.Organisation) { o["FY-A"].Parent = "XX" })},
		{"dissolved before set-up", ledger.EInvalid, "organisations.FY-A.dissolved", tree(func(o map[string]*ledger.Organisation) {
			d := date("2020-01-01")
			o["FY-A"].Dissolved = &d
		})},
		{"a cycle", ledger.EInvalid, "organisations.FY.parent", tree(func(o map[string]*ledger.Organisation) { o["FY"].Parent = "FY-A1" })},
		{"too deep", ledger.EInvalid, "organisations.FY-D5.parent", deep},
	} {
		t.Run(c.name, func(t *testing.T) {
			errorIs(t, ledger.ValidateOrganisations(c.orgs), c.code, c.field)
		})
	}
}

func TestScope(t *testing.T) {
	b := demoBooks(t)
	for _, c := range []struct {
		scope, org string
		in         bool
	}{
		{"", "FY-CP-02", true}, {"FY-CP-01", "FY-CP-01", true}, {"FY-CP-01", "FY-CP-01-G2", true}, {"FY", "FY-CP-01-G2", true},
		{"FY-CP-01", "FY", false}, {"FY-CP-01", "FY-CP-02-G1", false}, {"FY-CP-01", "FY-CP-01X", false}, {"FY-CP-01", "NOWHERE", false},
	} {
		if got := b.InScope(c.scope, c.org); got != c.in {
			t.Errorf("InScope(%q, %q) = %v, want %v", c.scope, c.org, got, c.in)
		}
	}
	if r := b.Root(); r == nil || r.Code != "FY" {
		t.Fatalf("root %v", r)
	}
	if got := strings.Join(b.Ancestors("FY-CP-01-G2"), ","); got != "FY-CP-01-G2,FY-CP-01,FY" {
		t.Fatalf("ancestors %s", got)
	}
}

// The window of plausible dates (issue #14, defect 7): a spend dated
// 9999-12-31 is refused; today is a day of the book's zone.
func TestDateWindow(t *testing.T) {
	b := demoBooks(t)
	b.Book.FirstPeriod, b.Book.DateDaysAhead, b.Book.TimeZone = date("2020-01-01"), 31, "Asia/Shanghai"
	// 2020-03-01 20:00 UTC is already 2 March in Shanghai.
	now := time.Date(2020, 3, 1, 20, 0, 0, 0, time.UTC)
	v := voucher(allocation...)
	for d, ok := range map[string]bool{"2020-01-01": true, "2019-12-31": false, "2020-04-02": true, "2020-04-03": false, "9999-12-31": false} {
		v.Date = date(d)
		err := ledger.CheckDate(v, b, now)
		if ok && err != nil {
			t.Errorf("%s: %v", d, err)
		}
		if !ok {
			errorIs(t, err, ledger.EInvalid, "date")
		}
	}
	b.Book.VoucherAmountMax = m("100.00")
	v = voucher(dr("121801", "FY-CP-01", "FY-UP", "100.01"), cr("100201", "FY", "FY-UP", "100.01"))
	errorIs(t, ledger.ValidateVoucher(v, b), ledger.EInvalidAmount, "amount")
}
