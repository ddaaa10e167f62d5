package httpapi_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/httpapi"
)

// TestAuditWorkbookFailureAfterStreaming: a workbook that fails after more
// than 64 KiB went out ends with the trailer naming the error's code, in a
// body that ends normally rather than a reset (issue #14, defect 1).
func TestAuditWorkbookFailureAfterStreaming(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	for i := 0; i < 3; i++ {
		e.posted(officer, ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement,
			Amount: amt("12.00"), Payee: "汾阳市医药公司", PayeeType: ledger.PayeeSupplier, Attachments: 2, Decision: "支委会2020-02-07"})
	}
	whole := e.get(auditor, "/api/v1/reports/audit?period=2020-02")
	expect(t, whole, http.StatusOK, "")
	const limit = 64 << 10
	if len(whole.body) <= limit {
		t.Fatalf("the workbook has %d bytes, the test needs more than %d", len(whole.body), limit)
	}
	if tr := whole.header.Get(httpapi.ErrorTrailer); tr != "" {
		t.Fatalf("a complete workbook carries %s: %q", httpapi.ErrorTrailer, tr)
	}

	e.srv.SetWorkbookFault(func(sent int64) error {
		if sent >= limit {
			return errors.New("injected fault")
		}
		return nil
	})
	req, err := http.NewRequest(http.MethodGet, e.ts.URL+"/api/v1/reports/audit?period=2020-02", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.tokens[auditor])
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if _, ok := res.Trailer[http.CanonicalHeaderKey(httpapi.ErrorTrailer)]; !ok {
		t.Errorf("the trailer %s is not declared: %v", httpapi.ErrorTrailer, res.Trailer)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("the body ends with %v after %d bytes, not with the trailer", err, len(body))
	}
	if len(body) < limit || len(body) >= len(whole.body) {
		t.Errorf("%d bytes arrived of %d, want the first %d", len(body), len(whole.body), limit)
	}
	tr := res.Trailer.Get(httpapi.ErrorTrailer)
	if !strings.HasPrefix(tr, ledger.EInternal+"; request_id=") {
		t.Errorf("trailer %s = %q, want the code %s and the request id", httpapi.ErrorTrailer, tr, ledger.EInternal)
	}
}
