package web

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// 系统管理 (/admin): users with their roles, scope, password, state, web
// sessions and API tokens; the organisation tree, funds and chart (read);
// the setup file's import with a preview (admin_setup.go). Every act
// calls the use cases of `ledger user …`, `ledger token …` and `ledger
// setup` with ledger.CanManageUsers / CanActBookWide, as the API does: an
// admin scoped to a branch manages only the users inside it and grants no
// wider scope.

// adminRoutes registers the administration pages.
func (s *Server) adminRoutes() {
	s.mux.Handle("GET /admin", s.auth(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	}))
	s.mux.Handle("GET /admin/users", s.auth(s.adminUsers))
	s.mux.Handle("POST /admin/users", s.auth(s.adminAddUser))
	s.mux.Handle("GET /admin/users/{name}", s.auth(s.adminUser))
	s.mux.Handle("POST /admin/users/{name}/{act}", s.auth(s.adminUserAct))
	s.mux.Handle("POST /admin/sessions/{id}/end", s.auth(s.adminEndSession))
	s.mux.Handle("POST /admin/tokens/{id}/revoke", s.auth(s.adminRevokeToken))
	s.mux.Handle("GET /admin/orgs", s.auth(s.adminOrgs))
	s.mux.Handle("GET /admin/funds", s.auth(s.adminFunds))
	s.mux.Handle("GET /admin/accounts", s.auth(s.adminAccounts))
	s.mux.Handle("GET /admin/setup", s.auth(s.adminSetup))
	s.mux.Handle("POST /admin/setup", s.auth(s.adminSetupPreview))
	s.mux.Handle("POST /admin/setup/apply", s.auth(s.adminSetupApply))
}

// roles are the roles in the order the pages list them.
var roles = []ledger.Role{ledger.RoleOfficer, ledger.RoleChecker, ledger.RoleCashier, ledger.RoleAuditor, ledger.RoleAdmin}

// roleName is a role's Chinese name.
func roleName(r ledger.Role) string {
	switch r {
	case ledger.RoleOfficer:
		return "制单"
	case ledger.RoleChecker:
		return "审核"
	case ledger.RoleCashier:
		return "出纳"
	case ledger.RoleAuditor:
		return "审计（纪检）"
	case ledger.RoleAdmin:
		return "系统管理员"
	}
	return string(r)
}

// Role is a role's Chinese name.
func (v *viewer) Role(r ledger.Role) string { return roleName(r) }

// Scope names a user's scope: the organisation, or 全账套.
func (v *viewer) Scope(code string) string {
	if code == "" {
		return "全账套"
	}
	return v.OrgName(code)
}

// userNamePattern is the users table's rule for names (the API's).
var userNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// fullNameLenMax bounds a full name (the API's).
const fullNameLenMax = 100

// mayAdminister refuses a user who is not an admin: the administration
// pages are theirs (what each admin reaches is decided per act).
func mayAdminister(u *ledger.User) error {
	if !u.Has(ledger.RoleAdmin) {
		return ledger.CanManageUsers(u, nil, "", "user")
	}
	return nil
}

// adminNav is what every administration page's menu needs.
type adminNav struct {
	Tab       string
	WholeBook bool // an admin of the whole book: setup and the reveal log
}

func navOf(u *ledger.User, tab string) adminNav { return adminNav{Tab: tab, WholeBook: u.Scope == ""} }

// roleChoice is a role's checkbox.
type roleChoice struct {
	Role    ledger.Role
	Name    string
	Checked bool
}

func roleChoices(have []ledger.Role) []roleChoice {
	out := make([]roleChoice, len(roles))
	for i, r := range roles {
		out[i] = roleChoice{Role: r, Name: roleName(r), Checked: slices.Contains(have, r)}
	}
	return out
}

// scopeChoice is an organisation a user may be scoped to, indented by its
// depth in the tree.
type scopeChoice struct {
	Code, Name string
	Depth      int
}

// scopeChoices are the scopes u may grant: the organisations within u's
// scope in tree order; whole reports whether the whole book is one.
func (s *Server) scopeChoices(r *http.Request) (out []scopeChoice, whole bool, err error) {
	rq := current(r)
	orgs, err := s.db.Organisations(r.Context(), rq.user.Book)
	if err != nil {
		return nil, false, err
	}
	for _, o := range orgs {
		if o.Kind == ledger.OrgExternal || !rq.books.InScope(rq.user.Scope, o.Code) {
			continue
		}
		out = append(out, scopeChoice{Code: o.Code, Name: o.Name, Depth: ledger.Depth(rq.books.Orgs, o.Code)})
	}
	return out, rq.user.Scope == "", nil
}

