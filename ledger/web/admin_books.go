package web

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/fenyang/partyfee/ledger"
)

// The book's static data for an admin, read-only (it changes through the
// setup file, admin_setup.go): the organisation tree, the funds and the
// chart of accounts.

// orgKindName is an organisation kind's Chinese name.
func orgKindName(k ledger.OrgKind) string {
	switch k {
	case ledger.OrgDept:
		return "组织部门"
	case ledger.OrgTempBranch:
		return "临时党支部"
	case ledger.OrgPartyGroup:
		return "临时党小组"
	case ledger.OrgBranch:
		return "党支部"
	case ledger.OrgExternal:
		return "外部单位"
	}
	return string(k)
}

// accountTypeName is an account type's Chinese name.
func accountTypeName(t ledger.AccountType) string {
	switch t {
	case ledger.Asset:
		return "资产"
	case ledger.Liability:
		return "负债"
	case ledger.NetAssets:
		return "净资产"
	case ledger.Income:
		return "收入"
	case ledger.Expense:
		return "支出"
	}
	return string(t)
}

type orgRow struct {
	*ledger.Organisation
	Depth    int
	KindName string
}

type adminOrgsData struct {
	Nav  adminNav
	Orgs []orgRow
}

// adminOrgs answers GET /admin/orgs: the organisation tree within the
// admin's scope, in tree order.
func (s *Server) adminOrgs(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := mayAdminister(rq.user); err != nil {
		s.fail(w, r, err)
		return
	}
	orgs, err := s.db.Organisations(r.Context(), rq.user.Book)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := adminOrgsData{Nav: navOf(rq.user, "orgs")}
	for _, o := range orgs {
		if !rq.books.InScope(rq.user.Scope, o.Code) {
			continue
		}
		d.Orgs = append(d.Orgs, orgRow{Organisation: o, Depth: ledger.Depth(rq.books.Orgs, o.Code), KindName: orgKindName(o.Kind)})
	}
	s.render(w, r, http.StatusOK, "admin_orgs", page{Title: "组织机构", Menu: "admin", Data: d})
}

type adminFundRow struct {
	*ledger.Fund
	KindName string
	Purposes string
}

type adminFundsData struct {
	Nav   adminNav
	Funds []adminFundRow
}

// adminFunds answers GET /admin/funds: the funds with their kinds and the
// purposes they may be spent on.
func (s *Server) adminFunds(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := mayAdminister(rq.user); err != nil {
		s.fail(w, r, err)
		return
	}
	d := adminFundsData{Nav: navOf(rq.user, "funds")}
	for _, f := range rq.books.Funds {
		var ps []string
		for _, p := range f.Purposes {
			ps = append(ps, p.Name())
		}
		d.Funds = append(d.Funds, adminFundRow{Fund: f, KindName: f.Kind.Name(), Purposes: strings.Join(ps, "、")})
	}
	slices.SortFunc(d.Funds, func(a, b adminFundRow) int { return cmp.Compare(a.Code, b.Code) })
	s.render(w, r, http.StatusOK, "admin_funds", page{Title: "资金来源", Menu: "admin", Data: d})
}

type accountRow struct {
	*ledger.Account
	Depth    int
	TypeName string
	SideName string
	Purpose  string
}

type adminAccountsData struct {
	Nav      adminNav
	Accounts []accountRow
}

// adminAccounts answers GET /admin/accounts: the chart of accounts in
// code order, children under their parents.
func (s *Server) adminAccounts(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := mayAdminister(rq.user); err != nil {
		s.fail(w, r, err)
		return
	}
	d := adminAccountsData{Nav: navOf(rq.user, "accounts")}
	for _, a := range rq.books.Chart {
		row := accountRow{Account: a, Depth: (len(a.Code) - 4) / 2, TypeName: accountTypeName(a.Type), SideName: "借"}
		if a.Side == ledger.Credit {
			row.SideName = "贷"
		}
		if a.Purpose != "" {
			row.Purpose = a.Purpose.Name()
		}
		d.Accounts = append(d.Accounts, row)
	}
	slices.SortFunc(d.Accounts, func(a, b accountRow) int { return cmp.Compare(a.Code, b.Code) })
	s.render(w, r, http.StatusOK, "admin_accounts", page{Title: "会计科目", Menu: "admin", Data: d})
}
