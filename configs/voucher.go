package configs

import (
	"fmt"
	"strings"

	"github.com/fenyang/partyfee/ledger"
)

type voucherFile struct {
	Date          string            `yaml:"date" json:"date"`
	Type          string            `yaml:"type" json:"type"`
	Summary       string            `yaml:"summary" json:"summary"`
	Attachments   int               `yaml:"attachments" json:"attachments"`
	DocTypes      []string          `yaml:"doc_types" json:"doc_types"`
	Decision      string            `yaml:"decision" json:"decision"`
	Payee         string            `yaml:"payee" json:"payee"`
	PayeeType     string            `yaml:"payee_type" json:"payee_type"`
	Method        string            `yaml:"method" json:"method"`
	Memo          string            `yaml:"memo" json:"memo"`
	Key           string            `yaml:"key" json:"key"`
	Correcting    bool              `yaml:"correcting" json:"correcting"`
	Closing       bool              `yaml:"closing" json:"closing"`
	Lines         []voucherLineFile `yaml:"lines" json:"lines"`
	Beneficiaries []beneficiaryFile `yaml:"beneficiaries" json:"beneficiaries"`
}

type voucherLineFile struct {
	Summary string     `yaml:"summary" json:"summary"`
	Account string     `yaml:"account" json:"account"`
	Org     string     `yaml:"org" json:"org"`
	Fund    string     `yaml:"fund" json:"fund"`
	Purpose string     `yaml:"purpose" json:"purpose"`
	Debit   string     `yaml:"debit" json:"debit"`
	Credit  string     `yaml:"credit" json:"credit"`
	Items   []itemFile `yaml:"items" json:"items"`
}

// itemFile is an item line (物品明细) of a spending line; quantity and
// unit price are decimal strings, like amounts.
type itemFile struct {
	Name      string `yaml:"name" json:"name"`
	Spec      string `yaml:"spec" json:"spec"`
	Unit      string `yaml:"unit" json:"unit"`
	Quantity  string `yaml:"quantity" json:"quantity"`
	UnitPrice string `yaml:"unit_price" json:"unit_price"`
	Amount    string `yaml:"amount" json:"amount"`
}

type beneficiaryFile struct {
	Name     string `yaml:"name" json:"name"`
	Category string `yaml:"category" json:"category"`
	IDNumber string `yaml:"id_number" json:"id_number"`
	IDKind   string `yaml:"id_kind" json:"id_kind"` // "" is a resident identity card
	Phone    string `yaml:"phone" json:"phone"`
	Reason   string `yaml:"reason" json:"reason"`
	Amount   string `yaml:"amount" json:"amount"`
}

// ParseVoucher parses a general voucher (`ledger voucher add FILE`) in YAML
// or JSON (JSON is YAML). Amounts are strings; a line has a debit or a credit.
func ParseVoucher(data []byte, name, book string) (*ledger.Voucher, error) {
	var f voucherFile
	if err := strictDecode(data, name, &f); err != nil {
		return nil, err
	}
	d, err := ledger.ParseDate(f.Date)
	if err != nil {
		return nil, err
	}
	v := &ledger.Voucher{Book: book, Type: f.Type, Date: d, Summary: f.Summary, Attachments: f.Attachments, DocTypes: f.DocTypes,
		Decision: f.Decision, Payee: f.Payee, PayeeType: f.PayeeType, Method: f.Method, Memo: f.Memo, Key: f.Key,
		Correcting: f.Correcting, Closing: f.Closing, Flow: "general"}
	for i, lf := range f.Lines {
		field := fmt.Sprintf("lines[%d]", i+1)
		l := ledger.Line{Summary: lf.Summary, Account: lf.Account, Org: lf.Org, Fund: lf.Fund, Purpose: ledger.Purpose(lf.Purpose), Debit: ledger.Zero, Credit: ledger.Zero}
		if strings.TrimSpace(lf.Debit) != "" {
			if l.Debit, err = ledger.ParseAmount(lf.Debit); err != nil {
				return nil, ledger.Errorf(ledger.EInvalidAmount, field+".debit", "%s", ledger.ErrorMessage(err))
			}
		}
		if strings.TrimSpace(lf.Credit) != "" {
			if l.Credit, err = ledger.ParseAmount(lf.Credit); err != nil {
				return nil, ledger.Errorf(ledger.EInvalidAmount, field+".credit", "%s", ledger.ErrorMessage(err))
			}
		}
		for j, it := range lf.Items {
			item, err := ledger.ParseItemFields(fmt.Sprintf("%s.items[%d].", field, j+1), it.Name, it.Spec, it.Unit, it.Quantity, it.UnitPrice, it.Amount)
			if err != nil {
				return nil, err
			}
			l.Items = append(l.Items, item)
		}
		v.Lines = append(v.Lines, l)
	}
	for i, bf := range f.Beneficiaries {
		amt, err := ledger.ParseAmount(bf.Amount)
		if err != nil {
			return nil, ledger.Errorf(ledger.EInvalidAmount, fmt.Sprintf("beneficiaries[%d].amount", i+1), "%s", ledger.ErrorMessage(err))
		}
		v.Beneficiaries = append(v.Beneficiaries, ledger.Beneficiary{Name: bf.Name, Category: bf.Category, IDNumber: bf.IDNumber, IDKind: ledger.IDKind(bf.IDKind), Phone: bf.Phone, Reason: bf.Reason, Amount: amt})
	}
	return v, nil
}
