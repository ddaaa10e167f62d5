package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// T6's 合计 links to exactly the vouchers that pay its beneficiaries
// (?has=beneficiaries).
func TestAuditT6TotalLinksItsVouchers(t *testing.T) {
	e := newEnv(t)
	e.approve(e.spend)
	a := ledger.MustParseMoney("500.00")
	paid := e.flow("cp01officer", ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Condolence, Amount: a,
		Payee: "张三", PayeeType: ledger.PayeeIndividual, Attachments: 1, Summary: "慰问一线值守人员",
		Date:          time.Date(2020, 2, 14, 0, 0, 0, 0, time.UTC),
		Beneficiaries: []ledger.Beneficiary{{Name: "张三", Category: "群众", IDNumber: "142301197001011236", Amount: a}}})
	e.approve(paid)
	au := e.login("fengqing")

	p := au.get("/audit/tables/t6?period=2020-02")
	wantStatus(t, p, http.StatusOK, "T6")
	rows, links := tableRows(t, p.body, "t6")
	last := rows[len(rows)-1]
	if last[0] != "合计" || last[7] != "500.00" {
		t.Fatalf("T6 合计: %q", last)
	}
	href := links[len(links)-1][7]
	if !strings.HasPrefix(href, "/vouchers?") || !strings.Contains(href, "has=beneficiaries") || !strings.Contains(href, "period=2020-02") {
		t.Fatalf("T6 合计 links to %q", href)
	}
	v := au.get(href)
	wantStatus(t, v, http.StatusOK, "the vouchers of T6 合计")
	wantBody(t, v, "the vouchers of T6 合计", `href="/vouchers/`+strconv.FormatInt(paid.ID, 10)+`"`)
	wantNot(t, v, "the vouchers of T6 合计", `href="/vouchers/`+strconv.FormatInt(e.spend.ID, 10)+`"`, `href="/vouchers/`+strconv.FormatInt(e.receive.ID, 10)+`"`)

	// Without the filter the same period shows the procurement too.
	wantBody(t, au.get("/vouchers?period=2020-02&status=posted"), "the posted vouchers of February", `href="/vouchers/`+strconv.FormatInt(e.spend.ID, 10)+`"`)
	p = au.get("/vouchers?has=nope")
	wantStatus(t, p, http.StatusUnprocessableEntity, "an unknown has")
	wantBody(t, p, "an unknown has", "发放给慰问救助对象的凭证")
}
