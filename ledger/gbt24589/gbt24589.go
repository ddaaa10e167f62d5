// Package gbt24589 builds the audit data package of a period: the
// electronic book description (电子账簿), the chart of accounts (会计科目),
// the monthly account balances (科目余额), the vouchers (记账凭证) and their
// lines (记账凭证分录), after GB/T 24589.2-2010 (财经信息技术 会计核算软件
// 数据接口 第2部分：行政事业单位) as far as its elements are established
// (docs/gbt24589.md). It writes the tables as the standard's text files or
// as a plain CSV 数据包; the XLSX 数据包 is written by reports. Pure: it is
// fed the books, the balances brought forward and the posted vouchers.
package gbt24589

import (
	"sort"
	"strconv"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// Standard names the standard the package follows.
const Standard = "GB/T 24589.2-2010"

// Column is one field of a table.
type Column struct {
	Name string // the element's Chinese name, the header of the column
	Desc string // what it holds, in Chinese
}

// Table is one table of the package.
type Table struct {
	Name    string // Chinese name; the file name without its extension
	Desc    string // what one row is, in Chinese
	Columns []Column
	Rows    [][]string
}

// Table names.
const (
	TableBook     = "电子账簿"
	TableAccounts = "会计科目"
	TableBalances = "科目余额"
	TableVouchers = "记账凭证"
	TableLines    = "记账凭证分录"
)

// Builder collects a period's data and makes the tables.
type Builder struct {
	books     *ledger.Books
	period    ledger.PeriodRange
	generated time.Time
	opening   map[string]int64 // account → debit-positive fen, leaf accounts as posted
	moves     map[[2]int]map[string]*move
	vouchers  [][]string
	lines     [][]string
}

type move struct{ debit, credit int64 }

// NewBuilder starts the package of period for books, generated at the
// given time.
func NewBuilder(b *ledger.Books, period ledger.PeriodRange, generated time.Time) *Builder {
	return &Builder{books: b, period: period, generated: generated,
		opening: map[string]int64{}, moves: map[[2]int]map[string]*move{}}
}

// Opening takes the balances brought forward into the period (lines with
// the debit-positive balance in Debit, as postgres.JournalExport gives).
func (x *Builder) Opening(lines []ledger.Line) {
	for _, l := range lines {
		x.opening[l.Account] += l.Amount().Fen()
	}
}

// Voucher takes one posted voucher of the period; v may be reused after.
func (x *Builder) Voucher(v *ledger.Voucher) {
	word := v.Word()
	x.vouchers = append(x.vouchers, []string{
		strconv.Itoa(v.Year), strconv.Itoa(v.Month), v.Date.Format(time.DateOnly), v.Type,
		strconv.Itoa(v.Number), word, clean(v.Summary), strconv.Itoa(v.Attachments),
		v.Maker, v.Checker, v.Cashier, v.Poster, internalID(v.ReversalOf), strconv.FormatInt(v.ID, 10),
	})
	k := [2]int{v.Year, v.Month}
	m := x.moves[k]
	if m == nil {
		m = map[string]*move{}
		x.moves[k] = m
	}
	for _, l := range v.Lines {
		x.lines = append(x.lines, []string{
			strconv.Itoa(v.Year), strconv.Itoa(v.Month), word, strconv.Itoa(l.No), clean(l.Summary),
			l.Account, x.accountName(l.Account), l.Org, x.orgName(l.Org), l.Fund, x.fundName(l.Fund),
			string(l.Purpose), l.Debit.String(), l.Credit.String(),
		})
		mv := m[l.Account]
		if mv == nil {
			mv = &move{}
			m[l.Account] = mv
		}
		mv.debit += l.Debit.Fen()
		mv.credit += l.Credit.Fen()
	}
}

// internalID is a voucher's internal number, "" for none.
func internalID(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func (x *Builder) accountName(code string) string {
	if a := x.books.Chart[code]; a != nil {
		return a.Name
	}
	return ""
}

func (x *Builder) orgName(code string) string {
	if o := x.books.Orgs[code]; o != nil {
		return o.Name
	}
	return ""
}

func (x *Builder) fundName(code string) string {
	if f := x.books.Funds[code]; f != nil {
		return f.Name
	}
	return ""
}

// Tables returns the package's tables in their order.
func (x *Builder) Tables() []Table {
	return []Table{x.bookTable(), x.accountTable(), x.balanceTable(), x.voucherTable(), x.lineTable()}
}

func (x *Builder) bookTable() Table {
	b := x.books.Book
	root := ""
	if r := x.books.Root(); r != nil {
		root = r.Name
	}
	last := x.period.To // the period's last day
	return Table{Name: TableBook, Desc: "导出的电子账簿，一行。",
		Columns: []Column{
			{"电子账簿编号", "账簿代码"}, {"电子账簿名称", "账簿名称"}, {"会计核算单位", "根组织（持有银行专户的党组织）名称"},
			{"开户银行", "党费专户开户银行"}, {"银行账号", "党费专户账号"}, {"会计制度", "执行的会计制度"},
			{"本位币", "记账本位币"}, {"会计期间起", "导出期间第一天"}, {"会计期间止", "导出期间最后一天"},
			{"软件名称", "产生数据的会计核算软件"}, {"数据接口标准", "遵循的数据接口标准"}, {"导出时间", "数据包产生的时刻（RFC 3339）"},
		},
		Rows: [][]string{{b.Code, clean(b.Name), clean(root), clean(b.BankName), b.BankAccount, "政府会计制度——行政事业单位会计科目和报表（党费会计核算参照执行）",
			"人民币", x.period.From.Format(time.DateOnly), last.Format(time.DateOnly), "partyfee",
			Standard, x.generated.Format(time.RFC3339)}},
	}
}

var typeNames = map[ledger.AccountType]string{
	ledger.Asset: "资产", ledger.Liability: "负债", ledger.NetAssets: "净资产", ledger.Income: "收入", ledger.Expense: "费用",
}

func (x *Builder) codes() []string {
	codes := make([]string, 0, len(x.books.Chart))
	for c := range x.books.Chart {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return codes
}

func (x *Builder) level(code string) int {
	n := 1
	for a := x.books.Chart[code]; a != nil && a.Parent != "" && n <= 10; a = x.books.Chart[a.Parent] {
		n++
	}
	return n
}

func (x *Builder) accountTable() Table {
	t := Table{Name: TableAccounts, Desc: "会计科目表，每个科目一行。",
		Columns: []Column{
			{"科目编号", "会计科目代码"}, {"科目名称", "会计科目名称"}, {"科目级次", "1 为一级科目"},
			{"上级科目编号", "上级科目代码，一级科目为空"}, {"科目类型", "资产、负债、净资产、收入、费用"},
			{"余额方向", "借或贷"}, {"是否末级", "是：可记账的末级科目"},
		}}
	for _, c := range x.codes() {
		a := x.books.Chart[c]
		t.Rows = append(t.Rows, []string{a.Code, clean(a.Name), strconv.Itoa(x.level(c)), a.Parent,
			typeNames[a.Type], sideName(a.Side), yesNo(a.Leaf)})
	}
	return t
}

// balanceTable has, for every month of the period and every account with
// a balance or movement, the opening balance, the month's debits and
// credits and the closing balance; parent accounts carry their children's
// sums.
func (x *Builder) balanceTable() Table {
	t := Table{Name: TableBalances, Desc: "科目余额表：期间内每个月、每个有余额或发生额的科目一行；上级科目为下级之和。",
		Columns: []Column{
			{"会计年度", "年"}, {"会计期间", "月份 1–12"}, {"科目编号", "会计科目代码"}, {"科目名称", "会计科目名称"},
			{"是否末级", "是：末级科目"}, {"期初余额方向", "借、贷或平"}, {"期初余额", "月初余额（元）"},
			{"借方发生额", "本月借方合计（元）"}, {"贷方发生额", "本月贷方合计（元）"},
			{"期末余额方向", "借、贷或平"}, {"期末余额", "月末余额（元）"},
		}}
	bal := map[string]int64{}
	for acct, fen := range x.opening {
		for _, c := range x.chain(acct) {
			bal[c] += fen
		}
	}
	for _, ym := range x.period.Months() {
		m := map[string]move{}
		for acct, mv := range x.moves[ym] {
			for _, c := range x.chain(acct) {
				s := m[c]
				s.debit += mv.debit
				s.credit += mv.credit
				m[c] = s
			}
		}
		for _, c := range x.allCodes(bal, m) {
			open, mv := bal[c], m[c]
			if open == 0 && mv.debit == 0 && mv.credit == 0 {
				continue
			}
			closing := open + mv.debit - mv.credit
			bal[c] = closing
			leaf := true
			if a := x.books.Chart[c]; a != nil {
				leaf = a.Leaf
			}
			od, oa := direction(open)
			cd, ca := direction(closing)
			t.Rows = append(t.Rows, []string{strconv.Itoa(ym[0]), strconv.Itoa(ym[1]), c, clean(x.accountName(c)),
				yesNo(leaf), od, oa, ledger.FromFen(mv.debit).String(), ledger.FromFen(mv.credit).String(), cd, ca})
		}
	}
	return t
}

// chain is the account and its ancestors.
func (x *Builder) chain(code string) []string {
	out := []string{code}
	for a := x.books.Chart[code]; a != nil && a.Parent != "" && len(out) <= 10; a = x.books.Chart[a.Parent] {
		out = append(out, a.Parent)
	}
	return out
}

func (x *Builder) allCodes(bal map[string]int64, m map[string]move) []string {
	seen := map[string]bool{}
	var out []string
	for c := range bal {
		seen[c] = true
		out = append(out, c)
	}
	for c := range m {
		if !seen[c] {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

func (x *Builder) voucherTable() Table {
	return Table{Name: TableVouchers, Desc: "记账凭证（已记账），每张凭证一行，按日期、凭证字、编号排列。",
		Columns: []Column{
			{"会计年度", "年"}, {"会计期间", "月份 1–12"}, {"凭证日期", "YYYY-MM-DD"}, {"凭证类型", "凭证字，如 记"},
			{"凭证编号", "本月本凭证字内的顺序号"}, {"凭证字号", "如 记-0003，与分录表相连"}, {"摘要", "凭证摘要"},
			{"附件数", "所附原始凭证张数"}, {"制单人", "制单人员"}, {"审核人", "审核人员"}, {"出纳", "出纳签字人员"},
			{"记账人", "记账人员"}, {"冲销凭证内部编号", "红字凭证所冲销凭证的内部编号"}, {"凭证内部编号", "凭证在账簿中的内部编号"},
		},
		Rows: x.vouchers}
}

func (x *Builder) lineTable() Table {
	return Table{Name: TableLines, Desc: "记账凭证分录，每条分录一行；红字凭证的金额为负数。",
		Columns: []Column{
			{"会计年度", "年"}, {"会计期间", "月份 1–12"}, {"凭证字号", "所属凭证，如 记-0003"}, {"分录序号", "凭证内的行号"},
			{"摘要", "分录摘要"}, {"科目编号", "会计科目代码"}, {"科目名称", "会计科目名称"}, {"组织编号", "辅助核算：党组织代码"},
			{"组织名称", "辅助核算：党组织名称"}, {"资金编号", "辅助核算：专项资金代码"}, {"资金名称", "辅助核算：专项资金名称"},
			{"用途", "辅助核算：支出用途"}, {"借方金额", "元"}, {"贷方金额", "元"},
		},
		Rows: x.lines}
}

func direction(fen int64) (string, string) {
	switch {
	case fen > 0:
		return "借", ledger.FromFen(fen).String()
	case fen < 0:
		return "贷", ledger.FromFen(-fen).String()
	}
	return "平", "0.00"
}

func sideName(s ledger.Side) string {
	if s == ledger.Debit {
		return "借"
	}
	return "贷"
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// clean makes a text a single field: tabs, line breaks and other control
// characters become spaces.
func clean(s string) string {
	b := []rune(s)
	for i, r := range b {
		if r < 0x20 || r == 0x7f {
			b[i] = ' '
		}
	}
	return string(b)
}
