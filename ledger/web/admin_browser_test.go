package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAdmin drives headless Chromium as the book's admin: adds a
// user on /admin/users, disables a signed-in officer and sees the
// officer's session end; then a branch-scoped admin signs in and sees no
// book-wide action and no user of another branch. The users page's
// screenshot is web-admin-users.png.
func TestBrowserAdmin(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t)
	e.addScopedAdmin()
	officer := e.login("wangfang") // a session the admin will see end
	dir := shots(t)

	h := newHeadless(t, exe, dir, "admin")
	stepCtx, failed, do, text := h.step, h.failed, h.do, h.text
	submit := func(what, sel string, status int64) {
		t.Helper()
		ctx, cancel := stepCtx()
		defer cancel()
		res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
		if err != nil {
			failed(what, err)
		}
		if res.Status != status {
			failed(what, fmt.Errorf("status %d", res.Status))
		}
	}
	base := e.ts.URL
	signIn := func(user string) {
		t.Helper()
		do("open /login as "+user, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("input[name=username]")),
			chromedp.SendKeys(chromedp.CSS("input[name=username]"), user), chromedp.SendKeys(chromedp.CSS("input[name=password]"), passwords[user]))
		submit("sign in as "+user, "button[type=submit]", http.StatusOK)
	}

	signIn("sunlixin")
	do("open 系统管理", chromedp.Click(chromedp.CSS(`nav.menu a[href="/admin/users"]`)), chromedp.WaitVisible(chromedp.CSS("form#add-user")))
	do("fill the new user", chromedp.SendKeys(chromedp.CSS(`#add-user input[name=name]`), "chenjing"),
		chromedp.SendKeys(chromedp.CSS(`#add-user input[name=full_name]`), "陈静"),
		chromedp.Click(chromedp.CSS(`#add-user input[name=role][value=officer]`)),
		chromedp.SetValue(chromedp.CSS(`#add-user select[name=scope]`), "FY-CP-02"),
		chromedp.SendKeys(chromedp.CSS(`#add-user input[name=password]`), "a long passphrase"))
	submit("add the user", `#add-user button[type=submit]`, http.StatusOK)
	if s := text("the users after adding", "table.users tbody"); !strings.Contains(s, "chenjing") || !strings.Contains(s, "陈静") || !strings.Contains(s, e.orgName("FY-CP-02")) {
		t.Errorf("the users after adding chenjing:\n%s", s)
	}
	if s := text("the notice", "p.notice"); !strings.Contains(s, "已添加用户 chenjing") {
		t.Errorf("the notice: %q", s)
	}
	if u, _ := e.user("chenjing"); u.Scope != "FY-CP-02" {
		t.Errorf("chenjing as added: %+v", u)
	}
	ctx, scancel := stepCtx()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	scancel()
	if err != nil {
		failed("screenshot the users", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "web-admin-users.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}

	// The officer's session is listed; disabling the officer ends it.
	submit("open wangfang", `table.users a[href="/admin/users/wangfang"]`, http.StatusOK)
	if s := text("wangfang's sessions", "table.sessions tbody"); strings.Contains(s, "没有有效的网页登录") {
		t.Fatalf("wangfang's session is not listed:\n%s", s)
	}
	submit("disable wangfang", `form#disable button`, http.StatusOK)
	if s := text("wangfang's state", "dd.user-state"); s != "已停用" {
		t.Errorf("wangfang's state: %q", s)
	}
	if s := text("wangfang's sessions after", "table.sessions tbody"); !strings.Contains(s, "没有有效的网页登录") {
		t.Errorf("wangfang's sessions after disabling:\n%s", s)
	}
	if p := officer.get("/"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login") {
		t.Errorf("the disabled officer's browser still has a session: %d %s", p.status, p.header.Get("Location"))
	}

	// A branch's admin: no setup, no reveal log, no user outside the branch.
	submit("sign out", `form[action="/logout"] button`, http.StatusOK)
	signIn("cp01admin")
	do("open 系统管理 as the branch's admin", chromedp.Navigate(base+"/admin/users"), chromedp.WaitVisible(chromedp.CSS("form#add-user")))
	nav := text("the admin tabs", "nav.tabs")
	if strings.Contains(nav, "基础资料导入") || strings.Contains(nav, "身份证号查看记录") {
		t.Errorf("a branch's admin sees a book-wide action: %q", nav)
	}
	users := text("the branch's users", "table.users tbody")
	if !strings.Contains(users, "cp01officer") || strings.Contains(users, "wangfang") || strings.Contains(users, "chenjing") || strings.Contains(users, "sunlixin") {
		t.Errorf("a branch's admin sees:\n%s", users)
	}
	scopes := text("the scopes offered", `#add-user select[name=scope]`)
	if strings.Contains(scopes, "全账套") || strings.Contains(scopes, e.orgName("FY-CP-02")) {
		t.Errorf("a branch's admin may grant: %q", scopes)
	}
	do("open the setup page", chromedp.Navigate(base+"/admin/setup"), chromedp.WaitVisible(chromedp.CSS("section.error-page")))
	if s := text("the refusal", "section.error-page"); !strings.Contains(s, "无权访问") {
		t.Errorf("the setup page for a branch's admin: %q", s)
	}
}

// orgName is the name of organisation code.
func (e *env) orgName(code string) string {
	e.t.Helper()
	b, err := e.db.LoadBooks(context.Background(), book)
	if err != nil {
		e.t.Fatal(err)
	}
	return b.Orgs[code].Name
}
