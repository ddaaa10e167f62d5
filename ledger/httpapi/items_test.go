package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// TestItemsThroughTheAPI: a spend with items and a general voucher with
// items on its expense line are made, and shown with them.
func TestItemsThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	type item struct {
		Name, Spec, Unit, Quantity string
		UnitPrice                  string `json:"unit_price"`
		Amount                     string
	}
	type voucher struct {
		ID    int64
		Lines []struct {
			Account string
			Items   []item
		}
	}
	read := func(r *resp) voucher {
		t.Helper()
		var v voucher
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Fatalf("%v: %s", err, r.body)
		}
		return v
	}
	r := e.post(officer, "/api/v1/flows/spend", map[string]any{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement",
		"amount": "1200.00", "date": "2020-02-10", "payee": "汾阳市医药公司", "attachments": 1,
		"items": []map[string]string{
			{"name": "医用外科口罩", "spec": "50只/盒", "unit": "盒", "quantity": "20", "unit_price": "36.5", "amount": "730.00"},
			{"name": "84消毒液", "spec": "500ml", "unit": "瓶", "quantity": "47", "unit_price": "10", "amount": "470.00"}}})
	expect(t, r, http.StatusCreated, "")
	v := read(r)
	shown := read(e.get(officer, fmt.Sprintf("/api/v1/vouchers/%d", v.ID)))
	for _, w := range []voucher{v, shown} {
		if len(w.Lines) != 2 || len(w.Lines[0].Items) != 2 || len(w.Lines[1].Items) != 0 {
			t.Fatalf("items not on the expense line: %+v", w)
		}
		if got := w.Lines[0].Items[0]; got != (item{"医用外科口罩", "50只/盒", "盒", "20", "36.5", "730.00"}) {
			t.Fatalf("item 1 = %+v", got)
		}
	}
	// A general voucher's items; one that does not add up is refused.
	body := func(second string) string {
		return `{"date": "2020-02-10", "summary": "购入测温枪", "attachments": 1, "lines": [
			{"account": "500101", "org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement", "debit": "390.00", "items": [
				{"name": "红外测温枪", "unit": "把", "quantity": "2", "unit_price": "180", "amount": "360.00"},
				{"name": "电池", "unit": "节", "quantity": "10", "unit_price": "3", "amount": ` + second + `}]},
			{"account": "121801", "org": "FY-CP-01", "fund": "FY-UP", "credit": "390.00"}]}`
	}
	expect(t, e.post(officer, "/api/v1/vouchers", body(`"29.00"`)), http.StatusBadRequest, "invalid_amount")
	r = e.post(officer, "/api/v1/vouchers", body(`"30.00"`))
	expect(t, r, http.StatusCreated, "")
	if g := read(r); len(g.Lines[0].Items) != 2 || g.Lines[0].Items[1].Amount != "30.00" {
		t.Fatalf("general voucher items: %s", r.body)
	}
}
