package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// receiptPNG is a small real image: a scanned receipt.
func receiptPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 120, 60))
	for x := range 120 {
		for y := range 60 {
			img.Set(x, y, color.RGBA{R: uint8(200 + x%50), G: 230, B: uint8(180 + y), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var receiptPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// attach stores a file on the draft v as actor.
func (e *env) attach(actor string, v *ledger.Voucher, name string, data []byte) *ledger.Attachment {
	e.t.Helper()
	a, err := ledger.NewAttachment(name, data, ledger.DefaultAttachmentLimits())
	if err != nil {
		e.t.Fatal(err)
	}
	out, err := e.db.AttachFile(context.Background(), book, actor, v.ID, a)
	if err != nil {
		e.t.Fatalf("attach %s to %s: %v", name, v.Word(), err)
	}
	return out
}

// A voucher's scanned originals are viewed in its page: the image inline,
// the PDF in a frame, both served from this origin to whoever may read the
// voucher, and only to them.
func TestVoucherFilesInPage(t *testing.T) {
	e := newEnv(t)
	img := receiptPNG(t)
	e.attach("cp01officer", e.spend, "收据.png", img)
	e.attach("cp01officer", e.spend, "发票.pdf", receiptPDF)
	b := e.login("fengqing")
	p := b.get(fmt.Sprintf("/vouchers/%d", e.spend.ID))
	wantStatus(t, p, http.StatusOK, "the voucher")
	wantBody(t, p, "the voucher", "原始凭证附件", fmt.Sprintf(`<img src="/vouchers/%d/files/1"`, e.spend.ID),
		fmt.Sprintf(`<iframe src="/vouchers/%d/files/2"`, e.spend.ID), "收据.png", "发票.pdf")
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("the voucher page's CSP %q", csp)
	}
	f := b.get(fmt.Sprintf("/vouchers/%d/files/1", e.spend.ID))
	wantStatus(t, f, http.StatusOK, "the image")
	if f.header.Get("Content-Type") != "image/png" || f.body != string(img) || !strings.HasPrefix(f.header.Get("Content-Disposition"), "inline") {
		t.Errorf("the image: %v, %d bytes", f.header, len(f.body))
	}
	f = b.get(fmt.Sprintf("/vouchers/%d/files/2", e.spend.ID))
	if f.status != http.StatusOK || f.header.Get("Content-Type") != "application/pdf" || f.body != string(receiptPDF) ||
		f.header.Get("X-Frame-Options") != "SAMEORIGIN" || !strings.Contains(f.header.Get("Content-Security-Policy"), "frame-ancestors 'self'") {
		t.Errorf("the PDF: %d %v", f.status, f.header)
	}
	wantStatus(t, b.get(fmt.Sprintf("/vouchers/%d/files/3", e.spend.ID)), http.StatusNotFound, "no third file")
	wantStatus(t, b.get(fmt.Sprintf("/vouchers/%d/files/x", e.spend.ID)), http.StatusNotFound, "a bad file number")
	// The sibling branch's officer may not read FY-CP-01's voucher, nor its files.
	o := e.login("cp02officer")
	wantStatus(t, o.get(fmt.Sprintf("/vouchers/%d/files/1", e.spend.ID)), http.StatusForbidden, "another branch's file")
	// A voucher without files shows no section.
	wantNot(t, b.get(fmt.Sprintf("/vouchers/%d", e.receive.ID)), "a voucher without files", "原始凭证附件")
}

// The roll-up's figures are whole books': an auditor of one branch is
// refused it, on screen and as the workbook.
func TestAuditRollupRefusesBranchAuditor(t *testing.T) {
	e := newEnv(t)
	e.addUser(ledger.User{Name: "cp01auditor", FullName: "贾审", Roles: []ledger.Role{ledger.RoleAuditor}, Scope: "FY-CP-01"})
	a := e.login("cp01auditor")
	for _, path := range []string{"/audit/rollup?period=2020-02", "/audit/rollup.xlsx?period=2020-02"} {
		p := a.get(path)
		wantStatus(t, p, http.StatusForbidden, "a branch auditor's "+path)
		wantBody(t, p, "a branch auditor's "+path, "无权访问", "跨账套汇总")
		wantNot(t, p, "a branch auditor's "+path, "90,000.00")
	}
}

// addUser adds a user of the book with their password of passwords.
func (e *env) addUser(u ledger.User) {
	e.t.Helper()
	if _, err := e.db.AddUser(context.Background(), book, u, passwords[u.Name]); err != nil {
		e.t.Fatal(err)
	}
}

// An auditor of one branch.
func init() { passwords["cp01auditor"] = "cp01-auditor-pw" }
