// Package attachcmd holds the commands of scanned originals (原始凭证附件):
// `voucher attach`, `voucher attachments` and `voucher attachment`. The
// command wires them under `voucher` with an Env of its own.
package attachcmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// Env is what the commands need of the application; every field is read
// when a command runs, after the configuration is loaded.
type Env struct {
	// Actor is the acting user of a write (an error without --as).
	Actor func() (string, error)
	// User is the acting user of a read, "" when none is given.
	User       func() string
	Book       func() string
	OpenDB     func(ctx context.Context) (*postgres.DB, error)
	VoucherRef func(cmd *cobra.Command, db *postgres.DB, ref string) (int64, error)
	JSON       func() bool
	PrintJSON  func(v any) error
	Stdout     func() io.Writer
	Lang       func() i18n.Lang
	TimeZone   func() *time.Location
	Limits     func() ledger.AttachmentLimits
}

// Commands returns the attach, attachments and attachment commands.
func Commands(e Env) []*cobra.Command {
	attach := &cobra.Command{
		Use:   "attach VOUCHER FILE",
		Short: "Attach a scanned original (PDF, JPEG or PNG) to a draft voucher (原始凭证附件; the maker or an admin)",
		Long: `attach stores a file with a draft voucher: its bytes, SHA-256, size, type and name. The type is decided
by the file's content, not its name (attachments.types: pdf, jpeg, png); attachments.max_bytes bounds its
size. Once the voucher is checked its files never change, and its seal covers their hashes.`,
		Example: "  ledger --as wangfang voucher attach 2020-02:记-3 发票.pdf",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := e.Actor()
			if err != nil {
				return err
			}
			limits := e.Limits()
			if st, err := os.Stat(args[1]); err != nil {
				return err
			} else if st.Mode().IsRegular() && st.Size() > limits.MaxBytes {
				return ledger.Errorf(ledger.ETooLarge, "file", "the file has %d bytes; at most %d are accepted", st.Size(), limits.MaxBytes)
			}
			data, err := os.ReadFile(args[1])
			if err != nil {
				return err
			}
			a, err := ledger.NewAttachment(args[1], data, limits)
			if err != nil {
				return err
			}
			db, err := e.OpenDB(cmd.Context())
			if err != nil {
				return err
			}
			id, err := e.VoucherRef(cmd, db, args[0])
			if err != nil {
				return err
			}
			out, err := db.AttachFile(cmd.Context(), e.Book(), actor, id, a)
			if err != nil {
				return err
			}
			if e.JSON() {
				return e.PrintJSON(out.View(e.TimeZone()))
			}
			fmt.Fprintln(e.Stdout(), i18n.T(e.Lang(), "voucher %d: file %d attached: %s (%s, %d bytes, SHA-256 %s)",
				id, out.No, textout.Safe(out.FileName), out.MediaType, out.Size, out.SHA256Hex()))
			return nil
		},
	}
	list := &cobra.Command{
		Use:     "attachments VOUCHER",
		Short:   "List the files attached to a voucher with their SHA-256",
		Example: "  ledger voucher attachments 2020-02:记-3\n  ledger voucher attachments 42 --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, v, err := readable(cmd, e, args[0])
			if err != nil {
				return err
			}
			files, err := db.Attachments(cmd.Context(), e.Book(), v.ID)
			if err != nil {
				return err
			}
			if e.JSON() {
				views := make([]ledger.AttachmentView, len(files))
				for i := range files {
					views[i] = files[i].View(e.TimeZone())
				}
				return e.PrintJSON(map[string]any{"voucher_id": v.ID, "attachments": views})
			}
			w := e.Stdout()
			lang := e.Lang()
			fmt.Fprintln(w, i18n.T(lang, "voucher %s (id %d): %d paper sheets, %d files", v.Word(), v.ID, v.Attachments, len(files)))
			if len(files) == 0 {
				return nil
			}
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, i18n.T(lang, "no\tfile name\ttype\tbytes\tSHA-256\tuploaded by\tuploaded at"))
			for _, f := range files {
				at := f.UploadedAt
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", f.No, textout.Safe(f.FileName), f.MediaType, f.Size, f.SHA256Hex(),
					f.UploadedBy, textout.Time(&at, e.TimeZone()))
			}
			return tw.Flush()
		},
	}
	var out string
	get := &cobra.Command{
		Use:     "attachment VOUCHER N --out FILE",
		Short:   "Write file N of a voucher to a file, checked against its SHA-256",
		Example: "  ledger voucher attachment 2020-02:记-3 1 --out 发票.pdf",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return ledger.Errorf(ledger.EInvalid, "out", "--out FILE is required")
			}
			no, err := strconv.Atoi(args[1])
			if err != nil || no < 1 {
				return ledger.Errorf(ledger.EInvalid, "no", "%q is not a file number (1, 2, 3 …)", args[1])
			}
			db, v, err := readable(cmd, e, args[0])
			if err != nil {
				return err
			}
			f, err := db.Attachment(cmd.Context(), e.Book(), v.ID, no)
			if err != nil {
				return err
			}
			if !f.Intact() {
				return ledger.Errorf(ledger.EInternal, "file", "file %d of voucher %d no longer has its recorded SHA-256; run ledger verify", no, v.ID)
			}
			if err := workbook.WriteFile(out, func(w io.Writer) error { _, err := w.Write(f.Data); return err }); err != nil {
				return err
			}
			if e.JSON() {
				return e.PrintJSON(f.View(e.TimeZone()))
			}
			fmt.Fprintln(e.Stdout(), i18n.T(e.Lang(), "wrote %s: file %d of voucher %d (%s, %d bytes, SHA-256 %s)",
				out, no, v.ID, f.MediaType, f.Size, f.SHA256Hex()))
			return nil
		},
	}
	get.Flags().StringVar(&out, "out", "", "the file to write (required)")
	return []*cobra.Command{attach, list, get}
}

// readable opens the database and reads the voucher ref for the acting
// user, if one is given.
func readable(cmd *cobra.Command, e Env, ref string) (*postgres.DB, *ledger.Voucher, error) {
	db, err := e.OpenDB(cmd.Context())
	if err != nil {
		return nil, nil, err
	}
	id, err := e.VoucherRef(cmd, db, ref)
	if err != nil {
		return nil, nil, err
	}
	v, err := db.VoucherFor(cmd.Context(), e.Book(), e.User(), id)
	return db, v, err
}
