package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/fenyang/partyfee/ledger"
)

// Scanned originals (原始凭证附件) of a voucher:
//
//	POST /api/v1/vouchers/{id}/attachments        the file as the body or the form part "file"
//	                                               (?filename= names a raw body); Idempotency-Key
//	GET  /api/v1/vouchers/{id}/attachments        the files' metadata and SHA-256
//	GET  /api/v1/vouchers/{id}/attachments/{n}    file n's bytes, with its media type
//
// A file is attached to a draft by its maker or an admin in scope; the
// files are listed and read by anyone who may read the voucher.
func (s *Server) registerAttachments() {
	s.handle(Route{Method: http.MethodPost, Pattern: "/api/v1/vouchers/{id}/attachments", Write: true}, s.attachFile())
	s.handleVoucherGet("attachments", s.read(s.listAttachments))
	s.handle(Route{Method: http.MethodGet, Pattern: "/api/v1/vouchers/{id}/attachments/{n}"}, s.downloadAttachment)
}

// handleVoucherGet registers GET /api/v1/vouchers/{id}/SUB. The router
// cannot hold that pattern beside GET /api/v1/vouchers/by-number/{word}
// (each matches a path the other does not), so it is served through the
// wider GET /api/v1/vouchers/{id}/{sub}, which the by-number route is more
// specific than; any other sub is answered as the router would.
func (s *Server) handleVoucherGet(sub string, h http.HandlerFunc) {
	rt := Route{Method: http.MethodGet, Pattern: "/api/v1/vouchers/{id}/" + sub}
	s.routes = append(s.routes, rt)
	s.mux.HandleFunc("GET /api/v1/vouchers/{id}/{sub}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("sub") == sub {
			info(r).route = rt.Method + " " + rt.Pattern
			h(w, r)
			return
		}
		var allow []string
		for _, o := range s.routes {
			if o.Pattern == "/api/v1/vouchers/{id}/"+r.PathValue("sub") && o.Method != r.Method {
				allow = append(allow, o.Method)
			}
		}
		if len(allow) == 0 {
			s.writeError(w, r, ledger.Errorf(ledger.ENotFound, "path", "no route %s %s", r.Method, r.URL.Path))
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeError(w, r, withStatus(http.StatusMethodNotAllowed,
			ledger.Errorf(ledger.EInvalid, "method", "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", "))))
	})
}

// attachmentSlackBytes is what a multipart envelope may add to the largest
// file accepted.
const attachmentSlackBytes = 64 << 10

func (s *Server) attachFile() http.HandlerFunc {
	return s.idempotent(func(c *call) (prepared, error) {
		// The role first: no body is read for a user who may attach nothing.
		if err := ledger.CanMakeVouchers(c.user); err != nil {
			return prepared{}, err
		}
		id, err := pathID(c.r)
		if err != nil {
			return prepared{}, err
		}
		limits := s.opt.Attachments
		f, err := readUpload(c.w, c.r, limits.MaxBytes+attachmentSlackBytes)
		if ledger.ErrorCode(err) == ledger.ETooLarge {
			err = ledger.Errorf(ledger.ETooLarge, "file", "an attachment is at most %d bytes (attachments.max_bytes)", limits.MaxBytes)
		}
		if err != nil {
			return prepared{}, err
		}
		name := f.name
		if name == "upload" && c.r.URL.Query().Get("filename") != "upload" {
			name = "" // no name given: the type names it
		}
		a, err := ledger.NewAttachment(name, f.data, limits)
		if err != nil {
			return prepared{}, err
		}
		exec := func(ctx context.Context, retry bool) (int, any, error) {
			if retry {
				// The earlier attempt may have stored the file before its
				// answer was lost: answer with that file.
				files, err := s.db.Attachments(ctx, c.user.Book, id)
				if err != nil {
					return 0, nil, err
				}
				for i := range files {
					if g := &files[i]; g.SHA256 == a.SHA256 && g.UploadedBy == c.user.Name && g.FileName == a.FileName {
						return http.StatusCreated, g.View(s.opt.TimeZone), nil
					}
				}
			}
			out, err := s.db.AttachFile(ctx, c.user.Book, c.user.Name, id, a)
			if err != nil {
				return 0, nil, err
			}
			return http.StatusCreated, out.View(s.opt.TimeZone), nil
		}
		sum := sha256.Sum256(f.data)
		fingerprint := []byte(a.FileName + "\n" + hex.EncodeToString(sum[:]))
		return prepared{exec: exec, hash: requestHash(c.r.Method, c.r.URL.Path, fingerprint)}, nil
	})
}

func (s *Server) listAttachments(c *call) (int, any, error) {
	id, err := pathID(c.r)
	if err != nil {
		return 0, nil, err
	}
	v, err := s.db.VoucherFor(c.r.Context(), c.user.Book, c.user.Name, id)
	if err != nil {
		return 0, nil, err
	}
	files, err := s.db.Attachments(c.r.Context(), c.user.Book, id)
	if err != nil {
		return 0, nil, err
	}
	views := make([]ledger.AttachmentView, len(files))
	for i := range files {
		views[i] = files[i].View(s.opt.TimeZone)
	}
	return http.StatusOK, map[string]any{"voucher_id": id, "paper_sheets": v.Attachments, "attachments": views}, nil
}

func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request) {
	u := info(r).user
	err := func() error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 1 {
			return ledger.Errorf(ledger.EInvalid, "n", "%q is not a file number (1, 2, 3 …)", r.PathValue("n"))
		}
		if _, err := s.db.VoucherFor(r.Context(), u.Book, u.Name, id); err != nil {
			return err
		}
		f, err := s.db.Attachment(r.Context(), u.Book, id, n)
		if err != nil {
			return err
		}
		if !f.Intact() {
			return ledger.Errorf(ledger.EInternal, "file", "file %d of voucher %d no longer has its recorded SHA-256; run ledger verify", n, id)
		}
		h := w.Header()
		h.Set("Content-Type", f.MediaType)
		h.Set("Content-Length", strconv.Itoa(len(f.Data)))
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.FileName}))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("ETag", fmt.Sprintf("%q", f.SHA256Hex()))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(f.Data)
		return nil
	}()
	if err != nil {
		s.writeError(w, r, err)
	}
}
