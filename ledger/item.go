package ledger

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"
)

// Item is an item line (物品明细) of a spending line: what was bought or
// given, 品名, 规格, 单位, 数量 × 单价 = 金额. 金额 is entered and follows the
// money rules; 数量 × 单价, rounded half up to the fen, must equal it, and the
// items of a line add up to the line's amount.
//
// Items stand on the debit side of a spending line, an expense account
// bound to a purpose (500101 物资采购, 500102 一线慰问, 500103 党员群众救助):
// the supplies bought, and the goods (慰问品, relief supplies) given to
// beneficiaries. Any other line, and a red reversal, has none.
type Item struct {
	Name      string // 品名
	Spec      string // 规格
	Unit      string // 单位
	Quantity  decimal.Decimal
	UnitPrice decimal.Decimal
	Amount    Money
}

// Limits on items.
const (
	ItemsMax          = 500 // per voucher
	ItemNameLenMax    = 100
	ItemSpecLenMax    = 100
	ItemUnitLenMax    = 20
	ItemDecimalsMax   = 4 // of a quantity and a unit price
	itemNumberTextMax = 32
)

// ItemQuantityMax and ItemUnitPriceMax bound a quantity and a unit price.
var (
	ItemQuantityMax  = decimal.New(1, 9).Sub(decimal.New(1, -ItemDecimalsMax))  // 999,999,999.9999
	ItemUnitPriceMax = decimal.New(1, 12).Sub(decimal.New(1, -ItemDecimalsMax)) // 999,999,999,999.9999
)

var itemNumberPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// ParseItemNumber parses a quantity or a unit price: a plain decimal
// string (digits, optionally a point and more digits), named field in the
// error. CheckItems bounds it (> 0, at most ItemDecimalsMax decimals).
func ParseItemNumber(s, field string) (decimal.Decimal, error) {
	t := strings.TrimSpace(s)
	if len(t) > itemNumberTextMax || !itemNumberPattern.MatchString(t) {
		return decimal.Decimal{}, Errorf(EInvalid, field, "%q is not a decimal number", s)
	}
	d, err := decimal.NewFromString(t)
	if err != nil {
		return decimal.Decimal{}, Errorf(EInvalid, field, "%q is not a decimal number", s)
	}
	return d, nil
}

