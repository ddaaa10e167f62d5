package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/httpapi"
)

// TestReadyzFullDisk: with the database's directory known, /readyz answers
// 503 unavailable with the reason when its disk runs below the minimum,
// and 200 again once space is back (issue #14).
func TestReadyzFullDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := newEnv(t, func(o *httpapi.Options) { o.DataDir, o.DiskFreeMinBytes = dir, 64<<20 })
	free := uint64(1 << 30)
	var asked string
	e.srv.SetFreeSpace(func(d string) (uint64, bool, error) { asked = d; return free, true, nil })
	expect(t, e.get("", "/readyz"), http.StatusOK, "")
	if asked != dir {
		t.Errorf("free space asked of %q, want %q", asked, dir)
	}
	free = 10 << 20
	r := e.get("", "/readyz")
	expect(t, r, http.StatusServiceUnavailable, ledger.EUnavailable)
	if msg, _ := r.json(t)["message"].(string); !strings.Contains(msg, "10 MiB") || !strings.Contains(msg, "64 MiB") {
		t.Errorf("the reason does not give the free space and the minimum: %q", msg)
	}
	free = 65 << 20
	expect(t, e.get("", "/readyz"), http.StatusOK, "")

	// An external database (no directory): the disk is not asked.
	x := newEnv(t)
	x.srv.SetFreeSpace(func(string) (uint64, bool, error) {
		t.Error("the disk of an external database is asked")
		return 0, true, nil
	})
	expect(t, x.get("", "/readyz"), http.StatusOK, "")
}
