package textout

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// Direction splits a debit-positive balance as a book prints it: 借 and
// the amount, 贷 and the amount (never a negative credit), 平 for zero.
func Direction(lang i18n.Lang, m ledger.Money) (string, string) {
	switch m.Sign() {
	case 1:
		return i18n.Text(lang, "Dr"), m.Format()
	case -1:
		return i18n.Text(lang, "Cr"), m.Abs().Format()
	}
	return i18n.Text(lang, "nil balance"), m.Format()
}

// Balances prints balances per organisation, account and fund with their
// direction, or says there are none.
func Balances(w io.Writer, lang i18n.Lang, rows []postgres.BalanceRow) error {
	if len(rows) == 0 {
		fmt.Fprintln(w, i18n.T(lang, "no data"))
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, i18n.T(lang, "organisation\taccount\tfund\tdirection\town balance\tdirection\tbalance with subordinates"))
	for _, r := range rows {
		od, own := Direction(lang, r.Own)
		td, total := Direction(lang, r.Total)
		fmt.Fprintf(tw, "%s%s %s\t%s %s\t%s\t%s\t%s\t%s\t%s\n", strings.Repeat("  ", r.Depth), r.Org, r.OrgName, r.Account, r.AccountName, r.Fund,
			od, own, td, total)
	}
	return tw.Flush()
}

// Users prints the users of a book: name, full name, roles, scope and
// whether each is disabled.
func Users(w io.Writer, lang i18n.Lang, us []postgres.UserInfo) error {
	if len(us) == 0 {
		fmt.Fprintln(w, i18n.T(lang, "no data"))
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, i18n.T(lang, "name\tfull name\troles\tscope\tpassword\tdisabled"))
	for _, u := range us {
		roles := make([]string, len(u.Roles))
		for i, r := range u.Roles {
			roles[i] = string(r)
		}
		scope := u.Scope
		if scope == "" {
			scope = i18n.T(lang, "the whole book")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, Dash(u.FullName), strings.Join(roles, ","), scope, yesNo(lang, u.HasPassword), yesNo(lang, u.Disabled))
	}
	return tw.Flush()
}

func yesNo(lang i18n.Lang, b bool) string {
	if b {
		return i18n.T(lang, "yes")
	}
	return i18n.T(lang, "no")
}

// YesNo is 是 or 否 (yes or no).
func YesNo(lang i18n.Lang, b bool) string { return yesNo(lang, b) }

// Status names a voucher's status for a person: 已记账 …, or the status
// word itself in English; --json keeps the word.
func Status(lang i18n.Lang, s ledger.VoucherStatus) string {
	if lang == i18n.En {
		return string(s)
	}
	return s.Name()
}
