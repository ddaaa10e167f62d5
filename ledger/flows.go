package ledger

import (
	"strings"
	"time"
)

// Flows are the business events of SPEC §3 that make draft vouchers.
const (
	FlowReceive  = "receive"  // 收到上级下拨
	FlowMatch    = "match"    // 本级配套
	FlowAllocate = "allocate" // 划拨到支部（报账制）
	FlowSpend    = "spend"    // 支部报账使用
	FlowReturn   = "return"   // 结余退回
)

// FlowRequest is what an officer enters for one of the flows.
type FlowRequest struct {
	Flow        string
	Fund        string
	Org         string // the branch allocated to, spending or returning (empty: the book's root)
	Purpose     Purpose
	Amount      Money
	Date        time.Time
	Summary     string
	Payee       string
	PayeeType   string
	Method      string
	Attachments int
	DocTypes    []string
	Decision    string
	Memo        string
	Key         string
	// FromGeneral, on match: the general fund the matching money is taken
	// from (posts Dr 5801 / Cr 100201 on it as well).
	FromGeneral   string
	Beneficiaries []Beneficiary
	// Items, on spend: the item lines (物品明细) of the spending line; they
	// add up to Amount (CheckItems).
	Items []Item
}

var flowSummaries = map[string]string{
	FlowReceive:  "收到上级下拨专项党费",
	FlowMatch:    "本级配套专项党费",
	FlowAllocate: "划拨专项党费",
	FlowSpend:    "专项党费报账",
	FlowReturn:   "临时党支部结余专项党费退回",
}

