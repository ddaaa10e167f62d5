package ledger_test

import (
	"slices"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

func TestDiffSetup(t *testing.T) {
	day := time.Date(2020, 1, 28, 0, 0, 0, 0, time.UTC)
	cur := &ledger.Books{
		Book:  &ledger.Book{Code: "B", Name: "账套", RequireCashierSign: true, VoucherTypes: []string{"记"}, TimeZone: "Asia/Shanghai", DateDaysAhead: 31},
		Chart: ledger.Chart{"1001": {Code: "1001", Name: "库存现金", Type: ledger.Asset, Side: ledger.Debit, Cash: true}},
		Orgs: map[string]*ledger.Organisation{
			"R": {Code: "R", Name: "组织部", Kind: ledger.OrgDept, SetUp: day},
			"C": {Code: "C", Name: "临时党支部", Kind: ledger.OrgTempBranch, Parent: "R", SetUp: day},
		},
		Funds: map[string]*ledger.Fund{"F": {Code: "F", Name: "上级下拨", Kind: ledger.FundUpper, Purposes: []ledger.Purpose{ledger.Procurement}}},
	}
	users := []ledger.User{{Name: "wang", FullName: "王芳", Roles: []ledger.Role{ledger.RoleOfficer}}}
	same := ledger.BookSetup{
		Book:     *cur.Book,
		Accounts: []ledger.Account{*cur.Chart["1001"]},
		Orgs:     []ledger.Organisation{*cur.Orgs["R"], *cur.Orgs["C"]},
		Funds:    []ledger.Fund{*cur.Funds["F"]},
		Users:    []ledger.UserSetup{{User: users[0]}},
	}
	if got := ledger.DiffSetup(cur, users, &same); len(got) != 0 {
		t.Errorf("the book as it stands changes %+v", got)
	}

	next := same
	next.Book.BankAccount = "0505"
	next.Accounts = []ledger.Account{*cur.Chart["1001"], {Code: "1002", Name: "银行存款", Type: ledger.Asset, Side: ledger.Debit, Cash: true}}
	gone := day.AddDate(0, 2, 0)
	c := *cur.Orgs["C"]
	c.Name, c.Dissolved = "临时党支部（已撤销）", &gone
	next.Orgs = []ledger.Organisation{*cur.Orgs["R"], c}
	f := *cur.Funds["F"]
	f.Purposes = []ledger.Purpose{ledger.Procurement, ledger.Relief}
	next.Funds = []ledger.Fund{f}
	w := users[0]
	w.Roles, w.Scope = []ledger.Role{ledger.RoleOfficer, ledger.RoleChecker}, "C"
	next.Users = []ledger.UserSetup{{User: w, Password: "a new password"}, {User: ledger.User{Name: "li", Roles: []ledger.Role{ledger.RoleChecker}}}}

	want := []ledger.SetupChange{
		{Kind: ledger.SetupBook, Code: "B", Name: "账套", Fields: []string{"bank_account"}},
		{Kind: ledger.SetupAccount, Code: "1002", Name: "银行存款", Added: true},
		{Kind: ledger.SetupOrg, Code: "C", Name: "临时党支部（已撤销）", Fields: []string{"name", "dissolved"}},
		{Kind: ledger.SetupFund, Code: "F", Name: "上级下拨", Fields: []string{"purposes"}},
		{Kind: ledger.SetupUser, Code: "wang", Name: "王芳", Fields: []string{"roles", "scope", "password"}},
		{Kind: ledger.SetupUser, Code: "li", Name: "li", Added: true},
	}
	got := ledger.DiffSetup(cur, users, &next)
	if !slices.EqualFunc(got, want, func(a, b ledger.SetupChange) bool {
		return a.Kind == b.Kind && a.Code == b.Code && a.Name == b.Name && a.Added == b.Added && slices.Equal(a.Fields, b.Fields)
	}) {
		t.Errorf("changes\n got %+v\nwant %+v", got, want)
	}

	// A book not yet set up: everything is added.
	got = ledger.DiffSetup(nil, nil, &next)
	if len(got) != 1+2+2+1+2 {
		t.Fatalf("a new book: %d changes %+v", len(got), got)
	}
	for _, c := range got {
		if !c.Added {
			t.Errorf("a new book's %s %s is not added", c.Kind, c.Code)
		}
	}
}
