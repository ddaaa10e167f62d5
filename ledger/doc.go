// Package ledger is the domain of the special Party-fee ledger: money,
// books, organisations, funds, purposes, accounts, vouchers and their lines,
// periods, users and the rules of SPEC §4. It is pure: it imports the
// standard library and shopspring/decimal only, does no I/O and takes the
// time as an argument.
//
// Glossary (the nouns used across the code):
//
//	book          核算单位/账套: an accounting entity with its own bank account, numbering and periods
//	organisation  党组织: a node of the organisation tree (org department, temporary branch, Party group …)
//	fund          资金来源: where money came from (upper 上级下拨, matching 本级配套, general, donation)
//	purpose       用途: procurement 物资采购, condolence 一线慰问, relief 党员群众救助
//	allocation    划拨: money passed from the book's bank to a branch's pending-settlement balance (121801)
//	voucher       记账凭证: a balanced set of lines, numbered per (book, year, month, type)
//	period        会计期间: a calendar month of a book, open or closed
//	seal          the SHA-256 link of a posted voucher in its book's hash chain
package ledger
