package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/fenyang/partyfee/ledger"
)

// The demo's scanned originals (原始凭证附件): small files made here, a
// one-page PDF standing for a supplier's invoice and a PNG standing for a
// photographed sign-off sheet. They are attached to some drafts before
// they are checked; attaching uses no random numbers and no clock tick, so
// the demo's figures are those of a run without them.

// scanInvoicePDF is a minimal valid PDF (one page, one line of text) for
// voucher v: the cross-reference table holds the true byte offsets.
func scanInvoicePDF(v *ledger.Voucher) []byte {
	text := fmt.Sprintf("Invoice for voucher %d-%02d No. %d, amount %s", v.Year, v.Month, v.Number, v.Total().String())
	stream := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text)
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// scanSheetPNG is a small grey image with ruled lines standing for a
// photographed sign-off sheet (签收单) of voucher v; the ruling differs by
// voucher, so every file has its own hash.
func scanSheetPNG(v *ledger.Voucher) []byte {
	const w, h = 120, 80
	img := image.NewGray(image.Rect(0, 0, w, h))
	rows := 3 + int(v.ID%5)
	for y := range h {
		for x := range w {
			c := uint8(235)
			if y%(h/rows) == 0 || x == 8 || x == w-9 || (x+int(v.ID))%37 == 0 && y > 10 {
				c = 60
			}
			img.SetGray(x, y, color.Gray{Y: c})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // encoding an in-memory image does not fail
	}
	return b.Bytes()
}

// attachScans attaches the demo's files to draft v made by maker: an
// invoice to a procurement voucher, a sign-off sheet to a condolence or
// relief voucher. It returns how many it attached.
func (s *scenario) attachScans(maker string, v *ledger.Voucher, purpose ledger.Purpose) (int, error) {
	var name string
	var data []byte
	switch purpose {
	case ledger.Procurement:
		name, data = fmt.Sprintf("发票-%d.pdf", v.ID), scanInvoicePDF(v)
	case ledger.Condolence, ledger.Relief:
		name, data = fmt.Sprintf("签收单-%d.png", v.ID), scanSheetPNG(v)
	default:
		return 0, nil
	}
	a, err := ledger.NewAttachment(name, data, ledger.DefaultAttachmentLimits())
	if err != nil {
		return 0, err
	}
	if _, err := s.db.AttachFile(s.ctx, demoBook, maker, v.ID, a); err != nil {
		return 0, fmt.Errorf("attach %s to %q: %w", name, v.Summary, err)
	}
	return 1, nil
}