// ParseItem parses the i-th item (from 1) as a command line gives it:
// "品名,规格,单位,数量,单价,金额" (规格 and 单位 may be empty); errors name
// items[i] or its part, e.g. items[2].quantity.
func ParseItem(s string, i int) (Item, error) {
	prefix := fmt.Sprintf("items[%d]", i)
	parts := strings.Split(s, ",")
	if len(parts) != 6 {
		return Item{}, Errorf(EInvalid, prefix, "%q is not 'name,spec,unit,quantity,unit-price,amount' (品名,规格,单位,数量,单价,金额)", s)
	}
	return ParseItemFields(prefix+".", parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
}

// ParseItemFields parses an item from its texts as a file, a request or a
// sheet gives them; errors name prefix+"quantity" and so on. Quantity and
// unit price are ParseItemNumber's, the amount ParseAmount's; CheckItems
// checks the rest.
func ParseItemFields(prefix, name, spec, unit, quantity, unitPrice, amount string) (Item, error) {
	it := Item{Name: strings.TrimSpace(name), Spec: strings.TrimSpace(spec), Unit: strings.TrimSpace(unit)}
	var err error
	if it.Quantity, err = ParseItemNumber(quantity, prefix+"quantity"); err != nil {
		return Item{}, err
	}
	if it.UnitPrice, err = ParseItemNumber(unitPrice, prefix+"unit_price"); err != nil {
		return Item{}, err
	}
	if it.Amount, err = ParseAmount(strings.TrimSpace(amount)); err != nil {
		// ParseAmount's refusal, translated as it is, on this item's field.
		if le, ok := err.(*Error); ok {
			c := *le
			c.Field = prefix + "amount"
			return Item{}, &c
		}
		return Item{}, err
	}
	return it, nil
}

// ItemAmount is 数量 × 单价 rounded half up to the fen.
func ItemAmount(quantity, unitPrice decimal.Decimal) Money {
	// decimal's Round rounds half away from zero: half up for the positive
	// numbers an item holds, as PostgreSQL's round(numeric, 2) does.
	return Money{quantity.Mul(unitPrice).Round(2)}
}

// CheckItems checks the items of every line of v: they stand only on the
// debit side of a spending line (an account bound to a purpose) of a voucher
// that is not a red reversal; each has a name, texts within their limits, a
// quantity and a unit price greater than 0 with at most 4 decimals, an
// amount following the money rules that equals 数量 × 单价 to the fen
// (rounded half up); and a line's items add up to its amount. Errors name
// the field, e.g. lines[1].items[2].quantity. ValidateVoucher calls it; the
// database checks the same (migrations/00007_voucher_items.sql).
func CheckItems(v *Voucher, b *Books) error {
	n := 0
	for i := range v.Lines {
		l := &v.Lines[i]
		if len(l.Items) == 0 {
			continue
		}
		lf := fmt.Sprintf("lines[%d]", i+1)
		n += len(l.Items)
		if n > ItemsMax {
			return Errorf(EInvalid, lf+".items", "a voucher has at most %d items", ItemsMax)
		}
		var a *Account
		if b != nil {
			a = b.Chart[l.Account]
		}
		if v.ReversalOf != 0 || a == nil || a.Purpose == "" || l.Debit.Sign() <= 0 {
			return Errorf(EInvalid, lf+".items", "items (物品明细) stand only on the debit side of a spending line (an expense account of a purpose such as 500101); line %d is not one", i+1)
		}
		sum := Zero
		for j := range l.Items {
			it := &l.Items[j]
			f := fmt.Sprintf("%s.items[%d]", lf, j+1)
			it.Name, it.Spec, it.Unit = strings.TrimSpace(it.Name), strings.TrimSpace(it.Spec), strings.TrimSpace(it.Unit)
			if err := checkTexts([]textField{{f + ".name", it.Name, false}, {f + ".spec", it.Spec, false}, {f + ".unit", it.Unit, false}}); err != nil {
				return err
			}
			if it.Name == "" {
				return Errorf(EInvalid, f+".name", "the item's name (品名) is empty")
			}
			for _, t := range []struct {
				field, s string
				max      int
			}{{".name", it.Name, ItemNameLenMax}, {".spec", it.Spec, ItemSpecLenMax}, {".unit", it.Unit, ItemUnitLenMax}} {
				if len([]rune(t.s)) > t.max {
					return Errorf(EInvalid, f+t.field, "%s is longer than %d characters", f+t.field, t.max)
				}
			}
			for _, q := range []struct {
				field string
				d     decimal.Decimal
				max   decimal.Decimal
			}{{".quantity", it.Quantity, ItemQuantityMax}, {".unit_price", it.UnitPrice, ItemUnitPriceMax}} {
				if q.d.Sign() <= 0 {
					return Errorf(EInvalid, f+q.field, "%s must be greater than 0", f+q.field)
				}
				if !q.d.Equal(q.d.Round(ItemDecimalsMax)) {
					return Errorf(EInvalid, f+q.field, "%s has more than %d decimal places", f+q.field, ItemDecimalsMax)
				}
				if q.d.GreaterThan(q.max) {
					return Errorf(EInvalid, f+q.field, "%s exceeds %s", f+q.field, q.max.String())
				}
			}
			if it.Amount.Sign() <= 0 {
				return Errorf(EInvalidAmount, f+".amount", "the item's amount must be greater than 0")
			}
			if it.Amount.Cmp(AmountMax) > 0 {
				return Errorf(EInvalidAmount, f+".amount", "amount exceeds 999,999,999,999.99")
			}
			if !it.Amount.Equal(FromFen(it.Amount.Fen())) {
				return Errorf(EInvalidAmount, f+".amount", "amount has more than 2 decimal places")
			}
			if want := ItemAmount(it.Quantity, it.UnitPrice); !want.Equal(it.Amount) {
				return Errorf(EInvalidAmount, f+".amount", "quantity %s × unit price %s is %s, not %s",
					it.Quantity.String(), it.UnitPrice.String(), want.Format(), it.Amount.Format())
			}
			sum = sum.Add(it.Amount)
		}
		if !sum.Equal(l.Debit) {
			return Errorf(EInvalidAmount, lf+".items", "the items of line %d add up to %s, not the line's amount %s", i+1, sum.Format(), l.Debit.Format())
		}
	}
	return nil
}

// ItemView is the JSON form of an item: quantity and unit price are
// decimal strings as entered ("2.5", "12.8000"), the amount a money string.
type ItemView struct {
	Name      string `json:"name"`
	Spec      string `json:"spec,omitempty"`
	Unit      string `json:"unit,omitempty"`
	Quantity  string `json:"quantity"`
	UnitPrice string `json:"unit_price"`
	Amount    Money  `json:"amount"`
}

// ViewItems makes the JSON form of items (nil for none).
func ViewItems(items []Item) []ItemView {
	var out []ItemView
	for _, it := range items {
		out = append(out, ItemView{Name: it.Name, Spec: it.Spec, Unit: it.Unit, Quantity: it.Quantity.String(),
			UnitPrice: it.UnitPrice.String(), Amount: it.Amount})
	}
	return out
}
