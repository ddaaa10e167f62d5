package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/httpapi"
)

var (
	scanPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	scanPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
)

// attachDraft is a procurement draft of FY-CP-01 made by officer.
func attachDraft(e *env) *ledger.Voucher {
	e.t.Helper()
	e.funded()
	return e.flow(officer, ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: ledger.Procurement,
		Amount: amt("300.00"), Date: day("2020-02-10"), Attachments: 1, Payee: "汾阳市医药公司", PayeeType: ledger.PayeeSupplier})
}

func TestAttachmentsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := attachDraft(e)
	path := fmt.Sprintf("/api/v1/vouchers/%d/attachments", v.ID)

	// A raw body named by ?filename=, replayed with the same key.
	key := newKey()
	r := e.request(http.MethodPost, path+"?filename=发票.pdf", e.tokens[officer], scanPDF, "Idempotency-Key", key, "Content-Type", "application/pdf")
	expect(t, r, http.StatusCreated, "")
	var a ledger.AttachmentView
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(scanPDF)
	if a.No != 1 || a.FileName != "发票.pdf" || a.MediaType != "application/pdf" || a.SHA256 != hex.EncodeToString(sum[:]) || a.UploadedBy != officer {
		t.Fatalf("attached %+v", a)
	}
	r = e.request(http.MethodPost, path+"?filename=发票.pdf", e.tokens[officer], scanPDF, "Idempotency-Key", key, "Content-Type", "application/pdf")
	expect(t, r, http.StatusCreated, "")
	if r.header.Get("Idempotency-Replayed") != "true" || e.count(`SELECT count(*) FROM voucher_attachments WHERE voucher_id = $1`, v.ID) != 1 {
		t.Fatalf("replay stored another file: %s", r.body)
	}

	// A multipart form; the type comes from the content, not the name.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	part, _ := mw.CreateFormFile("file", "签收单.pdf")
	part.Write(scanPNG)
	mw.Close()
	r = e.request(http.MethodPost, path, e.tokens[admin], form.Bytes(), "Idempotency-Key", newKey(), "Content-Type", mw.FormDataContentType())
	expect(t, r, http.StatusCreated, "")
	if m := r.json(t); m["media_type"] != "image/png" || m["no"] != float64(2) || m["file_name"] != "签收单.pdf" {
		t.Fatalf("multipart: %s", r.body)
	}

	// Listed and downloaded by whoever may read the voucher.
	for _, u := range []string{officer, auditor, cpOfficer} {
		r = e.get(u, path)
		expect(t, r, http.StatusOK, "")
		var list struct {
			PaperSheets int                     `json:"paper_sheets"`
			Attachments []ledger.AttachmentView `json:"attachments"`
		}
		if err := json.Unmarshal(r.body, &list); err != nil || len(list.Attachments) != 2 || list.PaperSheets != 1 || list.Attachments[1].MediaType != "image/png" {
			t.Fatalf("%s lists %s", u, r.body)
		}
	}
	r = e.get(auditor, path+"/2")
	expect(t, r, http.StatusOK, "")
	if !bytes.Equal(r.body, scanPNG) || r.header.Get("Content-Type") != "image/png" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("download: %q %v", r.body, r.header)
	}
	expect(t, e.get(officer, path+"/3"), http.StatusNotFound, ledger.ENotFound)
	expect(t, e.get(cpChecker, path), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.get(cpChecker, path+"/1"), http.StatusForbidden, ledger.EForbidden)
	if m := e.get(officer, fmt.Sprintf("/api/v1/vouchers/%d", v.ID)).json(t); m["files"] != float64(2) {
		t.Fatalf("voucher files %v", m["files"])
	}
	// The wider route behind the list answers other paths as the router would.
	expect(t, e.get(officer, fmt.Sprintf("/api/v1/vouchers/%d/nothing", v.ID)), http.StatusNotFound, ledger.ENotFound)
	expect(t, e.get(officer, fmt.Sprintf("/api/v1/vouchers/%d/check", v.ID)), http.StatusMethodNotAllowed, ledger.EInvalid)
	expect(t, e.get(officer, "/api/v1/vouchers/by-number/记-1?period=2020-02"), http.StatusOK, "")
}

func TestAttachmentsAPIRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *httpapi.Options) {
		o.Attachments = ledger.AttachmentLimits{MaxBytes: 200, Kinds: []string{ledger.KindPDF, ledger.KindPNG}}
	})
	v := attachDraft(e)
	path := fmt.Sprintf("/api/v1/vouchers/%d/attachments", v.ID)
	big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 300)...)
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}
	for _, c := range []struct {
		name   string
		user   string
		body   []byte
		status int
		code   string
	}{
		{"text named .pdf", officer, []byte("this is not a PDF"), http.StatusBadRequest, ledger.EInvalid},
		{"a JPEG where jpeg is not configured", officer, jpeg, http.StatusBadRequest, ledger.EInvalid},
		{"too big", officer, big, http.StatusRequestEntityTooLarge, ledger.ETooLarge},
		{"another officer", officer2, scanPDF, http.StatusForbidden, ledger.ESamePerson},
		{"an auditor", auditor, scanPDF, http.StatusForbidden, ledger.EForbidden},
	} {
		r := e.request(http.MethodPost, path+"?filename=a.pdf", e.tokens[c.user], c.body, "Idempotency-Key", newKey(), "Content-Type", "application/pdf")
		if r.status != c.status || r.str(t, "code") != c.code {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
	}
	// Out of scope: a draft of FY-CP-02 by an officer scoped to FY-CP-01.
	w := e.flow(officer, ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-02", Purpose: ledger.Procurement,
		Amount: amt("10.00"), Date: day("2020-02-10"), Attachments: 1, Payee: "汾阳市医药公司", PayeeType: ledger.PayeeSupplier})
	r := e.request(http.MethodPost, fmt.Sprintf("/api/v1/vouchers/%d/attachments", w.ID), e.tokens[cpOfficer], scanPDF, "Idempotency-Key", newKey())
	expect(t, r, http.StatusForbidden, ledger.EForbidden)
	// No key: refused before anything.
	expect(t, e.request(http.MethodPost, path, e.tokens[officer], scanPDF), http.StatusBadRequest, ledger.EInvalid)
	// A checked voucher takes no file.
	e.step(v.ID, checker, ledger.ActCheck)
	expect(t, e.request(http.MethodPost, path, e.tokens[officer], scanPDF, "Idempotency-Key", newKey()), http.StatusConflict, ledger.EInvalidState)
	if n := e.count(`SELECT count(*) FROM voucher_attachments`); n != 0 {
		t.Fatalf("%d files stored by refused requests", n)
	}
}
