package web

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fenyang/partyfee/ledger"
)

// The setup file's import (基础资料导入): an admin of the whole book
// uploads the YAML of `ledger setup`, reads what it would add or change
// (organisations, funds, users, accounts), and applies it through the
// same use case in one transaction, so an error leaves nothing written.
// The preview holds the file's text; applying parses it again.

// setupBytesMax bounds an uploaded setup file.
const setupBytesMax = 1 << 20

// setupKindNames are the Chinese names of the changes' kinds.
var setupKindNames = map[string]string{ledger.SetupBook: "账套", ledger.SetupAccount: "会计科目", ledger.SetupOrg: "党组织",
	ledger.SetupFund: "资金来源", ledger.SetupUser: "用户"}

// setupFieldNames are the Chinese names of a setup file's keys.
var setupFieldNames = map[string]string{
	"name": "名称", "bank_name": "开户行", "bank_account": "银行账号", "require_cashier_sign": "出纳签字", "voucher_types": "凭证字",
	"time_zone": "时区", "first_period": "启用期间", "date_days_ahead": "可提前天数", "voucher_amount_max": "单张凭证限额",
	"type": "类别", "side": "余额方向", "purpose": "用途", "restricted": "不得为负", "cash": "现金银行",
	"kind": "类型", "parent": "上级组织", "category": "类别", "host_unit": "依托单位", "secretary": "书记", "set_up": "成立日期",
	"dissolved": "撤销日期", "approval_threshold": "审批限额", "project": "项目", "purposes": "用途",
	"full_name": "姓名", "roles": "角色", "scope": "组织范围", "password": "密码",
}

type setupChangeRow struct {
	ledger.SetupChange
	KindName string
	Changed  string // the changed fields in Chinese
}

type adminSetupData struct {
	Nav       adminNav
	FileName  string
	YAML      string
	Changes   []setupChangeRow
	Counts    map[string]int // added and changed rows per kind name
	Previewed bool
	Err       *formError
}

// setupPage renders /admin/setup.
func (s *Server) setupPage(w http.ResponseWriter, r *http.Request, status int, d adminSetupData) {
	d.Nav = navOf(current(r).user, "setup")
	notice := ""
	if n := r.URL.Query().Get("applied"); n != "" {
		notice = "基础资料已导入：" + n + " 项新增或修改。"
	}
	s.render(w, r, status, "admin_setup", page{Title: "基础资料导入", Menu: "admin", Notice: notice, Data: d})
}

// maySetUp refuses all but an admin of the whole book.
func maySetUp(u *ledger.User) error { return ledger.CanActBookWide(u, "set up the book") }

// adminSetup answers GET /admin/setup: the upload form.
func (s *Server) adminSetup(w http.ResponseWriter, r *http.Request) {
	if err := maySetUp(current(r).user); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setupPage(w, r, http.StatusOK, adminSetupData{})
}

// parseSetup parses a setup file for the session's book: a file naming
// another book, or granting a roll-up reader of another book, is refused.
func (s *Server) parseSetup(r *http.Request, name string, data []byte) (*ledger.Setup, error) {
	if s.opt.ParseSetup == nil {
		return nil, ledger.Errorf(ledger.EUnavailable, "file", "this server does not import setup files")
	}
	if strings.TrimSpace(string(data)) == "" {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "choose a setup file (YAML)")
	}
	st, err := s.opt.ParseSetup(data, name)
	if err != nil {
		return nil, err
	}
	book := current(r).user.Book
	for i, b := range st.Books {
		if b.Book.Code != book {
			return nil, ledger.Errorf(ledger.EForbidden, fmt.Sprintf("books[%d].code", i), "the setup file names book %s; this page sets up book %s only", b.Book.Code, book)
		}
	}
	for i, rr := range st.RollupReaders {
		if rr.Book != book {
			return nil, ledger.Errorf(ledger.EForbidden, fmt.Sprintf("rollup_readers[%d]", i), "the setup file names book %s; this page sets up book %s only", rr.Book, book)
		}
	}
	return st, nil
}

