package ledger_test

import (
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

func TestCan(t *testing.T) {
	b := demoBooks(t)
	user := func(scope string, roles ...ledger.Role) *ledger.User {
		return &ledger.User{Name: "u", Roles: roles, Scope: scope}
	}
	officer, auditor, admin := user("", ledger.RoleOfficer), user("", ledger.RoleAuditor), user("", ledger.RoleAdmin)
	branchOfficer, branchAdmin := user("FY-CP-01", ledger.RoleOfficer), user("FY-CP-01", ledger.RoleAdmin)
	checker := user("", ledger.RoleChecker)
	cases := []struct {
		name string
		err  error
		code string // "" when allowed
	}{
		{"officer records facts", ledger.CanRecordFacts(officer, "members"), ""},
		{"admin records facts", ledger.CanRecordFacts(admin, "members"), ""},
		{"auditor records no facts", ledger.CanRecordFacts(auditor, "members"), ledger.EForbidden},
		{"checker records no facts", ledger.CanRecordFacts(checker, "members"), ledger.EForbidden},
		{"book-wide officer records for the book", ledger.CanRecordFor(officer, b, "org", ""), ""},
		{"scoped officer records for its branch", ledger.CanRecordFor(branchOfficer, b, "org", "FY-CP-01"), ""},
		{"scoped officer records not for the book", ledger.CanRecordFor(branchOfficer, b, "org", ""), ledger.EForbidden},
		{"scoped officer records not for another branch", ledger.CanRecordFor(branchOfficer, b, "org", "FY-CP-02"), ledger.EForbidden},
		{"unknown organisation", ledger.CanRecordFor(officer, b, "org", "NO-SUCH"), ledger.ENotFound},
		{"auditor audits", ledger.CanAudit(auditor, "acknowledge a finding"), ""},
		{"officer does not audit", ledger.CanAudit(officer, "acknowledge a finding"), ledger.EForbidden},
		{"admin re-opens", ledger.CanReopenPeriod(admin), ""},
		{"auditor does not re-open", ledger.CanReopenPeriod(auditor), ledger.EForbidden},
		{"scoped admin does not re-open the book's month", ledger.CanReopenPeriod(branchAdmin), ledger.EForbidden},
		{"the batch identity does not re-open", ledger.CanReopenPeriod(&ledger.User{Name: ledger.SystemUser}), ledger.EForbidden},
		{"the batch identity runs the batch", ledger.CanRunBatch(nil, "close"), ""},
		{"book admin runs the batch", ledger.CanRunBatch(admin, "close"), ""},
		{"scoped admin does not run the batch", ledger.CanRunBatch(branchAdmin, "close"), ledger.EForbidden},
		{"officer does not run the batch", ledger.CanRunBatch(officer, "close"), ledger.EForbidden},
		{"book admin acts book-wide", ledger.CanActBookWide(admin, "set up the book"), ""},
		{"scoped admin does not act book-wide", ledger.CanActBookWide(branchAdmin, "set up the book"), ledger.EForbidden},
		{"admin dissolves", ledger.CanDissolve(admin, b, "FY-CP-02"), ""},
		{"scoped admin dissolves its branch", ledger.CanDissolve(branchAdmin, b, "FY-CP-01"), ""},
		{"scoped admin dissolves no other branch", ledger.CanDissolve(branchAdmin, b, "FY-CP-02"), ledger.EForbidden},
		{"officer does not dissolve", ledger.CanDissolve(officer, b, "FY-CP-01"), ledger.EForbidden},
		{"admin imports", ledger.CanImport(admin), ""},
		{"scoped admin does not import", ledger.CanImport(branchAdmin), ledger.EForbidden},
		{"officer does not import", ledger.CanImport(officer), ledger.EForbidden},
		{"book admin manages any user", ledger.CanManageUsers(admin, nil, "", "scope"), ""},
		{"scoped admin manages its branch's users", ledger.CanManageUsers(branchAdmin, b, "FY-CP-01", "scope"), ""},
		{"scoped admin manages no book-wide user", ledger.CanManageUsers(branchAdmin, b, "", "scope"), ledger.EForbidden},
		{"scoped admin manages no other branch", ledger.CanManageUsers(branchAdmin, b, "FY-CP-02", "scope"), ledger.EForbidden},
		{"officer manages no users", ledger.CanManageUsers(officer, nil, "", "user"), ledger.EForbidden},
		{"own token", ledger.CanManageTokens(officer, b, "u", "", 7), ""},
		{"scoped admin's own token", ledger.CanManageTokens(branchAdmin, b, "u", "FY-CP-01", 7), ""},
		{"book admin manages any token", ledger.CanManageTokens(admin, b, "other", "", 7), ""},
		{"scoped admin manages its branch's tokens", ledger.CanManageTokens(branchAdmin, b, "other", "FY-CP-01", 7), ""},
		{"scoped admin: a book-wide user's token is not found", ledger.CanManageTokens(branchAdmin, b, "other", "", 7), ledger.ENotFound},
		{"scoped admin: another branch's token is not found", ledger.CanManageTokens(branchAdmin, b, "other", "FY-CP-02", 7), ledger.ENotFound},
		{"scoped admin: a book-wide user's tokens are not listed", ledger.CanManageTokens(branchAdmin, b, "other", "", 0), ledger.EForbidden},
		{"another's token is not found", ledger.CanManageTokens(officer, b, "other", "", 7), ledger.ENotFound},
	}
	for _, c := range cases {
		if got := ledger.ErrorCode(c.err); got != c.code {
			t.Errorf("%s: code %q (%v), want %q", c.name, got, c.err, c.code)
		}
	}
}
