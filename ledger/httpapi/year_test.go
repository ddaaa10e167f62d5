package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

func TestOpeningsAndYearClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rows := []map[string]string{
		{"account": "100201", "org": "FY", "fund": "FY-UP", "balance": "7000.00", "year_debit": "6000.00", "year_credit": "1000.00"},
		{"account": "420101", "org": "FY", "fund": "FY-UP", "balance": "6000.00", "year_credit": "6000.00"},
		{"account": "500101", "org": "FY", "fund": "FY-UP", "balance": "1000.00", "year_debit": "1000.00"},
		{"account": "300102", "org": "FY", "fund": "FY-UP", "balance": "2000.00"},
	}
	body := map[string]any{"month": "2020-02", "rows": rows}
	expect(t, e.post(officer, "/api/v1/openings", body), http.StatusForbidden, ledger.EForbidden)
	bad := map[string]any{"month": "2020-02", "rows": rows[:3]}
	expect(t, e.post(admin, "/api/v1/openings", bad), http.StatusUnprocessableEntity, ledger.EUnbalanced)
	expect(t, e.post(admin, "/api/v1/openings", map[string]any{"rows": []map[string]any{{"account": "100201", "org": "FY", "fund": "FY-UP", "balance": 1}}}),
		http.StatusBadRequest, ledger.EInvalidAmount)
	r := e.post(admin, "/api/v1/openings", body)
	expect(t, r, http.StatusCreated, "")
	vs, _ := r.json(t)["vouchers"].([]any)
	if len(vs) != 2 {
		t.Fatalf("openings answer %s", r.body)
	}
	if n := e.count(`SELECT count(*) FROM vouchers WHERE flow IN ('opening', 'opening_ytd') AND date = '2020-02-01' AND maker = $1`, admin); n != 2 {
		t.Fatalf("%d opening vouchers stored", n)
	}
	expect(t, e.post(admin, "/api/v1/openings", body), http.StatusConflict, ledger.EInvalidState)

	// The year-end close needs January to November closed; re-opening a
	// year that is not closed is invalid_state.
	expect(t, e.post(officer, "/api/v1/years/2020/close", nil), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.post(admin, "/api/v1/years/2020/close", nil), http.StatusConflict, ledger.EInvalidState)
	expect(t, e.post(admin, "/api/v1/years/20x0/close", nil), http.StatusBadRequest, ledger.EInvalid)
	expect(t, e.post(admin, "/api/v1/years/2020/reopen", map[string]string{"reason": "更正"}), http.StatusConflict, ledger.EInvalidState)
	expect(t, e.get(auditor, "/api/v1/years"), http.StatusOK, "")
}