// userForm is the add-user form as sent (kept when it is refused).
type userForm struct {
	Name, FullName, Scope string
	Roles                 []roleChoice
	Generate              bool
}

// formError is a refusal shown at a form's field.
type formError struct {
	Field, Message string
}

// fieldError makes err a refusal at its field, or reports that err is a
// fault the error page answers (internal, unavailable).
func fieldError(err error) (*formError, bool) {
	switch ledger.ErrorCode(err) {
	case "", ledger.EInternal, ledger.EUnavailable:
		return nil, false
	}
	return &formError{Field: ledger.ErrorField(err), Message: i18n.Message(i18n.ZhCN, err)}, true
}

type adminUserRow struct {
	postgres.UserInfo
	LastSignIn *time.Time
}

type adminUsersData struct {
	Nav       adminNav
	Users     []adminUserRow
	Form      userForm
	Scopes    []scopeChoice
	WholeBook bool
	Err       *formError
	Shown     *shownPassword
}

// shownPassword is a password the server made, shown once.
type shownPassword struct {
	User, Password string
}

// managedUsers lists the users u manages (the API's rule).
func (s *Server) managedUsers(r *http.Request) ([]adminUserRow, error) {
	rq := current(r)
	us, err := s.db.Users(r.Context(), rq.user.Book)
	if err != nil {
		return nil, err
	}
	last, err := s.db.LastSignIns(r.Context(), rq.user.Book)
	if err != nil {
		return nil, err
	}
	var out []adminUserRow
	for _, u := range us {
		if ledger.CanManageUsers(rq.user, rq.books, u.Scope, "") != nil {
			continue
		}
		row := adminUserRow{UserInfo: u}
		if t, ok := last[u.Name]; ok {
			row.LastSignIn = &t
		}
		out = append(out, row)
	}
	return out, nil
}

