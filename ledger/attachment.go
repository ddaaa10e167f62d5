package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Scanned originals (原始凭证附件): the files of a voucher's supporting
// documents — invoices, receipts, sign-off sheets — attached while the
// voucher is a draft and kept unchanged once it is checked. A posted
// voucher's seal covers their SHA-256 hashes (seal version 2).

// Attachment kinds: the types of file accepted, named in the
// configuration (attachments.types). The kind is decided by the file's
// first bytes (SniffAttachment), never by its name.
const (
	KindPDF  = "pdf"
	KindJPEG = "jpeg"
	KindPNG  = "png"
)

// AttachmentKinds are the kinds the ledger knows, with their media types.
var AttachmentKinds = map[string]string{
	KindPDF:  "application/pdf",
	KindJPEG: "image/jpeg",
	KindPNG:  "image/png",
}

// Defaults of AttachmentLimits.
const (
	AttachmentMaxBytesDefault = 10 << 20
	// AttachmentMaxBytesMax bounds the configured size: a file is held in
	// memory and stored in one bytea value.
	AttachmentMaxBytesMax = 64 << 20
	// AttachmentsPerVoucherMax bounds the files of one voucher.
	AttachmentsPerVoucherMax = 100
	// AttachmentNameMax bounds a file name, in characters.
	AttachmentNameMax = 200
)

// AttachmentLimits are the configured limits of an upload
// (attachments.max_bytes, attachments.types).
type AttachmentLimits struct {
	MaxBytes int64
	Kinds    []string
}

// DefaultAttachmentLimits accepts PDF, JPEG and PNG files of up to 10 MiB.
func DefaultAttachmentLimits() AttachmentLimits {
	return AttachmentLimits{MaxBytes: AttachmentMaxBytesDefault, Kinds: []string{KindPDF, KindJPEG, KindPNG}}
}

// Check refuses limits that are not usable: a size outside 1 byte to
// AttachmentMaxBytesMax, no kind, or a kind the ledger does not know.
func (l AttachmentLimits) Check() error {
	if l.MaxBytes < 1 || l.MaxBytes > AttachmentMaxBytesMax {
		return Errorf(EInvalid, "attachments.max_bytes", "the largest attachment must be 1 to %d bytes, got %d", int64(AttachmentMaxBytesMax), l.MaxBytes)
	}
	if len(l.Kinds) == 0 {
		return Errorf(EInvalid, "attachments.types", "no attachment type is allowed; list some of pdf, jpeg, png")
	}
	for _, k := range l.Kinds {
		if _, ok := AttachmentKinds[k]; !ok {
			return Errorf(EInvalid, "attachments.types", "%q is no attachment type; use pdf, jpeg or png", k)
		}
	}
	return nil
}

// Attachment is one stored file of a voucher. Data is empty when only the
// metadata was read (a list).
type Attachment struct {
	Book       string
	VoucherID  int64
	No         int // 1, 2, 3 … in the order attached
	FileName   string
	MediaType  string
	Size       int64
	SHA256     [sha256.Size]byte
	UploadedBy string
	UploadedAt time.Time
	Data       []byte
}

// SHA256Hex is the attachment's hash as 64 lowercase hex digits.
func (a *Attachment) SHA256Hex() string { return hex.EncodeToString(a.SHA256[:]) }

// Intact reports whether the bytes read (Data) still have the recorded hash.
func (a *Attachment) Intact() bool { return sha256.Sum256(a.Data) == a.SHA256 }

