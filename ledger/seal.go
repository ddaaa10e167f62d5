package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"sync"
	"time"
)

// SealVersion is the version of the seal encoding written for newly posted
// vouchers (SealEncodeV2, which covers the voucher's attachments). The
// version is the first field of every encoding and is stored beside each
// seal, so a seal always verifies against the layout it was made with:
// `ledger verify` reads both versions.
const SealVersion = SealVersion2

// The seal encoding versions: 1 (SealEncode) and 2 (SealEncodeV2, version 1's
// fields plus the attachments' hashes).
const (
	SealVersion1 = 1
	SealVersion2 = 2
)

// SealSize is the size of a seal in bytes (SHA-256).
const SealSize = sha256.Size

// sealTimeLayout is the timestamp format of the encoding: UTC, always six
// fraction digits. Six because PostgreSQL keeps microseconds: a timestamp
// read back from the database must encode exactly as the one sealed.
const sealTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// SealEncode returns the canonical encoding of the posted voucher v at
// position seq of its book's hash chain, linked to the previous seal prev.
// Seal is the SHA-256 of these bytes. The encoding is specified here
// precisely enough to be re-implemented elsewhere (an auditor's script, say)
// and is frozen for SealVersion1: any change means a new version (see
// SealEncodeV2 for version 2, which adds the attachments).
//
// # Fields
//
// The encoding is a sequence of fields with no header, trailer or padding.
// Each field is written as
//
//	<length> ":" <value> "\n"
//
// where <value> is the field's bytes and <length> is the number of bytes of
// <value>, in ASCII decimal without sign or leading zeros ("0" for an empty
// value). This is the netstring idea with "\n" as terminator: because every
// value is preceded by its length, no byte inside a value (":", "\n", digits,
// anything) can end a field early, so the encoding can be split back into
// its fields unambiguously and two different field lists never produce the
// same bytes. Nothing is escaped.
//
// Value formats:
//
//	string     the UTF-8 bytes exactly as stored: no trimming, escaping or Unicode normalisation
//	integer    ASCII decimal, "-" before a negative number, no leading zeros ("0" for zero)
//	amount     fixed two decimals: optional "-", integer digits (at least one), ".", two digits:
//	           "90000.00", "0.00", "-1.50"; no thousands separators, no "+"
//	date       YYYY-MM-DD, the calendar date of the value as given (a PostgreSQL date)
//	timestamp  converted to UTC, truncated (not rounded) to whole microseconds and written
//	           YYYY-MM-DDTHH:MM:SS.ffffffZ with exactly six fraction digits, e.g.
//	           "2020-02-03T01:30:00.250000Z"; a missing timestamp is the empty value
//	           (length 0)
//
// Field order (version 1):
//
//	 1  version                       integer, "1"
//	 2  book                          string (book code)
//	 3  chain sequence                integer (seq, the voucher's position in its book's chain)
//	 4  voucher id                    integer
//	 5  voucher type 凭证字            string (e.g. "记")
//	 6  year                          integer
//	 7  month                         integer (1–12)
//	 8  number                        integer (voucher number in its type and month)
//	 9  date                          date
//	10  summary 摘要                   string
//	11  attachments 附单据张数          integer
//	12  decision 决策依据               string
//	13  payee                         string
//	14  payee type                    string
//	15  method                        string ("bank", "cash" or empty)
//	16  flow                          string ("receive", "spend", … or empty)
//	17  reversal of                   integer (id of the voucher this red voucher cancels; "0" for none)
//	18  maker                         string
//	19  made at                       timestamp
//	20  checker                       string
//	21  checked at                    timestamp
//	22  cashier                       string
//	23  signed at                     timestamp
//	24  poster                        string
//	25  posted at                     timestamp
//	26  line count L                  integer
//	    then, for each line in ascending line number (lines with equal numbers
//	    keep their given order), 7 fields:
//	        line number               integer
//	        account                   string (leaf account code)
//	        organisation              string (organisation code)
//	        fund                      string (fund code)
//	        purpose                   string (purpose code, e.g. "procurement", or empty)
//	        debit                     amount
//	        credit                    amount
//	27  beneficiary count B           integer
//	    then, for each beneficiary in stored order, 4 fields:
//	        name                      string
//	        category                  string
//	        ID number                 string
//	        amount                    amount
//	28  previous seal                 the previous voucher's seal in lowercase hex (64 digits
//	                                  for a SHA-256 seal); 64 "0" digits for the first
//	                                  voucher of a book's chain
//
// So an encoding has exactly 28 + 7·L + 4·B fields. For example the book
// code "FY" is the field "2:FY\n", the voucher type "记" (three UTF-8 bytes)
// is "3:记\n", an empty payee is "0:\n" and a missing check time is "0:\n".
//
// Not sealed: the status (a sealed voucher is posted by definition), the
// idempotency key, memo, attachment document types, closing/correcting
// flags, correction link, line summaries and beneficiaries' phone numbers,
// reasons and identity document kinds (the number is sealed; its kind is
// constrained by the database), a line's items (物品明细: the database
// keeps them as they were written while the voucher was a draft, and their
// amounts add up to the sealed line's), the count of stored files (Files:
// version 2 seals the files themselves) and the version (the count of the
// draft's edits: the content sealed is the last version's, and the action
// log keeps every earlier one). Changing what is sealed needs a new
// SealVersion.
//
// prev is the previous seal as raw bytes (normally SealSize of them); nil or
// empty means "first in chain". SealEncode does not check v: it encodes
// what it is given, which is what verification needs.
func SealEncode(v *Voucher, seq int64, prev []byte) []byte {
	return AppendSealEncoding(make([]byte, 0, sealSizeHint(v)), v, seq, prev)
}

