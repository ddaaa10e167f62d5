package csvimport

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// Checker checks approved vouchers in file order against what the book
// holds: every rule of SPEC §4 a voucher made, checked, signed and posted
// through the workflow would meet. Restricted balances are carried from
// voucher to voucher, so an overdraft is found at the voucher (in file
// order) that makes it.
type Checker struct {
	books    *ledger.Books
	users    map[string]*ledger.User
	disabled map[string]bool
	closed   map[[2]int]bool
	balances map[ledger.BalanceKey]int64 // restricted balances, fen
	memo     map[people]error
}

type people struct {
	maker, checker, cashier, poster string
	cash                            bool
}

// NewChecker returns a checker for book b, its enabled users, the names of
// its disabled users, its closed periods (year, month) and its stored
// balances in fen (only the restricted ones are used).
func NewChecker(b *ledger.Books, users []*ledger.User, disabled []string, closed [][2]int, balances map[ledger.BalanceKey]int64) *Checker {
	c := &Checker{books: b, users: map[string]*ledger.User{}, disabled: map[string]bool{}, closed: map[[2]int]bool{},
		balances: map[ledger.BalanceKey]int64{}, memo: map[people]error{}}
	for _, u := range users {
		c.users[u.Name] = u
	}
	for _, n := range disabled {
		c.disabled[n] = true
	}
	for _, p := range closed {
		c.closed[p] = true
	}
	for k, v := range balances {
		if a := b.Chart[k.Account]; a != nil && a.Restricted {
			c.balances[k] = v
		}
	}
	return c
}

// Balance is the checker's running balance of key in fen.
func (c *Checker) Balance(k ledger.BalanceKey) int64 { return c.balances[k] }

// Check checks v and, when it passes, carries its restricted balances
// forward. It fills in the lines' summaries (the voucher's when empty) and
// purposes (the expense account's when empty). Errors are *ledger.Error
// with Field "row N: column".
func (c *Checker) Check(v *Voucher) error {
	if len(v.Lines) < 2 {
		return ledger.Errorf(ledger.EUnbalanced, RowField(v.Row, "key"), "voucher %s has %d line; a voucher has at least 2", v.Key, len(v.Lines))
	}
	lv := c.Voucher(v)
	if err := ledger.ValidateVoucher(lv, c.books); err != nil {
		return c.remap(v, err)
	}
	for i := range v.Lines {
		v.Lines[i].Summary = lv.Lines[i].Summary
		v.Lines[i].Purpose = lv.Lines[i].Purpose
	}
	if c.closed[[2]int{v.Date.Year(), int(v.Date.Month())}] {
		return ledger.Errorf(ledger.EPeriodClosed, RowField(v.Row, "date"), "voucher %s: period %s is closed", v.Key, v.Date.Format("2006-01"))
	}
	if err := ledger.CheckActive(lv, c.books); err != nil {
		return c.remap(v, err)
	}
	if err := c.checkPeople(v, lv); err != nil {
		return err
	}
	return c.post(v)
}

// Voucher is v as a ledger.Voucher (lines in yuan), not yet validated.
func (c *Checker) Voucher(v *Voucher) *ledger.Voucher {
	lv := &ledger.Voucher{Book: c.books.Book.Code, Type: v.Type, Date: v.Date, Summary: v.Summary, Attachments: v.Attachments,
		Flow: "import", Key: v.Key, Maker: v.Maker, Checker: v.Checker, Cashier: v.Cashier, Poster: v.Poster,
		Lines: make([]ledger.Line, len(v.Lines))}
	for i, l := range v.Lines {
		lv.Lines[i] = ledger.Line{Summary: l.Summary, Account: l.Account, Org: l.Org, Fund: l.Fund, Purpose: l.Purpose,
			Debit: ledger.FromFen(l.Debit), Credit: ledger.FromFen(l.Credit)}
	}
	return lv
}

// checkPeople: the maker, checker, cashier and poster exist, hold the
// roles of their steps, act within their scopes, and are different people
// where §3's state table says so; a cash/bank voucher was signed by the
// cashier. ledger.Authorize decides each step, on the voucher in the state
// before that step.
func (c *Checker) checkPeople(v *Voucher, lv *ledger.Voucher) error {
	cash := c.books.Book.RequireCashierSign && lv.TouchesCash(c.books.Chart)
	k := people{v.Maker, v.Checker, v.Cashier, v.Poster, cash}
	// Without scopes the answer depends on the people and cash alone.
	cacheable := true
	for _, n := range []string{v.Maker, v.Checker, v.Cashier, v.Poster} {
		if u := c.users[n]; u != nil && u.Scope != "" {
			cacheable = false
		}
	}
	if cacheable {
		if err, ok := c.memo[k]; ok {
			return c.remapPeople(v, err)
		}
	}
	err := c.authorize(v, lv)
	if cacheable {
		var le *ledger.Error
		if err == nil || errors.As(err, &le) && !strings.HasPrefix(le.Field, "lines[") {
			c.memo[k] = err
		}
	}
	return c.remapPeople(v, err)
}