// preview is what st would change in the session's book.
func (s *Server) preview(r *http.Request, st *ledger.Setup) ([]setupChangeRow, map[string]int, error) {
	rq := current(r)
	b, err := s.db.LoadBooks(r.Context(), rq.user.Book)
	if err != nil {
		return nil, nil, err
	}
	infos, err := s.db.Users(r.Context(), rq.user.Book)
	if err != nil {
		return nil, nil, err
	}
	users := make([]ledger.User, len(infos))
	for i, u := range infos {
		users[i] = ledger.User{Name: u.Name, FullName: u.FullName, Roles: u.Roles, Scope: u.Scope, Book: rq.user.Book}
	}
	var rows []setupChangeRow
	counts := map[string]int{}
	for i := range st.Books {
		for _, c := range ledger.DiffSetup(b, users, &st.Books[i]) {
			row := setupChangeRow{SetupChange: c, KindName: setupKindNames[c.Kind]}
			var fs []string
			for _, f := range c.Fields {
				fs = append(fs, cmp.Or(setupFieldNames[f], f))
			}
			row.Changed = strings.Join(fs, "、")
			rows = append(rows, row)
			counts[row.KindName]++
		}
	}
	return rows, counts, nil
}

// setupRefused renders the page with err at its field, or the error page
// for a fault.
func (s *Server) setupRefused(w http.ResponseWriter, r *http.Request, d adminSetupData, err error) {
	fe, ok := fieldError(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	// The YAML decoder's own words (line, key) have no catalogue entry:
	// they are quoted under a Chinese heading.
	var le *ledger.Error
	if errors.As(err, &le) && le.Format == "" && le.Msg != "" {
		fe.Message = "文件格式有误：" + le.Msg
	}
	d.Err = fe
	s.setupPage(w, r, statusOf(ledger.ErrorCode(err)), d)
}

// adminSetupPreview answers POST /admin/setup (multipart, the file in
// part file): what the file would change, with the button to apply it.
func (s *Server) adminSetupPreview(w http.ResponseWriter, r *http.Request) {
	if err := maySetUp(current(r).user); err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, setupBytesMax+64<<10)
	var d adminSetupData
	file, hdr, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.setupRefused(w, r, d, ledger.Errorf(ledger.ETooLarge, "file", "the setup file has more than %d bytes", setupBytesMax))
			return
		}
		s.setupRefused(w, r, d, ledger.Errorf(ledger.EInvalid, "file", "choose a setup file (YAML)"))
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, setupBytesMax+1))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(data) > setupBytesMax {
		s.setupRefused(w, r, d, ledger.Errorf(ledger.ETooLarge, "file", "the setup file has more than %d bytes", setupBytesMax))
		return
	}
	d.FileName, d.YAML = hdr.Filename, string(data)
	st, err := s.parseSetup(r, d.FileName, data)
	if err != nil {
		s.setupRefused(w, r, d, err)
		return
	}
	if d.Changes, d.Counts, err = s.preview(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Previewed = true
	s.setupPage(w, r, http.StatusOK, d)
}

// adminSetupApply answers POST /admin/setup/apply (the previewed file's
// text in yaml): the file applied in one transaction.
func (s *Server) adminSetupApply(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := maySetUp(rq.user); err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4*setupBytesMax)
	d := adminSetupData{FileName: r.PostFormValue("name"), YAML: r.PostFormValue("yaml")}
	if len(d.YAML) > setupBytesMax {
		s.setupRefused(w, r, adminSetupData{}, ledger.Errorf(ledger.ETooLarge, "file", "the setup file has more than %d bytes", setupBytesMax))
		return
	}
	st, err := s.parseSetup(r, d.FileName, []byte(d.YAML))
	if err != nil {
		s.setupRefused(w, r, d, err)
		return
	}
	changes, _, err := s.preview(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.db.ApplySetupAs(r.Context(), st, rq.user.Name); err != nil {
		s.setupRefused(w, r, d, err)
		return
	}
	http.Redirect(w, r, withQuery("/admin/setup", url.Values{"applied": {strconv.Itoa(len(changes))}}), http.StatusSeeOther)
}
