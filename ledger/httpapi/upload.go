package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"

	"github.com/fenyang/partyfee/ledger"
)

// Uploaded files (a bank statement, a roster CSV) are the body of a write:
// either the file itself (curl --data-binary @FILE), or a multipart form
// (curl -F file=@FILE) whose only part is named "file". They may be up to
// Options.UploadLimitBytes, above the JSON body limit. The parameters of
// such a write are query parameters; the request hash covers them, the
// file's name and its SHA-256, so a retry with a new multipart boundary is
// the same request.

// upload is an uploaded file.
type upload struct {
	name string // the file's base name: the part's file name, ?filename= or "upload"
	data []byte
}

// uploadFunc checks and decodes a file write and returns the write itself.
type uploadFunc func(c *call, f upload) (execFunc, error)

// writeFile is write for a route whose body is a file.
func (s *Server) writeFile(h uploadFunc) http.HandlerFunc {
	return s.idempotent(func(c *call) (prepared, error) {
		f, err := readUpload(c.w, c.r, s.opt.UploadLimitBytes)
		if err != nil {
			return prepared{}, err
		}
		exec, err := h(c, f)
		sum := sha256.Sum256(f.data)
		fingerprint := []byte(f.name + "\n" + hex.EncodeToString(sum[:]))
		return prepared{exec: exec, hash: requestHash(c.r.Method, c.r.URL.Path+"?"+c.r.URL.Query().Encode(), fingerprint)}, err
	})
}

// readUpload reads the uploaded file of r within limit bytes.
func readUpload(w http.ResponseWriter, r *http.Request, limit int64) (upload, error) {
	if r.ContentLength > limit {
		return upload{}, tooLargeFile(limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return upload{}, tooLargeFile(limit)
	}
	if err != nil {
		return upload{}, ledger.Errorf(ledger.EInvalid, "body", "the request body could not be read")
	}
	f := upload{name: "upload", data: body}
	if n := r.URL.Query().Get("filename"); n != "" {
		f.name = n
	}
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "multipart/form-data" {
		if f, err = readMultipart(body, params["boundary"], f.name); err != nil {
			return upload{}, err
		}
	}
	f.name = path.Base(strings.ReplaceAll(f.name, `\`, "/"))
	if len(f.data) == 0 {
		return upload{}, ledger.Errorf(ledger.EInvalid, "file", "the file is empty: send it as the body (curl --data-binary @FILE) or as the form part \"file\" (curl -F file=@FILE)")
	}
	return f, nil
}

func tooLargeFile(limit int64) error {
	return ledger.Errorf(ledger.ETooLarge, "file", "an uploaded file is at most %d bytes (serve upload limit)", limit)
}

// readMultipart takes the one part "file" of a multipart form.
func readMultipart(body []byte, boundary, name string) (upload, error) {
	if boundary == "" {
		return upload{}, ledger.Errorf(ledger.EInvalid, "Content-Type", "a multipart/form-data body needs a boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var f *upload
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return upload{}, ledger.Errorf(ledger.EInvalid, "body", "malformed multipart form: %v", err)
		}
		if p.FormName() != "file" {
			return upload{}, ledger.Errorf(ledger.EInvalid, p.FormName(), "unknown form part %q: the form has one part, \"file\"; parameters go in the query", p.FormName())
		}
		if f != nil {
			return upload{}, ledger.Errorf(ledger.EInvalid, "file", "the form has more than one part \"file\"")
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return upload{}, ledger.Errorf(ledger.EInvalid, "file", "malformed multipart form: %v", err)
		}
		f = &upload{name: name, data: data}
		if fn := p.FileName(); fn != "" {
			f.name = fn
		}
	}
	if f == nil {
		return upload{}, ledger.Errorf(ledger.EInvalid, "file", "the form has no part \"file\"")
	}
	return *f, nil
}
