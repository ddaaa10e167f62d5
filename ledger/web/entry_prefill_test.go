package web_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// The return flow's 121801 line names the branch of a branch officer and
// is left to a book-wide officer to fill, never the book's own
// organisation (which returns nothing to itself).
func TestEntryReturnPrefillsTheBranch(t *testing.T) {
	e := newBareEnv(t)
	org := regexp.MustCompile(`name="line_org" value="([^"]*)"`)
	acct := regexp.MustCompile(`name="line_account" value="([^"]*)"`)
	for _, c := range []struct{ user, bank, pending string }{{"wangfang", "FY", ""}, {"cp01officer", "FY", "FY-CP-01"}} {
		p := e.login(c.user).get("/vouchers/new?flow=return")
		wantStatus(t, p, http.StatusOK, "凭证录入 of a return by "+c.user)
		orgs, accts := org.FindAllStringSubmatch(p.body, 2), acct.FindAllStringSubmatch(p.body, 2)
		if len(orgs) != 2 || len(accts) != 2 {
			t.Fatalf("%s: the grid's first lines: %v %v", c.user, orgs, accts)
		}
		if accts[0][1] != ledger.AcctBank || orgs[0][1] != c.bank || accts[1][1] != ledger.AcctPending || orgs[1][1] != c.pending {
			t.Errorf("%s: the return's lines are %s %q and %s %q, want %s %q and %s %q", c.user, accts[0][1], orgs[0][1], accts[1][1], orgs[1][1],
				ledger.AcctBank, c.bank, ledger.AcctPending, c.pending)
		}
	}
}
