package ledger

import "strings"

// A voucher has no field of its own for the document number (票据号) of a
// bank or cash payment: the Excel import records it in the memo as
// BillNoMemoPrefix followed by the number, and the bank journal prints it
// from there.
const BillNoMemoPrefix = "票据号 "

// BillNo is the document number recorded in a voucher's memo, or "".
func BillNo(memo string) string {
	rest, ok := strings.CutPrefix(strings.TrimSpace(memo), strings.TrimSpace(BillNoMemoPrefix))
	if !ok {
		return ""
	}
	rest = strings.TrimSpace(rest)
	// The number is the first word: a memo may go on after it.
	if i := strings.IndexFunc(rest, func(r rune) bool { return r == ' ' || r == '　' || r == '；' || r == ';' || r == '\n' }); i >= 0 {
		rest = rest[:i]
	}
	return rest
}
