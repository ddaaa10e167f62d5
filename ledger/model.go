package ledger

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Purpose is one of the permitted uses of a special fund.
type Purpose string

const (
	Procurement Purpose = "procurement" // 物资采购
	Condolence  Purpose = "condolence"  // 一线慰问
	Relief      Purpose = "relief"      // 党员群众救助
)

// Purposes lists every purpose in report order.
var Purposes = []Purpose{Procurement, Condolence, Relief}

var purposeNames = map[Purpose]string{Procurement: "物资采购", Condolence: "一线慰问", Relief: "党员群众救助"}

// Name is the Chinese name of the purpose.
func (p Purpose) Name() string { return purposeNames[p] }

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool { _, ok := purposeNames[p]; return ok }

// ParsePurpose accepts the code or the Chinese name.
func ParsePurpose(s string) (Purpose, error) {
	for p, n := range purposeNames {
		if s == string(p) || s == n {
			return p, nil
		}
	}
	return "", Errorf(EPurposeNotAllowed, "purpose", "unknown purpose %q (procurement, condolence or relief)", s)
}

// FundKind is the source of a fund.
type FundKind string

const (
	FundUpper    FundKind = "upper"    // 上级下拨
	FundMatching FundKind = "matching" // 本级配套
	FundGeneral  FundKind = "general"  // 一般党费
	FundDonation FundKind = "donation" // 代收捐款: a liability, never spent locally
)

// Special reports whether the fund is an earmarked special fund.
func (k FundKind) Special() bool { return k == FundUpper || k == FundMatching }

func (k FundKind) Valid() bool {
	switch k {
	case FundUpper, FundMatching, FundGeneral, FundDonation:
		return true
	}
	return false
}

// Name is the Chinese name of the fund kind.
func (k FundKind) Name() string {
	return map[FundKind]string{FundUpper: "上级下拨", FundMatching: "本级配套", FundGeneral: "一般党费", FundDonation: "代收捐款"}[k]
}

// OrgKind is the kind of an organisation.
type OrgKind string

const (
	OrgDept       OrgKind = "org_dept"
	OrgTempBranch OrgKind = "temp_branch"
	OrgPartyGroup OrgKind = "party_group"
	OrgBranch     OrgKind = "branch"
	OrgExternal   OrgKind = "external"
)

func (k OrgKind) Valid() bool {
	switch k {
	case OrgDept, OrgTempBranch, OrgPartyGroup, OrgBranch, OrgExternal:
		return true
	}
	return false
}

// OrgDepthMax bounds the organisation tree.
const OrgDepthMax = 8

// Book is an accounting entity (核算单位/账套).
type Book struct {
	Code        string
	Name        string
	BankName    string
	BankAccount string
	// RequireCashierSign: cash/bank vouchers need a cashier's signature
	// before posting (SPEC §3, default on).
	RequireCashierSign bool
	VoucherTypes       []string
	// TimeZone is the IANA zone of the book's calendar ("" is
	// TimeZoneDefault): "today" of the date window is a day there.
	TimeZone string
	// FirstPeriod is the first day of the book's first month; zero: the
	// month of its earliest organisation's set-up.
	FirstPeriod time.Time
	// DateDaysAhead is how many days after today a voucher may be dated.
	DateDaysAhead int
	// VoucherAmountMax is the ceiling of one voucher's total; zero:
	// AmountMax alone.
	VoucherAmountMax Money
}

// Defaults of a book's limits (set-up file and database alike).
const (
	TimeZoneDefault      = "Asia/Shanghai"
	DateDaysAheadDefault = 31
	DateDaysAheadMax     = 3660
)

// VoucherAmountMaxDefault is the default ceiling of one voucher's total:
// 100,000,000.00 (壹亿元整).
var VoucherAmountMaxDefault = FromFen(10_000_000_000)

