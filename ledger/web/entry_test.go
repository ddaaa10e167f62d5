package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// spendForm is a two-line condolence spend of FY-CP-01 with one beneficiary.
func spendForm(amount string) url.Values {
	return url.Values{
		"flow": {"spend"}, "type": {"记"}, "date": {"2020-02-12"}, "attachments": {"2"}, "decision": {"支委会2020年第3次会议"},
		"payee": {"张三"}, "payee_type": {ledger.PayeeIndividual}, "method": {ledger.MethodBank},
		"line_summary": {"慰问困难党员张三", "慰问困难党员张三", ""},
		"line_account": {ledger.AcctCondolence, ledger.AcctPending, ""},
		"line_org":     {"FY-CP-01", "FY-CP-01", ""},
		"line_fund":    {"FY-UP", "FY-UP", ""},
		"line_purpose": {string(ledger.Condolence), "", ""},
		"line_debit":   {amount, "", ""},
		"line_credit":  {"", amount, ""},
		"ben_name":     {"张三"}, "ben_category": {"党员"}, "ben_id": {"11010519491231002X"},
		"ben_amount": {amount}, "ben_reason": {"因病致困"},
	}
}

func TestVoucherEntryPage(t *testing.T) {
	e := newEnv(t)
	b := e.login("cp01officer")
	p := b.get("/vouchers/new?flow=spend")
	wantStatus(t, p, http.StatusOK, "GET /vouchers/new?flow=spend")
	wantBody(t, p, "the entry page", "凭证录入", "支部报账使用", `name="date" type="date" value="2020-02-10"`, "供应商",
		`value="`+ledger.AcctProcurement+`"`, `value="`+ledger.AcctPending+`"`, `data-org="FY-CP-01" data-fund="FY-UP" data-fen="500000"`,
		`/static/entry.js`)
	// the organisation picker holds only the officer's scope
	wantNot(t, p, "the entry page of a branch officer", `<option value="FY-CP-02">`)
	if !strings.Contains(p.body, `<option value="FY-CP-01">`) {
		t.Errorf("the organisation picker lacks the officer's branch")
	}
	if strings.Contains(p.body, "<script>") {
		t.Error("the entry page has an inline script")
	}
	// the book's own organisation spends from the bank: its balance is the one shown
	wantBody(t, e.login("wangfang").get("/vouchers/new?flow=spend"), "the entry page of the book's officer", `data-fund="FY-UP" data-fen="8500000"`)
	wantStatus(t, b.get("/vouchers/new?flow=steal"), http.StatusUnprocessableEntity, "an unknown flow")
	wantStatus(t, e.login("fengqing").get("/vouchers/new"), http.StatusForbidden, "an auditor's entry page")
}

func TestVoucherEntrySavesADraft(t *testing.T) {
	e := newEnv(t)
	b := e.login("cp01officer")
	b.get("/vouchers/new?flow=spend")
	p := b.post("/vouchers/new", spendForm("800.00"), true)
	wantStatus(t, p, http.StatusSeeOther, "POST /vouchers/new")
	loc := p.header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(loc, "/vouchers/"), "?done=made"), 10, 64)
	if err != nil {
		t.Fatalf("redirect to %q", loc)
	}
	v, err := e.db.Voucher(context.Background(), book, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != ledger.StatusDraft || v.Maker != "cp01officer" || len(v.Lines) != 2 || len(v.Beneficiaries) != 1 ||
		!v.Total().Equal(ledger.MustParseMoney("800.00")) || v.Payee != "张三" || v.Attachments != 2 {
		t.Fatalf("stored voucher %+v", v)
	}
	if v.Lines[0].Account != ledger.AcctCondolence || v.Lines[0].Purpose != ledger.Condolence || v.Beneficiaries[0].IDNumber != "11010519491231002X" {
		t.Errorf("stored lines %+v beneficiaries %+v", v.Lines, v.Beneficiaries)
	}
}

func TestVoucherEntryRefusals(t *testing.T) {
	e := newEnv(t)
	count := func() int {
		vs, err := e.db.SearchVouchers(context.Background(), postgres.VoucherSearch{Book: book, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(vs)
	}
	before := count()
	b := e.login("cp01officer")
	b.get("/vouchers/new")

	// without the CSRF token
	wantStatus(t, b.post("/vouchers/new", spendForm("800.00"), false), http.StatusForbidden, "a form without its CSRF token")

	// unbalanced: the error comes back with the form as typed
	f := spendForm("800.00")
	f["line_credit"] = []string{"", "700.00", ""}
	p := b.post("/vouchers/new", f, true)
	if p.status < 400 {
		t.Fatalf("an unbalanced voucher: status %d", p.status)
	}
	wantBody(t, p, "an unbalanced voucher", `value="700.00"`, `value="张三"`, `role="alert"`)

	// an amount that is no amount: at its line, in Chinese
	f = spendForm("800.00")
	f["line_debit"] = []string{"8o0", "", ""}
	p = b.post("/vouchers/new", f, true)
	wantStatus(t, p, http.StatusUnprocessableEntity, "a bad amount")
	wantBody(t, p, "a bad amount", "第1行：")

	// a bad identity number: at the beneficiary
	f = spendForm("800.00")
	f["ben_id"] = []string{"110105194912310021"}
	p = b.post("/vouchers/new", f, true)
	if p.status < 400 {
		t.Fatalf("a bad identity number: status %d", p.status)
	}
	wantBody(t, p, "a bad identity number", "受益人第1行：")

	// a line of the sibling branch: refused by the scope
	f = spendForm("800.00")
	f["line_org"] = []string{"FY-CP-02", "FY-CP-02", ""}
	p = b.post("/vouchers/new", f, true)
	wantStatus(t, p, http.StatusForbidden, "a voucher on the sibling branch")

	// an auditor may not make vouchers
	a := e.login("fengqing")
	wantStatus(t, a.post("/vouchers/new", spendForm("800.00"), true), http.StatusForbidden, "an auditor's voucher")

	if n := count(); n != before {
		t.Errorf("refused forms stored %d vouchers", n-before)
	}
}
