package report

import (
	"iter"
	"time"

	"github.com/shopspring/decimal"

	"github.com/fenyang/partyfee/ledger"
)

// AuditData is the input of the audit workbook: the header of the report and
// the rows of every table, as domain values. A database adapter fills it; the
// writer does no I/O of its own besides writing the workbook.
//
// Small tables are slices. The tables that grow with the journal (T3, 明细账,
// 银行存款日记账, 凭证清单) are iterators (iter.Seq2[Row, error]) so that an
// adapter can stream them straight from a database cursor: the writer pulls
// each iterator exactly once, in a fixed order (凭证清单 first, then the
// sheets in workbook order), and keeps no row after writing it. An iterator
// that yields a non-nil error stops the writer, which returns that error.
// A nil iterator or slice is an empty table (headers only).
//
// Amounts are ledger.Money throughout; they become float64 only in the cell,
// and the writer checks that each one round-trips to the fen.
type AuditData struct {
	BookCode string // 账套编码
	BookName string // 核算单位, e.g. 中共汾阳市委组织部（党费专户）
	Period   string // period label as the user asked for it, e.g. 2020-02
	From, To time.Time
	// OrgCode and OrgName name the organisation subtree the report covers;
	// both "" for the whole book.
	OrgCode, OrgName string
	// GeneratedAt is the generation time, passed in (the writer never reads
	// the clock); its date is the 制表日期 of the footer.
	GeneratedAt time.Time
	GeneratedBy string // the acting user (生成人)
	Preparer    string // 制表人
	Reviewer    string // 审核人
	// TimeZone is the book's zone, in which times and dates print; nil
	// means Asia/Shanghai.
	TimeZone *time.Location
	// Signatures are the names of the signature block.
	Signatures Signatures
	// PeriodSeal is the chain head recorded when the period was closed (hex,
	// SPEC §8); "" while the period is open.
	PeriodSeal string
	// NoStatementReason is why the last month closed without a reconciled
	// bank statement; "" when it had one or is open.
	NoStatementReason string
	// Params are the parameters of the run (thresholds, options), printed on
	// the cover sorted by key.
	Params map[string]string
	// Source is where the data was read when a replica is configured (the
	// cover's 数据来源); nil without a replica.
	Source *ReadSource

	T1 []T1Row // 收支总表: one row per organisation and fund (special funds)
	T2 []T2Row // 拨付情况: receipts and allocations, in date order
	// T3 is 使用明细: one row per spending line, in date order.
	T3 iter.Seq2[T3Row, error]
	T4 []T4Row // 按用途汇总: one row per purpose; missing purposes show as zero
	T5 []T5Row // 按党组织汇总: one row per organisation; the tree comes from Parent
	T6 []T6Row // 慰问救助花名册: one row per beneficiary payment
	T7 []T7Row // 公示表: one row per organisation and purpose
	T8 []T8Row // 异常清单: audit findings with their states
	// T9 is the bank reconciliation; nil when none was done for the period
	// (the sheet then has its headers only).
	T9 *T9Table

	Balances []BalanceRow // 科目余额表
	Trial    []BalanceRow // 试算平衡表 (the year columns are not shown)
	// Detail is 明细账: per account an optional JournalOpening row, then its
	// JournalEntry rows in date order; accounts follow one another.
	Detail iter.Seq2[JournalRow, error]
	// General is 总账: per first-level account, one row per month of the
	// year through the period's last month, accounts by code.
	General []GeneralRow
	// Expense is the 多栏式 支出明细账, one analysis column per purpose.
	Expense iter.Seq2[ExpenseRow, error]
	// CashJournal is 现金日记账 (1001 库存现金), shaped like Detail.
	CashJournal iter.Seq2[JournalRow, error]
	// BankJournal is 银行存款日记账 (100201 党费专户), shaped like Detail,
	// with each entry's 结算方式.
	BankJournal iter.Seq2[JournalRow, error]
	// Vouchers is 凭证清单: one row per voucher line, the lines of a voucher
	// contiguous, vouchers in date and number order. Voucher numbers in T2, T3,
	// T6 and T8 link to the first line of their voucher here.
	Vouchers iter.Seq2[VoucherLineRow, error]
}

// Signatures are the names printed in the signature block of a report
// (单位负责人 / 财务负责人 / 复核 / 制表, with room for the seal). An empty
// name leaves a line to sign on. The 复核 is never the person whose work the
// report audits: it is configured, not taken from the book's checker.
type Signatures struct {
	UnitHead    string // 单位负责人
	FinanceHead string // 财务负责人
	Reviewer    string // 复核
	Preparer    string // 制表
}

