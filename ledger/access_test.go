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
		{"admin dissolves", ledger.CanDissolve(admin), ""},
		{"officer does not dissolve", ledger.CanDissolve(officer), ledger.EForbidden},
		{"admin imports", ledger.CanImport(admin), ""},
		{"officer does not import", ledger.CanImport(officer), ledger.EForbidden},
		{"book admin manages any user", ledger.CanManageUsers(admin, nil, "", "scope"), ""},
		{"scoped admin manages its branch's users", ledger.CanManageUsers(branchAdmin, b, "FY-CP-01", "scope"), ""},
		{"scoped admin manages no book-wide user", ledger.CanManageUsers(branchAdmin, b, "", "scope"), ledger.EForbidden},
		{"scoped admin manages no other branch", ledger.CanManageUsers(branchAdmin, b, "FY-CP-02", "scope"), ledger.EForbidden},
		{"officer manages no users", ledger.CanManageUsers(officer, nil, "", "user"), ledger.EForbidden},
		{"own token", ledger.CanRevokeToken(officer, "u", 7), ""},
		{"admin revokes any token", ledger.CanRevokeToken(admin, "other", 7), ""},
		{"another's token", ledger.CanRevokeToken(officer, "other", 7), ledger.EForbidden},
	}
	for _, c := range cases {
		if got := ledger.ErrorCode(c.err); got != c.code {
			t.Errorf("%s: code %q (%v), want %q", c.name, got, c.err, c.code)
		}
	}
}