// Organisation is a node of the organisation tree (党组织).
type Organisation struct {
	Code      string
	Name      string
	Kind      OrgKind
	Parent    string // code of the parent, "" for the root
	Book      string
	Category  string // 工作组/检测站点/排查/返乡群众联系服务/督查指导/党小组 …
	HostUnit  string // 依托单位
	Secretary string
	SetUp     time.Time
	Dissolved *time.Time
	// ApprovalThreshold overrides the book-wide approval threshold for A-10.
	ApprovalThreshold *Money
}

// ActiveOn reports whether the organisation may receive or spend on day d.
func (o *Organisation) ActiveOn(d time.Time) bool {
	if !o.SetUp.IsZero() && d.Before(o.SetUp) {
		return false
	}
	return o.Dissolved == nil || !d.After(*o.Dissolved)
}

// Fund is a source of money (资金来源).
type Fund struct {
	Code     string
	Name     string
	Kind     FundKind
	Project  string
	Purposes []Purpose
	Book     string
}

// Allows reports whether the fund may be spent on p.
func (f *Fund) Allows(p Purpose) bool {
	return f.Kind != FundDonation && slices.Contains(f.Purposes, p)
}

// Side is a normal balance side.
type Side string

const (
	Debit  Side = "debit"
	Credit Side = "credit"
)

// AccountType classifies accounts for the trial balance and rules.
type AccountType string

const (
	Asset     AccountType = "asset"
	Liability AccountType = "liability"
	NetAssets AccountType = "net_assets"
	Income    AccountType = "income"
	Expense   AccountType = "expense"
)

// Account is a chart-of-accounts entry (会计科目).
type Account struct {
	Code    string
	Name    string
	Type    AccountType
	Side    Side
	Parent  string
	Leaf    bool
	Purpose Purpose // expense accounts bound to one purpose (500101 → procurement)
	// Restricted: no organisation's balance of this account may go below
	// zero (the bank and the branches' pending-settlement balances).
	Restricted bool
	// Cash marks 1001/1002 and their children: a voucher with such a line
	// is a cash/bank voucher that the cashier signs.
	Cash bool
}

// Chart is the chart of accounts, by code.
type Chart map[string]*Account

// Well-known accounts of the default chart (SPEC §3 flows).
const (
	AcctCash         = "1001"
	AcctBank         = "100201"
	AcctPending      = "121801"
	AcctDonation     = "230701"
	AcctUpperIncome  = "420101"
	AcctMatching     = "4801"
	AcctProcurement  = "500101"
	AcctCondolence   = "500102"
	AcctRelief       = "500103"
	AcctGrantOut     = "5501"
	AcctTransferOut  = "5801"
	AcctGeneralFunds = "300101"
)

// ExpenseAccount returns the expense account for a purpose.
func ExpenseAccount(p Purpose) string {
	switch p {
	case Procurement:
		return AcctProcurement
	case Condolence:
		return AcctCondolence
	case Relief:
		return AcctRelief
	}
	return ""
}

// VoucherStatus is the state of a voucher (SPEC §3).
type VoucherStatus string

const (
	StatusDraft   VoucherStatus = "draft"
	StatusChecked VoucherStatus = "checked"
	StatusSigned  VoucherStatus = "signed"
	StatusPosted  VoucherStatus = "posted"
	StatusVoid    VoucherStatus = "void"
)

// Name is the Chinese label.
func (s VoucherStatus) Name() string {
	return map[VoucherStatus]string{StatusDraft: "未审核", StatusChecked: "已审核", StatusSigned: "出纳已签字", StatusPosted: "已记账", StatusVoid: "作废"}[s]
}

// Payment methods.
const (
	MethodBank = "bank"
	MethodCash = "cash"
)

// Payee types (收款人类型, domain §4.3).
const (
	PayeeSupplier   = "supplier"   // 供应商
	PayeeHostUnit   = "host_unit"  // 依托单位
	PayeeIndividual = "individual" // 受助个人/个人
	PayeeOrg        = "org"        // 党组织
	PayeeUpper      = "upper_org"  // 上级党组织(代收上缴)
)

// PayeeTypes lists the accepted payee types.
var PayeeTypes = []string{PayeeSupplier, PayeeHostUnit, PayeeIndividual, PayeeOrg, PayeeUpper}

