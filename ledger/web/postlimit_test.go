package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestPostBodyIsBounded: a form larger than the largest upload a page takes
// is refused as too_large (413) before the CSRF check reads it, and the
// same page still takes a form of normal size.
func TestPostBodyIsBounded(t *testing.T) {
	e := newEnv(t)
	b := e.login("wangfang")
	limit := 10*ledger.DefaultAttachmentLimits().MaxBytes + 1<<20
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/vouchers/import", io.LimitReader(zeros{}, limit+1))
	req.ContentLength = limit + 1
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p := b.do(req); p.status != http.StatusRequestEntityTooLarge || !strings.Contains(p.body, "字节") {
		t.Fatalf("an over-large form: %d\n%s", p.status, p.body)
	}
	if p := b.post("/summaries", map[string][]string{"text": {"购买防疫物资"}}, true); p.status >= 400 {
		t.Fatalf("a form of normal size: %d\n%s", p.status, p.body)
	}
}
