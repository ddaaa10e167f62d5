package ledger

import (
	"strconv"
	"strings"
	"time"
)

// FlowGrant is a grant to an organisation of another book (SPEC §3): the
// upper book's voucher pays the money out (Dr 5501 下拨党费支出 / Cr 100201),
// and posting it makes the receipt in the lower book (Dr 100201 / Cr
// 420101), a draft that the lower book's own people check and post.
const FlowGrant = "grant"

// GrantRequest is what an officer of the upper book enters for a grant.
type GrantRequest struct {
	Fund        string // the upper book's special fund the money comes from
	Org         string // the upper organisation granting (empty: the book's root)
	Amount      Money
	Date        time.Time
	Summary     string
	Decision    string
	Attachments int
	DocTypes    []string
	Memo        string
	Key         string
	// The receiving side: another book, one of its organisations and the
	// fund (of kind upper) the money is recorded in there.
	ToBook     string
	ToBookName string // for the summary and the payee; the code when empty
	ToOrg      string
	ToFund     string
}

// Grant is a grant as both books see it.
type Grant struct {
	Book      string // the upper book
	VoucherID int64  // its voucher (5501 out)
	Number    string // that voucher's 凭证字号, e.g. 记-3
	Date      time.Time
	Status    VoucherStatus // of the upper voucher
	ToBook    string
	ToOrg     string
	ToFund    string
	Amount    Money
	// The lower book's receipt, when it is in the same database and made.
	ReceiptID     int64
	ReceiptNumber string
	ReceiptStatus VoucherStatus
}

// InTransit reports whether the money has left the upper book but is not
// yet recorded as received below (在途): the upper voucher is posted and
// the lower receipt is not.
func (g *Grant) InTransit() bool {
	return g.Status == StatusPosted && g.ReceiptStatus != StatusPosted
}

// GrantReceipt is what the lower book needs to record a grant made in
// another database: the export file of `ledger grant export`, read by
// `ledger grant receive`.
type GrantReceipt struct {
	FromBook     string    `json:"from_book"`
	FromBookName string    `json:"from_book_name"`
	FromVoucher  int64     `json:"from_voucher"`
	FromNumber   string    `json:"from_number"`
	Date         time.Time `json:"date"`
	Summary      string    `json:"summary"`
	Decision     string    `json:"decision"`
	ToBook       string    `json:"to_book"`
	ToOrg        string    `json:"to_org"`
	ToFund       string    `json:"to_fund"`
	Amount       Money     `json:"amount"`
}

