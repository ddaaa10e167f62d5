package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
)

// matrixRoles are the columns of the role × scope × route matrix: the
// whole book's officer, checker, cashier, auditor and admin, a branch's
// officer and admin, and a sibling branch's checker.
var matrixRoles = []string{officer, checker, cashier, auditor, admin, cpOfficer, cpChecker, cpAdmin}

// TestRoleScopeReadMatrix sends every read route as every role and scope
// on one server and checks the exact status of each cell; with
// TestRoleScopeMatrix (the writes) it covers every route the server
// registers, so a new route must join the matrix.
func TestRoleScopeReadMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	ctx := context.Background()
	v := e.flow(officer, ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement, Amount: amt("10.00"),
		Payee: "汾阳市医药公司", PayeeType: ledger.PayeeSupplier, Attachments: 1})
	fs, err := e.db.RecordFindings(ctx, book, ledger.PeriodRange{From: day("2020-02-01"), To: day("2020-02-29")}, []audit.Finding{{
		Rule: "A-12", Type: "程序违规", Severity: audit.SeverityHigh, Org: "FY-CP-01", Amount: amt("1.00"), Explanation: "test", Key: "R-1"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// A posted grant to a book of another database, for its export.
	grant, _, err := e.db.MakeGrant(ctx, book, officer, &ledger.GrantRequest{Fund: "FY-UP", Amount: amt("10.00"), Date: day("2020-02-10"),
		ToBook: "XY-OTHER", ToOrg: "XY", ToFund: "XY-UP"})
	if err != nil {
		t.Fatal(err)
	}
	e.step(grant.ID, checker, ledger.ActCheck)
	e.step(grant.ID, cashier, ledger.ActSign)
	e.step(grant.ID, checker, ledger.ActPost)
	const ok, no = http.StatusOK, http.StatusForbidden
	all := func(want int) map[string]int {
		m := map[string]int{}
		for _, u := range matrixRoles {
			m[u] = want
		}
		return m
	}
	only := func(users ...string) map[string]int {
		m := all(no)
		for _, u := range users {
			m[u] = ok
		}
		return m
	}
	with := func(m map[string]int, want int, users ...string) map[string]int {
		for _, u := range users {
			m[u] = want
		}
		return m
	}
	word := url.PathEscape(fmt.Sprintf("记-%d", v.Number))
	rows := []struct {
		pattern, path string
		want          map[string]int
	}{
		{"/api/v1/me", "/api/v1/me", all(ok)},
		{"/api/v1/organisations", "/api/v1/organisations", all(ok)},
		{"/api/v1/organisations/{code}", "/api/v1/organisations/FY-CP-01", with(all(ok), no, cpChecker)},
		{"/api/v1/organisations/{code}", "/api/v1/organisations/FY-CP-02", with(all(ok), no, cpOfficer, cpAdmin)},
		{"/api/v1/funds", "/api/v1/funds", all(ok)},
		{"/api/v1/accounts", "/api/v1/accounts", all(ok)},
		{"/api/v1/vouchers", "/api/v1/vouchers", all(ok)},
		{"/api/v1/vouchers/{id}", fmt.Sprintf("/api/v1/vouchers/%d", v.ID), with(all(ok), no, cpChecker)},
		{"/api/v1/vouchers/by-number/{word}", "/api/v1/vouchers/by-number/" + word + "?period=2020-02", with(all(ok), no, cpChecker)},
		{"/api/v1/vouchers/{id}/attachments", fmt.Sprintf("/api/v1/vouchers/%d/attachments", v.ID), with(all(ok), no, cpChecker)},
		// No file is attached: 404 to whoever may read the voucher.
		{"/api/v1/vouchers/{id}/attachments/{n}", fmt.Sprintf("/api/v1/vouchers/%d/attachments/1", v.ID), with(all(http.StatusNotFound), no, cpChecker)},
		{"/api/v1/balances", "/api/v1/balances", all(ok)},
		{"/api/v1/findings", "/api/v1/findings", all(ok)},
		{"/api/v1/findings/{id}/history", fmt.Sprintf("/api/v1/findings/%d/history", fs[0].ID), with(all(ok), no, cpChecker)},
		{"/api/v1/periods", "/api/v1/periods", all(ok)},
		{"/api/v1/years", "/api/v1/years", all(ok)},
		{"/api/v1/publicity", "/api/v1/publicity", all(ok)},
		{"/api/v1/roster", "/api/v1/roster", all(ok)},
		{"/api/v1/members", "/api/v1/members", all(ok)},
		{"/api/v1/meetings", "/api/v1/meetings", all(ok)},
		{"/api/v1/payee-accounts", "/api/v1/payee-accounts", all(ok)},
		{"/api/v1/value-dates", "/api/v1/value-dates", all(ok)},
		{"/api/v1/users", "/api/v1/users", only(admin, cpAdmin)},
		{"/api/v1/users/{name}", "/api/v1/users/" + cpOfficer, only(admin, cpOfficer, cpAdmin)},
		{"/api/v1/users/{name}", "/api/v1/users/" + admin, only(admin)},
		// Tokens of a user: their own, or those of a user the admin
		// manages (defect 3 of issue 14).
		{"/api/v1/users/{name}/tokens", "/api/v1/users/" + cpOfficer + "/tokens", only(admin, cpOfficer, cpAdmin)},
		{"/api/v1/users/{name}/tokens", "/api/v1/users/" + admin + "/tokens", only(admin)},
		{"/api/v1/reports/audit", "/api/v1/reports/audit?period=2020-02&sheet=t1", all(ok)},
		{"/api/v1/reports/reconcile", "/api/v1/reports/reconcile?period=2020-02", only(auditor, admin)},
		{"/api/v1/verify", "/api/v1/verify", only(auditor, admin)}, // the whole chain: a whole-book act
		{"/api/v1/grants", "/api/v1/grants", only(officer, checker, cashier, auditor, admin)},
		{"/api/v1/grants/{id}", fmt.Sprintf("/api/v1/grants/%d", grant.ID), only(officer, checker, cashier, auditor, admin)},
	}
	covered := map[string]bool{}
	for _, row := range rows {
		covered[row.pattern] = true
		for _, user := range matrixRoles {
			want := row.want[user]
			r := e.get(user, row.path)
			if r.status != want {
				t.Errorf("GET %s as %s: %d %.200s, want %d", row.path, user, r.status, r.body, want)
				continue
			}
			if want == no && r.str(t, "code") != ledger.EForbidden {
				t.Errorf("GET %s as %s: code %q, want %q", row.path, user, r.str(t, "code"), ledger.EForbidden)
			}
		}
	}
	var missing []string
	for _, rt := range e.srv.Routes() {
		if rt.Method == http.MethodGet && !rt.Public && !covered[rt.Pattern] {
			missing = append(missing, rt.Pattern)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("read routes outside the matrix: %s", strings.Join(missing, ", "))
	}
}
