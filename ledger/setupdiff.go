package ledger

import (
	"slices"
	"time"
)

// What a setup file would change in a book (the preview of `ledger setup`
// and of the administrator's page): the rows it adds and the fields it
// changes. Setup deletes nothing, so a row of the book the file lacks is
// no change.

// Setup change kinds, in the order a preview lists them.
const (
	SetupBook    = "book"
	SetupAccount = "account"
	SetupOrg     = "organisation"
	SetupFund    = "fund"
	SetupUser    = "user"
)

// SetupChange is one row a setup file adds or changes.
type SetupChange struct {
	Kind   string
	Code   string
	Name   string
	Added  bool
	Fields []string // the file's keys whose values change (a changed row)
}

// DiffSetup compares bs with the book as it stands: cur (nil when the
// book does not exist yet) and its users. A user whose entry sets a
// password changes its password.
func DiffSetup(cur *Books, users []User, bs *BookSetup) []SetupChange {
	var out []SetupChange
	add := func(kind, code, name string, was bool, fields []string) {
		switch {
		case !was:
			out = append(out, SetupChange{Kind: kind, Code: code, Name: name, Added: true})
		case len(fields) > 0:
			out = append(out, SetupChange{Kind: kind, Code: code, Name: name, Fields: fields})
		}
	}
	if cur == nil {
		cur = &Books{Chart: Chart{}, Orgs: map[string]*Organisation{}, Funds: map[string]*Fund{}}
	}
	nb := bs.Book
	if ob := cur.Book; ob == nil {
		add(SetupBook, nb.Code, nb.Name, false, nil)
	} else {
		var f []string
		f = differs(f, "name", ob.Name != nb.Name)
		f = differs(f, "bank_name", ob.BankName != nb.BankName)
		f = differs(f, "bank_account", ob.BankAccount != nb.BankAccount)
		f = differs(f, "require_cashier_sign", ob.RequireCashierSign != nb.RequireCashierSign)
		f = differs(f, "voucher_types", !slices.Equal(ob.VoucherTypes, nb.VoucherTypes))
		f = differs(f, "time_zone", nb.TimeZone != "" && ob.TimeZone != nb.TimeZone)
		f = differs(f, "first_period", !ob.FirstPeriod.Equal(nb.FirstPeriod))
		f = differs(f, "date_days_ahead", ob.DateDaysAhead != nb.DateDaysAhead)
		f = differs(f, "voucher_amount_max", nb.VoucherAmountMax.Sign() > 0 && !ob.VoucherAmountMax.Equal(nb.VoucherAmountMax))
		add(SetupBook, nb.Code, nb.Name, true, f)
	}
	for _, a := range bs.Accounts {
		o := cur.Chart[a.Code]
		var f []string
		if o != nil {
			f = differs(f, "name", o.Name != a.Name)
			f = differs(f, "type", o.Type != a.Type)
			f = differs(f, "side", o.Side != a.Side)
			f = differs(f, "purpose", o.Purpose != a.Purpose)
			f = differs(f, "restricted", o.Restricted != a.Restricted)
			f = differs(f, "cash", o.Cash != a.Cash)
		}
		add(SetupAccount, a.Code, a.Name, o != nil, f)
	}
	for _, n := range bs.Orgs {
		o := cur.Orgs[n.Code]
		var f []string
		if o != nil {
			f = differs(f, "name", o.Name != n.Name)
			f = differs(f, "kind", o.Kind != n.Kind)
			f = differs(f, "parent", o.Parent != n.Parent)
			f = differs(f, "category", o.Category != n.Category)
			f = differs(f, "host_unit", o.HostUnit != n.HostUnit)
			f = differs(f, "secretary", o.Secretary != n.Secretary)
			f = differs(f, "set_up", !o.SetUp.Equal(n.SetUp))
			f = differs(f, "dissolved", !sameDay(o.Dissolved, n.Dissolved))
			f = differs(f, "approval_threshold", !sameMoney(o.ApprovalThreshold, n.ApprovalThreshold))
		}
		add(SetupOrg, n.Code, n.Name, o != nil, f)
	}
	for _, n := range bs.Funds {
		o := cur.Funds[n.Code]
		var f []string
		if o != nil {
			f = differs(f, "name", o.Name != n.Name)
			f = differs(f, "kind", o.Kind != n.Kind)
			f = differs(f, "project", o.Project != n.Project)
			f = differs(f, "purposes", !slices.Equal(o.Purposes, n.Purposes))
		}
		add(SetupFund, n.Code, n.Name, o != nil, f)
	}
	for _, us := range bs.Users {
		n := us.User
		i := slices.IndexFunc(users, func(u User) bool { return u.Name == n.Name })
		var f []string
		if i >= 0 {
			o := users[i]
			f = differs(f, "full_name", o.FullName != n.FullName)
			f = differs(f, "roles", !slices.Equal(o.Roles, n.Roles))
			f = differs(f, "scope", o.Scope != n.Scope)
			f = differs(f, "password", us.Password != "")
		}
		name := n.FullName
		if name == "" {
			name = n.Name
		}
		add(SetupUser, n.Name, name, i >= 0, f)
	}
	return out
}

func differs(fields []string, key string, changed bool) []string {
	if changed {
		return append(fields, key)
	}
	return fields
}

func sameDay(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func sameMoney(a, b *Money) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
