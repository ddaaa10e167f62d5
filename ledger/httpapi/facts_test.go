package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/httpapi"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// factCounts is the number of rows of every fact table.
func (e *env) factCounts() string {
	e.t.Helper()
	return fmt.Sprint(e.count(`SELECT count(*) FROM publicity`), e.count(`SELECT count(*) FROM beneficiary_roster`),
		e.count(`SELECT count(*) FROM org_members`), e.count(`SELECT count(*) FROM meetings`),
		e.count(`SELECT count(*) FROM payee_accounts`), e.count(`SELECT count(*) FROM voucher_value_dates`),
		e.count(`SELECT count(*) FROM actions`))
}

// multipartBody is a form with the given parts (name → content); a part
// named "file" carries a file name.
func multipartBody(t *testing.T, parts ...[2]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w interface{ Write([]byte) (int, error) }
		var err error
		if p[0] == "file" {
			w, err = mw.CreateFormFile("file", "roster.csv")
		} else {
			w, err = mw.CreateFormField(p[0])
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(p[1]))
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// TestFactsRecordedAndListed records every kind of fact as an officer and
// reads them back as the auditor and as a branch officer.
func TestFactsRecordedAndListed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	r := e.post(officer, "/api/v1/publicity", map[string]string{"org": "FY", "date": "2020-03-05", "channel": "公示栏", "through": "2020-02-29",
		"procurement": "150000.00", "condolence": "80000.00", "relief": "30000.00", "total": "260000.00"})
	expect(t, r, http.StatusCreated, "")
	if m := r.json(t); m["org"] != "FY" || m["total"] != "260000.00" || m["procurement"] != "150000.00" || m["through"] != "2020-02-29" || m["created_by"] != officer {
		t.Fatalf("publicity %s", r.body)
	}
	expect(t, e.post(cpOfficer, "/api/v1/publicity", map[string]string{"org": "FY-CP-01", "date": "2020-03-06", "relief": "0.00", "total": "0.00"}), http.StatusCreated, "")

	// The roster: one by one (again: an update), from CSV in GBK, from a
	// multipart form; a sibling branch's entry and one for the whole book.
	person := map[string]string{"org": "FY-CP-01", "name": "张三", "id_number": "142301197001011236", "category": "群众"}
	r = e.post(officer, "/api/v1/roster", person)
	expect(t, r, http.StatusCreated, "")
	if m := r.json(t); m["id_number"] != "1423**********1236" || m["created"] != true {
		t.Fatalf("roster answer %s", r.body)
	}
	person["phone"] = "13800000000"
	r = e.post(cpOfficer, "/api/v1/roster", person)
	expect(t, r, http.StatusOK, "")
	if r.json(t)["created"] != false {
		t.Fatalf("a second add of the same person is not an update: %s", r.body)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("姓名,身份证号,身份,电话\n李四,142301197002021233,党员,\n王五,,群众,13900000000\n"))
	if err != nil {
		t.Fatal(err)
	}
	r = e.request(http.MethodPost, "/api/v1/roster/import?org=FY-CP-01&filename=roster.csv", e.tokens[cpOfficer], gbk,
		"Idempotency-Key", newKey(), "Content-Type", "text/csv")
	expect(t, r, http.StatusOK, "")
	if m := r.json(t); m["rows"] != float64(2) || m["new"] != float64(2) {
		t.Fatalf("import %s", r.body)
	}
	ct, form := multipartBody(t, [2]string{"file", "name,id,org\n赵六,142301197003031230,FY-CP-02\n"})
	key := newKey()
	r = e.request(http.MethodPost, "/api/v1/roster/import", e.tokens[officer], form, "Idempotency-Key", key, "Content-Type", ct)
	expect(t, r, http.StatusOK, "")
	// The same file in a form with another boundary is the same request:
	// replayed, not a conflict.
	ct2, form2 := multipartBody(t, [2]string{"file", "name,id,org\n赵六,142301197003031230,FY-CP-02\n"})
	if ct2 == ct {
		t.Fatal("the boundaries are equal")
	}
	r = e.request(http.MethodPost, "/api/v1/roster/import", e.tokens[officer], form2, "Idempotency-Key", key, "Content-Type", ct2)
	expect(t, r, http.StatusOK, "")
	if r.header.Get("Idempotency-Replayed") != "true" {
		t.Fatalf("the same upload in a new form was not replayed: %v", r.header)
	}
	expect(t, e.post(officer, "/api/v1/roster", map[string]string{"name": "钱七", "phone": "13700000000"}), http.StatusCreated, "")

	expect(t, e.post(cpOfficer, "/api/v1/members", map[string]any{"org": "FY-CP-01", "name": "白云峰", "id_number": "142301198001011118", "cadre": true}), http.StatusOK, "")
	expect(t, e.post(officer, "/api/v1/members", map[string]any{"org": "FY-CP-02", "name": "孟涛"}), http.StatusOK, "")
	r = e.post(officer, "/api/v1/meetings", map[string]any{"decision": "部务会2020-02-04纪要第3号", "attendees": []string{"孙立新", "王芳", " 王芳 ", "李强"}})
	expect(t, r, http.StatusOK, "")
	if got := fmt.Sprint(r.json(t)["attendees"]); got != "[孙立新 王芳 李强]" {
		t.Fatalf("attendees %s", got)
	}
	r = e.post(officer, "/api/v1/payee-accounts", map[string]any{"payee": "白云峰", "personal": true})
	expect(t, r, http.StatusOK, "")
	if m := r.json(t); m["personal"] != true || m["updated_by"] != officer {
		t.Fatalf("payee %s", r.body)
	}
	r = e.post(officer, "/api/v1/payee-accounts", map[string]any{"payee": "白云峰", "personal": false})
	if r.json(t)["personal"] != false {
		t.Fatalf("payee not updated: %s", r.body)
	}
	r = e.post(officer, "/api/v1/vouchers/3/value-date", map[string]string{"date": "2020-02-06"})
	expect(t, r, http.StatusOK, "")
	if m := r.json(t); m["word"] != "记-0003" || m["value_date"] != "2020-02-06" || m["voucher_date"] != "2020-02-05" || m["source"] != "manual" {
		t.Fatalf("value date %s", r.body)
	}

	list := func(user, path, name string) []map[string]any {
		t.Helper()
		r := e.get(user, path)
		expect(t, r, http.StatusOK, "")
		var out map[string]json.RawMessage
		json.Unmarshal(r.body, &out)
		var rows []map[string]any
		if err := json.Unmarshal(out[name], &rows); err != nil {
			t.Fatalf("%s: %s", path, r.body)
		}
		return rows
	}
	names := func(rows []map[string]any, key string) string {
		var s []string
		for _, r := range rows {
			s = append(s, fmt.Sprint(r[key]))
		}
		return strings.Join(s, ",")
	}
	// The auditor reads everything; ID numbers are masked.
	for _, c := range []struct{ path, name, key, want string }{
		{"/api/v1/publicity", "publicity", "org", "FY,FY-CP-01"},
		{"/api/v1/roster", "roster", "name", "张三,李四,王五,赵六,钱七"},
		{"/api/v1/roster", "roster", "id_number", "1423**********1236,1423**********1233,,1423**********1230,"},
		{"/api/v1/roster", "roster", "phone", "13800000000,,13900000000,,13700000000"},
		{"/api/v1/members", "members", "name", "白云峰,孟涛"},
		{"/api/v1/members", "members", "id_number", "1423**********1118,"},
		{"/api/v1/meetings", "meetings", "decision", "部务会2020-02-04纪要第3号"},
		{"/api/v1/payee-accounts", "payee_accounts", "personal", "false"},
		{"/api/v1/value-dates?period=2020-02", "value_dates", "voucher_id", "3"},
		{"/api/v1/value-dates?period=2020-03", "value_dates", "voucher_id", ""},
		{"/api/v1/roster?org=FY-CP-02", "roster", "name", "赵六"},
	} {
		if got := names(list(auditor, c.path, c.name), c.key); got != c.want {
			t.Errorf("auditor %s: %s = %q, want %q", c.path, c.key, got, c.want)
		}
	}
	// The branch officer sees the scope and what was recorded for the
	// whole book (it applies to the branch too), not the sibling's.
	for _, c := range []struct{ path, name, key, want string }{
		{"/api/v1/publicity", "publicity", "org", "FY-CP-01"},
		{"/api/v1/roster", "roster", "name", "张三,李四,王五,钱七"},
		{"/api/v1/roster?org=FY-CP-01", "roster", "name", "张三,李四,王五"},
		{"/api/v1/members", "members", "name", "白云峰"},
		{"/api/v1/value-dates", "value_dates", "word", "记-0003"},
		{"/api/v1/meetings", "meetings", "decision", "部务会2020-02-04纪要第3号"},
	} {
		if got := names(list(cpOfficer, c.path, c.name), c.key); got != c.want {
			t.Errorf("cp01officer %s: %s = %q, want %q", c.path, c.key, got, c.want)
		}
	}
	expect(t, e.get(cpOfficer, "/api/v1/roster?org=FY-CP-02"), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.get(cpChecker, "/api/v1/value-dates"), http.StatusOK, "")
	if got := names(list(cpChecker, "/api/v1/value-dates", "value_dates"), "word"); got != "" {
		t.Errorf("cp02checker sees the value date of %s", got)
	}

	// Pages: two at a time, each after the last id of the one before.
	var seen []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		r := e.get(auditor, "/api/v1/roster?limit=2"+after)
		var pg struct {
			Roster []postgres.RosterRow `json:"roster"`
			Next   *int64               `json:"next_after_id"`
		}
		json.Unmarshal(r.body, &pg)
		for _, x := range pg.Roster {
			seen = append(seen, x.Name)
		}
		if pg.Next == nil {
			break
		}
		after = fmt.Sprintf("&after_id=%d", *pg.Next)
	}
	if strings.Join(seen, ",") != "张三,李四,王五,赵六,钱七" {
		t.Fatalf("pages gave %v", seen)
	}
	r = e.get(auditor, "/api/v1/payee-accounts?limit=1")
	if r.json(t)["next_after"] != "白云峰" {
		t.Fatalf("payee page %s", r.body)
	}
	if got := names(list(auditor, "/api/v1/payee-accounts?after="+"%E7%99%BD%E4%BA%91%E5%B3%B0", "payee_accounts"), "payee"); got != "" {
		t.Fatalf("after the last payee: %q", got)
	}
}

