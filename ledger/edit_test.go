package ledger_test

import (
	"slices"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// storedDraft is a stored draft of 2020-02 at version 2, made by wangfang.
func storedDraft() *ledger.Voucher {
	v := voucher(dr("500101", "FY-CP-01-G2", "FY-UP", "1.00"), cr("121801", "FY-CP-01-G2", "FY-UP", "1.00"))
	v.ID, v.Type, v.Year, v.Month, v.Number, v.Status, v.Maker, v.Version, v.Flow = 7, "记", 2020, 2, 3, ledger.StatusDraft, "wangfang", 2, "spend"
	return v
}

func TestCheckEdit(t *testing.T) {
	with := func(change func(old, next *ledger.Voucher)) (*ledger.Voucher, *ledger.Voucher) {
		old, next := storedDraft(), storedDraft()
		next.Type = ""
		change(old, next)
		return old, next
	}
	for _, c := range []struct {
		name        string
		change      func(old, next *ledger.Voucher)
		version     int
		code, field string
	}{
		{"same month, new summary", func(_, n *ledger.Voucher) { n.Summary = "改" }, 2, "", ""},
		{"another day of the month", func(_, n *ledger.Voucher) { n.Date = date("2020-02-29") }, 2, "", ""},
		{"the type named", func(_, n *ledger.Voucher) { n.Type = "记" }, 2, "", ""},

		{"checked", func(o, _ *ledger.Voucher) { o.Status = ledger.StatusChecked }, 2, ledger.EImmutable, "status"},
		{"signed", func(o, _ *ledger.Voucher) { o.Status = ledger.StatusSigned }, 2, ledger.EImmutable, "status"},
		{"posted", func(o, _ *ledger.Voucher) { o.Status = ledger.StatusPosted }, 2, ledger.EImmutable, "status"},
		{"void", func(o, _ *ledger.Voucher) { o.Status = ledger.StatusVoid }, 2, ledger.EImmutable, "status"},
		{"no version", func(_, _ *ledger.Voucher) {}, 0, ledger.EInvalid, "version"},
		{"stale version", func(_, _ *ledger.Voucher) {}, 1, ledger.EInvalidState, "version"},
		{"a version ahead", func(_, _ *ledger.Voucher) {}, 3, ledger.EInvalidState, "version"},
		{"a red reversal", func(o, _ *ledger.Voucher) { o.ReversalOf = 5 }, 2, ledger.EInvalid, "reversal_of"},
		{"another type", func(_, n *ledger.Voucher) { n.Type = "付" }, 2, ledger.EInvalid, "type"},
		{"the next month", func(_, n *ledger.Voucher) { n.Date = date("2020-03-01") }, 2, ledger.EInvalid, "date"},
		{"the same month a year later", func(_, n *ledger.Voucher) { n.Date = date("2021-02-10") }, 2, ledger.EInvalid, "date"},
	} {
		t.Run(c.name, func(t *testing.T) {
			old, next := with(c.change)
			err := ledger.CheckEdit(old, next, c.version)
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			errorIs(t, err, c.code, c.field)
		})
	}
}

func TestCanEditDraft(t *testing.T) {
	b := demoBooks(t)
	user := func(name, scope string, roles ...ledger.Role) *ledger.User {
		return &ledger.User{Name: name, Roles: roles, Scope: scope}
	}
	v := storedDraft()
	for _, c := range []struct {
		name        string
		u           *ledger.User
		code, field string
	}{
		{"the maker", user("wangfang", "", ledger.RoleOfficer), "", ""},
		{"an admin of the book", user("sunlixin", "", ledger.RoleAdmin), "", ""},
		{"an admin of the branch", user("cp01admin", "FY-CP-01", ledger.RoleAdmin), "", ""},

		{"nobody", nil, ledger.EUnauthenticated, "user"},
		{"another officer", user("liuyang", "", ledger.RoleOfficer), ledger.ESamePerson, "user"},
		{"a checker", user("liqiang", "", ledger.RoleChecker), ledger.EForbidden, "user"},
		{"an auditor", user("fengqing", "", ledger.RoleAuditor), ledger.EForbidden, "user"},
		{"an admin of another branch", user("cp02admin", "FY-CP-02", ledger.RoleAdmin), ledger.EForbidden, "lines[1].org"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := ledger.CanEditDraft(c.u, v, b)
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			errorIs(t, err, c.code, c.field)
		})
	}
}

func TestEditedKeepsWhatAnEditDoesNotChange(t *testing.T) {
	old := storedDraft()
	old.Key, old.Checker = "K-1", ""
	next := voucher(dr("500101", "FY-CP-01-G2", "FY-UP", "2.00"), cr("121801", "FY-CP-01-G2", "FY-UP", "2.00"))
	next.Flow, next.Key, next.Maker, next.Status = "general", "K-2", "liuyang", ledger.StatusPosted
	w := ledger.Edited(old, next)
	if w.ID != 7 || w.Number != 3 || w.Type != "记" || w.Flow != "spend" || w.Key != "K-1" || w.Maker != "wangfang" ||
		w.Status != ledger.StatusDraft || w.Version != 3 || !w.Total().Equal(m("2.00")) {
		t.Fatalf("edited %+v", w)
	}
	next.Lines[0].Debit = m("9.00")
	if !w.Lines[0].Debit.Equal(m("2.00")) {
		t.Fatal("the edited voucher shares its lines with the request")
	}
}

func TestChanged(t *testing.T) {
	old := storedDraft()
	old.Beneficiaries = []ledger.Beneficiary{{Name: "张三", IDNumber: "142301197001011236", Amount: m("1.00")}}
	for _, c := range []struct {
		name   string
		change func(v *ledger.Voucher)
		want   []string
	}{
		{"nothing", func(v *ledger.Voucher) {}, []string{}},
		{"the header", func(v *ledger.Voucher) { v.Summary, v.Attachments, v.Payee = "改", 3, "某公司" }, []string{"attachments", "payee", "summary"}},
		{"an amount", func(v *ledger.Voucher) { v.Lines[0].Debit, v.Lines[1].Credit = m("2.00"), m("2.00") }, []string{"lines"}},
		{"line numbers only", func(v *ledger.Voucher) { v.Lines[0].No, v.Lines[1].No = 0, 0 }, []string{}},
		{"a beneficiary", func(v *ledger.Voucher) { v.Beneficiaries[0].Phone = "13800000000" }, []string{"beneficiaries"}},
		{"doc types nil and empty", func(v *ledger.Voucher) { v.DocTypes = []string{} }, []string{}},
		{"the date", func(v *ledger.Voucher) { v.Date = date("2020-02-11") }, []string{"date"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			next := *old
			next.Lines = append([]ledger.Line(nil), old.Lines...)
			next.Beneficiaries = append([]ledger.Beneficiary(nil), old.Beneficiaries...)
			for i := range next.Lines {
				next.Lines[i].No = i + 1
			}
			c.change(&next)
			if got := ledger.Changed(ledger.Content(old), ledger.Content(&next)); !slices.Equal(got, c.want) {
				t.Fatalf("changed %v, want %v", got, c.want)
			}
		})
	}
	if got := ledger.Content(old).Masked().Beneficiaries[0].IDNumber; got != ledger.MaskID("142301197001011236") {
		t.Fatalf("masked %q", got)
	}
}
