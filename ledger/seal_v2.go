package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
)

// SealEncodeV2 returns the canonical encoding of version 2 of the posted
// voucher v with its attachments files, at position seq of its book's hash
// chain, linked to the previous seal prev. SealV2 is the SHA-256 of these
// bytes. Version 2 is written for every voucher sealed since attachments
// (原始凭证附件) exist; version 1 seals stay as they were and verify as
// version 1.
//
// # Fields
//
// Fields and value formats are those of version 1 (see SealEncode): each
// field is <length> ":" <value> "\n", strings are their UTF-8 bytes,
// integers ASCII decimal, amounts two decimals, timestamps UTC with six
// fraction digits.
//
// Field order (version 2):
//
//	 1     version                    integer, "2"
//	 2–27  as fields 2 to 27 of version 1: book, chain sequence, voucher id,
//	       凭证字, year, month, number, date, 摘要, 附单据张数 (the paper
//	       sheets, not the files), 决策依据, payee, payee type, method, flow,
//	       reversal of, maker, made at, checker, checked at, cashier, signed
//	       at, poster, posted at, the line count L with 7 fields per line,
//	       the beneficiary count B with 4 fields per beneficiary
//	28     attachment count F         integer (the files stored with the voucher)
//	       then, for each attachment in ascending attachment number, 4 fields:
//	           number                 integer (1, 2, 3 … in the order attached)
//	           SHA-256                the hash of the file's bytes in lowercase hex (64 digits)
//	           size                   integer (bytes)
//	           media type             string ("application/pdf", "image/jpeg" or "image/png")
//	29     previous seal              as field 28 of version 1
//
// So an encoding has exactly 29 + 7·L + 4·B + 4·F fields; a voucher without
// attachments has the field "1:0\n" for F. The file's bytes are covered
// through their hash: `ledger verify` hashes the stored bytes again and
// reports attachment_changed when they no longer match the stored hash, or
// when the stored hashes no longer match the seal while the hashes recorded
// in the action log when the files were attached do.
//
// Not sealed of an attachment: its file name, who uploaded it and when
// (they are kept in the table and the action log).
func SealEncodeV2(v *Voucher, files []SealedAttachment, seq int64, prev []byte) []byte {
	return AppendSealEncodingV2(make([]byte, 0, sealSizeHint(v)+96*len(files)), v, files, seq, prev)
}

// AppendSealEncodingV2 appends the SealEncodeV2 encoding to dst and returns
// the extended buffer.
func AppendSealEncodingV2(dst []byte, v *Voucher, files []SealedAttachment, seq int64, prev []byte) []byte {
	e := sealEncoder{b: dst}
	e.int(SealVersion2)
	e.body(v, seq)
	if !slices.IsSortedFunc(files, compareAttachmentNo) {
		files = slices.Clone(files)
		slices.SortStableFunc(files, compareAttachmentNo)
	}
	e.int(int64(len(files)))
	var h [2 * sha256.Size]byte
	for i := range files {
		f := &files[i]
		e.int(int64(f.No))
		hex.Encode(h[:], f.SHA256[:])
		e.bytes(h[:])
		e.int(f.Size)
		e.str(f.MediaType)
	}
	e.prev(prev)
	return e.b
}

// AppendSealEncodingVersion appends the encoding of the given version (1 or
// 2; files are ignored by version 1). ok is false for a version this ledger
// does not know.
func AppendSealEncodingVersion(dst []byte, version int, v *Voucher, files []SealedAttachment, seq int64, prev []byte) (out []byte, ok bool) {
	switch version {
	case SealVersion1:
		return AppendSealEncoding(dst, v, seq, prev), true
	case SealVersion2:
		return AppendSealEncodingV2(dst, v, files, seq, prev), true
	}
	return dst, false
}

// SealV2 returns the version 2 seal of v with its attachments: SHA-256
// over SealEncodeV2.
func SealV2(v *Voucher, files []SealedAttachment, seq int64, prev []byte) [SealSize]byte {
	bp := sealBufPool.Get().(*[]byte)
	*bp = AppendSealEncodingV2((*bp)[:0], v, files, seq, prev)
	s := sha256.Sum256(*bp)
	if cap(*bp) <= sealBufCapMax {
		sealBufPool.Put(bp)
	}
	return s
}

func compareAttachmentNo(a, b SealedAttachment) int { return a.No - b.No }