// BuildFlow turns a flow request into a draft voucher with the lines of
// SPEC §3's table. It validates the request; ValidateVoucher then checks the
// voucher like any other.
func BuildFlow(r *FlowRequest, b *Books) (*Voucher, error) {
	// The request's own texts first: the voucher's summary is made of some
	// of them, and its error would name the wrong field.
	if err := CheckVoucherText(&Voucher{Type: "记", Summary: r.Summary, Decision: r.Decision, Payee: r.Payee, PayeeType: r.PayeeType,
		Method: r.Method, Flow: r.Flow, Memo: r.Memo, Key: r.Key, DocTypes: r.DocTypes, Beneficiaries: r.Beneficiaries}); err != nil {
		return nil, err
	}
	if err := checkTexts([]textField{{"org", r.Org, false}, {"fund", r.Fund, false}, {"purpose", string(r.Purpose), false},
		{"from_general", r.FromGeneral, false}}); err != nil {
		return nil, err
	}
	if r.Amount.Sign() <= 0 {
		return nil, Errorf(EInvalidAmount, "amount", "the amount must be greater than 0")
	}
	if r.Date.IsZero() {
		return nil, Errorf(EInvalid, "date", "the date is missing")
	}
	if len(r.Items) > 0 && r.Flow != FlowSpend {
		return nil, Errorf(EInvalid, "item", "items (物品明细) are recorded on spending only")
	}
	fund := b.Funds[r.Fund]
	if r.Fund == "" {
		return nil, Errorf(EInvalid, "fund", "--fund is required")
	}
	if fund == nil {
		return nil, Errorf(ENotFound, "fund", "fund %s does not exist", r.Fund)
	}
	root := b.Root()
	if root == nil {
		return nil, Errorf(ENotFound, "org", "the book has no root organisation")
	}
	org := root
	if r.Org != "" {
		org = b.Orgs[r.Org]
		if org == nil {
			return nil, Errorf(ENotFound, "org", "organisation %s does not exist", r.Org)
		}
	}
	summary := strings.TrimSpace(r.Summary)
	if summary == "" {
		summary = flowSummaries[r.Flow]
		if r.Flow == FlowAllocate || r.Flow == FlowSpend || r.Flow == FlowReturn {
			summary = org.Name + flowSummaries[r.Flow]
		}
		if r.Flow == FlowSpend {
			summary += "—" + r.Purpose.Name()
			if r.Payee != "" {
				summary += "（" + r.Payee + "）"
			}
		}
	}
	v := &Voucher{
		Book: b.Book.Code, Type: "记", Date: r.Date, Summary: summary, Attachments: r.Attachments,
		DocTypes: r.DocTypes, Decision: r.Decision, Payee: r.Payee, PayeeType: r.PayeeType,
		Method: r.Method, Flow: r.Flow, Memo: r.Memo, Key: r.Key, Beneficiaries: r.Beneficiaries,
	}
	line := func(acct, o string, p Purpose, debit bool) Line {
		l := Line{Summary: summary, Account: acct, Org: o, Fund: fund.Code, Purpose: p, Debit: Zero, Credit: Zero}
		if debit {
			l.Debit = r.Amount
		} else {
			l.Credit = r.Amount
		}
		return l
	}
	bank := AcctBank
	switch r.Flow {
	case FlowReceive:
		income := map[FundKind]string{FundUpper: AcctUpperIncome, FundDonation: AcctDonation, FundGeneral: "4301"}[fund.Kind]
		if income == "" {
			return nil, Errorf(EInvalid, "fund", "fund %s is %s money; receive takes upper-level, general or donation funds (matching money is recorded with match)", fund.Code, fund.Kind)
		}
		if fund.Kind == FundDonation {
			v.Flow = "donation"
		}
		v.Lines = []Line{line(bank, root.Code, "", true), line(income, root.Code, "", false)}
	case FlowMatch:
		if fund.Kind != FundMatching {
			return nil, Errorf(EInvalid, "fund", "fund %s is %s money; match takes a matching fund", fund.Code, fund.Kind)
		}
		v.Lines = []Line{line(bank, root.Code, "", true), line(AcctMatching, root.Code, "", false)}
		if r.FromGeneral != "" {
			gen := b.Funds[r.FromGeneral]
			if gen == nil || gen.Kind != FundGeneral {
				return nil, Errorf(EInvalid, "from_general", "%s is not a general fund of the book", r.FromGeneral)
			}
			v.Lines = append(v.Lines,
				Line{Summary: summary, Account: AcctTransferOut, Org: root.Code, Fund: gen.Code, Debit: r.Amount, Credit: Zero},
				Line{Summary: summary, Account: bank, Org: root.Code, Fund: gen.Code, Debit: Zero, Credit: r.Amount})
		}
	case FlowAllocate:
		if r.Org == "" || org == root {
			return nil, Errorf(EInvalid, "to", "--to names the organisation the money is allocated to")
		}
		if !fund.Kind.Special() {
			return nil, Errorf(EInvalid, "fund", "only special funds (upper, matching) are allocated down; %s is %s", fund.Code, fund.Kind)
		}
		if v.PayeeType == "" {
			v.PayeeType = PayeeOrg
		}
		if v.Payee == "" {
			v.Payee = org.Name
			if org.HostUnit != "" {
				v.Payee = org.HostUnit
				v.PayeeType = PayeeHostUnit
			}
		}
		if v.Method == "" {
			v.Method = MethodBank
		}
		v.Lines = []Line{line(AcctPending, org.Code, "", true), line(bank, root.Code, "", false)}
	case FlowSpend:
		if !r.Purpose.Valid() {
			return nil, Errorf(EPurposeNotAllowed, "purpose", "--purpose must be procurement, condolence or relief")
		}
		expense := ExpenseAccount(r.Purpose)
		if fund.Kind == FundDonation {
			return nil, Errorf(EPurposeNotAllowed, "fund", "donations (%s) are remitted upward in full and never spent locally", fund.Code)
		}
		if !fund.Allows(r.Purpose) {
			return nil, Errorf(EPurposeNotAllowed, "purpose", "fund %s may not be spent on %s", fund.Code, r.Purpose.Name())
		}
		if r.Purpose != Procurement && len(r.Beneficiaries) == 0 {
			return nil, Errorf(EInvalid, "beneficiary", "%s spending names its beneficiaries (--beneficiary)", r.Purpose.Name())
		}
		if len(r.Beneficiaries) > 0 {
			sum := Zero
			for _, p := range r.Beneficiaries {
				sum = sum.Add(p.Amount)
			}
			if !sum.Equal(r.Amount) {
				return nil, Errorf(EInvalidAmount, "beneficiary", "the beneficiaries' amounts add up to %s, not %s", sum.Format(), r.Amount.Format())
			}
		}
		if v.Method == "" {
			v.Method = MethodBank
		}
		credit := AcctPending
		if org == root {
			// Spending directly by the book's own organisation pays from the
			// bank account, or from cash on hand.
			credit = bank
			if v.Method == MethodCash {
				credit = AcctCash
			}
		}
		v.Lines = []Line{line(expense, org.Code, r.Purpose, true), line(credit, org.Code, "", false)}
		v.Lines[0].Items = r.Items
		if org == root {
			v.Lines[1].Org = root.Code
		}
	case FlowReturn:
		if r.Org == "" || org == root {
			return nil, Errorf(EInvalid, "org", "--org names the organisation returning money")
		}
		if v.PayeeType == "" {
			v.PayeeType = PayeeOrg
			v.Payee = root.Name
		}
		if v.Method == "" {
			v.Method = MethodBank
		}
		v.Lines = []Line{line(bank, root.Code, "", true), line(AcctPending, org.Code, "", false)}
	default:
		return nil, Errorf(EInvalid, "flow", "unknown flow %q", r.Flow)
	}
	if err := ValidateVoucher(v, b); err != nil {
		return nil, err
	}
	return v, nil
}
