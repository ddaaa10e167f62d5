package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/fenyang/partyfee/ledger"
)

// Scanned originals (原始凭证附件) in the pages: chosen or dropped on the
// entry grid (attached when the draft is saved) or on a draft's page,
// each checked by ledger.NewAttachment (size and type limits, the type
// sniffed from the content) and stored by the use case of `voucher
// attach` and POST /api/v1/vouchers/{id}/attachments (DB.AttachFile, which
// authorizes: the maker or an admin in scope, a draft only); listed on the
// voucher's page with thumbnails of the images, each served by an
// authorised GET.

// entryFilesMax bounds the files of one submit.
const entryFilesMax = 10

// uploadSlackBytes is what the form's other fields and the multipart
// envelope may add to the files of a submit.
const uploadSlackBytes = 1 << 20

// formMemoryBytes is what a multipart form keeps in memory (the rest of
// its files waits in temporary files until the request ends).
const formMemoryBytes = 8 << 20

// uploads bounds the body of a form that may carry files: entryFilesMax
// files of the largest size accepted, and the rest of the form. A body
// announced larger is refused before it is read (and before the session
// is looked at: the answer says nothing about the user).
func (s *Server) uploads(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := entryFilesMax*s.opt.Attachments.MaxBytes + uploadSlackBytes
		if r.ContentLength > limit {
			s.fail(w, r, ledger.Errorf(ledger.ETooLarge, "file", "the upload has %d bytes; at most %d are accepted", r.ContentLength, limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		h.ServeHTTP(w, r)
	})
}

// parseForm reads a form, multipart or not; a body over the limit of
// uploads is too_large.
func parseForm(r *http.Request) error {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(formMemoryBytes)
	} else {
		err = r.ParseForm()
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return ledger.Errorf(ledger.ETooLarge, "file", "the upload has more than %d bytes", mb.Limit)
	}
	if err != nil {
		return ledger.Errorf(ledger.EInvalid, "file", "the form could not be read: %v", err)
	}
	return nil
}

// formFiles reads and checks the files of the form's "files" parts (none
// is no error): at most entryFilesMax, each within the configured limits.
func (s *Server) formFiles(r *http.Request) ([]*ledger.Attachment, error) {
	if err := parseForm(r); err != nil {
		return nil, err
	}
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []*ledger.Attachment
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the empty part of a file input left empty
		}
		if len(out) == entryFilesMax {
			return nil, ledger.Errorf(ledger.ETooLarge, "file", "at most %d files are attached at once", entryFilesMax)
		}
		if fh.Size > s.opt.Attachments.MaxBytes {
			return nil, ledger.Errorf(ledger.ETooLarge, "file", "the file has %d bytes; at most %d are accepted", fh.Size, s.opt.Attachments.MaxBytes)
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, s.opt.Attachments.MaxBytes+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		a, err := ledger.NewAttachment(fh.Filename, data, s.opt.Attachments)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// attachAfterSave attaches the files of a saved grid to draft id and goes
// to its page (?done=made or edited); a file refused now (the draft moved
// on meanwhile) is named on the draft's page, which was saved.
func (s *Server) attachAfterSave(w http.ResponseWriter, r *http.Request, id int64, files []*ledger.Attachment, done string) {
	rq := current(r)
	for _, a := range files {
		if _, err := s.db.AttachFile(r.Context(), rq.user.Book, rq.user.Name, id, a); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	target := fmt.Sprintf("/vouchers/%d?done=%s", id, done)
	if len(files) > 0 {
		target += "&files=" + strconv.Itoa(len(files))
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// attachForm answers POST /vouchers/{id}/attachments: the chosen files
// attached to the draft, back to its page; a refusal is a page naming the
// file and the reason.
func (s *Server) attachForm(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	id, err := voucherID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := ledger.CanMakeVouchers(rq.user); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.readable(r, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := ledger.CanAttach(rq.user, v, rq.books); err != nil {
		s.fail(w, r, err)
		return
	}
	files, err := s.formFiles(r)
	if err == nil && len(files) == 0 {
		err = ledger.Errorf(ledger.EInvalid, "file", "choose a PDF, JPEG or PNG file to attach")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.attachAfterSave(w, r, id, files, "attach")
}

// attachmentFile answers GET /vouchers/{id}/attachments/{n}: file n of a
// voucher the user may read, shown in the browser (?download=1: saved);
// its bytes are checked against the recorded SHA-256 first.
func (s *Server) attachmentFile(w http.ResponseWriter, r *http.Request) {
	id, err := voucherID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		s.fail(w, r, ledger.Errorf(ledger.ENotFound, "no", "voucher %d has no file %s", id, r.PathValue("n")))
		return
	}
	if _, err := s.readable(r, id); err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.db.Attachment(r.Context(), current(r).user.Book, id, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !f.Intact() {
		s.fail(w, r, ledger.Errorf(ledger.EInternal, "file", "file %d of voucher %d no longer has its recorded SHA-256; run ledger verify", n, id))
		return
	}
	h := w.Header()
	disposition := "inline"
	if r.URL.Query().Get("download") != "" {
		disposition = "attachment"
	}
	if f.MediaType == ledger.AttachmentKinds[ledger.KindPDF] {
		// The browser's PDF viewer is an embedded plugin, which the pages'
		// policy (object-src 'none' by default-src) would block; the file
		// is a sniffed PDF served as one (nosniff), never HTML.
		h.Set("Content-Security-Policy", "frame-ancestors 'none'")
	}
	h.Set("Content-Type", f.MediaType)
	h.Set("Content-Length", strconv.Itoa(len(f.Data)))
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": f.FileName}))
	h.Set("ETag", fmt.Sprintf("%q", f.SHA256Hex()))
	w.WriteHeader(http.StatusOK)
	w.Write(f.Data)
}

// voucherFiles fills what the voucher page shows of the files: their
// list, and whether the user may attach more and edit the draft.
func (s *Server) voucherFiles(r *http.Request, d *voucherData) error {
	rq := current(r)
	var err error
	if d.Files, err = s.db.Attachments(r.Context(), rq.user.Book, d.V.ID); err != nil {
		return err
	}
	d.CanAttach = ledger.CanAttach(rq.user, d.V, rq.books) == nil
	d.CanEdit = canEdit(rq.user, d.V, rq.books)
	d.FileBytesMax = s.opt.Attachments.MaxBytes
	return nil
}

// canEdit reports whether u may open draft v's edit page.
func canEdit(u *ledger.User, v *ledger.Voucher, b *ledger.Books) bool {
	return v.Status == ledger.StatusDraft && v.ReversalOf == 0 && ledger.CanEditDraft(u, v, b) == nil
}

// CanEdit reports whether the page's user may edit draft x (the 修改 link
// of a list).
func (v *viewer) CanEdit(x *ledger.Voucher) bool {
	return v != nil && v.user != nil && x != nil && canEdit(v.user, x, v.books)
}

// isImage reports whether a stored file is shown as a thumbnail.
func isImage(a ledger.Attachment) bool { return strings.HasPrefix(a.MediaType, "image/") }

// fileSize is a file's size as people read it: 12.3 KB, 1.5 MB.
func fileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d 字节", n)
}

func init() {
	funcs["isImage"] = isImage
	funcs["fileSize"] = fileSize
}
