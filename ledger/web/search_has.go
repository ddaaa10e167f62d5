package web

import (
	"net/url"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// hasBeneficiaries is ?has= selecting the vouchers that pay beneficiaries
// (the drill-down of T6's 合计).
const hasBeneficiaries = "beneficiaries"

// parseHas reads ?has= of 凭证查询 into vs.
func parseHas(q url.Values, vs *postgres.VoucherSearch) error {
	for _, h := range q["has"] {
		if h != hasBeneficiaries {
			return ledger.Errorf(ledger.EInvalid, "has", "has is beneficiaries")
		}
		vs.Beneficiaries = true
	}
	return nil
}
