package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/exchange"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/xlsximport"
	"github.com/fenyang/partyfee/reports"
)

// 凭证导入: the voucher template workbook (ledger template vouchers) made
// into drafts under the officer's name, as `ledger import FILE.xlsx` and
// POST /api/v1/imports do (exchange.ImportWorkbook): every rule checked,
// all or none, an error naming the sheet, row and column in Chinese; the
// same file again makes nothing new.

// importMaxBytes bounds an uploaded workbook.
const importMaxBytes = 16 << 20

type importData struct {
	Error  string
	Result *exchange.ImportResult
}

// importPage answers GET /vouchers/import: the template's download and the
// upload form.
func (s *Server) importPage(w http.ResponseWriter, r *http.Request) {
	if err := ledger.CanMakeVouchers(current(r).user); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "import", page{Title: "凭证导入", Menu: "new", Data: importData{}})
}

// importTemplate answers GET /vouchers/import/template: the book's
// template workbook with its lists of accounts, organisations, funds and
// purposes.
func (s *Server) importTemplate(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	err := reports.WriteVoucherTemplate(&buf, current(r).books, xlsximport.SheetVouchers, xlsximport.Columns,
		reports.TemplateSheet{Name: xlsximport.SheetBeneficiaries, Columns: xlsximport.BeneficiaryColumns},
		reports.TemplateSheet{Name: xlsximport.SheetItems, Columns: xlsximport.ItemColumns})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape("凭证导入模板.xlsx"))
	w.Write(buf.Bytes())
}

// importUpload answers POST /vouchers/import: the form's file made into
// drafts, or the refusal on the page.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	if err := ledger.CanMakeVouchers(rq.user); err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := formFile(r)
	if err == nil {
		var res exchange.ImportResult
		if res, err = exchange.ImportWorkbook(r.Context(), s.db, rq.user.Book, rq.user.Name, data); err == nil {
			s.render(w, r, http.StatusOK, "import", page{Title: "凭证导入", Menu: "new", Data: importData{Result: &res}})
			return
		}
	}
	code := ledger.ErrorCode(err)
	if code == "" || code == ledger.EInternal || code == ledger.EUnavailable || code == ledger.EForbidden {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, statusOf(code), "import", page{Title: "凭证导入", Menu: "new", Data: importData{Error: i18n.Describe(i18n.ZhCN, err)}})
}

// formFile reads the form part "file", at most importMaxBytes.
func formFile(r *http.Request) ([]byte, error) {
	f, _, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "choose the workbook to import")
	}
	if err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, "file", "the upload is not a form with a file: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, importMaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > importMaxBytes {
		return nil, ledger.Errorf(ledger.ETooLarge, "file", "the workbook is larger than %d MiB", importMaxBytes>>20)
	}
	return data, nil
}
