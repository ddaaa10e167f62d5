package web

import (
	"crypto/subtle"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

func tokenEqual(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext is the page to go to after sign-in: a path of this site, never
// another site's address.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

// loginData is the sign-in page's.
type loginData struct {
	Books    []postgres.BookChoice
	Book     string
	Username string
	Next     string
	Error    string
}

func (s *Server) loginData(r *http.Request) (loginData, error) {
	books, err := s.db.BookChoices(r.Context())
	if err != nil {
		return loginData{}, err
	}
	return loginData{Books: books, Book: s.opt.Book, Next: safeNext(r.URL.Query().Get("next"))}, nil
}

// loginPage answers GET /login: user name, password and, when the
// database holds several books, the book.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.loginData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "login", page{Title: "登录", Data: d})
}

// login answers POST /login. Attempts count against the API's limits (per
// user and per client address, in the database) before the password is
// checked; a success starts a session, sets its cookie and goes on to the
// page asked for.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	d, err := s.loginData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Username = strings.TrimSpace(r.PostFormValue("username"))
	d.Next = safeNext(r.PostFormValue("next"))
	if b := r.PostFormValue("book"); b != "" {
		d.Book = b
	}
	if len(d.Books) == 1 {
		d.Book = d.Books[0].Book
	}
	password := r.PostFormValue("password")
	again := func(status int, err error) {
		d.Error = i18n.Message(i18n.ZhCN, err)
		s.render(w, r, status, "login", page{Title: "登录", Data: d})
	}
	if d.Username == "" || password == "" {
		again(http.StatusUnprocessableEntity, ledger.Errorf(ledger.EInvalid, "username", "enter the user name and the password"))
		return
	}
	userKey, addrKey := "user:"+d.Book+"/"+d.Username, "addr:"+s.clientAddr(r)
	wait, err := s.db.CountLoginAttempt(r.Context(), s.opt.LoginWindow,
		postgres.LoginLimit{Key: userKey, Max: s.opt.LoginAttemptsMax},
		postgres.LoginLimit{Key: addrKey, Max: s.opt.LoginAddressAttemptsMax})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if wait > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		again(http.StatusTooManyRequests, ledger.Errorf(ledger.ERateLimited, "user", "too many failed logins; retry in %s", wait.Round(time.Second)))
		return
	}
	u, err := s.db.Login(r.Context(), d.Book, d.Username, password)
	if err != nil {
		again(statusOf(ledger.ErrorCode(err)), err)
		return
	}
	if err := s.db.LoginSucceeded(r.Context(), userKey, addrKey); err != nil {
		s.fail(w, r, err)
		return
	}
	// Ended sessions are deleted as users sign in; nothing else has to run.
	if _, err := s.db.PurgeSessions(r.Context(), s.opt.SessionIdle); err != nil {
		s.log.Warn("purging ended web sessions", "err", err.Error())
	}
	id, sess, err := s.db.CreateSession(r.Context(), d.Book, u.Name, s.opt.SessionMax)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: postgres.SessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: s.opt.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(sess.ExpiresAt.Sub(sess.CreatedAt).Seconds())})
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (s *Server) clientAddr(r *http.Request) string {
	if s.opt.ClientAddr != nil {
		return s.opt.ClientAddr(r)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: postgres.SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.opt.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// logout answers POST /logout: the session ends in the database, the
// cookie is cleared.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.db.EndSession(r.Context(), current(r).sid); err != nil {
		s.fail(w, r, err)
		return
	}
	s.clearCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

type passwordData struct {
	Error, Field string
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "password", page{Title: "修改密码", Data: passwordData{}})
}

// changePassword answers POST /account/password: the current password,
// the new one twice. The user's other sessions end.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	cur, next, again := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("again")
	var err error
	if next != again {
		err = ledger.Errorf(ledger.EInvalid, "again", "the two new passwords differ")
	} else {
		err = s.db.ChangePassword(r.Context(), rq.user.Book, rq.user.Name, cur, next)
	}
	if err == nil {
		_, err = s.db.EndSessions(r.Context(), rq.user.Book, rq.user.Name, rq.session.ID)
	}
	if err != nil {
		code := ledger.ErrorCode(err)
		if code == "" || code == ledger.EInternal || code == ledger.EUnavailable {
			s.fail(w, r, err)
			return
		}
		status := statusOf(code)
		if code == ledger.EUnauthenticated {
			status = http.StatusUnprocessableEntity // the session stands; the current password was wrong
		}
		s.render(w, r, status, "password", page{Title: "修改密码", Data: passwordData{Error: i18n.Message(i18n.ZhCN, err), Field: ledger.ErrorField(err)}})
		return
	}
	s.render(w, r, http.StatusOK, "password", page{Title: "修改密码", Notice: "密码已修改；您在其他地方的登录已退出。", Data: passwordData{}})
}