// AppendSealEncoding appends the SealEncode encoding of v to dst and returns
// the extended buffer; verification of a long chain reuses one buffer.
func AppendSealEncoding(dst []byte, v *Voucher, seq int64, prev []byte) []byte {
	e := sealEncoder{b: dst}
	e.int(SealVersion1)
	e.body(v, seq)
	e.prev(prev)
	return e.b
}

// body writes fields 2 to 27 of the encoding, the same in versions 1 and 2.
func (e *sealEncoder) body(v *Voucher, seq int64) {
	e.str(v.Book)
	e.int(seq)
	e.int(v.ID)
	e.str(v.Type)
	e.int(int64(v.Year))
	e.int(int64(v.Month))
	e.int(int64(v.Number))
	e.date(v.Date)
	e.str(v.Summary)
	e.int(int64(v.Attachments))
	e.str(v.Decision)
	e.str(v.Payee)
	e.str(v.PayeeType)
	e.str(v.Method)
	e.str(v.Flow)
	e.int(v.ReversalOf)
	e.str(v.Maker)
	e.stamp(v.MadeAt)
	e.str(v.Checker)
	e.stamp(v.CheckedAt)
	e.str(v.Cashier)
	e.stamp(v.SignedAt)
	e.str(v.Poster)
	e.stamp(v.PostedAt)

	lines := v.Lines
	if !slices.IsSortedFunc(lines, compareLineNo) {
		lines = slices.Clone(lines)
		slices.SortStableFunc(lines, compareLineNo)
	}
	e.int(int64(len(lines)))
	for i := range lines {
		l := &lines[i]
		e.int(int64(l.No))
		e.str(l.Account)
		e.str(l.Org)
		e.str(l.Fund)
		e.str(string(l.Purpose))
		e.money(l.Debit)
		e.money(l.Credit)
	}

	e.int(int64(len(v.Beneficiaries)))
	for i := range v.Beneficiaries {
		b := &v.Beneficiaries[i]
		e.str(b.Name)
		e.str(b.Category)
		e.str(b.IDNumber)
		e.money(b.Amount)
	}
}