// authorize returns the first step refused, with Field "maker", "checker",
// "cashier", "poster" or the lines[i].org of a scope.
func (c *Checker) authorize(v *Voucher, lv *ledger.Voucher) error {
	user := func(name, col string) (*ledger.User, error) {
		if u := c.users[name]; u != nil {
			return u, nil
		}
		if c.disabled[name] {
			return nil, ledger.Errorf(ledger.EForbidden, col, "user %s is disabled", name)
		}
		return nil, ledger.Errorf(ledger.ENotFound, col, "user %s does not exist in book %s", name, c.books.Book.Code)
	}
	step := func(name, col string, act ledger.Action, status ledger.VoucherStatus) error {
		u, err := user(name, col)
		if err != nil {
			return err
		}
		lv.Status = status
		err = ledger.Authorize(u, act, lv, c.books, c.books.Book.RequireCashierSign)
		var le *ledger.Error
		if errors.As(err, &le) {
			f := le.Field
			switch {
			case act == ledger.ActPost && le.Code == ledger.EInvalidState:
				f = "cashier"
			case !strings.HasPrefix(f, "lines["):
				f = col
			}
			return &ledger.Error{Code: le.Code, Field: f, Msg: le.Msg}
		}
		return err
	}
	lv.Checker, lv.Cashier = "", ""
	if err := step(v.Maker, "maker", ledger.ActMake, ledger.StatusDraft); err != nil {
		return err
	}
	if err := step(v.Checker, "checker", ledger.ActCheck, ledger.StatusDraft); err != nil {
		return err
	}
	lv.Checker = v.Checker
	status := ledger.StatusChecked
	if v.Cashier != "" {
		if err := step(v.Cashier, "cashier", ledger.ActSign, ledger.StatusChecked); err != nil {
			return err
		}
		lv.Cashier = v.Cashier
		status = ledger.StatusSigned
	}
	if err := step(v.Poster, "poster", ledger.ActPost, status); err != nil {
		return err
	}
	lv.Status = ledger.StatusPosted
	return nil
}

func (c *Checker) remapPeople(v *Voucher, err error) error {
	if err == nil {
		return nil
	}
	return c.remap(v, err)
}

var lineField = regexp.MustCompile(`^lines\[(\d+)\]\.(\w+)$`)

// remap turns the fields of ledger's rules (lines[2].amount, date, …) into
// the file's rows and columns (row 17: debit) and names the voucher.
func (c *Checker) remap(v *Voucher, err error) error {
	var le *ledger.Error
	if !errors.As(err, &le) {
		return err
	}
	field := RowField(v.Row, "key")
	if m := lineField.FindStringSubmatch(le.Field); m != nil {
		i, _ := strconv.Atoi(m[1])
		if i >= 1 && i <= len(v.Lines) {
			l := v.Lines[i-1]
			col := map[string]string{"account": "account", "org": "organisation", "fund": "fund", "purpose": "purpose", "summary": "summary"}[m[2]]
			if m[2] == "amount" {
				col = "debit"
				if l.Debit == 0 {
					col = "credit"
				}
			}
			if col == "" {
				col = m[2]
			}
			field = RowField(l.Row, col)
		}
	} else {
		switch le.Field {
		case "lines":
			field = RowField(v.Row, "debit")
		case "date", "summary", "type", "attachments", "maker", "checker", "cashier", "poster":
			field = RowField(v.Row, le.Field)
		}
	}
	return &ledger.Error{Code: le.Code, Field: field, Msg: fmt.Sprintf("voucher %s (rows %d–%d): %s", v.Key, v.Row, v.LastRow, le.Msg), Err: le.Err}
}

// post carries the voucher's restricted balances forward: all its lines
// count at once, and none may end below zero.
func (c *Checker) post(v *Voucher) error {
	moves := make([]ledger.Move, len(v.Lines))
	for i, l := range v.Lines {
		moves[i] = ledger.Move{Key: ledger.BalanceKey{Account: l.Account, Org: l.Org, Fund: l.Fund}, Fen: l.Debit - l.Credit}
	}
	nets, over := ledger.CheckOverspend(c.books.Chart, moves, c.Balance)
	if over != nil {
		row := 0 // no credit line on the key: the voucher as a whole
		if over.Credit >= 0 {
			row = v.Lines[over.Credit].Row
		}
		return over.Err(c.books, RowField(row, "credit"), fmt.Sprintf("voucher %s (rows %d–%d), at this point of the file,", v.Key, v.Row, v.LastRow))
	}
	for _, n := range nets {
		c.balances[n.Key] += n.Fen
	}
	return nil
}

// Fingerprint is the content of a voucher as Check leaves it (summaries and
// purposes filled in): two imports of a key are the same request when
// their fingerprints are equal.
func Fingerprint(date time.Time, typ, summary string, attachments int, maker, checker, cashier, poster string, lines []Line) string {
	var b strings.Builder
	b.WriteString(date.Format(time.DateOnly))
	for _, s := range []string{typ, summary, strconv.Itoa(attachments), maker, checker, cashier, poster} {
		b.WriteByte(0x1f)
		b.WriteString(s)
	}
	for _, l := range lines {
		b.WriteByte(0x1e)
		for i, s := range []string{l.Summary, l.Account, l.Org, l.Fund, string(l.Purpose), strconv.FormatInt(l.Debit, 10), strconv.FormatInt(l.Credit, 10)} {
			if i > 0 {
				b.WriteByte(0x1f)
			}
			b.WriteString(s)
		}
	}
	return b.String()
}

// Normalize fills in what Check would without checking anything: the
// summaries and purposes of the lines (for comparing a repeated key
// before its voucher is checked).
func (c *Checker) Normalize(v *Voucher) {
	for i := range v.Lines {
		l := &v.Lines[i]
		if strings.TrimSpace(l.Summary) == "" {
			l.Summary = v.Summary
		}
		if a := c.books.Chart[l.Account]; a != nil && a.Purpose != "" && l.Purpose == "" {
			l.Purpose = a.Purpose
		}
	}
}