// AttachmentView is the JSON form of an attachment (CLI --json and the
// HTTP API): its metadata and hash, never its bytes.
type AttachmentView struct {
	VoucherID  int64     `json:"voucher_id"`
	No         int       `json:"no"`
	FileName   string    `json:"file_name"`
	MediaType  string    `json:"media_type"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	UploadedBy string    `json:"uploaded_by"`
	UploadedAt time.Time `json:"uploaded_at"`
}

// View is the JSON form of a, its time shown in loc (nil: UTC).
func (a *Attachment) View(loc *time.Location) AttachmentView {
	if loc == nil {
		loc = time.UTC
	}
	return AttachmentView{VoucherID: a.VoucherID, No: a.No, FileName: a.FileName, MediaType: a.MediaType, Size: a.Size,
		SHA256: a.SHA256Hex(), UploadedBy: a.UploadedBy, UploadedAt: a.UploadedAt.In(loc)}
}

// SealedAttachment is what a seal of version 2 covers of one attachment.
type SealedAttachment struct {
	No        int
	SHA256    [sha256.Size]byte
	Size      int64
	MediaType string
}

// Sealed returns what the seal covers of a.
func (a *Attachment) Sealed() SealedAttachment {
	return SealedAttachment{No: a.No, SHA256: a.SHA256, Size: a.Size, MediaType: a.MediaType}
}

// SniffAttachment returns the kind of data from its first bytes (the
// file's magic number): "%PDF-" for PDF, FF D8 FF for JPEG, the 8-byte PNG
// signature for PNG; "" for anything else.
func SniffAttachment(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return KindPDF
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return KindJPEG
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return KindPNG
	}
	return ""
}

// NewAttachment checks a file to be attached against the limits and
// returns it with its kind's media type, size and hash. The type is
// decided by the content; the name only names the file (its directory is
// dropped). Refusals: too_large on "file" above the size limit, invalid on
// "file" for an empty file or a type not allowed, invalid on "file_name"
// for a name that is not plain text.
func NewAttachment(name string, data []byte, l AttachmentLimits) (*Attachment, error) {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), "\\", "/"))
	if name == "." || name == "/" {
		name = ""
	}
	if err := CheckText("file_name", name, false); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(name) > AttachmentNameMax {
		return nil, Errorf(EInvalid, "file_name", "a file name has at most %d characters", AttachmentNameMax)
	}
	if len(data) == 0 {
		return nil, Errorf(EInvalid, "file", "the file is empty")
	}
	if int64(len(data)) > l.MaxBytes {
		return nil, Errorf(ETooLarge, "file", "the file has %d bytes; at most %d are accepted", int64(len(data)), l.MaxBytes)
	}
	kind := SniffAttachment(data)
	if kind == "" || !slices.Contains(l.Kinds, kind) {
		return nil, Errorf(EInvalid, "file", "the file's content is not of an accepted type (%s); the name does not decide the type", strings.Join(l.Kinds, ", "))
	}
	if name == "" {
		name = "attachment." + map[string]string{KindPDF: "pdf", KindJPEG: "jpg", KindPNG: "png"}[kind]
	}
	return &Attachment{FileName: name, MediaType: AttachmentKinds[kind], Size: int64(len(data)), SHA256: sha256.Sum256(data), Data: data}, nil
}

// CanAttach refuses u unless u may attach a file to v: v is a draft, u is
// its maker or an admin, and every organisation of v is within u's scope.
func CanAttach(u *User, v *Voucher, b *Books) error {
	if u == nil {
		return Errorf(EUnauthenticated, "user", "no acting user")
	}
	if !u.Has(RoleOfficer) && !u.Has(RoleAdmin) {
		if u.Has(RoleAuditor) {
			return Errorf(EForbidden, "user", "%s is an auditor: auditors read everything and write nothing but audit-finding states", u.Name)
		}
		return Errorf(EForbidden, "user", "%s may not attach files: that is for the maker of the voucher or an admin", u.Name)
	}
	if err := Authorize(u, ActRead, v, b, false); err != nil {
		return err
	}
	if v.Status != StatusDraft {
		return Errorf(EInvalidState, "status", "files are attached only to a draft; %s is %s", v.Word(), v.Status)
	}
	if u.Name != v.Maker && !u.Has(RoleAdmin) {
		return Errorf(ESamePerson, "user", "only the maker %s or an admin attaches files to %s", v.Maker, v.Word())
	}
	return nil
}

// CanReadVoucher refuses a user whose scope holds no organisation of v's
// lines: a scoped user reads the vouchers touching their subtree (and their
// attachments); a user of the whole book reads every voucher.
func CanReadVoucher(u *User, v *Voucher, b *Books) error {
	if u == nil {
		return Errorf(EUnauthenticated, "user", "no acting user")
	}
	if u.Scope == "" {
		return nil
	}
	for _, l := range v.Lines {
		if b.InScope(u.Scope, l.Org) {
			return nil
		}
	}
	return Errorf(EForbidden, "id", "%s may read only vouchers touching %s; %s has no line there", u.Name, u.Scope, v.Word())
}
