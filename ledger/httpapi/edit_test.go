package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// editBody is a general voucher of one allocation of amount to FY-CP-01
// dated date, at version.
func editBody(version int, date, summary, amount string) map[string]any {
	return map[string]any{"version": version, "date": date, "summary": summary, "attachments": 1, "lines": []map[string]string{
		{"account": "121801", "org": "FY-CP-01", "fund": "FY-UP", "debit": amount},
		{"account": "100201", "org": "FY", "fund": "FY-UP", "credit": amount},
	}}
}

func TestEditDraftAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := e.flow(officer, ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-01", Amount: ledger.MustParseMoney("10.00")})
	path := fmt.Sprintf("/api/v1/vouchers/%d/edit", v.ID)

	key := newKey()
	body := editBody(1, "2020-02-11", "改后的摘要", "12.50")
	r := e.request(http.MethodPost, path, e.tokens[officer], body, "Idempotency-Key", key)
	expect(t, r, http.StatusOK, "")
	m := r.json(t)
	if m["version"] != float64(2) || m["number"] != float64(v.Number) || m["summary"] != "改后的摘要" || m["total"] != "12.50" {
		t.Fatalf("edited: %s", r.body)
	}
	// The same key and body replays the answer; the edit is not made twice.
	r = e.request(http.MethodPost, path, e.tokens[officer], body, "Idempotency-Key", key)
	expect(t, r, http.StatusOK, "")
	if r.header.Get("Idempotency-Replayed") != "true" || r.json(t)["version"] != float64(2) {
		t.Fatalf("replay: %v %s", r.header, r.body)
	}

	// A stale version, another month, another officer, an auditor.
	r = e.post(officer, path, editBody(1, "2020-02-11", "又改", "12.50"))
	expect(t, r, http.StatusConflict, ledger.EInvalidState)
	if f := r.str(t, "field"); f != "version" {
		t.Fatalf("stale version names %q", f)
	}
	r = e.post(officer, path, editBody(2, "2020-03-02", "又改", "12.50"))
	expect(t, r, http.StatusBadRequest, ledger.EInvalid)
	if f := r.str(t, "field"); f != "date" {
		t.Fatalf("another month names %q", f)
	}
	expect(t, e.post(officer2, path, editBody(2, "2020-02-11", "又改", "12.50")), http.StatusForbidden, ledger.ESamePerson)
	expect(t, e.post(auditor, path, editBody(2, "2020-02-11", "又改", "12.50")), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.post(officer, path, map[string]any{"version": 2, "date": "2020-02-11", "summary": "x", "lines": []any{}, "amount": "1"}), http.StatusBadRequest, ledger.EInvalid)

	// Checked: immutable; unchecked: editable again.
	e.step(v.ID, checker, ledger.ActCheck)
	expect(t, e.post(officer, path, editBody(2, "2020-02-11", "又改", "12.50")), http.StatusConflict, ledger.EImmutable)
	e.step(v.ID, checker, ledger.ActUncheck)
	expect(t, e.post(officer, path, editBody(2, "2020-02-12", "第三版", "13.00")), http.StatusOK, "")

	// The history: made, edited, checked, unchecked, edited.
	r = e.get(officer, fmt.Sprintf("/api/v1/vouchers/%d?history=true", v.ID))
	expect(t, r, http.StatusOK, "")
	h, _ := r.json(t)["history"].([]any)
	var got []string
	for _, x := range h {
		s := x.(map[string]any)
		got = append(got, fmt.Sprintf("%s@%v/%s", s["action"], s["version"], s["actor"]))
	}
	want := []string{"make@1/wangfang", "edit@2/wangfang", "check@2/liqiang", "uncheck@2/liqiang", "edit@3/wangfang"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("history %v, want %v", got, want)
	}
	last := h[len(h)-1].(map[string]any)
	before, after := last["before"].(map[string]any), last["after"].(map[string]any)
	if before["summary"] != "改后的摘要" || after["summary"] != "第三版" || fmt.Sprint(last["changed"]) != "[date lines summary]" {
		t.Fatalf("last edit: %v", last)
	}
	// Without ?history=true the voucher comes alone.
	if _, ok := e.get(officer, fmt.Sprintf("/api/v1/vouchers/%d", v.ID)).json(t)["history"]; ok {
		t.Fatal("history without asking")
	}
}
