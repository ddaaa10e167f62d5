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
		// Text nobody typed (defect 9): a NUL byte was a 500, GBK was
		// stored as U+FFFD, escapes were printed raw.
		{"NUL in a summary", "/api/v1/vouchers", `{"date": "2020-02-10", "summary": "x\u0000", "lines": [{"account": "100201", "org": "FY", "fund": "FY-GEN", "debit": "5.00"}, {"account": "4604", "org": "FY", "fund": "FY-GEN", "credit": "5.00"}]}`, 400, ledger.EInvalid, "summary"},
		{"NUL in a flow's decision", "/api/v1/flows/receive", `{"fund": "FY-UP", "amount": "1.00", "date": "2020-02-10", "decision": "\u0000"}`, 400, ledger.EInvalid, "decision"},
		{"ANSI escape in a payee", "/api/v1/flows/spend", `{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement", "amount": "1.00", "date": "2020-02-10", "payee": "\u001b[31m红"}`, 400, ledger.EInvalid, "payee"},
		{"GBK bytes in a summary", "/api/v1/vouchers", "{\"date\": \"2020-02-10\", \"summary\": \"\xb2\xbf\xce\xf1\", \"lines\": []}", 400, ledger.EInvalid, "summary"},
		{"GBK bytes in a line", "/api/v1/vouchers", "{\"date\": \"2020-02-10\", \"summary\": \"x\", \"lines\": [{\"account\": \"100201\", \"org\": \"\xb2\xbf\"}]}", 400, ledger.EInvalid, "lines[1].org"},
		{"NUL in a beneficiary", "/api/v1/flows/spend", `{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "relief", "amount": "5.00", "date": "2020-02-10", "beneficiaries": [{"name": "张\u0000", "amount": "5.00"}]}`, 400, ledger.EInvalid, "beneficiaries[1].name"},
		{"NUL in a meeting attendee", "/api/v1/meetings", `{"decision": "部务会", "attendees": ["王芳", "李\u0000强"]}`, 400, ledger.EInvalid, "attendees[2]"},
		{"escape in a member", "/api/v1/members", `{"org": "FY-CP-01", "name": "白\u001b云峰", "id_number": "141182198001011114"}`, 400, ledger.EInvalid, "name"},
		{"NUL in a payee account", "/api/v1/payee-accounts", `{"payee": "x\u0000", "personal": true}`, 400, ledger.EInvalid, "payee"},
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
	// A NUL byte in a login or a lookup is refused, never a 500.
	r := e.request(http.MethodPost, "/api/v1/tokens", "", `{"user": "wang\u0000fang", "password": "demo-officer-1"}`)
	if r.status >= 500 {
		t.Errorf("NUL in a login: %d %s", r.status, r.body)
	}
	for _, path := range []string{"/api/v1/users/x%00y", "/api/v1/vouchers?org=FY%00", "/api/v1/vouchers/by-number/%E8%AE%B0%00-1?period=2020-02"} {
		if r := e.get(admin, path); r.status >= 500 {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	r = e.post(admin, "/api/v1/users", `{"name": "chen\u0000jing", "roles": ["officer"], "password": "a long passphrase"}`)
	expect(t, r, http.StatusBadRequest, ledger.EInvalid)
	if f := r.str(t, "field"); f != "name" {
		t.Errorf("NUL in a user name: field %q", f)
	}
}
