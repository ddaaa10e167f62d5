package reports

import (
	"slices"
	"strconv"
	"strings"
)

// voucherIndex maps a voucher ID to the first row of the voucher in
// 凭证清单. 凭证清单 is written before every other table so the index is
// complete when T2, T3, T6 and T8 need it. It costs 16 bytes per voucher
// (not per row of T3), which is what keeps memory flat as T3 grows.
type voucherIndex struct {
	entries []voucherAt
	parts   []string // sheet names of the 凭证清单 parts
	col     string   // column of 凭证字号 in 凭证清单
	sorted  bool
}

type voucherAt struct {
	id   int64
	part int32
	row  int32
}

// note records the first line of a voucher.
func (x *voucherIndex) note(id int64, part, row int) {
	x.entries = append(x.entries, voucherAt{id, int32(part), int32(row)})
	x.sorted = false
}

// seal sorts the index; a voucher listed twice keeps its first row.
func (x *voucherIndex) seal() {
	slices.SortStableFunc(x.entries, func(a, b voucherAt) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	x.entries = slices.CompactFunc(x.entries, func(a, b voucherAt) bool { return a.id == b.id })
	x.sorted = true
}

// target is the link target of voucher id, e.g. '凭证清单 (2)'!B17.
func (x *voucherIndex) target(id int64) (string, bool) {
	if !x.sorted {
		x.seal()
	}
	i, ok := slices.BinarySearchFunc(x.entries, id, func(e voucherAt, id int64) int {
		switch {
		case e.id < id:
			return -1
		case e.id > id:
			return 1
		}
		return 0
	})
	if !ok {
		return "", false
	}
	e := x.entries[i]
	name := strings.ReplaceAll(x.parts[e.part], "'", "''")
	return "'" + name + "'!" + x.col + strconv.Itoa(int(e.row)), true
}
