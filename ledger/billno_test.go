package ledger

import "testing"

func TestBillNo(t *testing.T) {
	ok := []struct{ memo, want string }{
		{BillNoMemoPrefix + "ZP-00123", "ZP-00123"},
		{"  票据号  31402211 另附发票", "31402211"},
		{"票据号 A1；补录", "A1"},
	}
	for _, c := range ok {
		if got := BillNo(c.memo); got != c.want {
			t.Errorf("BillNo(%q) = %q, want %q", c.memo, got, c.want)
		}
	}
	for _, memo := range []string{"", "无", "附票据号 1", "票据号"} {
		if got := BillNo(memo); got != "" {
			t.Errorf("BillNo(%q) = %q, want none", memo, got)
		}
	}
}
