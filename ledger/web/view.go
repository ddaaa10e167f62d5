package web

import (
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// funcs are the formatting helpers every template has.
var funcs = template.FuncMap{
	// amount is 12,345.67; zero is empty where a table leaves it blank.
	"amount": func(m ledger.Money) string { return m.Format() },
	"amountOrBlank": func(m ledger.Money) string {
		if m.IsZero() {
			return ""
		}
		return m.Format()
	},
	// date is 2020-02-05 (tables), dateCN 2020年2月5日 (prose).
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.DateOnly)
	},
	"dateCN": dateCN,
	// daxie is the 大写 of an amount as a form writes it, with the 人民币
	// prefix (整 included); a negative amount (a red voucher) reads
	// 人民币负….
	"daxie": func(m ledger.Money) string {
		if m.Sign() < 0 {
			s, err := ledger.ToDaXie(m.Neg())
			if err != nil {
				return ""
			}
			return "人民币负" + s
		}
		s, err := ledger.ToDaXie(m)
		if err != nil {
			return ""
		}
		return "人民币" + s
	},
	"status": func(s ledger.VoucherStatus) string { return s.Name() },
	"purpose": func(p ledger.Purpose) string {
		if p == "" {
			return ""
		}
		return p.Name()
	},
	"payeeType": payeeTypeName,
	"method": func(m string) string {
		switch m {
		case ledger.MethodBank:
			return "银行转账"
		case ledger.MethodCash:
			return "现金"
		}
		return m
	},
	"add":    func(a, b int) int { return a + b },
	"seq":    func(n int) []int { return make([]int, max(n, 0)) },
	"maskID": ledger.MaskID,
	"list":   func(xs ...any) []any { return xs },
	// dict makes the argument of a partial template: dict "Vs" .X "V" .V.
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := kv[i].(string)
			m[k] = kv[i+1]
		}
		return m
	},
}

func dateCN(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

func payeeTypeName(t string) string {
	switch t {
	case ledger.PayeeSupplier:
		return "供应商"
	case ledger.PayeeHostUnit:
		return "依托单位"
	case ledger.PayeeIndividual:
		return "个人"
	case ledger.PayeeOrg:
		return "党组织"
	case ledger.PayeeUpper:
		return "上级党组织"
	}
	return t
}

// actionName is the Chinese name of an action log entry about a voucher.
func actionName(a string) string {
	switch a {
	case "create", "voucher.create", "make":
		return "制单"
	case "check":
		return "审核"
	case "uncheck":
		return "取消审核"
	case "sign":
		return "出纳签字"
	case "post":
		return "记账"
	case "void":
		return "作废"
	case "reverse":
		return "红字冲销"
	case "edit":
		return "修改草稿"
	case "attach":
		return "上传附件"
	}
	return a
}

// parsePages parses each page template of templates/ with the layout.
func parsePages() map[string]*template.Template {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return out
}

// viewer names people, organisations, accounts and funds for the pages of
// one request: people by full name, organisations by name (the code in a
// title), accounts as "500101 物资采购".
type viewer struct {
	user   *ledger.User // the page's user
	books  *ledger.Books
	people map[string]string
	loc    *time.Location
}

func (s *Server) newViewer(ctx context.Context, rq *request) *viewer {
	v := &viewer{user: rq.user, books: rq.books, people: map[string]string{}, loc: s.opt.TimeZone}
	if us, err := s.db.Users(ctx, rq.user.Book); err == nil {
		for _, u := range us {
			v.people[u.Name] = u.FullName
		}
	}
	return v
}

// Person is a user's full name (the login name when it has none).
func (v *viewer) Person(name string) string {
	if n := v.people[name]; n != "" {
		return n
	}
	return name
}

// OrgName is an organisation's name (its code when unknown).
func (v *viewer) OrgName(code string) string {
	if o := v.books.Orgs[code]; o != nil {
		return o.Name
	}
	return code
}

// Account is "500101 物资采购".
func (v *viewer) Account(code string) string {
	if a := v.books.Chart[code]; a != nil {
		return a.Code + " " + a.Name
	}
	return code
}

// AccountName is the account's name alone.
func (v *viewer) AccountName(code string) string {
	if a := v.books.Chart[code]; a != nil {
		return a.Name
	}
	return code
}

// Fund is the fund's name.
func (v *viewer) Fund(code string) string {
	if f := v.books.Funds[code]; f != nil {
		return f.Name
	}
	return code
}

// Time is a timestamp in the book's zone, 2020-02-05 14:03.
func (v *viewer) Time(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return ledger.InZone(*t, v.loc).Format("2006-01-02 15:04")
}

// Action names an action of a voucher's history.
func (v *viewer) Action(a ledger.Action) string { return actionName(string(a)) }
