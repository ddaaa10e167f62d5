package demo

import (
	"github.com/shopspring/decimal"

	"github.com/fenyang/partyfee/ledger"
)

// goods is one article of the demo's catalogue: 品名, 规格, 单位 and a usual
// unit price in yuan.
type goods struct {
	name, spec, unit string
	price            string
}

// catalogue gives, for each thing a procurement voucher names in its
// summary, the article bought; companions are the smaller articles bought
// with it.
var (
	catalogue = map[string]goods{
		"医用外科口罩":  {"医用外科口罩", "50只/盒", "盒", "36.50"},
		"N95口罩":   {"N95医用防护口罩", "10只/盒", "盒", "89.00"},
		"红外测温枪":   {"红外测温枪", "非接触式", "把", "180.00"},
		"84消毒液":   {"84消毒液", "500ml", "瓶", "9.80"},
		"医用酒精":    {"医用酒精", "75% 500ml", "瓶", "12.50"},
		"防护服":     {"医用一次性防护服", "连体式", "套", "79.00"},
		"一次性手套":   {"一次性乳胶手套", "100只/盒", "盒", "28.00"},
		"帐篷及折叠床":  {"救灾帐篷", "3×4m", "顶", "420.00"},
		"取暖器":     {"电取暖器", "2000W", "台", "168.00"},
		"方便面及饮用水": {"方便面", "24袋/箱", "箱", "42.00"},
		"护目镜":     {"防护护目镜", "防雾", "副", "15.00"},
		"喷壶及消毒器械": {"手动消毒喷壶", "2L", "个", "25.00"},
		"防护用品":    {"医用一次性防护服", "连体式", "套", "79.00"},
		"消毒用品":    {"84消毒液", "500ml", "瓶", "9.80"},
	}
	companions = []goods{
		{"矿泉水", "550ml×24瓶", "箱", ""},
		{"一次性乳胶手套", "100只/盒", "盒", ""},
		{"医用酒精", "75% 500ml", "瓶", ""},
		{"医用外科口罩", "50只/盒", "盒", ""},
		{"垃圾袋", "大号 50只/卷", "卷", ""},
		{"酒精棉片", "100片/盒", "盒", ""},
	}
)

// demoItems details a procurement of amount whose summary names
// what: the article bought (as many as about four fifths of the amount
// buys at its usual price) and a companion article for the rest, its unit
// price carrying up to 4 decimals, so that the items add up to amount
// exactly and every figure of the demo stays what it was. It draws nothing
// from the scenario's random source.
func demoItems(what string, amount ledger.Money) []ledger.Item {
	g, ok := catalogue[what]
	if !ok {
		return nil
	}
	price := decimal.RequireFromString(g.price)
	total := amount.Decimal()
	q := total.Mul(decimal.RequireFromString("0.8")).Div(price).Floor()
	if q.Sign() <= 0 {
		// Too little for one at the usual price: one, at what it cost.
		return []ledger.Item{{Name: g.name, Spec: g.spec, Unit: g.unit, Quantity: decimal.NewFromInt(1), UnitPrice: total, Amount: amount}}
	}
	main := ledger.FromFen(q.Mul(price).Shift(2).IntPart())
	items := []ledger.Item{{Name: g.name, Spec: g.spec, Unit: g.unit, Quantity: q, UnitPrice: price, Amount: main}}
	rest := amount.Sub(main)
	if rest.Sign() <= 0 {
		return items
	}
	fen := amount.Fen()
	c := companions[int(fen%int64(len(companions)))]
	if c.name == g.name {
		c = companions[int((fen+1)%int64(len(companions)))]
	}
	// At most 9 of them: a unit price rounded to 4 decimals is then off by
	// less than half a fen over the quantity, so 数量 × 单价 rounds to rest.
	n := decimal.NewFromInt(1 + fen%9)
	unitPrice := rest.Decimal().Div(n).Round(ledger.ItemDecimalsMax)
	if !ledger.ItemAmount(n, unitPrice).Equal(rest) {
		n, unitPrice = decimal.NewFromInt(1), rest.Decimal()
	}
	return append(items, ledger.Item{Name: c.name, Spec: c.spec, Unit: c.unit, Quantity: n, UnitPrice: unitPrice, Amount: rest})
}
