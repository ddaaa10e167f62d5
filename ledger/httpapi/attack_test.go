package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// Attacks of issue #14 that are refused at the API's door, changing nothing.
func TestAttacksRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	cases := []struct {
		name, path, body string
		status           int
		code, field      string
	}{
		// Duplicate and case-variant keys: encoding/json would keep the last.
		{"case-variant key", "/api/v1/flows/receive", `{"fund": "FY-UP", "amount": "1.00", "Amount": "900000.00", "date": "2020-02-10"}`, 400, ledger.EInvalid, "Amount"},
		{"duplicate key", "/api/v1/flows/receive", `{"fund": "FY-UP", "amount": "1.00", "amount": "900000.00", "date": "2020-02-10"}`, 400, ledger.EInvalid, "amount"},
		{"duplicate key in a line", "/api/v1/vouchers", `{"date": "2020-02-10", "summary": "x", "lines": [{"account": "100201", "org": "FY", "fund": "FY-GEN", "debit": "5.00"}, {"account": "4604", "org": "FY", "fund": "FY-GEN", "credit": "5.00", "CREDIT": "6.00"}]}`, 400, ledger.EInvalid, "lines[2].CREDIT"},
	}
	before := e.count(`SELECT count(*) FROM vouchers`)
	for _, c := range cases {
		r := e.post(officer, c.path, c.body)
		if r.status != c.status || r.str(t, "code") != c.code || r.str(t, "field") != c.field {
			t.Errorf("%s: %d %s, want %d %s field %s", c.name, r.status, r.body, c.status, c.code, c.field)
		}
	}
	if n := e.count(`SELECT count(*) FROM vouchers`); n != before {
		t.Errorf("refused attacks made %d vouchers", n-before)
	}
	_ = http.MethodPost
}
