package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// TestVerifyThroughAPI: an auditor recomputes the chain over the API; a
// voucher changed behind the application's back (as the superuser, with
// the triggers off) is named, with clean false; bad parameters and other
// roles are refused with the field named.
func TestVerifyThroughAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	if _, err := e.db.SealPending(context.Background(), book); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		Clean        bool  `json:"clean"`
		Checked      int64 `json:"checked"`
		ProblemCount int64 `json:"problem_count"`
		Problems     []struct {
			Kind      string `json:"kind"`
			VoucherID int64  `json:"voucher_id"`
		} `json:"problems"`
	}
	read := func(r *resp) answer {
		t.Helper()
		expect(t, r, http.StatusOK, "")
		var a answer
		if err := json.Unmarshal(r.body, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	posted := e.count(`SELECT count(*) FROM vouchers WHERE status = 'posted'`)
	a := read(e.get(auditor, "/api/v1/verify"))
	if !a.Clean || a.Checked != posted || a.ProblemCount != 0 {
		t.Fatalf("intact chain: %+v, %d posted", a, posted)
	}
	if a := read(e.get(admin, "/api/v1/verify?from_seq=2")); !a.Clean || a.Checked != posted-1 {
		t.Fatalf("from position 2: %+v", a)
	}

	v := e.voucher(3)
	conn, err := pgx.Connect(context.Background(), e.tdb.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `SET session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), `UPDATE voucher_lines SET debit_fen = debit_fen + 1 WHERE book = $1 AND voucher_id = $2 AND line_no = 1`, book, v.ID); err != nil {
		t.Fatal(err)
	}
	a = read(e.get(auditor, "/api/v1/verify"))
	if a.Clean || a.ProblemCount == 0 || a.Problems[0].VoucherID != v.ID || !strings.Contains(a.Problems[0].Kind, "content") {
		t.Fatalf("a changed amount: %+v, want voucher %d named", a, v.ID)
	}

	for _, c := range []struct {
		user, query string
		status      int
		code, field string
	}{
		{officer, "", http.StatusForbidden, ledger.EForbidden, "user"},
		{checker, "", http.StatusForbidden, ledger.EForbidden, "user"},
		{auditor, "?from_seq=0", http.StatusBadRequest, ledger.EInvalid, "from_seq"},
		{auditor, "?from_seq=abc", http.StatusBadRequest, ledger.EInvalid, "from_seq"},
		{auditor, "?seal=00", http.StatusBadRequest, ledger.EInvalid, "seal"},
		{auditor, "?period=2020-02&from_seq=3", http.StatusBadRequest, ledger.EInvalid, "from_seq"},
		{auditor, "?period=2020-02&seal=xyz", http.StatusBadRequest, ledger.EInvalid, "seal"},
		{auditor, "?period=2020", http.StatusBadRequest, ledger.EInvalid, "period"},
		{auditor, "?verbose=1", http.StatusBadRequest, ledger.EInvalid, "verbose"},
	} {
		r := e.get(c.user, "/api/v1/verify"+c.query)
		expect(t, r, c.status, c.code)
		if f := r.str(t, "field"); f != c.field {
			t.Errorf("%s %s: field %q, want %q (%s)", c.user, c.query, f, c.field, r.body)
		}
	}
}
