package ledger

import "testing"

// Benchmarks of the money hot paths: every amount of a request, an import
// row or a statement line is parsed, and every printed voucher and report
// total is written in capitals.
//
//	go test ./ledger -run '^$' -bench 'ParseMoney|ToDaXie' -benchmem

var benchAmounts = []string{"90000.00", "1,234.50", "¥12.3", "999999999999.99", "0.07", "-12.30", "320000"}

func BenchmarkParseMoney(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := ParseMoney(benchAmounts[i%len(benchAmounts)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkParseAmountInvalid(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAmount("1,00.5"); err == nil {
			b.Fatal("1,00.5 accepted")
		}
	}
}

func BenchmarkToDaXie(b *testing.B) {
	ms := make([]Money, len(benchAmounts))
	for i, s := range benchAmounts {
		ms[i] = MustParseMoney(s).Abs()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if s, err := ToDaXie(ms[i%len(ms)]); err != nil || s == "" {
			b.Fatal(s, err)
		}
		i++
	}
}

func BenchmarkToDaXieFen(b *testing.B) {
	b.ReportAllocs()
	var fen int64 = 1
	for b.Loop() {
		if _, err := ToDaXieFen(fen); err != nil {
			b.Fatal(err)
		}
		fen = (fen*7919 + 13) % 99_999_999_999_999
	}
}