// usersPage renders /admin/users with d's form and refusal.
func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, status int, d adminUsersData) {
	rq := current(r)
	var err error
	if d.Users, err = s.managedUsers(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Scopes, d.WholeBook, err = s.scopeChoices(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Form.Roles == nil {
		d.Form.Roles = roleChoices(nil)
	}
	d.Nav = navOf(rq.user, "users")
	notice := ""
	if d.Shown != nil {
		notice = "已添加用户 " + d.Shown.User + "。"
	} else if name := r.URL.Query().Get("added"); name != "" {
		notice = "已添加用户 " + name + "。"
	}
	s.render(w, r, status, "admin_users", page{Title: "用户管理", Menu: "admin", Notice: notice, Data: d})
}

// adminUsers answers GET /admin/users: the users the admin manages and
// the form to add one.
func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := mayAdminister(rq.user); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := ledger.CanManageUsers(rq.user, rq.books, rq.user.Scope, "user"); err != nil {
		s.fail(w, r, err)
		return
	}
	s.usersPage(w, r, http.StatusOK, adminUsersData{})
}

// formRoles reads the checked roles of a form.
func formRoles(r *http.Request) []ledger.Role {
	var out []ledger.Role
	for _, v := range r.PostForm["role"] {
		out = append(out, ledger.Role(v))
	}
	return out
}

// newPassword makes a password to show once: 16 characters of an
// alphabet without look-alikes.
func newPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// adminAddUser answers POST /admin/users: name, full name, roles, scope
// and a password typed or made by the server (shown once).
func (s *Server) adminAddUser(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := mayAdminister(rq.user); err != nil {
		s.fail(w, r, err)
		return
	}
	r.ParseForm()
	f := userForm{Name: r.PostFormValue("name"), FullName: r.PostFormValue("full_name"), Scope: r.PostFormValue("scope"),
		Generate: r.PostFormValue("generate") != ""}
	rs := formRoles(r)
	f.Roles = roleChoices(rs)
	password := r.PostFormValue("password")
	if f.Generate {
		password = newPassword()
	}
	err := checkNewUser(f, rs, password, rq.books)
	if err == nil {
		err = ledger.CanManageUsers(rq.user, rq.books, f.Scope, "scope")
	}
	if err == nil {
		_, err = s.db.AddUserAs(r.Context(), rq.user.Book, rq.user.Name, ledger.User{Name: f.Name, FullName: f.FullName, Roles: rs, Scope: f.Scope}, password)
	}
	if err != nil {
		fe, ok := fieldError(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		s.usersPage(w, r, statusOf(ledger.ErrorCode(err)), adminUsersData{Form: f, Err: fe})
		return
	}
	if f.Generate {
		s.usersPage(w, r, http.StatusOK, adminUsersData{Shown: &shownPassword{User: f.Name, Password: password}})
		return
	}
	http.Redirect(w, r, withQuery("/admin/users", url.Values{"added": {f.Name}}), http.StatusSeeOther)
}

// checkNewUser refuses what the API refuses of a new user.
func checkNewUser(f userForm, rs []ledger.Role, password string, b *ledger.Books) error {
	if !userNamePattern.MatchString(f.Name) || f.Name == ledger.SystemUser {
		return ledger.Errorf(ledger.EInvalid, "name", "name is 1 to 64 letters, digits, '_', '.' or '-', and not %q", ledger.SystemUser)
	}
	if len([]rune(f.FullName)) > fullNameLenMax {
		return ledger.Errorf(ledger.EInvalid, "full_name", "full_name has at most 100 characters")
	}
	if err := checkRoles(rs); err != nil {
		return err
	}
	if password != "" && (len(password) < postgres.PasswordLenMin || len(password) > postgres.PasswordLenMax) {
		return ledger.Errorf(ledger.EInvalid, "password", "a password has %d to %d bytes", postgres.PasswordLenMin, postgres.PasswordLenMax)
	}
	if f.Scope != "" && b.Orgs[f.Scope] == nil {
		return ledger.Errorf(ledger.ENotFound, "scope", "organisation %s does not exist", f.Scope)
	}
	return nil
}

func checkRoles(rs []ledger.Role) error {
	if len(rs) == 0 {
		return ledger.Errorf(ledger.EInvalid, "roles", "roles is required: one or more of officer, checker, cashier, auditor, admin")
	}
	for _, r := range rs {
		if !r.Valid() {
			return ledger.Errorf(ledger.EInvalid, "roles", "unknown role %q (officer, checker, cashier, auditor, admin)", r)
		}
	}
	return nil
}

// managed reads user name as the request's admin may manage it: not_found
// when there is no such user, forbidden outside the admin's scope.
func (s *Server) managed(r *http.Request, name string) (postgres.UserInfo, error) {
	rq := current(r)
	if err := mayAdminister(rq.user); err != nil {
		return postgres.UserInfo{}, err
	}
	u, err := s.db.User(r.Context(), rq.user.Book, name)
	if err != nil {
		return u, err
	}
	return u, ledger.CanManageUsers(rq.user, rq.books, u.Scope, "name")
}

type adminUserData struct {
	Nav       adminNav
	U         postgres.UserInfo
	Self      bool
	Roles     []roleChoice
	Scope     string
	Scopes    []scopeChoice
	WholeBook bool
	Sessions  []postgres.SessionInfo
	Tokens    []postgres.TokenInfo
	Err       *formError
	Shown     *shownPassword
	Now       time.Time
}

// userPage renders /admin/users/{name} for user u.
func (s *Server) userPage(w http.ResponseWriter, r *http.Request, status int, u postgres.UserInfo, d adminUserData, notice string) {
	rq := current(r)
	var err error
	d.U, d.Self, d.Nav, d.Now = u, u.Name == rq.user.Name, navOf(rq.user, "users"), s.db.Now()
	if d.Roles == nil {
		d.Roles, d.Scope = roleChoices(u.Roles), u.Scope
	}
	if d.Scopes, d.WholeBook, err = s.scopeChoices(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Sessions, err = s.db.UserSessions(r.Context(), rq.user.Book, u.Name, s.opt.SessionIdle); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Tokens, err = s.db.TokensAs(r.Context(), rq.user.Book, rq.user.Name, u.Name); err != nil {
		s.fail(w, r, err)
		return
	}
	if notice == "" {
		notice = adminNotice(r)
	}
	s.render(w, r, status, "admin_user", page{Title: "用户 " + u.Name, Menu: "admin", Notice: notice, Data: d})
}

// adminNotice is the notice of a redirect after an act (?done=).
func adminNotice(r *http.Request) string {
	return map[string]string{
		"access": "已修改角色和组织范围。", "disable": "已停用该用户：其网页登录已全部退出，接口令牌已吊销。", "enable": "已启用该用户。",
		"session": "已结束该网页登录。", "token": "已吊销该接口令牌。", "password": "已重置密码；该用户的网页登录已全部退出。",
	}[r.URL.Query().Get("done")]
}

// adminUser answers GET /admin/users/{name}: the user, the forms to
// change roles, scope and password, to disable or enable the account, and
// its web sessions and API tokens with their revocation.
func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.managed(r, r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.userPage(w, r, http.StatusOK, u, adminUserData{}, "")
}

// adminUserAct answers POST /admin/users/{name}/{access,password,disable,enable}.
func (s *Server) adminUserAct(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	name, act := r.PathValue("name"), r.PathValue("act")
	u, err := s.managed(r, name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	r.ParseForm()
	var d adminUserData
	switch act {
	case "access":
		rs := formRoles(r)
		d.Roles, d.Scope = roleChoices(rs), r.PostFormValue("scope")
		err = checkRoles(rs)
		if err == nil {
			_, err = s.db.SetUserAccess(r.Context(), rq.user.Book, rq.user.Name, u.Name, rs, d.Scope)
		}
	case "password":
		pw := r.PostFormValue("password")
		if r.PostFormValue("generate") != "" {
			pw = newPassword()
			d.Shown = &shownPassword{User: u.Name, Password: pw}
		} else if pw != r.PostFormValue("again") {
			err = ledger.Errorf(ledger.EInvalid, "again", "the two new passwords differ")
		}
		if err == nil {
			err = s.db.SetPasswordAs(r.Context(), rq.user.Book, rq.user.Name, u.Name, pw)
		}
		if err == nil {
			// The old password's sessions end (the admin's own but this one).
			keep := int64(0)
			if u.Name == rq.user.Name {
				keep = rq.session.ID
			}
			_, err = s.db.EndSessions(r.Context(), rq.user.Book, u.Name, keep)
		}
	case "disable", "enable":
		_, err = s.db.SetUserDisabled(r.Context(), rq.user.Book, rq.user.Name, u.Name, act == "disable")
	default:
		s.fail(w, r, ledger.Errorf(ledger.ENotFound, "path", "no page %s", r.URL.Path))
		return
	}
	if err != nil {
		fe, ok := fieldError(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		d.Err, d.Shown = fe, nil
		s.userPage(w, r, statusOf(ledger.ErrorCode(err)), u, d, "")
		return
	}
	if d.Shown != nil {
		s.userPage(w, r, http.StatusOK, u, adminUserData{Shown: d.Shown}, "已重置密码；该用户的网页登录已全部退出。新密码只显示这一次。")
		return
	}
	http.Redirect(w, r, withQuery("/admin/users/"+url.PathEscape(u.Name), url.Values{"done": {act}}), http.StatusSeeOther)
}

// pathID reads the {id} of the path: a session's or a token's.
func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil && id > 0 {
		return id, nil
	}
	if what == "token" {
		return 0, ledger.Errorf(ledger.ENotFound, "id", "no token %q", r.PathValue("id"))
	}
	return 0, ledger.Errorf(ledger.ENotFound, "id", "no session %q", r.PathValue("id"))
}

// adminEndSession answers POST /admin/sessions/{id}/end: the session's
// browser is signed out at its next request.
func (s *Server) adminEndSession(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := mayAdminister(rq.user); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := pathID(r, "session")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	info, err := s.db.EndSessionAs(r.Context(), rq.user.Book, rq.user.Name, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, withQuery("/admin/users/"+url.PathEscape(info.User), url.Values{"done": {"session"}}), http.StatusSeeOther)
}

// adminRevokeToken answers POST /admin/tokens/{id}/revoke.
func (s *Server) adminRevokeToken(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := mayAdminister(rq.user); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := pathID(r, "token")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	info, err := s.db.RevokeTokenAs(r.Context(), rq.user.Book, rq.user.Name, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, withQuery("/admin/users/"+url.PathEscape(info.User), url.Values{"done": {"token"}}), http.StatusSeeOther)
}