// BuildGrant turns a grant request into the upper book's draft voucher:
// Dr 5501 (granting organisation, fund) / Cr 100201 (the book's root, fund).
// The receiving side is checked against the lower book by the database
// (it may live in another one).
func BuildGrant(r *GrantRequest, b *Books) (*Voucher, error) {
	if err := checkTexts([]textField{{"to_book", r.ToBook, false}, {"to_org", r.ToOrg, false}, {"to_fund", r.ToFund, false},
		{"org", r.Org, false}, {"fund", r.Fund, false}}); err != nil {
		return nil, err
	}
	for _, f := range []struct{ name, v string }{{"to_book", r.ToBook}, {"to_org", r.ToOrg}, {"to_fund", r.ToFund}, {"fund", r.Fund}} {
		if strings.TrimSpace(f.v) == "" {
			return nil, Errorf(EInvalid, f.name, "%s is required", f.name)
		}
	}
	if r.ToBook == b.Book.Code {
		return nil, Errorf(EInvalid, "to_book", "a grant goes to another book; within the book money is allocated")
	}
	if r.Amount.Sign() <= 0 {
		return nil, Errorf(EInvalidAmount, "amount", "the amount must be greater than 0")
	}
	if r.Date.IsZero() {
		return nil, Errorf(EInvalid, "date", "the date is missing")
	}
	fund := b.Funds[r.Fund]
	if fund == nil {
		return nil, Errorf(ENotFound, "fund", "fund %s does not exist", r.Fund)
	}
	if !fund.Kind.Special() {
		return nil, Errorf(EInvalid, "fund", "only special funds (upper, matching) are granted down; %s is %s", fund.Code, fund.Kind)
	}
	root := b.Root()
	if root == nil {
		return nil, Errorf(ENotFound, "org", "the book has no root organisation")
	}
	org := root
	if r.Org != "" {
		if org = b.Orgs[r.Org]; org == nil {
			return nil, Errorf(ENotFound, "org", "organisation %s does not exist", r.Org)
		}
	}
	to := r.ToBookName
	if to == "" {
		to = r.ToBook
	}
	summary := strings.TrimSpace(r.Summary)
	if summary == "" {
		summary = "下拨" + to + "专项党费"
	}
	v := &Voucher{
		Book: b.Book.Code, Type: "记", Date: r.Date, Summary: summary, Attachments: r.Attachments, DocTypes: r.DocTypes,
		Decision: r.Decision, Payee: to, PayeeType: PayeeOrg, Method: MethodBank, Flow: FlowGrant, Memo: r.Memo, Key: r.Key,
		Lines: []Line{
			{Summary: summary, Account: AcctGrantOut, Org: org.Code, Fund: fund.Code, Debit: r.Amount, Credit: Zero},
			{Summary: summary, Account: AcctBank, Org: root.Code, Fund: fund.Code, Debit: Zero, Credit: r.Amount},
		},
	}
	if err := CheckVoucherText(v); err != nil {
		return nil, err
	}
	return v, nil
}

// ReceiptVoucher is the lower book's draft for a grant taken from an
// export file: Dr 100201 / Cr 420101 on the receiving organisation and
// fund, keyed so that taking the same grant twice gives the same voucher.
func ReceiptVoucher(g *GrantReceipt, b *Books) (*Voucher, error) {
	if g.ToBook != b.Book.Code {
		return nil, Errorf(EInvalid, "to_book", "the grant is for book %s, not %s", g.ToBook, b.Book.Code)
	}
	if g.FromBook == "" || g.FromVoucher <= 0 {
		return nil, Errorf(EInvalid, "from_voucher", "the grant names no upper book and voucher")
	}
	if g.Amount.Sign() <= 0 {
		return nil, Errorf(EInvalidAmount, "amount", "the amount must be greater than 0")
	}
	if b.Orgs[g.ToOrg] == nil {
		return nil, Errorf(ENotFound, "to_org", "organisation %s does not exist", g.ToOrg)
	}
	fund := b.Funds[g.ToFund]
	if fund == nil {
		return nil, Errorf(ENotFound, "to_fund", "fund %s does not exist", g.ToFund)
	}
	if fund.Kind != FundUpper {
		return nil, Errorf(EInvalid, "to_fund", "a grant is received into an upper-level fund; %s is %s", fund.Code, fund.Kind)
	}
	from := g.FromBookName
	if from == "" {
		from = g.FromBook
	}
	summary := "收到" + from + "下拨专项党费"
	v := &Voucher{
		Book: b.Book.Code, Type: "记", Date: g.Date, Summary: summary, Decision: g.Decision,
		Payee: from, PayeeType: PayeeUpper, Method: MethodBank, Flow: FlowReceive, Key: GrantKey(g.FromBook, g.FromVoucher),
		Lines: []Line{
			{Summary: summary, Account: AcctBank, Org: g.ToOrg, Fund: fund.Code, Debit: g.Amount, Credit: Zero},
			{Summary: summary, Account: AcctUpperIncome, Org: g.ToOrg, Fund: fund.Code, Debit: Zero, Credit: g.Amount},
		},
	}
	if err := CheckVoucherText(v); err != nil {
		return nil, err
	}
	return v, nil
}

// GrantKey is the idempotency key of a grant's receipt in the lower book.
func GrantKey(fromBook string, fromVoucher int64) string {
	return "grant:" + fromBook + ":" + strconv.FormatInt(fromVoucher, 10)
}
