package audit

import (
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// Input is everything the rules read for one book and one evaluation
// window. The caller (the monthly batch, the audit command) loads it; the
// rules only read it and never consult the clock.
//
// Vouchers holds the vouchers of the project in every state and from every
// period up to AsOf: rules that need history (A-02 and A-03 balances, A-04
// unsettled items, A-06 duplicates across the project, A-10 payments just
// before the window) read the earlier ones; findings about a single voucher
// are reported only for vouchers dated inside [From, AsOf].
type Input struct {
	// AsOf is the last day of the window: the period's end or a given date.
	// Balances and ages are taken as of the end of that day.
	AsOf time.Time
	// From is the first day of the window; the zero time means the start
	// of the project.
	From time.Time

	Book  ledger.Book
	Chart ledger.Chart
	// Orgs and Funds are keyed by code.
	Orgs  map[string]*ledger.Organisation
	Funds map[string]*ledger.Fund
	// Users, keyed by user name, give the full names of makers, checkers
	// and cashiers (A-07 compares them with beneficiaries; findings name
	// the responsible person). Optional.
	Users map[string]*ledger.User

	Vouchers []ledger.Voucher

	// The following are not recorded by the core ledger yet; they are
	// defined here so the rules can be written and tested against them.

	// Publicity lists the publications (公示) of spending.
	Publicity []PublicityRecord
	// Roster is the approved beneficiary roster (经批准的慰问/救助花名册,
	// When it is empty the roster check is skipped: no roster
	// recorded is not evidence that a beneficiary is ineligible.
	Roster []RosterEntry
	// Members lists branch members and cadres.
	Members []Member
	// PayeeAccounts records whether a payee's bank account is personal
	//
	PayeeAccounts []PayeeAccount
	// Meetings are the collective decisions vouchers refer to through
	// Voucher.Decision, with their attendees.
	Meetings []Meeting
	// BankValueDates maps a voucher id to the value date of its bank
	// movement on the statement.
	BankValueDates map[int64]time.Time
	// ClosedPeriods lists the periods closed so far with the time they were
	// closed. A period closed, re-opened and closed again may appear
	// twice; the earliest close counts.
	ClosedPeriods []ClosedPeriod
}

// PublicityRecord is one publication (公示) of special-fund spending by an
// organisation, or by the whole book when Org is "".
type PublicityRecord struct {
	Org     string
	Date    time.Time // the day it was published
	Channel string    // 公示栏, 微信公众号, 党务公开网 …
	// Through is the last day of spending the publication covers
	// (cumulative from the start of the project); zero means Date.
	Through time.Time
	// Totals are the published category totals by purpose.
	Totals map[ledger.Purpose]ledger.Money
	// ReportedTotal is the published grand total.
	ReportedTotal ledger.Money
}

// RosterEntry is a person on the approved condolence/relief roster of an
// organisation ("" for every organisation of the book).
type RosterEntry struct {
	Org      string
	Name     string
	IDNumber string
	IDKind   ledger.IDKind // "" is a resident identity card
	Phone    string
	Category string // 党员/群众/医务人员/基层干部/公安/社区工作者/志愿者
}

// Member is a member or cadre of an organisation.
type Member struct {
	Org      string
	Name     string
	IDNumber string
	IDKind   ledger.IDKind // "" is a resident identity card
	Cadre    bool          // 党员干部 (a leading cadre, secretary, committee member …)
}

// PayeeAccount tells whether the bank account a payee was paid into is a
// personal account (个人账户) rather than a unit's account.
type PayeeAccount struct {
	Payee    string
	Personal bool
}

// Meeting is a collective decision (集体决策, 第二十条) identified by the
// decision reference a voucher quotes in Voucher.Decision.
type Meeting struct {
	Decision  string
	Attendees []string
}

// ClosedPeriod is a closed month of the book and the time it was closed.
type ClosedPeriod struct {
	Year, Month int
	ClosedAt    time.Time
}

// PublicityText is a publication as typed: dates YYYY-MM-DD and amounts as
// decimal strings (an empty purpose total is not published).
type PublicityText struct {
	Org, Date, Channel, Through            string
	Procurement, Condolence, Relief, Total string
}

// ParsePublicity parses a publication typed by a person.
func ParsePublicity(t PublicityText) (PublicityRecord, error) {
	p := PublicityRecord{Org: t.Org, Channel: t.Channel, Totals: map[ledger.Purpose]ledger.Money{}}
	var err error
	if p.Date, err = ledger.ParseDate(t.Date); err != nil {
		return p, err
	}
	if t.Through != "" {
		if p.Through, err = ledger.ParseDate(t.Through); err != nil {
			return p, ledger.Errorf(ledger.EInvalid, "through", "%s", ledger.ErrorMessage(err))
		}
	}
	for _, x := range []struct {
		p ledger.Purpose
		s string
	}{{ledger.Procurement, t.Procurement}, {ledger.Condolence, t.Condolence}, {ledger.Relief, t.Relief}} {
		if x.s == "" {
			continue
		}
		if p.Totals[x.p], err = publishedMoney(string(x.p), x.s); err != nil {
			return p, err
		}
	}
	p.ReportedTotal, err = publishedMoney("total", t.Total)
	return p, err
}

// publishedMoney parses a published amount (0 allowed).
func publishedMoney(field, s string) (ledger.Money, error) {
	m, err := ledger.ParseMoney(s)
	if err != nil {
		return ledger.Money{}, ledger.Errorf(ledger.EInvalidAmount, field, "%s", ledger.ErrorMessage(err))
	}
	if m.Sign() < 0 {
		return ledger.Money{}, ledger.Errorf(ledger.EInvalidAmount, field, "a published amount is not negative")
	}
	return m, nil
}