// prev writes the last field: the previous seal in hex.
func (e *sealEncoder) prev(prev []byte) {
	var h [2 * SealSize]byte
	if len(prev) == 0 {
		for i := range h {
			h[i] = '0'
		}
		e.bytes(h[:])
	} else if len(prev) == SealSize {
		hex.Encode(h[:], prev)
		e.bytes(h[:])
	} else {
		e.str(hex.EncodeToString(prev))
	}
}

// Seal returns the seal of the posted voucher v at position seq of its
// book's chain: SHA-256 over SealEncode(v, seq, prev).
func Seal(v *Voucher, seq int64, prev []byte) [SealSize]byte {
	bp := sealBufPool.Get().(*[]byte)
	*bp = AppendSealEncoding((*bp)[:0], v, seq, prev)
	s := sha256.Sum256(*bp)
	if cap(*bp) <= sealBufCapMax {
		sealBufPool.Put(bp)
	}
	return s
}

// sealBufCapMax keeps an unusually large voucher's buffer out of the pool.
const sealBufCapMax = 64 << 10

var sealBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// SealHex is Seal written as 64 lowercase hex digits, the form printed in
// reports and accepted by `ledger verify --seal`.
func SealHex(v *Voucher, seq int64, prev []byte) string {
	s := Seal(v, seq, prev)
	return hex.EncodeToString(s[:])
}

// ParseSealHex parses a seal written as 64 hex digits (either case) into its
// SealSize bytes. Anything else is EInvalid on the field "seal".
func ParseSealHex(s string) ([]byte, error) {
	if len(s) != 2*SealSize {
		return nil, Errorf(EInvalid, "seal", "a seal is %d hex digits, got %d characters", 2*SealSize, len(s))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, Errorf(EInvalid, "seal", "%q is not hexadecimal", s)
	}
	return b, nil
}

func compareLineNo(a, b Line) int { return a.No - b.No }

// sealSizeHint estimates the encoding's size so that SealEncode allocates
// once for an ordinary voucher.
func sealSizeHint(v *Voucher) int {
	return 512 + len(v.Summary) + len(v.Decision) + len(v.Payee) + 64*len(v.Lines) + 64*len(v.Beneficiaries)
}

type sealEncoder struct{ b []byte }

func (e *sealEncoder) bytes(p []byte) {
	e.b = strconv.AppendInt(e.b, int64(len(p)), 10)
	e.b = append(e.b, ':')
	e.b = append(e.b, p...)
	e.b = append(e.b, '\n')
}

func (e *sealEncoder) str(s string) {
	e.b = strconv.AppendInt(e.b, int64(len(s)), 10)
	e.b = append(e.b, ':')
	e.b = append(e.b, s...)
	e.b = append(e.b, '\n')
}

func (e *sealEncoder) int(n int64) {
	var tmp [24]byte
	e.bytes(strconv.AppendInt(tmp[:0], n, 10))
}

func (e *sealEncoder) date(d time.Time) {
	var tmp [16]byte
	e.bytes(d.AppendFormat(tmp[:0], "2006-01-02"))
}

func (e *sealEncoder) stamp(t *time.Time) {
	if t == nil {
		e.bytes(nil)
		return
	}
	var tmp [40]byte
	e.bytes(t.UTC().Truncate(time.Microsecond).AppendFormat(tmp[:0], sealTimeLayout))
}

func (e *sealEncoder) money(m Money) {
	d := m.Decimal()
	// Fast path for the usual scale-2 value: format the fen count without
	// the allocations of decimal's string conversion.
	if d.Exponent() != -2 || d.NumDigits() > 18 {
		e.str(m.String())
		return
	}
	fen := d.CoefficientInt64()
	var tmp [24]byte
	b := tmp[:0]
	if fen < 0 {
		b = append(b, '-')
		fen = -fen
	}
	b = strconv.AppendInt(b, fen/100, 10)
	b = append(b, '.', byte('0'+fen%100/10), byte('0'+fen%10))
	e.bytes(b)
}
