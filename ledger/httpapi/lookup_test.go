package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// TestScopedUserSeesVouchersTouchingScope: a branch officer sees the
// allocation to the branch (whose other line is the book's bank) in the
// list, by id and by 字号, but not the sibling's; writes on it still need
// every line in the scope.
func TestScopedUserSeesVouchersTouchingScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	receipt, alloc01, alloc02 := e.voucher(1), e.voucher(3), e.voucher(4)
	if alloc01.Flow != "allocate" || alloc01.Lines[0].Org != "FY-CP-01" || alloc02.Lines[0].Org != "FY-CP-02" {
		t.Fatalf("fixture: %+v / %+v", alloc01, alloc02)
	}
	expect(t, e.get(cpOfficer, fmt.Sprintf("/api/v1/vouchers/%d", alloc01.ID)), http.StatusOK, "")
	expect(t, e.get(cpOfficer, fmt.Sprintf("/api/v1/vouchers/%d", alloc02.ID)), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.get(cpOfficer, fmt.Sprintf("/api/v1/vouchers/%d", receipt.ID)), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.get(cpChecker, fmt.Sprintf("/api/v1/vouchers/%d", alloc02.ID)), http.StatusOK, "")
	for _, path := range []string{"/api/v1/vouchers", "/api/v1/vouchers?org=FY-CP-01", "/api/v1/vouchers?flow=allocate"} {
		r := e.get(cpOfficer, path)
		expect(t, r, http.StatusOK, "")
		var list struct {
			Vouchers []ledger.VoucherView `json:"vouchers"`
		}
		if err := json.Unmarshal(r.body, &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Vouchers) != 1 || list.Vouchers[0].ID != alloc01.ID {
			t.Errorf("%s lists %s", path, r.body)
		}
	}
	byWord := func(user, word, period string) *resp {
		return e.get(user, "/api/v1/vouchers/by-number/"+url.PathEscape(word)+"?period="+period)
	}
	r := byWord(cpOfficer, "记-3", "2020-02")
	expect(t, r, http.StatusOK, "")
	if r.id(t) != alloc01.ID || r.str(t, "word") != "记-0003" {
		t.Fatalf("by number: %s", r.body)
	}
	expect(t, byWord(cpOfficer, "记-0004", "2020-02"), http.StatusForbidden, ledger.EForbidden)
	if r := byWord(auditor, "记-0004", "2020-02"); r.status != http.StatusOK || r.id(t) != alloc02.ID {
		t.Fatalf("auditor by number: %d %s", r.status, r.body)
	}
	expect(t, byWord(auditor, "记-4", "2020-03"), http.StatusNotFound, ledger.ENotFound)
	expect(t, byWord(auditor, "收-4", "2020-02"), http.StatusNotFound, ledger.ENotFound)

	// Seeing is not acting: a draft allocation to FY-CP-01 is visible to
	// the branch officer, who may neither void it nor reverse the posted
	// one nor set its value date; nothing changes.
	draft := e.flow(officer, ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-01", Amount: amt("10.00"), Attachments: 1})
	expect(t, e.get(cpOfficer, fmt.Sprintf("/api/v1/vouchers/%d", draft.ID)), http.StatusOK, "")
	vouchers, actions := e.count(`SELECT count(*) FROM vouchers`), e.count(`SELECT count(*) FROM actions`)
	expect(t, e.post(cpOfficer, fmt.Sprintf("/api/v1/vouchers/%d/void", draft.ID), nil), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.post(cpOfficer, fmt.Sprintf("/api/v1/vouchers/%d/reverse", alloc01.ID), nil), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.post(cpOfficer, fmt.Sprintf("/api/v1/vouchers/%d/value-date", alloc01.ID), map[string]string{"date": "2020-02-06"}),
		http.StatusForbidden, ledger.EForbidden)
	if e.voucher(draft.ID).Status != ledger.StatusDraft || e.count(`SELECT count(*) FROM vouchers`) != vouchers ||
		e.count(`SELECT count(*) FROM actions`) != actions || e.count(`SELECT count(*) FROM voucher_value_dates`) != 0 {
		t.Fatal("a refused write changed something")
	}
}

func TestVoucherByNumberErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	for _, c := range []struct {
		path, field string
	}{
		{"/api/v1/vouchers/by-number/" + url.PathEscape("记-3"), "period"},
		{"/api/v1/vouchers/by-number/" + url.PathEscape("记-3") + "?period=2020-02..2020-03", "period"},
		{"/api/v1/vouchers/by-number/" + url.PathEscape("记-3") + "?period=2020-13", "period"},
		{"/api/v1/vouchers/by-number/" + url.PathEscape("记-3") + "?period=2020-02&id=3", "id"},
		{"/api/v1/vouchers/by-number/" + url.PathEscape("记3") + "?period=2020-02", "word"},
		{"/api/v1/vouchers/by-number/" + url.PathEscape("记-0") + "?period=2020-02", "word"},
		{"/api/v1/vouchers/by-number/" + url.PathEscape("-3") + "?period=2020-02", "word"},
		{"/api/v1/vouchers/by-number/" + url.PathEscape("记-x") + "?period=2020-02", "word"},
	} {
		r := e.get(auditor, c.path)
		expect(t, r, http.StatusBadRequest, ledger.EInvalid)
		if r.str(t, "field") != c.field {
			t.Errorf("%s: field %q, want %q", c.path, r.str(t, "field"), c.field)
		}
	}
}

// TestEveryWriteNeedsAnIdempotencyKey sends every write route, as an admin
// and an auditor, without the header: 400 naming it, and nothing changes.
func TestEveryWriteNeedsAnIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	snapshot := func() string {
		return fmt.Sprint(e.count(`SELECT count(*) FROM actions`), e.count(`SELECT count(*) FROM api_idempotency`), e.factCounts(),
			e.count(`SELECT count(*) FROM bank_statements`), e.count(`SELECT count(*) FROM reconcile_runs`), e.count(`SELECT count(*) FROM users`))
	}
	before := snapshot()
	writes := 0
	for _, rt := range e.srv.Routes() {
		if !rt.Write {
			continue
		}
		writes++
		path := pathParam.ReplaceAllString(rt.Pattern, "1")
		for _, user := range []string{admin, auditor} {
			r := e.request(rt.Method, path, e.tokens[user], `{}`)
			if r.status != http.StatusBadRequest || r.str(t, "code") != ledger.EInvalid || r.str(t, "field") != "Idempotency-Key" {
				t.Errorf("%s %s as %s without a key: %d %s", rt.Method, rt.Pattern, user, r.status, r.body)
			}
		}
	}
	if writes < 30 {
		t.Fatalf("only %d write routes", writes)
	}
	if after := snapshot(); after != before {
		t.Errorf("writes without a key changed %s to %s", before, after)
	}
}
