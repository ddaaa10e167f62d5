package httpapi

import (
	"context"
	"net/http"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/exchange"
)

// The voucher template workbook (ledger template vouchers) imported as
// drafts, as `ledger import FILE.xlsx`: the file is the body or the form
// part "file"; the vouchers are made under the requesting officer's name,
// every rule checked, all or none; an error names the sheet, row and
// column in Chinese; vouchers made before from the same 凭证键 are skipped.

func (s *Server) registerImports() {
	s.handle(Route{Method: http.MethodPost, Pattern: "/api/v1/imports", Write: true}, s.writeFile(s.importVouchers))
}

// importVouchers answers 201 with the drafts made, or 200 when every
// voucher of the file was made before.
func (s *Server) importVouchers(c *call, f upload) (execFunc, error) {
	if err := ledger.CanMakeVouchers(c.user); err != nil {
		return nil, err
	}
	if _, err := query(c.r, "filename"); err != nil {
		return nil, err
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		res, err := exchange.ImportWorkbook(ctx, s.db, c.user.Book, c.user.Name, f.data)
		if err != nil {
			return 0, nil, err
		}
		if res.Made == 0 {
			return http.StatusOK, res, nil
		}
		return http.StatusCreated, res, nil
	}, nil
}
