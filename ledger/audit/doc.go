// Package audit evaluates the audit rules A-01 … A-17 of domain §6.7 over
// one book and one evaluation window and returns the findings that fill
// the exception list (T8 异常情况清单). It is pure: it reads an Input and a
// Config, imports the standard library, shopspring/decimal (through
// ledger.Money) and package ledger only, does no I/O and never reads the
// clock — every age is counted to Input.AsOf.
//
// # What counts
//
// Only posted vouchers dated on or before AsOf count. A posted red reversal
// (Voucher.ReversalOf) cancels its original: the pair is left out of the
// balance rules (A-02 balances, A-03, A-04), which is the same as adding
// both, and the original is not looked at by any voucher rule — the
// correction is the remedy. The reversal voucher itself is looked at only
// where the rule is about how it was handled: the people who made, checked,
// signed and posted it and when it was made.
//
// Findings about one voucher are reported for vouchers dated in
// [From, AsOf] (A-14 also when the voucher was made in the window); rules
// that need history read earlier vouchers too. Conditions about balances
// (A-02 negative balances, A-03, A-04) are states as of AsOf and are
// reported by every run while they last, under the same key, so a stored
// acknowledgement carries over. A-16 looks at publications dated in the
// window, A-17 at months whose publication deadline ran out in the window.
//
// # Keys
//
// Finding.Key is rule|voucher id|organisation|detail…, where the detail
// names what else distinguishes the finding (the purpose, the fund and
// account, the beneficiary's row on the voucher, the payee, the month). It
// never contains the explanation or an identity number, so re-running a
// period produces the same keys.
//
// # The rules
//
// A-01 超范围使用: a special-fund spending line whose purpose the fund does
// not permit (or no known purpose); or spending whose voucher summary, memo
// or line summaries contain a deny-list word once the allowed words (酒精,
// 车辆消毒) are taken out. One finding per organisation and purpose, and
// one per organisation for the words.
//
// A-02 挪用/挤占: a voucher that credits a special fund's asset (bank,
// cash, 121801) and debits that fund's money to anything but a spending
// account bound to a purpose, 121801, a cash account (return, withdrawal),
// 5501, 5401, or an expense/income account on a voucher paying a higher
// Party organisation — or debits less of that fund than it credits; and a
// special fund's total asset balance, or an organisation's balance on a
// restricted account (Account.Restricted, cash accounts, 121801), that is
// below zero at the end of a day.
//
// A-03 截留/拨付不及时: per special fund, money arriving in the book's
// bank/cash (a receipt, or money returned by a branch) is matched first in,
// first out against money leaving it (allocations, grants, spending); a part
// still there more than 15 days after it arrived is MEDIUM, more than 30
// days HIGH.
//
// A-04 滞留/沉淀: per organisation and special fund, an advance on 121801
// not yet settled (first in, first out) more than 60 days after it was
// made; and any special-fund balance of an organisation after its
// dissolution date.
//
// A-05 支出晚于撤销: an expense of an organisation dated after its
// dissolution date.
//
// A-06 虚报冒领/重复领取: a condolence/relief person (a Beneficiary row, or
// the individual payee of a voucher without rows) who was already paid
// condolence or relief in the project — same ID number, or same name and
// phone — in any organisation, or in an earlier row of the same voucher;
// and, when a roster is recorded, a person not on the approved roster of
// the paying organisation (the roster check is skipped when Input.Roster is
// empty).
//
// A-07 优亲厚友 (partial): a condolence/relief person who is the voucher's
// maker, checker or cashier (user name or full name) or an attendee of the
// meeting its decision reference names.
//
// A-08 无票据: no attachments on a voucher that is neither a closing nor a
// correcting voucher; an attached document type outside 发票, 财政票据,
// 银行回单, 签收单/花名册.
//
// A-09 大额现金: procurement paid in cash (a 1001 credit, or method cash on
// a settlement) of at least 1,000.00; a bank-to-cash withdrawal of at least
// 1,000.00; condolence/relief paid in cash of at least 1,000.00 is listed —
// LOW with a signature sheet (签收单/花名册) attached, MEDIUM without.
//
// A-10 拆分支付: two or more payments by one organisation to one payee,
// each below the approval threshold T (the organisation's or nearest
// ancestor's ApprovalThreshold, default 1,000.00), the last at most 7 days
// after the first, together at least T.
//
// A-11 公款私存: procurement paid to a payee of type individual, or into an
// account recorded as personal, where the payee is a cadre or a branch
// member.
//
// A-12 程序违规: an allocation or use of special money without a decision
// reference; maker = checker or poster; cashier = maker, checker or poster;
// a cash/bank voucher (Voucher.TouchesCash) posted without a cashier,
// whatever Book.RequireCashierSign says (the audit looks at the facts);
// an allocation to an organisation whose parent is not the paying
// organisation (越级).
//
// A-13 捐款混用: a debit to 230701 on a voucher whose payee type is not
// upper_org; donation money on an expense; donation money moved into a
// special fund on one voucher.
//
// A-14 补记/倒签: a voucher made more than 30 days after its bank value
// date; a voucher made after its period was first closed and dated into it.
//
// A-15 标准超标: a condolence/relief row above the per-person standard of
// its purpose (defaults 1,000.00 condolence, 2,000.00 relief; design
// defaults, no rule text fixes them).
//
// A-16 分类不平: a publication whose category totals do not add up to its
// reported total (the 乐山 figures: 4.73万 + 21.6万 = 26.33万 against
// 27.2万); or whose categories (its total when it has none) differ from the
// ledger's special-fund spending of the organisation's subtree up to the day
// it covers.
//
// A-17 公示缺失: an organisation with special-fund uses in a month and no
// publication (its own, an ancestor's or the book's) dated from its last use
// of that month to 30 days after the month end.
package audit
