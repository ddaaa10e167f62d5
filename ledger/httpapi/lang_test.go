package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// TestErrorMessageLanguage: an error's message is in the request's
// Accept-Language, Chinese by default; code and field stay English.
func TestErrorMessageLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		header, want, not string
	}{
		{"", "令牌", "bearer token"},
		{"zh-CN,zh;q=0.9", "令牌", "bearer token"},
		{"en-US,en;q=0.9", "the bearer token is not known", "令牌"},
	} {
		// A well-formed token that is not known.
		tok := e.tokens[cpOfficer]
		headers := []string{"Authorization", "Bearer " + tok[:len(tok)-4] + "AAAA"}
		if tc.header != "" {
			headers = append(headers, "Accept-Language", tc.header)
		}
		r := e.request(http.MethodGet, "/api/v1/me", "", nil, headers...)
		expect(t, r, http.StatusUnauthorized, ledger.EUnauthenticated)
		if m := r.str(t, "message"); !strings.Contains(m, tc.want) || strings.Contains(m, tc.not) {
			t.Errorf("Accept-Language %q: message %q", tc.header, m)
		}
		if r.str(t, "field") != "token" {
			t.Errorf("Accept-Language %q: field %q", tc.header, r.str(t, "field"))
		}
	}
}
