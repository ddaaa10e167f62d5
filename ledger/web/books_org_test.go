package web_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// 科目余额表 offers the organisations of the user's scope: one chosen, the
// table and its links to 明细账 are that organisation's.
func TestBooksBalancesChooseOrganisation(t *testing.T) {
	e := newEnv(t)
	b := e.login("wangfang")
	p := b.get("/books/balances?period=2020-02")
	wantStatus(t, p, http.StatusOK, "科目余额表")
	wantBody(t, p, "科目余额表", `<select name="org">`, `<option value="FY-CP-01">高速汾阳东口检测站点临时党支部</option>`,
		`<option value="FY-CP-02">`)
	p = b.get("/books/balances?period=2020-02&org=FY-CP-01")
	wantStatus(t, p, http.StatusOK, "the branch's 科目余额表")
	wantBody(t, p, "the branch's 科目余额表", `<option value="FY-CP-01" selected>`,
		`href="/books/ledger?account=`+ledger.AcctPending+`&amp;org=FY-CP-01&amp;period=2020-02"`, "5,000.00")
	wantNot(t, p, "the branch's 科目余额表", "90,000.00", `href="/books/ledger?account=`+ledger.AcctBank)
	// the branch's 明细账 returns to the branch's 科目余额表
	wantBody(t, b.get("/books/ledger?account="+ledger.AcctPending+"&org=FY-CP-01&fund=FY-UP&period=2020-02"), "the branch's 明细账",
		`href="/books/balances?period=2020-02&org=FY-CP-01&fund=FY-UP" id="back-balances"`)
	wantBody(t, b.get("/books/ledger?account="+ledger.AcctBank+"&period=2020-02"), "the book's 明细账",
		`href="/books/balances?period=2020-02" id="back-balances"`)
	// a fund in the address stays when the form is sent again
	wantBody(t, b.get("/books/balances?period=2020-02&fund=FY-UP"), "a fund's 科目余额表", `<input type="hidden" name="fund" value="FY-UP">`)

	// a branch officer is offered the branch and its groups, not a sibling
	c := e.login("cp01officer")
	p = c.get("/books/balances?period=2020-02")
	wantStatus(t, p, http.StatusOK, "a branch's 科目余额表")
	wantBody(t, p, "a branch's 科目余额表", `<option value="FY-CP-01" selected>`, `<option value="FY-CP-01-G1">`)
	if regexp.MustCompile(`<option value="FY-CP-02`).MatchString(p.body) || regexp.MustCompile(`<option value="FY"`).MatchString(p.body) {
		t.Errorf("a branch officer is offered organisations outside the scope:\n%s", p.body)
	}
	wantStatus(t, c.get("/books/balances?period=2020-02&org=FY-CP-02"), http.StatusForbidden, "a sibling's 科目余额表")
}
