package web

import (
	"net/url"
	"slices"
	"strings"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// 穿透查询: the filters by which a figure of the auditors' overview links to
// exactly the vouchers behind it (/vouchers?…), and the sums the list shows
// to compare with the figure: the vouchers' count and the debits and
// credits of their lines that make the figure.

// drillForm is the line filters of 凭证查询 as the query holds them.
type drillForm struct {
	Accounts            []string
	AccountType, Kind   string
	Side, Flow          string
	Own                 bool
	Sum                 *postgres.VoucherSum // set when any filter of the form is
	Hidden              url.Values           // the filters, kept by the search form
	DebitNet, CreditNet ledger.Money         // Debit − Credit and Credit − Debit
	Described           string               // the filters in Chinese
	CountLink           string               // the search counting its vouchers, when Sum does not (Vouchers -1)
}

// fund kinds of the kind filter ("special": upper and matching).
var drillKinds = map[string][]string{
	"upper":    {string(ledger.FundUpper)},
	"matching": {string(ledger.FundMatching)},
	"special":  {string(ledger.FundUpper), string(ledger.FundMatching)},
}

// drillFlows are the flows a search selects by, with their names.
var drillFlows = map[string]string{ledger.FlowReceive: "收到上级下拨", ledger.FlowMatch: "本级配套", ledger.FlowAllocate: "划拨到支部",
	ledger.FlowSpend: "支部报账使用", ledger.FlowReturn: "结余退回"}

var drillAccountTypes = []string{"asset", "liability", "net_assets", "income", "expense"}

// parseDrill reads account (repeated), account_type, kind, side, own and
// flow of q into d and vs.
func parseDrill(q url.Values, b *ledger.Books, d *drillForm, vs *postgres.VoucherSearch) error {
	d.Accounts, d.AccountType, d.Kind, d.Side, d.Flow = q["account"], q.Get("account_type"), q.Get("kind"), q.Get("side"), q.Get("flow")
	d.Own = q.Get("own") == "1"
	d.Hidden = url.Values{}
	var desc []string
	for _, a := range d.Accounts {
		if b.Chart[a] == nil {
			return ledger.Errorf(ledger.ENotFound, "account", "account %s does not exist", a)
		}
		desc = append(desc, a+" "+b.Chart[a].Name)
		d.Hidden.Add("account", a)
	}
	if d.AccountType != "" {
		if !slices.Contains(drillAccountTypes, d.AccountType) {
			return ledger.Errorf(ledger.EInvalid, "account_type", "account_type is asset, liability, net_assets, income or expense")
		}
		desc = append(desc, map[string]string{"asset": "资产类", "liability": "负债类", "net_assets": "净资产类", "income": "收入类", "expense": "支出类"}[d.AccountType]+"科目")
		d.Hidden.Set("account_type", d.AccountType)
	}
	if d.Kind != "" {
		k, ok := drillKinds[d.Kind]
		if !ok {
			return ledger.Errorf(ledger.EInvalid, "kind", "kind is upper, matching or special")
		}
		vs.Kinds = k
		desc = append(desc, map[string]string{"upper": "上级下拨资金", "matching": "本级配套资金", "special": "专项资金"}[d.Kind])
		d.Hidden.Set("kind", d.Kind)
	}
	switch d.Side {
	case "":
	case "debit", "credit":
		desc = append(desc, map[string]string{"debit": "借方", "credit": "贷方"}[d.Side]+"分录")
		d.Hidden.Set("side", d.Side)
	default:
		return ledger.Errorf(ledger.EInvalid, "side", "side is debit or credit")
	}
	if d.Flow != "" {
		name, ok := drillFlows[d.Flow]
		if !ok {
			return ledger.Errorf(ledger.EInvalid, "flow", "flow is receive, match, allocate, spend or return")
		}
		desc = append(desc, "业务类型 "+name)
		d.Hidden.Set("flow", d.Flow)
	}
	if d.Own {
		desc = append(desc, "仅本组织（不含下级）")
		d.Hidden.Set("own", "1")
	}
	vs.Accounts, vs.AccountType, vs.Side, vs.OrgOnly = d.Accounts, d.AccountType, d.Side, d.Own // ?flow= is parsed with the list's own filters (VoucherSearch.Flows)
	d.Described = strings.Join(desc, "，")
	return nil
}

// active tells whether the search drills into lines (and shows its sums).
func (d *drillForm) active() bool { return len(d.Hidden) > 0 }

// setSum keeps the search's sums.
func (d *drillForm) setSum(s postgres.VoucherSum) {
	d.Sum = &s
	d.DebitNet, d.CreditNet = s.Debit.Sub(s.Credit), s.Credit.Sub(s.Debit)
}

// linkSearch is the search a /vouchers link's query q makes for the user.
func linkSearch(rq *request, q url.Values) (postgres.VoucherSearch, error) {
	_, vs, err := parseSearchQuery(rq, q)
	return vs, err
}
