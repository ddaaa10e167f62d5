package ledger_test

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

var (
	pdfBytes  = []byte("%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n")
	pngBytes  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	jpegBytes = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F'}
)

func TestNewAttachmentOK(t *testing.T) {
	l := ledger.DefaultAttachmentLimits()
	for _, c := range []struct {
		name, file, wantName, media string
		data                        []byte
	}{
		{"a PDF", "发票.pdf", "发票.pdf", "application/pdf", pdfBytes},
		{"a PNG named .pdf: the content decides", "scan.pdf", "scan.pdf", "image/png", pngBytes},
		{"a JPEG with a directory", `C:\扫描\签收单.jpg`, "签收单.jpg", "image/jpeg", jpegBytes},
		{"no name", "", "attachment.pdf", "application/pdf", pdfBytes},
	} {
		a, err := ledger.NewAttachment(c.file, c.data, l)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if a.FileName != c.wantName || a.MediaType != c.media || a.Size != int64(len(c.data)) || a.SHA256 != sha256.Sum256(c.data) || !bytes.Equal(a.Data, c.data) {
			t.Fatalf("%s: %+v", c.name, a)
		}
	}
}

func TestNewAttachmentRefused(t *testing.T) {
	l := ledger.DefaultAttachmentLimits()
	pdfOnly := ledger.AttachmentLimits{MaxBytes: 64, Kinds: []string{ledger.KindPDF}}
	for _, c := range []struct {
		name, file  string
		data        []byte
		l           ledger.AttachmentLimits
		code, field string
	}{
		{"text named .pdf", "发票.pdf", []byte("not a pdf at all"), l, ledger.EInvalid, "file"},
		{"a ZIP named .png", "scan.png", []byte("PK\x03\x04rest"), l, ledger.EInvalid, "file"},
		{"a PNG where only PDF is allowed", "scan.png", pngBytes, pdfOnly, ledger.EInvalid, "file"},
		{"too big", "big.pdf", append([]byte("%PDF-"), make([]byte, 64)...), pdfOnly, ledger.ETooLarge, "file"},
		{"empty", "a.pdf", nil, l, ledger.EInvalid, "file"},
		{"a control character in the name", "a\x1b[2J.pdf", pdfBytes, l, ledger.EInvalid, "file_name"},
		{"a name too long", strings.Repeat("名", ledger.AttachmentNameMax+1), pdfBytes, l, ledger.EInvalid, "file_name"},
	} {
		_, err := ledger.NewAttachment(c.file, c.data, c.l)
		if ledger.ErrorCode(err) != c.code || ledger.ErrorField(err) != c.field {
			t.Errorf("%s: %v, want %s on %s", c.name, err, c.code, c.field)
		}
	}
}

func TestAttachmentLimitsCheck(t *testing.T) {
	if err := ledger.DefaultAttachmentLimits().Check(); err != nil {
		t.Fatal(err)
	}
	for _, l := range []ledger.AttachmentLimits{
		{MaxBytes: 0, Kinds: []string{"pdf"}},
		{MaxBytes: ledger.AttachmentMaxBytesMax + 1, Kinds: []string{"pdf"}},
		{MaxBytes: 10, Kinds: nil},
		{MaxBytes: 10, Kinds: []string{"gif"}},
	} {
		if err := l.Check(); ledger.ErrorCode(err) != ledger.EInvalid {
			t.Errorf("%+v: %v", l, err)
		}
	}
}

func TestCanAttach(t *testing.T) {
	b := demoBooks(t)
	v := voucher(allocation...)
	v.Maker, v.Status, v.Number = "wangfang", ledger.StatusDraft, 3
	maker := &ledger.User{Name: "wangfang", Roles: []ledger.Role{ledger.RoleOfficer}}
	admin := &ledger.User{Name: "sun", Roles: []ledger.Role{ledger.RoleAdmin}}
	other := &ledger.User{Name: "liuyang", Roles: []ledger.Role{ledger.RoleOfficer}}
	scoped := &ledger.User{Name: "wangfang", Roles: []ledger.Role{ledger.RoleOfficer}, Scope: "FY-CP-02"}
	auditor := &ledger.User{Name: "fengqing", Roles: []ledger.Role{ledger.RoleAuditor}}
	checker := &ledger.User{Name: "liqiang", Roles: []ledger.Role{ledger.RoleChecker}}
	for _, u := range []*ledger.User{maker, admin} {
		if err := ledger.CanAttach(u, v, b); err != nil {
			t.Fatalf("%s: %v", u.Name, err)
		}
	}
	checked := *v
	checked.Status = ledger.StatusChecked
	for _, c := range []struct {
		name        string
		u           *ledger.User
		v           *ledger.Voucher
		code, field string
	}{
		{"another officer", other, v, ledger.ESamePerson, "user"},
		{"out of scope", scoped, v, ledger.EForbidden, "lines[1].org"},
		{"an auditor", auditor, v, ledger.EForbidden, "user"},
		{"a checker", checker, v, ledger.EForbidden, "user"},
		{"a checked voucher", maker, &checked, ledger.EInvalidState, "status"},
		{"no user", nil, v, ledger.EUnauthenticated, "user"},
	} {
		if err := ledger.CanAttach(c.u, c.v, b); ledger.ErrorCode(err) != c.code || ledger.ErrorField(err) != c.field {
			t.Errorf("%s: %v, want %s on %s", c.name, err, c.code, c.field)
		}
	}
}
