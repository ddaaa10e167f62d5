package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
)

// A branch's admin (addScopedAdmin).
func init() { passwords["cp01admin"] = "cp01-admin-pw" }

// addScopedAdmin adds cp01admin, an admin of the branch FY-CP-01 (its
// two Party groups below it).
func (e *env) addScopedAdmin() {
	e.t.Helper()
	if _, err := e.db.AddUser(context.Background(), book, ledger.User{Name: "cp01admin", FullName: "白云峰", Roles: []ledger.Role{ledger.RoleAdmin},
		Scope: "FY-CP-01"}, passwords["cp01admin"]); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) user(name string) (ledger.User, bool) {
	e.t.Helper()
	u, err := e.db.User(context.Background(), book, name)
	if ledger.ErrorCode(err) == ledger.ENotFound {
		return ledger.User{}, false
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return ledger.User{Name: u.Name, FullName: u.FullName, Roles: u.Roles, Scope: u.Scope}, !u.Disabled
}

func TestAdminPagesRefuseOthers(t *testing.T) {
	e := newEnv(t)
	for _, who := range []string{"wangfang", "fengqing", "liqiang"} {
		b := e.login(who)
		for _, path := range []string{"/admin/users", "/admin/users/wangfang", "/admin/orgs", "/admin/funds", "/admin/accounts", "/admin/setup"} {
			wantStatus(t, b.get(path), http.StatusForbidden, who+" "+path)
		}
		p := b.post("/admin/users", url.Values{"name": {"intruder"}, "role": {"admin"}, "password": {"a long password"}}, true)
		wantStatus(t, p, http.StatusForbidden, who+" adds a user")
		wantBody(t, p, who+" adds a user", "无权访问")
		wantStatus(t, b.post("/admin/users/wangfang/disable", nil, true), http.StatusForbidden, who+" disables a user")
		wantNot(t, b.get("/"), who+"'s menu", `href="/admin/users"`)
	}
	if _, ok := e.user("intruder"); ok {
		t.Error("a non-admin added a user")
	}
	if _, active := e.user("wangfang"); !active {
		t.Error("a non-admin disabled a user")
	}
}

func TestAdminAddsUsers(t *testing.T) {
	e := newEnv(t)
	a := e.login("sunlixin")
	p := a.get("/admin/users")
	wantStatus(t, p, http.StatusOK, "the users")
	wantBody(t, p, "the users", "王芳", `href="/admin/users/wangfang"`, "制单", "系统管理员", "高速汾阳东口检测站点临时党支部", "全账套",
		`href="/admin/setup"`, `href="/audit/reveals"`, `<option value="">全账套</option>`)
	wantNot(t, p, "the users", "password_hash", "$argon2id$")

	// Without the CSRF token nothing is added.
	form := url.Values{"name": {"chenjing"}, "full_name": {"陈静"}, "role": {"officer", "checker"}, "scope": {"FY-CP-02"}, "password": {"a long passphrase"}}
	wantStatus(t, a.post("/admin/users", form, false), http.StatusForbidden, "adding without CSRF")
	if _, ok := e.user("chenjing"); ok {
		t.Fatal("a user was added without the CSRF token")
	}
	p = a.post("/admin/users", form, true)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/users?added=chenjing" {
		t.Fatalf("adding chenjing: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	u, _ := e.user("chenjing")
	if u.FullName != "陈静" || u.Scope != "FY-CP-02" || !slices.Equal(u.Roles, []ledger.Role{ledger.RoleOfficer, ledger.RoleChecker}) {
		t.Errorf("chenjing as added: %+v", u)
	}
	wantBody(t, a.get("/admin/users?added=chenjing"), "after adding", "已添加用户 chenjing", "陈静")
	c := e.browser()
	if p := c.post("/login", url.Values{"username": {"chenjing"}, "password": {"a long passphrase"}}, false); p.status != http.StatusSeeOther {
		t.Errorf("chenjing signs in: %d", p.status)
	}

	// Refusals at their fields, the form kept.
	for _, c := range []struct {
		what   string
		form   url.Values
		status int
		field  string
		text   string
	}{
		{"a bad name", url.Values{"name": {"陈 静"}, "role": {"officer"}}, http.StatusUnprocessableEntity, "name", "陈 静"},
		{"no role", url.Values{"name": {"norole"}}, http.StatusUnprocessableEntity, "roles", "norole"},
		{"an unknown role", url.Values{"name": {"odd"}, "role": {"boss"}}, http.StatusUnprocessableEntity, "roles", "odd"},
		{"a short password", url.Values{"name": {"shortpw"}, "role": {"officer"}, "password": {"short"}}, http.StatusUnprocessableEntity, "password", "shortpw"},
		{"an existing name", url.Values{"name": {"wangfang"}, "role": {"officer"}}, http.StatusUnprocessableEntity, "name", "wangfang"},
		{"an unknown scope", url.Values{"name": {"noscope"}, "role": {"officer"}, "scope": {"NOPE"}}, http.StatusNotFound, "scope", "noscope"},
	} {
		p := a.post("/admin/users", c.form, true)
		wantStatus(t, p, c.status, c.what)
		wantBody(t, p, c.what, `class="error" role="alert"`, `value="`+c.text+`"`)
		if c.field == "roles" {
			wantBody(t, p, c.what, `class="roles invalid"`)
		} else {
			wantBody(t, p, c.what, `name="`+c.field+`"`, `aria-invalid="true"`)
		}
		if m := regexp.MustCompile(`class="error" role="alert">([^<]*)<`).FindStringSubmatch(p.body); m == nil || regexp.MustCompile(`[a-z]{4,} [a-z]{4,}`).MatchString(strings.ReplaceAll(m[1], "officer", "")) {
			t.Errorf("%s: the refusal is not in Chinese: %v", c.what, m)
		}
	}

	// A password made by the server is shown once and works.
	p = a.post("/admin/users", url.Values{"name": {"zhanghua"}, "full_name": {"张华"}, "role": {"cashier"}, "generate": {"1"}}, true)
	wantStatus(t, p, http.StatusOK, "a generated password")
	m := regexp.MustCompile(`<code class="password">([^<]+)</code>`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no password shown:\n%s", p.body)
	}
	z := e.browser()
	if p := z.post("/login", url.Values{"username": {"zhanghua"}, "password": {m[1]}}, false); p.status != http.StatusSeeOther {
		t.Errorf("zhanghua signs in with the generated password: %d", p.status)
	}
	wantNot(t, a.get("/admin/users"), "the list later", m[1])
}

func TestAdminScopedToABranch(t *testing.T) {
	e := newEnv(t)
	e.addScopedAdmin()
	a := e.login("cp01admin")
	p := a.get("/admin/users")
	wantStatus(t, p, http.StatusOK, "a branch admin's users")
	wantBody(t, p, "a branch admin's users", `href="/admin/users/cp01officer"`, `<option value="FY-CP-01-G1">`)
	// No other branch's user, no book-wide action, no wider scope.
	wantNot(t, p, "a branch admin's users", `href="/admin/users/wangfang"`, `href="/admin/users/cp02officer"`, `href="/admin/users/sunlixin"`,
		`href="/admin/setup"`, `href="/audit/reveals"`, `<option value="">`, `value="FY-CP-02"`, `value="FY"`)

	for _, scope := range []string{"", "FY", "FY-CP-02"} {
		p := a.post("/admin/users", url.Values{"name": {"wider"}, "role": {"officer"}, "scope": {scope}, "password": {"a long passphrase"}}, true)
		wantStatus(t, p, http.StatusForbidden, "a branch admin grants scope "+scope)
		wantBody(t, p, "a branch admin grants scope "+scope, `class="error" role="alert"`, "FY-CP-01", `aria-invalid="true"`)
	}
	if _, ok := e.user("wider"); ok {
		t.Fatal("a branch admin added a user with a wider scope")
	}
	p = a.post("/admin/users", url.Values{"name": {"g1officer"}, "role": {"officer"}, "scope": {"FY-CP-01-G1"}, "password": {"a long passphrase"}}, true)
	wantStatus(t, p, http.StatusSeeOther, "a branch admin adds a user of a group")

	// Users outside the branch are out of reach, read or written.
	wantStatus(t, a.get("/admin/users/wangfang"), http.StatusForbidden, "another branch's user")
	wantStatus(t, a.get("/admin/users/nobody"), http.StatusNotFound, "no such user")
	wantStatus(t, a.post("/admin/users/wangfang/disable", nil, true), http.StatusForbidden, "disabling another branch's user")
	wantStatus(t, a.post("/admin/users/cp02officer/password", url.Values{"generate": {"1"}}, true), http.StatusForbidden, "another branch's password")
	if _, active := e.user("wangfang"); !active {
		t.Error("a branch admin disabled a user outside the branch")
	}
	// Nor may a user inside be moved out.
	p = a.post("/admin/users/cp01officer/access", url.Values{"role": {"officer"}, "scope": {"FY"}}, true)
	wantStatus(t, p, http.StatusForbidden, "moving a user out of the branch")
	wantBody(t, p, "moving a user out of the branch", `class="error" role="alert"`)
	if u, _ := e.user("cp01officer"); u.Scope != "FY-CP-01" {
		t.Errorf("cp01officer's scope became %q", u.Scope)
	}
	// Book-wide acts are refused.
	for _, path := range []string{"/admin/setup", "/audit/reveals"} {
		wantStatus(t, a.get(path), http.StatusForbidden, "a branch admin's "+path)
	}
	wantStatus(t, a.post("/admin/setup/apply", url.Values{"yaml": {string(configs.Demo())}}, true), http.StatusForbidden, "a branch admin applies a setup")
	// The organisation tree holds the branch alone.
	p = a.get("/admin/orgs")
	wantStatus(t, p, http.StatusOK, "a branch admin's organisations")
	wantBody(t, p, "a branch admin's organisations", "高速汾阳东口检测站点临时党支部", "高速汾阳东口检测站点第一临时党小组")
	wantNot(t, p, "a branch admin's organisations", "中共汾阳市委组织部</td>", "FY-CP-02")
	// A session of a user outside is not found, not ended.
	s := e.login("wangfang")
	ss, err := e.db.UserSessions(context.Background(), book, "wangfang", sessionIdle)
	if err != nil || len(ss) != 1 {
		t.Fatalf("wangfang's sessions: %v %v", ss, err)
	}
	wantStatus(t, a.post(fmt.Sprintf("/admin/sessions/%d/end", ss[0].ID), nil, true), http.StatusNotFound, "ending another branch's session")
	wantStatus(t, s.get("/"), http.StatusOK, "wangfang still signed in")
}

func TestAdminDisablesRevokesAndResets(t *testing.T) {
	e := newEnv(t)
	a := e.login("sunlixin")
	w := e.login("wangfang")
	ctx := context.Background()
	_, tok, err := e.db.CreateToken(ctx, book, "wangfang", 3600e9)
	if err != nil {
		t.Fatal(err)
	}
	p := a.get("/admin/users/wangfang")
	wantStatus(t, p, http.StatusOK, "wangfang's page")
	wantBody(t, p, "wangfang's page", "王芳", `action="/admin/users/wangfang/disable"`, "/admin/sessions/", fmt.Sprintf(`action="/admin/tokens/%d/revoke"`, tok.ID))

	// The token, revoked.
	wantStatus(t, a.post(fmt.Sprintf("/admin/tokens/%d/revoke", tok.ID), nil, false), http.StatusForbidden, "revoking without CSRF")
	p = a.post(fmt.Sprintf("/admin/tokens/%d/revoke", tok.ID), nil, true)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/users/wangfang?done=token" {
		t.Fatalf("revoking the token: %d %s", p.status, p.header.Get("Location"))
	}
	if ti, err := e.db.Token(ctx, book, tok.ID); err != nil || ti.RevokedAt == nil {
		t.Errorf("the token after revocation: %+v %v", ti, err)
	}

	// One session ended by the admin: that browser is signed out.
	ss, _ := e.db.UserSessions(ctx, book, "wangfang", sessionIdle)
	if len(ss) != 1 {
		t.Fatalf("wangfang's sessions: %+v", ss)
	}
	wantStatus(t, a.post(fmt.Sprintf("/admin/sessions/%d/end", ss[0].ID), nil, true), http.StatusSeeOther, "ending the session")
	if p := w.get("/"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login") {
		t.Errorf("the ended session still answers: %d %s", p.status, p.header.Get("Location"))
	}

	// Disabled: the user's sessions end at once; enabled again, the user
	// signs in.
	w = e.login("wangfang")
	wantStatus(t, a.post("/admin/users/wangfang/disable", nil, false), http.StatusForbidden, "disabling without CSRF")
	wantStatus(t, a.post("/admin/users/wangfang/disable", nil, true), http.StatusSeeOther, "disabling")
	if ss, _ := e.db.UserSessions(ctx, book, "wangfang", sessionIdle); len(ss) != 0 {
		t.Errorf("a disabled user keeps sessions %+v", ss)
	}
	if p := w.get("/"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login") {
		t.Errorf("a disabled user's session still answers: %d", p.status)
	}
	wantBody(t, a.get("/admin/users/wangfang?done=disable"), "wangfang disabled", "已停用", `action="/admin/users/wangfang/enable"`)
	if p := e.browser().post("/login", url.Values{"username": {"wangfang"}, "password": {passwords["wangfang"]}}, false); p.status == http.StatusSeeOther {
		t.Error("a disabled user signed in")
	}
	wantStatus(t, a.post("/admin/users/wangfang/enable", nil, true), http.StatusSeeOther, "enabling")
	e.login("wangfang")

	// The admin does not disable themselves nor drop their own admin role.
	p = a.post("/admin/users/sunlixin/disable", nil, true)
	wantStatus(t, p, http.StatusUnprocessableEntity, "disabling oneself")
	wantBody(t, p, "disabling oneself", "不能停用自己的账户")
	p = a.post("/admin/users/sunlixin/access", url.Values{"role": {"checker"}}, true)
	wantStatus(t, p, http.StatusUnprocessableEntity, "dropping one's own admin role")
	wantBody(t, p, "dropping one's own admin role", "不能取消自己的管理员角色", `class="roles invalid"`)

	// Roles and scope changed.
	p = a.post("/admin/users/wangfang/access", url.Values{"role": {"officer", "checker"}, "scope": {"FY-CP-01"}}, true)
	wantStatus(t, p, http.StatusSeeOther, "changing roles and scope")
	if u, _ := e.user("wangfang"); u.Scope != "FY-CP-01" || !slices.Equal(u.Roles, []ledger.Role{ledger.RoleOfficer, ledger.RoleChecker}) {
		t.Errorf("wangfang after the change: %+v", u)
	}
	wantStatus(t, a.post("/admin/users/wangfang/access", url.Values{"scope": {"FY-CP-01"}}, true), http.StatusUnprocessableEntity, "no role")

	// A password reset: mismatched, then set; the old sessions end.
	w = e.login("wangfang")
	p = a.post("/admin/users/wangfang/password", url.Values{"password": {"new password 1"}, "again": {"new password 2"}}, true)
	wantStatus(t, p, http.StatusUnprocessableEntity, "two different passwords")
	wantBody(t, p, "two different passwords", `name="again" autocomplete="new-password" class="invalid"`)
	wantStatus(t, a.post("/admin/users/wangfang/password", url.Values{"password": {"new password 1"}, "again": {"new password 1"}}, true),
		http.StatusSeeOther, "resetting the password")
	if p := w.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("a session of the old password still answers: %d", p.status)
	}
	if p := e.browser().post("/login", url.Values{"username": {"wangfang"}, "password": {"new password 1"}}, false); p.status != http.StatusSeeOther {
		t.Errorf("wangfang signs in with the new password: %d", p.status)
	}
	wantStatus(t, a.get("/admin/users/sunlixin"), http.StatusOK, "the admin's own page")
}