// TestFactWritesRejectBadInput: every malformed write is a 400 (or 404,
// 413) naming the field, and changes nothing.
func TestFactWritesRejectBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *httpapi.Options) { o.UploadLimitBytes = 4 << 20 })
	e.funded()
	before := e.factCounts()
	ct, formExtra := multipartBody(t, [2]string{"file", "name\n张三\n"}, [2]string{"org", "FY-CP-01"})
	ctNone, formNone := multipartBody(t, [2]string{"note", "x"})
	for _, c := range []struct {
		name, path string
		body       any
		headers    []string
		status     int
		code       string
		field      string
	}{
		{"unknown field", "/api/v1/publicity", `{"date": "2020-03-05", "total": "1.00", "totl": "1.00"}`, nil, 400, ledger.EInvalid, "totl"},
		{"total as a number", "/api/v1/publicity", `{"date": "2020-03-05", "total": 1}`, nil, 400, ledger.EInvalidAmount, "total"},
		{"purpose total as a number", "/api/v1/publicity", `{"date": "2020-03-05", "relief": 1.5, "total": "1.50"}`, nil, 400, ledger.EInvalidAmount, "relief"},
		{"negative total", "/api/v1/publicity", `{"date": "2020-03-05", "total": "-1.00"}`, nil, 400, ledger.EInvalidAmount, "total"},
		{"3 decimals", "/api/v1/publicity", `{"date": "2020-03-05", "condolence": "1.001", "total": "1.00"}`, nil, 400, ledger.EInvalidAmount, "condolence"},
		{"missing total", "/api/v1/publicity", `{"date": "2020-03-05"}`, nil, 400, ledger.EInvalidAmount, "total"},
		{"missing date", "/api/v1/publicity", `{"total": "1.00"}`, nil, 400, ledger.EInvalid, "date"},
		{"bad date", "/api/v1/publicity", `{"date": "2020-02-30", "total": "1.00"}`, nil, 400, ledger.EInvalid, "date"},
		{"through after date", "/api/v1/publicity", `{"date": "2020-03-05", "through": "2020-03-06", "total": "1.00"}`, nil, 400, ledger.EInvalid, "through"},
		{"unknown org", "/api/v1/publicity", `{"org": "NOPE", "date": "2020-03-05", "total": "1.00"}`, nil, 404, ledger.ENotFound, "org"},
		{"channel as a number", "/api/v1/publicity", `{"date": "2020-03-05", "total": "1.00", "channel": 3}`, nil, 400, ledger.EInvalid, "channel"},
		{"no Idempotency-Key", "/api/v1/publicity", `{"date": "2020-03-05", "total": "1.00"}`, []string{"Idempotency-Key", ""}, 400, ledger.EInvalid, "Idempotency-Key"},
		{"not JSON", "/api/v1/publicity", `{"date": "2020-03-05", "total": "1.00"}`, []string{"Content-Type", "text/plain"}, 415, ledger.EInvalid, "Content-Type"},
		{"roster without name", "/api/v1/roster", `{"org": "FY-CP-01", "id_number": "1"}`, nil, 400, ledger.EInvalid, "name"},
		{"roster without id or phone", "/api/v1/roster", `{"org": "FY-CP-01", "name": "张三"}`, nil, 400, ledger.EInvalid, "id_number"},
		{"roster unknown field", "/api/v1/roster", `{"name": "张三", "phone": "1", "id": "2"}`, nil, 400, ledger.EInvalid, "id"},
		{"roster name as a number", "/api/v1/roster", `{"name": 3, "phone": "1"}`, nil, 400, ledger.EInvalid, "name"},
		{"roster CSV unknown column", "/api/v1/roster/import", "姓名,生日\n张三,1970\n", nil, 400, ledger.EInvalid, "file"},
		{"roster CSV without name column", "/api/v1/roster/import", "身份证号\n1423\n", nil, 400, ledger.EInvalid, "file"},
		{"roster CSV empty name", "/api/v1/roster/import", "姓名,电话\n张三,1\n,2\n", nil, 400, ledger.EInvalid, "line 3"},
		{"roster CSV row without id or phone", "/api/v1/roster/import", "姓名,电话\n张三,1\n李四,\n", nil, 400, ledger.EInvalid, "roster[2].id_number"},
		{"roster CSV unknown org", "/api/v1/roster/import?org=NOPE", "姓名,电话\n张三,1\n", nil, 404, ledger.ENotFound, "org"},
		{"roster CSV no rows", "/api/v1/roster/import", "姓名,电话\n", nil, 400, ledger.EInvalid, "file"},
		{"roster upload empty", "/api/v1/roster/import", "", nil, 400, ledger.EInvalid, "file"},
		{"roster upload unknown parameter", "/api/v1/roster/import?orgg=FY", "姓名,电话\n张三,1\n", nil, 400, ledger.EInvalid, "orgg"},
		{"roster form with another part", "/api/v1/roster/import", formExtra, []string{"Content-Type", ct}, 400, ledger.EInvalid, "org"},
		{"roster form without file", "/api/v1/roster/import", formNone, []string{"Content-Type", ctNone}, 400, ledger.EInvalid, "note"},
		{"roster form without boundary", "/api/v1/roster/import", "x", []string{"Content-Type", "multipart/form-data"}, 400, ledger.EInvalid, "Content-Type"},
		{"roster upload too large", "/api/v1/roster/import", "姓名,电话\n" + strings.Repeat("张三,1\n", 700000), nil, 413, ledger.ETooLarge, "file"},
		{"roster upload no Idempotency-Key", "/api/v1/roster/import", "姓名,电话\n张三,1\n", []string{"Idempotency-Key", ""}, 400, ledger.EInvalid, "Idempotency-Key"},
		{"member without org", "/api/v1/members", `{"name": "白云峰"}`, nil, 400, ledger.EInvalid, "org"},
		{"member cadre as a string", "/api/v1/members", `{"org": "FY-CP-01", "name": "白云峰", "cadre": "yes"}`, nil, 400, ledger.EInvalid, "cadre"},
		{"member unknown org", "/api/v1/members", `{"org": "NOPE", "name": "白云峰"}`, nil, 404, ledger.ENotFound, "org"},
		{"meeting without attendees", "/api/v1/meetings", `{"decision": "部务会", "attendees": []}`, nil, 400, ledger.EInvalid, "attendees"},
		{"meeting attendees as a string", "/api/v1/meetings", `{"decision": "部务会", "attendees": "王芳"}`, nil, 400, ledger.EInvalid, "attendees"},
		{"meeting without decision", "/api/v1/meetings", `{"attendees": ["王芳"]}`, nil, 400, ledger.EInvalid, "decision"},
		{"payee without personal", "/api/v1/payee-accounts", `{"payee": "白云峰"}`, nil, 400, ledger.EInvalid, "personal"},
		{"payee personal as a string", "/api/v1/payee-accounts", `{"payee": "白云峰", "personal": "yes"}`, nil, 400, ledger.EInvalid, "personal"},
		{"payee empty", "/api/v1/payee-accounts", `{"payee": " ", "personal": true}`, nil, 400, ledger.EInvalid, "payee"},
		{"value date missing", "/api/v1/vouchers/3/value-date", `{}`, nil, 400, ledger.EInvalid, "date"},
		{"value date bad", "/api/v1/vouchers/3/value-date", `{"date": "06.02.2020"}`, nil, 400, ledger.EInvalid, "date"},
		{"value date unknown field", "/api/v1/vouchers/3/value-date", `{"date": "2020-02-06", "source": "statement"}`, nil, 400, ledger.EInvalid, "source"},
		{"value date unknown voucher", "/api/v1/vouchers/999999/value-date", `{"date": "2020-02-06"}`, nil, 404, ledger.ENotFound, "id"},
		{"value date bad id", "/api/v1/vouchers/x/value-date", `{"date": "2020-02-06"}`, nil, 400, ledger.EInvalid, "id"},
	} {
		headers := []string{"Idempotency-Key", newKey()}
		headers = append(headers, c.headers...)
		r := e.request(http.MethodPost, c.path, e.tokens[officer], c.body, headers...)
		if r.status != c.status || r.str(t, "code") != c.code || r.str(t, "field") != c.field {
			t.Errorf("%s: %d %s, want %d %s field %s", c.name, r.status, r.body, c.status, c.code, c.field)
		}
		if m := r.str(t, "message"); m == "" || strings.Contains(m, "SQLSTATE") || strings.Contains(m, "Go struct") {
			t.Errorf("%s: message %q", c.name, m)
		}
	}
	if after := e.factCounts(); after != before {
		t.Errorf("bad requests changed the facts: %s → %s", before, after)
	}
	for _, q := range []string{"/api/v1/roster?limit=0", "/api/v1/roster?after_id=x", "/api/v1/roster?after=x", "/api/v1/meetings?after_id=1",
		"/api/v1/meetings?org=FY", "/api/v1/value-dates?period=2020-13", "/api/v1/publicity?limit=1001x"} {
		expect(t, e.get(auditor, q), http.StatusBadRequest, ledger.EInvalid)
	}
	expect(t, e.get(auditor, "/api/v1/members?org=NOPE"), http.StatusNotFound, ledger.ENotFound)
}