// T1Row is a row of T1 收支总表: one organisation and one fund. The row must
// satisfy the SPEC §3 formula
//
//	Opening + Income + AllocatedIn + Recovered − AllocatedOut − Used − Returned = Closing
//
// (期初结余 + 本期收入(含拨入) + 本期收回 − 本期拨出 − 本期使用 − 本期退回 = 期末结余);
// the writer rejects a row that does not.
type T1Row struct {
	Org, OrgName   string
	Fund, FundName string
	FundKind       ledger.FundKind
	Opening        ledger.Money // 期初结余
	Income         ledger.Money // 本期收入: receipts from above and matching (city level)
	AllocatedIn    ledger.Money // 本期拨入: allocations received by a branch
	Recovered      ledger.Money // 本期收回: unspent money returned to this organisation
	AllocatedOut   ledger.Money // 本期拨出: allocations made to branches
	Used           ledger.Money // 本期使用: spending in the three purposes
	Returned       ledger.Money // 本期退回: unspent money sent back up
	Closing        ledger.Money // 期末结余
}

// T2Row is a row of T2 拨付情况: a receipt of a fund (到账, ReceivedOn set)
// or an allocation to an organisation (拨付, Date set), or both. A red
// reversal of an allocation has a negative Amount.
type T2Row struct {
	DocRef         string // 文件依据(文号)
	Decision       string // 决策依据(会议纪要号/日期)
	Fund, FundName string
	ReceivedOn     time.Time    // 到账日期; zero when the row is no receipt
	Received       ledger.Money // 到账金额; shown blank when zero
	Org, OrgName   string       // 拨付对象(党组织)
	HostUnit       string       // 依托单位
	Date           time.Time    // 拨付日期
	Amount         ledger.Money // 拨付金额; shown blank when zero
	VoucherID      int64
	Voucher        string       // 凭证字号, e.g. 记-0003
	Method         string       // ledger.MethodBank or ledger.MethodCash
	Unallocated    ledger.Money // 未拨付余额 of the fund after this row
	DaysHeld       int          // 滞留天数: days between receipt and allocation
	Memo           string
}

// T3Row is a row of T3 使用明细: one spending line, or one item of a
// spending line with items (物品明细).
type T3Row struct {
	Org, OrgName string // 使用党组织
	Date         time.Time
	VoucherID    int64
	Voucher      string
	Summary      string // 摘要
	Purpose      ledger.Purpose
	FundName     string          // 资金来源
	Item         string          // 品名/受助对象
	Spec, Unit   string          // 规格, 单位 of an item row
	Quantity     decimal.Decimal // 数量; blank when zero
	UnitPrice    decimal.Decimal // 单价 (up to 4 decimals); blank when zero
	Amount       ledger.Money    // 金额; negative on a red reversal
	Method       string          // 支付方式: ledger.MethodBank or ledger.MethodCash
	Payee        string          // 收款人
	PayeeType    string          // ledger.PayeeSupplier …
	DocTypes     []string        // 票据类型
	Attachments  int             // 附单据张数
	Decision     string          // 决策依据
	Handler      string          // 经办人 (the maker)
	Checker      string          // 审核人
	PublishedOn  time.Time       // 公示日期; zero when not yet published
	Flags        []string        // 异常标记: rule numbers of findings on the voucher
}

// T4Row is a row of T4 按用途汇总.
type T4Row struct {
	Purpose   ledger.Purpose
	Count     int          // 笔数
	Amount    ledger.Money // 金额
	Cash      ledger.Money // 其中现金支付
	NoReceipt int          // 无票据笔数
	Persons   int          // 慰问/救助人次
}

// T5Row is a row of T5 按党组织汇总: one organisation with its own amounts
// (not its subtree's). The writer builds the tree from Parent (a row whose
// Parent is "" or not in the table is a root), derives each row's level,
// orders the rows depth first and adds a 小计 row after the subtree of every
// organisation that has children. Opening + In − Used − Returned must equal
// Closing.
type T5Row struct {
	Org, Name string
	Parent    string
	Kind      ledger.OrgKind
	Category  string // 类型: 工作组/检测站点/排查/返乡群众联系服务/督查指导/党小组
	Secretary string // 书记
	HostUnit  string // 依托单位
	Opening   ledger.Money
	In        ledger.Money // 拨入金额 (net of reversals)
	Used      ledger.Money // 已使用
	Returned  ledger.Money // 退回
	Closing   ledger.Money // 结余
	LastUsed  time.Time    // 最近使用日期
	DaysIdle  int          // 滞留天数
	Dissolved time.Time    // 撤销日期; zero while active
}

