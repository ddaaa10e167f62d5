package web_test

import (
	"net/http"
	"testing"
)

// The grid names the codes of its pickers: a prefilled line shows its
// account's and organisation's names beside their codes.
func TestEntryGridNamesCodes(t *testing.T) {
	e := newEnv(t)
	p := e.login("wangfang").get("/vouchers/new?flow=spend")
	wantStatus(t, p, http.StatusOK, "the spend entry")
	wantBody(t, p, "the spend entry", `value="500101" list="accounts" class="account" size="8"><span class="code-name small">党费支出—专项—物资采购</span>`,
		`value="FY" list="orgs" class="org" size="10"><span class="code-name small">`+e.orgName("FY")+`</span>`)
	wantBody(t, p, "a blank line", `value="" list="accounts" class="account" size="8"><span class="code-name small"></span>`)
}