// Beneficiary is a person who received condolence or relief money.
type Beneficiary struct {
	Name     string
	Category string // 党员/群众/医务人员/基层干部/公安/社区工作者/志愿者
	IDNumber string
	IDKind   IDKind // "" is a resident identity card
	Phone    string
	Reason   string
	Amount   Money
}

// MaskID masks an identity number for reports: 1423**********1234.
func MaskID(id string) string {
	r := []rune(id)
	if len(r) <= 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-8) + string(r[len(r)-4:])
}

// Line is a posting line of a voucher.
type Line struct {
	No      int
	Summary string
	Account string
	Org     string
	Fund    string
	Purpose Purpose
	Debit   Money
	Credit  Money
	Items   []Item // 物品明细 of a spending line (item.go)
}

// Amount is the signed amount of the line: debit positive, credit negative.
func (l *Line) Amount() Money { return l.Debit.Sub(l.Credit) }

// Voucher is a 记账凭证.
type Voucher struct {
	ID                                    int64
	Book                                  string
	Type                                  string // 凭证字, default 记
	Year, Month                           int
	Number                                int
	Date                                  time.Time
	Summary                               string
	Attachments                           int      // 附单据张数: the paper sheets
	Files                                 int      // 原始凭证附件: the files stored with the voucher (read, never written)
	DocTypes                              []string // 附件票据类型: 发票, 财政票据, 银行回单, 签收单/花名册
	Decision                              string   // 决策依据: meeting, date, minutes number
	Payee                                 string
	PayeeType                             string
	Method                                string
	Flow                                  string // receive, match, allocate, spend, return, general, reversal
	Memo                                  string
	Closing                               bool // 结账凭证: may have no attachments
	Correcting                            bool // 更正凭证: may have no attachments
	Lines                                 []Line
	Beneficiaries                         []Beneficiary
	Status                                VoucherStatus
	ReversalOf                            int64 // the voucher this red voucher cancels
	CorrectionOf                          int64 // the voucher this blue voucher corrects
	Key                                   string
	Maker, Checker, Cashier, Poster       string
	MadeAt, CheckedAt, SignedAt, PostedAt *time.Time

	// Version counts the draft's edits: 1 as made, one more per edit
	// (ledger/edit.go). Not part of a request's content (requestHash).
	Version int `json:"-"`
}

// Word returns the voucher's 字号, e.g. 记-0012.
func (v *Voucher) Word() string {
	t := v.Type
	if t == "" {
		t = "记"
	}
	return fmt.Sprintf("%s-%04d", t, v.Number)
}

// TouchesCash reports whether the voucher has a line on a cash or bank
// account (a cash/bank voucher, SPEC §3 and A-12).
func (v *Voucher) TouchesCash(chart Chart) bool {
	for i := range v.Lines {
		if a := chart[v.Lines[i].Account]; a != nil && a.Cash {
			return true
		}
	}
	return false
}

// Total is Σ debit of the voucher.
func (v *Voucher) Total() Money {
	t := Zero
	for i := range v.Lines {
		t = t.Add(v.Lines[i].Debit)
	}
	return t
}

// Role is a user role.
type Role string

const (
	RoleOfficer Role = "officer"
	RoleChecker Role = "checker"
	RoleCashier Role = "cashier"
	RoleAuditor Role = "auditor"
	RoleAdmin   Role = "admin"
)

func (r Role) Valid() bool {
	switch r {
	case RoleOfficer, RoleChecker, RoleCashier, RoleAuditor, RoleAdmin:
		return true
	}
	return false
}

// SystemUser runs batch and read-only commands.
const SystemUser = "system"

// User is a person acting on the ledger.
type User struct {
	Name     string
	FullName string
	Roles    []Role
	Scope    string // organisation code whose subtree the user may act on; "" for the whole book
	Book     string
}

// Has reports whether the user holds role r.
func (u *User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

// Period is a calendar month of a book.
type Period struct {
	Book        string
	Year, Month int
	Closed      bool
}

// PeriodOf returns (year, month) of a date.
func PeriodOf(d time.Time) (int, int) { return d.Year(), int(d.Month()) }
