package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/fenyang/partyfee/ledger"
)

// The scanned originals of a voucher viewed in the page (原始凭证附件): the
// voucher page shows an image inline and a PDF in a frame, both from
// GET /vouchers/{id}/files/{no} on the same origin, for anyone who may read
// the voucher.

// voucherFile answers GET /vouchers/{id}/files/{no}: the file's bytes as
// stored, with the media type recorded when its kind was sniffed, to be
// shown inline (a frame of this origin may hold it; nothing else may).
func (s *Server) voucherFile(w http.ResponseWriter, r *http.Request) {
	id, err := voucherID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.readable(r, id); err != nil {
		s.fail(w, r, err)
		return
	}
	no, err := strconv.Atoi(r.PathValue("no"))
	if err != nil || no <= 0 {
		s.fail(w, r, ledger.Errorf(ledger.ENotFound, "no", "voucher %d has no file %d", id, 0))
		return
	}
	a, err := s.db.Attachment(r.Context(), current(r).user.Book, id, no)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	known := false
	for _, mt := range ledger.AttachmentKinds {
		known = known || mt == a.MediaType
	}
	if !known {
		a.MediaType = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", a.MediaType)
	h.Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape(a.FileName))
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'self'")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Length", strconv.Itoa(len(a.Data)))
	w.Write(a.Data)
}

// IsImage tells a file shown as an image from one shown in a frame.
func (v *viewer) IsImage(a ledger.Attachment) bool {
	return a.MediaType == ledger.AttachmentKinds[ledger.KindJPEG] || a.MediaType == ledger.AttachmentKinds[ledger.KindPNG]
}