// uploadSetup posts a setup file to /admin/setup as a browser would.
func (b *browser) uploadSetup(path, name string, data []byte) page {
	b.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", b.csrf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.e.ts.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func TestAdminSetupPreviewAndApply(t *testing.T) {
	e := newEnv(t)
	a := e.login("sunlixin")
	wantStatus(t, a.get("/admin/setup"), http.StatusOK, "the setup page")
	demo := string(configs.Demo())
	changed := strings.Replace(demo, "name: 省市下拨专项党费,", "name: 省市两级下拨专项党费,", 1)
	changed = strings.Replace(changed, "    funds:\n",
		"      - {code: FY-CP-01-G3, name: 高速汾阳东口检测站点第三临时党小组, kind: party_group, parent: FY-CP-01, category: 党小组, set_up: \"2020-02-20\"}\n    funds:\n", 1)
	changed = strings.Replace(changed, "    users:\n", "    users:\n      - {name: g3officer, full_name: 郭三, roles: [officer], scope: FY-CP-01-G3}\n", 1)
	if changed == demo {
		t.Fatal("the changed setup equals the demo")
	}

	// Refusals name the field.
	for _, c := range []struct {
		what, yaml string
		status     int
		parts      []string
	}{
		{"an unknown role", strings.Replace(demo, "roles: [cashier]", "roles: [treasurer]", 1), http.StatusUnprocessableEntity, []string{"books[0].users[4].roles", "treasurer"}},
		{"an unknown key", strings.Replace(demo, "    funds:\n", "    fundz: []\n    funds:\n", 1), http.StatusUnprocessableEntity, []string{"fundz", "setup.yaml", "文件格式有误"}},
		{"a bad date", strings.Replace(demo, `set_up: "2000-01-01"`, `set_up: "2000-13-01"`, 1), http.StatusUnprocessableEntity, []string{"books[0].organisations[0].set_up"}},
		{"another book", strings.Replace(demo, "code: FY-DFZH", "code: OTHER", 1), http.StatusForbidden, []string{"books[0].code", "OTHER"}},
		{"an empty file", "", http.StatusUnprocessableEntity, []string{"<code>file</code>"}},
	} {
		p := a.uploadSetup("/admin/setup", "setup.yaml", []byte(c.yaml))
		wantStatus(t, p, c.status, c.what)
		wantBody(t, p, c.what, append([]string{`class="error" role="alert"`}, c.parts...)...)
		wantNot(t, p, c.what, `action="/admin/setup/apply"`)
	}

	// The preview lists what changes; nothing is written yet.
	p := a.uploadSetup("/admin/setup", "fenyang.yaml", []byte(changed))
	wantStatus(t, p, http.StatusOK, "the preview")
	wantBody(t, p, "the preview", "FY-CP-01-G3", "高速汾阳东口检测站点第三临时党小组", "新增", "FY-UP", "省市两级下拨专项党费", "g3officer",
		`action="/admin/setup/apply"`)
	wantNot(t, p, "the preview", "FY-CP-02</td>")
	b, _ := e.db.LoadBooks(context.Background(), book)
	if b.Orgs["FY-CP-01-G3"] != nil {
		t.Fatal("the preview wrote the organisation")
	}
	yaml := regexp.MustCompile(`(?s)<textarea name="yaml"[^>]*>(.*)</textarea>`).FindStringSubmatch(p.body)
	if yaml == nil {
		t.Fatal("the preview holds no file")
	}

	// An apply that fails in the database writes nothing: the new
	// organisation comes before the user the users table refuses.
	bad := strings.Replace(changed, "name: g3officer,", "name: 'g3 officer',", 1)
	p = a.post("/admin/setup/apply", url.Values{"yaml": {bad}, "name": {"fenyang.yaml"}}, true)
	if p.status == http.StatusSeeOther || p.status == http.StatusOK {
		t.Fatalf("a setup the database refuses: %d", p.status)
	}
	if b, _ := e.db.LoadBooks(context.Background(), book); b.Orgs["FY-CP-01-G3"] != nil {
		t.Fatal("a refused setup wrote an organisation")
	}

	wantStatus(t, a.post("/admin/setup/apply", url.Values{"yaml": {changed}}, false), http.StatusForbidden, "applying without CSRF")
	p = a.post("/admin/setup/apply", url.Values{"yaml": {changed}, "name": {"fenyang.yaml"}}, true)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/admin/setup?applied=") {
		t.Fatalf("applying: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	b, _ = e.db.LoadBooks(context.Background(), book)
	if o := b.Orgs["FY-CP-01-G3"]; o == nil || o.Parent != "FY-CP-01" || b.Funds["FY-UP"].Name != "省市两级下拨专项党费" {
		t.Errorf("after applying: organisation %+v, fund %+v", o, b.Funds["FY-UP"])
	}
	if u, _ := e.user("g3officer"); u.Scope != "FY-CP-01-G3" {
		t.Errorf("g3officer after applying: %+v", u)
	}
	wantBody(t, a.get(p.header.Get("Location")), "after applying", "基础资料已导入")
	// Read-only pages show the result.
	wantBody(t, a.get("/admin/orgs"), "the tree", "高速汾阳东口检测站点第三临时党小组", "临时党小组")
	wantBody(t, a.get("/admin/funds"), "the funds", "省市两级下拨专项党费", "上级下拨", "物资采购")
	wantBody(t, a.get("/admin/accounts"), "the chart", "100201", "500101", "物资采购", "借")
}
