package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// entryRoutes registers the pages of the entry grid beyond /vouchers/new:
// a draft's edit page, its files, and the saved summaries.
func (s *Server) entryRoutes() {
	s.mux.Handle("GET /vouchers/{id}/edit", s.auth(s.editVoucherPage))
	s.mux.Handle("POST /vouchers/{id}/edit", s.uploads(s.auth(s.editVoucherForm)))
	s.mux.Handle("POST /vouchers/{id}/attachments", s.uploads(s.auth(s.attachForm)))
	s.mux.Handle("GET /vouchers/{id}/attachments/{n}", s.auth(s.attachmentFile))
	s.mux.Handle("POST /summaries", s.auth(s.saveSummary))
	s.mux.Handle("POST /summaries/remove", s.auth(s.removeSummary))
}

// editable reads draft id for its edit page: the user may read it
// (else 403), may edit it (its maker or an admin in scope), and it is
// still a draft (a checked or posted voucher is immutable).
func (s *Server) editable(r *http.Request) (*ledger.Voucher, error) {
	rq := current(r)
	if err := ledger.CanMakeVouchers(rq.user); err != nil {
		return nil, err
	}
	id, err := voucherID(r)
	if err != nil {
		return nil, err
	}
	v, err := s.readable(r, id)
	if err != nil {
		return nil, err
	}
	if err := ledger.CanEditDraft(rq.user, v, rq.books); err != nil {
		return nil, err
	}
	// The state alone: the version is the form's, checked when it is saved.
	if err := ledger.CheckEdit(v, v, v.Version); err != nil {
		return nil, err
	}
	return v, nil
}

// editVoucherPage answers GET /vouchers/{id}/edit: the grid prefilled
// with the draft (header, lines, beneficiaries, items) and the version it
// was read at.
func (s *Server) editVoucherPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.editable(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := draftEntry(v)
	if d.Files, err = s.db.Attachments(r.Context(), v.Book, v.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderEntry(w, r, http.StatusOK, &d)
}

// draftEntry is the grid of a stored draft.
func draftEntry(v *ledger.Voucher) entryData {
	text := func(m ledger.Money) string {
		if m.IsZero() {
			return ""
		}
		return m.String()
	}
	d := entryData{Flow: v.Flow, Type: v.Type, Date: v.Date.Format(time.DateOnly), Attachments: strconv.Itoa(v.Attachments),
		Decision: v.Decision, Summary: v.Summary, Payee: v.Payee, PayeeType: v.PayeeType, Method: v.Method,
		ID: v.ID, Word: v.Word(), Version: v.Version}
	for i, l := range v.Lines {
		d.Lines = append(d.Lines, entryLine{Summary: l.Summary, Account: l.Account, Org: l.Org, Fund: l.Fund, Purpose: string(l.Purpose),
			Debit: text(l.Debit), Credit: text(l.Credit)})
		for _, it := range l.Items {
			d.Items = append(d.Items, entryItem{Line: strconv.Itoa(i + 1), Name: it.Name, Spec: it.Spec, Unit: it.Unit,
				Quantity: it.Quantity.String(), UnitPrice: it.UnitPrice.String(), Amount: it.Amount.String()})
		}
	}
	for _, x := range v.Beneficiaries {
		d.Beneficiaries = append(d.Beneficiaries, entryBeneficiary{Name: x.Name, Category: x.Category, IDNumber: x.IDNumber,
			Amount: x.Amount.String(), Reason: x.Reason, Kind: string(x.IDKind), Phone: x.Phone})
	}
	return d
}

// editVoucherForm answers POST /vouchers/{id}/edit: the grid saved over
// the draft by the draft-edit use case (DB.EditVoucher, as `voucher edit`
// and the API), naming the version the form was read at: an edit saved
// meanwhile makes it stale, refused at the form (invalid_state, version).
// What the grid does not show (document kinds, memo, the closing and
// correcting marks) is kept as stored. Files chosen with it are attached
// after the edit is saved.
func (s *Server) editVoucherForm(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	old, err := s.editable(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	files, ferr := s.formFiles(r)
	d := readEntryForm(r)
	d.Flow, d.ID, d.Word = old.Flow, old.ID, old.Word()
	if d.Files, err = s.db.Attachments(r.Context(), old.Book, old.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if ferr != nil {
		s.refuseEntry(w, r, &d, ferr)
		return
	}
	v, err := entryVoucher(&d, rq.user)
	if err == nil {
		v.DocTypes, v.Memo, v.Closing, v.Correcting = old.DocTypes, old.Memo, old.Closing, old.Correcting
		if v.Type == "" {
			v.Type = old.Type
		}
		_, err = s.db.EditVoucher(r.Context(), rq.user.Name, old.ID, d.Version, v)
	}
	if err != nil {
		s.refuseEntry(w, r, &d, err)
		return
	}
	s.attachAfterSave(w, r, old.ID, files, "edited")
}

// summaryAnswer answers a change of the saved summaries: to a page script
// (it sends X-CSRF-Token) the list as JSON, or the error's Chinese message
// with its status; to a form, back to the page it came from.
func (s *Server) summaryAnswer(w http.ResponseWriter, r *http.Request, err error) {
	rq := current(r)
	script := r.Header.Get(postgres.CSRFHeader) != ""
	if err != nil && !script {
		s.fail(w, r, err)
		return
	}
	if !script {
		http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if err != nil {
		w.WriteHeader(statusOf(ledger.ErrorCode(err)))
		writeJSON(w, map[string]any{"error": i18n.Message(i18n.ZhCN, err)})
		return
	}
	list, lerr := s.db.SavedSummaries(r.Context(), rq.user.Book, rq.user.Name)
	if lerr != nil {
		w.WriteHeader(http.StatusInternalServerError)
		writeJSON(w, map[string]any{"error": "请求未能完成，请稍后再试。"})
		return
	}
	writeJSON(w, map[string]any{"summaries": list})
}

// saveSummary answers POST /summaries (text): the text kept among the
// user's saved summaries (常用摘要).
func (s *Server) saveSummary(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	err := ledger.CanMakeVouchers(rq.user)
	if err == nil {
		_, err = s.db.SaveSummary(r.Context(), rq.user.Book, rq.user.Name, r.PostFormValue("text"))
	}
	s.summaryAnswer(w, r, err)
}

// removeSummary answers POST /summaries/remove (text).
func (s *Server) removeSummary(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	s.summaryAnswer(w, r, s.db.RemoveSummary(r.Context(), rq.user.Book, rq.user.Name, r.PostFormValue("text")))
}

func writeJSON(w http.ResponseWriter, v any) { json.NewEncoder(w).Encode(v) }