// T6Row is a row of T6 慰问救助花名册. IDNumber is the full number: the
// writer masks it with ledger.MaskID.
type T6Row struct {
	Name      string // 姓名
	Category  string // 身份: 党员/群众/医务人员/基层干部/公安/社区工作者/志愿者
	IDNumber  string
	OrgName   string // 所属党组织/单位
	Reason    string // 事由
	Purpose   ledger.Purpose
	Amount    ledger.Money // 金额; blank when zero (goods only)
	Goods     string       // 物品
	Date      time.Time    // 发放日期
	Method    string       // 发放方式
	VoucherID int64
	Voucher   string
	Receipt   string // 领取人签字/回执
	Duplicate bool   // 重复标记
}

// T7Row is a row of T7 公示表: one organisation and one purpose, with the
// uses to publish. Rows of one organisation are grouped under a 小计.
type T7Row struct {
	Org, OrgName string
	Purpose      ledger.Purpose
	Count        int
	Amount       ledger.Money
	Persons      int
	Uses         []string  // 使用情况, one entry per use
	PublishedOn  time.Time // 公示日期
}

// T8Row is a row of T8 异常清单: one audit finding.
type T8Row struct {
	Rule        string // 规则编号, A-01…A-17
	Type        string // 问题类型
	Severity    string // HIGH, MEDIUM, LOW (shown as audit.SeverityName: 高/中/低)
	VoucherID   int64
	Voucher     string
	Date        time.Time
	OrgName     string
	Amount      ledger.Money
	Note        string    // 说明
	Responsible string    // 责任人
	Deadline    time.Time // 整改期限
	Status      string    // open, acknowledged, rectified (shown as audit.FindingStateName: 未整改/整改中/已整改)
}

// T9Table is the 银行存款余额调节表 (domain §3.6):
//
//	BookBalance + Σ BankReceived − Σ BankPaid = BankBalance + Σ BookReceived − Σ BookPaid
type T9Table struct {
	BankName, Account string
	AsOf              time.Time
	BookBalance       ledger.Money // 银行存款日记账余额
	BankBalance       ledger.Money // 银行对账单余额
	BankReceived      []T9Item     // 银行已收、单位未收
	BankPaid          []T9Item     // 银行已付、单位未付
	BookReceived      []T9Item     // 单位已收、银行未收
	BookPaid          []T9Item     // 单位已付、银行未付
}

// T9Item is an outstanding item (未达账项) of the bank reconciliation.
type T9Item struct {
	Date    time.Time
	Ref     string // 凭证字号 or the statement's reference
	Summary string
	Amount  ledger.Money
}

// BalanceRow is a row of 科目余额表 or 试算平衡表. Parent is the code of the
// parent account when that account is also a row; the 合计 adds up the rows
// without a parent in the table, so parent and leaf rows may both be listed.
type BalanceRow struct {
	Account, Name, Parent       string
	OpeningDebit, OpeningCredit ledger.Money
	PeriodDebit, PeriodCredit   ledger.Money
	YearDebit, YearCredit       ledger.Money // 本年累计发生额 (科目余额表 only)
	ClosingDebit, ClosingCredit ledger.Money
}

// JournalKind tells an opening row from an entry in a journal stream.
type JournalKind int

const (
	// JournalEntry is a posting line on the account.
	JournalEntry JournalKind = iota
	// JournalOpening starts an account: Balance is its signed opening
	// balance (debit positive) and YearDebit/YearCredit its movements in the
	// year before the period.
	JournalOpening
)

// JournalRow is a row of 明细账 or 银行存款日记账. The writer computes the
// running balance from the opening balance (zero when an account has no
// JournalOpening row) and closes each account with 本月合计 (SUM formulas)
// and 本年累计 rows.
type JournalRow struct {
	Kind                  JournalKind
	Account, AccountName  string
	Date                  time.Time
	VoucherID             int64
	Voucher               string
	Summary               string
	Contra                string // 对方科目 (cash and bank journals)
	Method                string // the voucher's payment method (ledger.MethodBank, MethodCash or "")
	BillNo                string // 票据号 of the voucher when one was recorded (bank journal)
	OrgName, FundName     string
	Debit, Credit         ledger.Money
	Balance               ledger.Money // JournalOpening only
	YearDebit, YearCredit ledger.Money // JournalOpening only
}

// VoucherLineRow is a row of 凭证清单: one line of a voucher, with the
// voucher's fields repeated on each line.
type VoucherLineRow struct {
	VoucherID            int64
	Date                 time.Time
	Voucher              string // 凭证字号
	Line                 int    // 分录号
	Summary              string
	Account, AccountName string
	OrgName, FundName    string
	Purpose              ledger.Purpose
	Debit, Credit        ledger.Money
	Attachments          int // 附单据数: the paper sheets
	Files                int // 附件数: the scanned originals stored
	Maker, Checker       string
	Cashier, Poster      string
	Status               ledger.VoucherStatus
	ReversalOf           string // 字号 of the voucher a red reversal cancels
}
