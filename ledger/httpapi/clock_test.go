package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger/httpapi"
)

// TestDefaultDateInBookZone: a request without a date takes today in the
// book's time zone — at 23:30 UTC on 4 February it is 5 February in
// Beijing — and a zone set to UTC keeps the 4th.
func TestDefaultDateInBookZone(t *testing.T) {
	t.Parallel()
	at := time.Date(2020, 2, 4, 23, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		zone *time.Location
		want string
	}{{nil, "2020-02-05"}, {time.UTC, "2020-02-04"}} {
		e := newEnv(t, func(o *httpapi.Options) { o.TimeZone = c.zone })
		e.db.Now = func() time.Time { return at }
		r := e.post("wangfang", "/api/v1/flows/receive", map[string]any{"fund": "FY-UP", "amount": "100.00"})
		expect(t, r, http.StatusCreated, "")
		if got := r.str(t, "date"); got != c.want {
			t.Fatalf("zone %v: default date %s, want %s: %s", c.zone, got, c.want, r.body)
		}
		wantAt := "2020-02-05T07:30:00+08:00"
		if c.zone != nil {
			wantAt = at.In(c.zone).Format(time.RFC3339)
		}
		if got := r.str(t, "made_at"); got != wantAt {
			t.Fatalf("made_at %s, want %s (the book's clock)", got, wantAt)
		}
		v := e.voucher(r.id(t))
		if v.Date.Format(time.DateOnly) != c.want || v.Year != 2020 || v.Month != 2 {
			t.Fatalf("stored date %s (%d-%d), want %s", v.Date, v.Year, v.Month, c.want)
		}
	}
}
