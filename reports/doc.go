// Package reports writes the audit workbook of SPEC §6 (Excel, excelize)
// from domain values. It imports package ledger and its read models
// (ledger/report) and never the database: an adapter fills a
// report.AuditData (small tables as slices, the tables that grow with the
// journal as iterators it can feed from a database cursor) and
// WriteAudit streams the workbook; WriteSheet writes one table alone for
// `ledger report NAME`.
//
// # Sheets
//
// The sheet names are a contract (SheetNames), in this order:
//
//	封面              book, period, scope, generation time and user, 制表人/审核人, parameters,
//	                  the period seal (chain head), data rows of every sheet, control totals in
//	                  figures and 大写, and the cross-sheet checks (勾稽关系) with 相符/不符
//	T1 收支总表       党组织 | 资金来源 | 期初结余 | 本期收入 | 本期拨入 | 本期收回 | 本期拨出 | 本期使用 |
//	                  本期退回 | 期末结余 — one row per organisation and special fund, grouped by
//	                  fund (upper-level funds first, then matching) with a 小计 per fund, and the
//	                  book's 合计
//	T2 拨付情况       序号 | 文件依据(文号) | 决策依据 | 资金来源 | 到账日期 | 到账金额 | 拨付对象 | 依托单位 |
//	                  拨付日期 | 拨付金额 | 凭证字号 | 拨付方式 | 未拨付余额 | 滞留天数 | 备注; 合计
//	T3 使用明细       序号 | 使用党组织 | 日期 | 凭证字号 | 摘要 | 用途类别 | 资金来源 | 品名/受助对象 | 数量 |
//	                  单价 | 金额 | 支付方式 | 收款人 | 收款人类型 | 票据类型 | 附单据张数 | 决策依据 |
//	                  经办人 | 审核人 | 公示日期 | 异常标记; 合计
//	T4 按用途汇总     用途类别 | 笔数 | 金额 | 占比% | 其中现金支付 | 无票据笔数 | 慰问/救助人次 — the three
//	                  purposes always, then 合计; a pie chart of spending by purpose
//	T5 按党组织汇总   层级 | 党组织编码 | 党组织 | 类型 | 书记 | 依托单位 | 期初结余 | 拨入金额 | 已使用 |
//	                  退回 | 结余 | 使用率% | 最近使用日期 | 滞留天数 | 撤销日期 — the organisation tree
//	                  depth first, names indented by level; every organisation with children
//	                  is followed by a 小计 rolling up its subtree; 合计 over the roots; a
//	                  column chart of allocated against spent per organisation, drawn from a
//	                  small data block below the table
//	T6 慰问救助花名册 序号 | 姓名 | 身份 | 证件号码(脱敏, ledger.MaskID) | 所属党组织/单位 | 事由 | 用途类别 |
//	                  金额 | 物品 | 发放日期 | 发放方式 | 凭证字号 | 领取人签字/回执 | 重复标记; 合计
//	T7 公示表         党组织 | 用途类别 | 笔数 | 金额 | 慰问/救助人次 | 使用情况 | 公示日期; 小计 per
//	                  organisation, 合计
//	T8 异常清单       规则编号 | 问题类型 | 严重程度 | 凭证字号 | 日期 | 党组织 | 金额 | 说明 | 责任人 |
//	                  整改期限 | 整改状态
//	T9 余额调节表     项目 | 日期 | 凭证字号/单据号 | 摘要 | 金额 — 银行存款日记账余额, 加 银行已收单位未收,
//	                  减 银行已付单位未付, 调节后余额; 银行对账单余额, 加 单位已收银行未收, 减
//	                  单位已付银行未付, 调节后余额; 差额 (zero). Headers only when no reconciliation
//	                  was done
//	科目余额表        科目编码 | 科目名称 | 期初余额 借/贷 | 本期发生额 借/贷 | 本年累计发生额 借/贷 |
//	                  期末余额 借/贷; 合计 over the rows without a parent in the table
//	试算平衡表        as 科目余额表 without the year columns; 合计, then 借贷差额 and 试算结果
//	明细账            科目编码 | 科目名称 | 日期 | 凭证字号 | 摘要 | 党组织 | 资金来源 | 借方 | 贷方 | 借或贷 |
//	                  余额 — per account 期初余额, entries with running balance, 本月合计, 本年累计
//	银行存款日记账    账户 | 账户名称 | 日期 | 凭证字号 | 摘要 | 对方科目 | 党组织 | 资金来源 | 收入(借方) |
//	                  支出(贷方) | 余额 — shaped like 明细账
//	凭证清单          日期 | 凭证字号 | 分录号 | 摘要 | 科目编码 | 科目名称 | 党组织 | 资金来源 | 用途 |
//	                  借方金额 | 贷方金额 | 附单据数 | 制单人 | 审核人 | 出纳 | 记账人 | 状态 | 冲销凭证; 合计
//
// A table that would pass the row limit (Options.RowLimit, Excel's
// 1,048,576 rows by default) continues on "name (2)", "name (3)" … placed
// right after it; its title says 续2, 续3, and its 合计, on the last part,
// adds up every part.
//
// # Presentation
//
// Every table sheet has a title row, a row with book, period and scope and
// 单位：元, and one or two header rows, frozen and repeated on every printed
// page (_xlnm.Print_Titles), with an auto-filter over the header and data
// rows. Amounts are numbers formatted #,##0.00;[Red]-#,##0.00 (red-ink
// reversals are negative), dates are real dates formatted yyyy-mm-dd,
// account codes, organisation codes and masked ID numbers are text. Pages are
// A4 landscape, one page wide; the header carries the book, title and
// period, the footer 制表人, 审核人, page n of N and 制表日期 (the date of
// GeneratedAt).
//
// Every total (小计, 合计, 本月合计) is a SUM formula over the rows it adds up,
// with the value computed from the domain values stored in the cell, so a
// program reading the file sees the number and a spreadsheet that
// recalculates gets the same. The cover's control totals and checks point
// at those cells by formula. Text is written as strings, never formulas: a
// payee named =HYPERLINK(…) stays text.
//
// Voucher numbers in T2, T3, T6 and T8 are internal hyperlinks to the
// voucher's first line in 凭证清单: HYPERLINK formulas rather than worksheet
// hyperlinks, because those are kept in memory by a stream-written sheet and
// Excel allows only 65,530 of them per sheet. 凭证清单 is written first so
// the writer knows where each voucher starts (16 bytes per voucher).
//
// # Streaming
//
// Every sheet is written by an excelize StreamWriter: column widths, panes
// and the fit-to-page flag are set before the first row; auto-filters, print
// setup, header and footer, print titles and charts are set once all rows
// are written and the sheets are in their final order (defined names refer
// to sheets by position), just before each stream is flushed. No row of a
// streamed table is kept after it is written. BenchmarkT3Stream and
// BenchmarkBareStreamWriter (WriteBareT3) compare T3 with a bare
// StreamWriter writing the same cells.
//
// # Invariants
//
// The writer rejects a T1 row that breaks the SPEC §3 formula
//
//	期初结余 + 本期收入 + 本期拨入 + 本期收回 − 本期拨出 − 本期使用 − 本期退回 = 期末结余
//
// and a T5 row whose 期初 + 拨入 − 已使用 − 退回 ≠ 结余 (code invalid); each
// row's closing balance is itself a formula of its other cells. The totals
// satisfy, and the cover and Summary.Checks report:
//
//   - T1 合计 本期收入 = upper-level + matching income. In the 合计 the
//     拨入/拨出/收回/退回 columns are plain SUMs of the rows; within a book an
//     allocation is 拨出 at the city and 拨入 at the branch, a return 退回 at
//     the branch and 收回 at the city, so these pairs are equal (checked for
//     a whole-book report) and cancel in the 期末结余;
//   - T4 合计 = T3 合计 = T1 本期使用;
//   - T5 Σ拨入 = T2 Σ拨付;
//   - 试算平衡表: Σ借 = Σ贷 for the opening, period and closing balances;
//   - 凭证清单: Σ借方 = Σ贷方;
//   - T9: the two adjusted balances are equal.
package reports
