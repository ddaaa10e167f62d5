package httpapi_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

type openapiDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]openapiOp       `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components"`
}

type openapiOp struct {
	Security   *[]map[string][]string     `json:"security"`
	Parameters []map[string]any           `json:"parameters"`
	Responses  map[string]json.RawMessage `json:"responses"`
}

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// TestOpenAPIMatchesRoutes keeps /api/v1/openapi.json true: every
// registered route is documented and every documented operation is
// registered and reached by the router, with the same public/write
// status, and every $ref resolves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.request(http.MethodGet, "/api/v1/openapi.json", "", nil)
	expect(t, r, http.StatusOK, "")
	var doc openapiDoc
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("the document is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	documented := map[string]openapiOp{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented[strings.ToUpper(method)+" "+path] = op
		}
	}
	registered := map[string]bool{}
	for _, rt := range e.srv.Routes() {
		key := rt.Method + " " + rt.Pattern
		registered[key] = true
		op, ok := documented[key]
		if !ok {
			t.Errorf("route %s is not in the OpenAPI document", key)
			continue
		}
		public := op.Security != nil && len(*op.Security) == 0
		if public != rt.Public {
			t.Errorf("%s: public %v in the document, %v in the server", key, public, rt.Public)
		}
		hasKey := slices.ContainsFunc(op.Parameters, func(p map[string]any) bool {
			return p["$ref"] == "#/components/parameters/IdempotencyKey"
		})
		if hasKey != rt.Write {
			t.Errorf("%s: Idempotency-Key documented %v, required %v", key, hasKey, rt.Write)
		}
		if !rt.Public {
			if _, ok := op.Responses["401"]; !ok {
				t.Errorf("%s: no 401 documented", key)
			}
		}
	}
	var missing []string
	for key := range documented {
		if !registered[key] {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	for _, key := range missing {
		t.Errorf("%s is documented but not registered", key)
	}
	// The router reaches every documented operation: a request to it with
	// a token is never "no route" (404 on the path) nor 405.
	for key := range documented {
		method, path, _ := strings.Cut(key, " ")
		path = pathParam.ReplaceAllString(path, "999999")
		r := e.request(method, path, e.tokens[admin], nil)
		if r.status == http.StatusMethodNotAllowed || (r.status == http.StatusNotFound && r.str(t, "field") == "path") {
			t.Errorf("%s: the router does not reach it (%d %s)", key, r.status, r.body)
		}
	}
	// Every reference resolves.
	refs := regexp.MustCompile(`"\$ref":\s*"#/components/([a-zA-Z]+)/([A-Za-z]+)"`).FindAllStringSubmatch(string(r.body), -1)
	if len(refs) < 50 {
		t.Fatalf("only %d references", len(refs))
	}
	for _, m := range refs {
		if _, ok := doc.Components[m[1]][m[2]]; !ok {
			t.Errorf("unresolved reference #/components/%s/%s", m[1], m[2])
		}
	}
	// The error codes of the document are the SPEC §4 codes the server uses.
	var errSchema struct {
		Properties struct {
			Code struct {
				Enum []string `json:"enum"`
			} `json:"code"`
		} `json:"properties"`
	}
	json.Unmarshal(doc.Components["schemas"]["Error"], &errSchema)
	for _, code := range []string{ledger.EInvalid, ledger.EInvalidAmount, ledger.EUnbalanced, ledger.EInsufficientFunds, ledger.EPurposeNotAllowed,
		ledger.EPeriodClosed, ledger.EOrgInactive, ledger.ENotFound, ledger.EUnauthenticated, ledger.EForbidden, ledger.ESamePerson,
		ledger.EInvalidState, ledger.EImmutable, ledger.EIdempotencyConflict, ledger.ETooLarge, ledger.ERateLimited, ledger.EUnavailable, ledger.EInternal} {
		if !slices.Contains(errSchema.Properties.Code.Enum, code) {
			t.Errorf("error code %s is not in the document", code)
		}
	}
}
