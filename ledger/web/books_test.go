package web_test

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

func TestBooksBalancesToLedgerToVoucher(t *testing.T) {
	e := newEnv(t)
	b := e.login("wangfang")
	p := b.get("/books/balances?period=2020-02")
	wantStatus(t, p, http.StatusOK, "科目余额表")
	wantBody(t, p, "科目余额表", "科目余额表", ledger.AcctBank, "90,000.00", "5,000.00", "85,000.00")
	// an income account's credit balance reads 贷 90,000.00, never -90,000.00
	wantNot(t, p, "科目余额表", "-90,000.00", "-85,000.00")
	row := regexp.MustCompile(`(?s)` + ledger.AcctUpperIncome + `.*?</tr>`).FindString(p.body)
	if !regexp.MustCompile(`<td>贷</td><td class="num"><a[^>]*>90,000.00</a>`).MatchString(row) {
		t.Errorf("the upper income row lacks its credit balance: %s", row)
	}
	link := regexp.MustCompile(`href="(/books/ledger\?account=` + ledger.AcctBank + `[^"]*)"`).FindStringSubmatch(p.body)
	if link == nil {
		t.Fatalf("科目余额表 has no link to the bank's 明细账\n%s", p.body)
	}
	p = b.get(html.UnescapeString(link[1]))
	wantStatus(t, p, http.StatusOK, "明细账")
	wantBody(t, p, "明细账", "明细账", "期初余额", "本月合计", "本年累计",
		fmt.Sprintf(`href="/vouchers/%d"`, e.receive.ID), fmt.Sprintf(`href="/vouchers/%d"`, e.allocate.ID), "85,000.00")
	// the drafts are not in the books
	wantNot(t, p, "明细账", fmt.Sprintf(`href="/vouchers/%d"`, e.spend.ID))
	wantStatus(t, b.get(fmt.Sprintf("/vouchers/%d", e.receive.ID)), http.StatusOK, "the voucher of a 明细账 line")

	wantStatus(t, b.get("/books/balances?period=2020-13"), http.StatusUnprocessableEntity, "a bad period")
	wantStatus(t, b.get("/books/ledger?account=999999&period=2020-02"), http.StatusNotFound, "an unknown account")
}

func TestBooksByOrganisationAndScope(t *testing.T) {
	e := newEnv(t)
	b := e.login("wangfang")
	p := b.get("/books/orgs?as_of=2020-02-29")
	wantStatus(t, p, http.StatusOK, "组织余额")
	wantBody(t, p, "组织余额", "2020年2月29日", "贷", "90,000.00", "5,000.00")
	wantNot(t, p, "组织余额", "-90,000.00")
	// before the receipt there is nothing
	wantBody(t, b.get("/books/orgs?as_of=2020-01-31"), "组织余额 of January", "没有余额")
	wantStatus(t, b.get("/books/orgs?as_of=yesterday"), http.StatusUnprocessableEntity, "a bad date")

	// a branch officer reads the branch only
	c := e.login("cp01officer")
	p = c.get("/books/balances?period=2020-02")
	wantStatus(t, p, http.StatusOK, "a branch's 科目余额表")
	wantBody(t, p, "a branch's 科目余额表", ledger.AcctPending, "5,000.00")
	wantNot(t, p, "a branch's 科目余额表", "90,000.00")
	wantStatus(t, c.get("/books/balances?period=2020-02&org=FY-CP-02"), http.StatusForbidden, "a sibling's 科目余额表")
	wantStatus(t, c.get("/books/ledger?account="+ledger.AcctPending+"&org=FY-CP-02&period=2020-02"), http.StatusForbidden, "a sibling's 明细账")
	p = c.get("/books/orgs?as_of=2020-02-29")
	wantStatus(t, p, http.StatusOK, "a branch's 组织余额")
	wantNot(t, p, "a branch's 组织余额", "90,000.00")
}

// TestBooksLedgerPages reads the bank's 明细账 from the place after its
// first line: the page carries the balance over (承前页 90,000.00) and
// holds the allocation only; a malformed place is refused.
func TestBooksLedgerPages(t *testing.T) {
	e := newEnv(t)
	b := e.login("wangfang")
	base := "/books/ledger?account=" + ledger.AcctBank + "&period=2020-02"
	first := b.get(base)
	wantStatus(t, first, http.StatusOK, "明细账")
	wantBody(t, first, "明细账", "期初余额", fmt.Sprintf(`href="/vouchers/%d"`, e.receive.ID))
	wantNot(t, first, "明细账", "下一页", "承前页") // two lines fit one page
	r := e.receive
	p := b.get(fmt.Sprintf("%s&after=%s_%d_%d_1", base, r.Date.Format(time.DateOnly), r.Number, r.ID))
	wantStatus(t, p, http.StatusOK, "the 明细账 after the receipt")
	wantBody(t, p, "the 明细账 after the receipt", "承前页", "90,000.00", fmt.Sprintf(`href="/vouchers/%d"`, e.allocate.ID), "85,000.00")
	wantNot(t, p, "the 明细账 after the receipt", fmt.Sprintf(`href="/vouchers/%d"`, e.receive.ID), "期初余额")
	for _, bad := range []string{"x", "2020-02-01_1_2", "2020-13-01_1_2_1", "2020-02-01_a_2_1"} {
		wantStatus(t, b.get(base+"&after="+bad), http.StatusUnprocessableEntity, "after="+bad)
	}
}
