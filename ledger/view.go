package ledger

import "time"

// VoucherView is the JSON form of a voucher (CLI --json and the HTTP API).
// Amounts are decimal strings, dates YYYY-MM-DD, timestamps RFC 3339.
type VoucherView struct {
	ID            int64             `json:"id"`
	Book          string            `json:"book"`
	Word          string            `json:"word"` // 字号, e.g. 记-0012
	Type          string            `json:"type"`
	Period        string            `json:"period"`
	Number        int               `json:"number"`
	Date          string            `json:"date"`
	Summary       string            `json:"summary"`
	Attachments   int               `json:"attachments"`
	Files         int               `json:"files"` // 原始凭证附件 stored with the voucher
	DocTypes      []string          `json:"doc_types"`
	Decision      string            `json:"decision"`
	Payee         string            `json:"payee"`
	PayeeType     string            `json:"payee_type"`
	Method        string            `json:"method"`
	Flow          string            `json:"flow"`
	Memo          string            `json:"memo,omitempty"`
	Version       int               `json:"version"`
	Status        VoucherStatus     `json:"status"`
	StatusName    string            `json:"status_name"`
	ReversalOf    int64             `json:"reversal_of,omitempty"`
	Total         Money             `json:"total"`
	Maker         string            `json:"maker"`
	MadeAt        *time.Time        `json:"made_at,omitempty"`
	Checker       string            `json:"checker,omitempty"`
	CheckedAt     *time.Time        `json:"checked_at,omitempty"`
	Cashier       string            `json:"cashier,omitempty"`
	SignedAt      *time.Time        `json:"signed_at,omitempty"`
	Poster        string            `json:"poster,omitempty"`
	PostedAt      *time.Time        `json:"posted_at,omitempty"`
	Lines         []LineView        `json:"lines"`
	Beneficiaries []BeneficiaryView `json:"beneficiaries,omitempty"`
}

// LineView is the JSON form of a line.
type LineView struct {
	No          int        `json:"no"`
	Summary     string     `json:"summary"`
	Account     string     `json:"account"`
	AccountName string     `json:"account_name,omitempty"`
	Org         string     `json:"org"`
	Fund        string     `json:"fund"`
	Purpose     Purpose    `json:"purpose,omitempty"`
	Debit       Money      `json:"debit"`
	Credit      Money      `json:"credit"`
	Items       []ItemView `json:"items,omitempty"`
}

// BeneficiaryView is the JSON form of a beneficiary; the ID number is
// masked unless full is asked for.
type BeneficiaryView struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	IDNumber string `json:"id_number"`
	Reason   string `json:"reason,omitempty"`
	Amount   Money  `json:"amount"`
}

// View makes the JSON form of v; chart (may be nil) names the accounts.
func View(v *Voucher, chart Chart, fullIDs bool) VoucherView {
	w := VoucherView{ID: v.ID, Book: v.Book, Word: v.Word(), Type: v.Type, Number: v.Number,
		Period: v.Date.Format("2006-01"), Date: v.Date.Format(time.DateOnly), Summary: v.Summary, Attachments: v.Attachments, Files: v.Files,
		DocTypes: v.DocTypes, Decision: v.Decision, Payee: v.Payee, PayeeType: v.PayeeType, Method: v.Method, Flow: v.Flow,
		Memo: v.Memo, Version: v.Version, Status: v.Status, StatusName: v.Status.Name(), ReversalOf: v.ReversalOf, Total: v.Total(),
		Maker: v.Maker, MadeAt: v.MadeAt, Checker: v.Checker, CheckedAt: v.CheckedAt, Cashier: v.Cashier, SignedAt: v.SignedAt,
		Poster: v.Poster, PostedAt: v.PostedAt, Lines: []LineView{}}
	if w.DocTypes == nil {
		w.DocTypes = []string{}
	}
	for _, l := range v.Lines {
		lv := LineView{No: l.No, Summary: l.Summary, Account: l.Account, Org: l.Org, Fund: l.Fund, Purpose: l.Purpose, Debit: l.Debit, Credit: l.Credit, Items: ViewItems(l.Items)}
		if a := chart[l.Account]; a != nil {
			lv.AccountName = a.Name
		}
		w.Lines = append(w.Lines, lv)
	}
	for _, p := range v.Beneficiaries {
		id := MaskID(p.IDNumber)
		if fullIDs {
			id = p.IDNumber
		}
		w.Beneficiaries = append(w.Beneficiaries, BeneficiaryView{Name: p.Name, Category: p.Category, IDNumber: id, Reason: p.Reason, Amount: p.Amount})
	}
	return w
}

// In is w with its timestamps shown in the book's zone loc (nil:
// DefaultTimeZone): the same instants, read as the book's clock reads them.
func (w VoucherView) In(loc *time.Location) VoucherView {
	for _, t := range []**time.Time{&w.MadeAt, &w.CheckedAt, &w.SignedAt, &w.PostedAt} {
		if *t != nil {
			z := InZone(**t, loc)
			*t = &z
		}
	}
	return w
}
