package postgres

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fenyang/partyfee/ledger"
)

// sqlstateCodes maps the SQLSTATEs raised by the schema's triggers (class
// LE, see migrations/00001_baseline.sql) to SPEC §4 codes. A trigger names
// the field at fault as the error's column (RAISE … USING COLUMN), so the
// field is read from the error, never parsed out of its message.
var sqlstateCodes = map[string]string{
	"LE001": ledger.EUnbalanced,
	"LE002": ledger.EInsufficientFunds,
	"LE003": ledger.EPurposeNotAllowed,
	"LE004": ledger.EPeriodClosed,
	"LE005": ledger.EOrgInactive,
	"LE006": ledger.ESamePerson,
	"LE007": ledger.EInvalidState,
	"LE008": ledger.EImmutable,
	"LE009": ledger.EInvalidAmount,
	"LE010": ledger.EInvalid,
	"LE011": ledger.EForbidden,
	"LE012": ledger.ENotFound,
}

// constraintCodes maps constraint names to SPEC §4 codes.
var constraintCodes = map[string]string{
	"balances_restricted_nonnegative": ledger.EInsufficientFunds,
	"voucher_lines_one_side":          ledger.EInvalidAmount,
	"voucher_lines_debit_fen_check":   ledger.EInvalidAmount,
	"voucher_lines_credit_fen_check":  ledger.EInvalidAmount,
	"idempotency_pkey":                ledger.EIdempotencyConflict,
	"vouchers_book_idem_key_key":      ledger.EIdempotencyConflict,
	"voucher_items_amount_valid":      ledger.EInvalidAmount,
	"voucher_items_amount_is_product": ledger.EInvalidAmount,
}

// constraintFields names the field a check constraint guards, where the
// error does not carry a column (a table constraint never does).
var constraintFields = map[string]string{
	"voucher_beneficiaries_id_number_valid": "id_number",
	"voucher_beneficiaries_id_kind_check":   "id_kind",
	"beneficiary_roster_id_number_valid":    "id_number",
	"beneficiary_roster_id_kind_check":      "id_kind",
	"org_members_id_number_valid":           "id_number",
	"org_members_id_kind_check":             "id_kind",
	"voucher_items_name_valid":              "items.name",
	"voucher_items_spec_valid":              "items.spec",
	"voucher_items_unit_valid":              "items.unit",
	"voucher_items_quantity_valid":          "items.quantity",
	"voucher_items_unit_price_valid":        "items.unit_price",
	"voucher_items_amount_valid":            "items.amount",
	"voucher_items_amount_is_product":       "items.amount",
	"voucher_attachments_size":              "file",
	"voucher_attachments_hash":              "file",
	"voucher_attachments_type":              "file",
	// The vouchers' own checks, which an update meets before the rules of
	// its step (AFTER triggers, migrations/00042_voucher_guards_after_the_row.sql).
	"vouchers_check":         "date",
	"vouchers_check1":        "checker",
	"vouchers_check2":        "poster",
	"vouchers_void_recorded": "voided_by",
}

// schemaError is the refusal of an error that PostgreSQL raises itself (a
// constraint, a key, a privilege), not the schema's own triggers. Its text
// names tables, columns, constraints and key values, which are no business
// of a user or an API client: it stays in the cause, which is logged and
// never shown.
func schemaError(code, field string, err error) *ledger.Error {
	var e *ledger.Error
	switch code {
	case ledger.EInvalidAmount:
		e = ledger.Errorf(code, field, "an amount is out of range")
	case ledger.ENotFound:
		e = ledger.Errorf(code, field, "the request refers to something that does not exist")
	case ledger.EInsufficientFunds:
		e = ledger.Errorf(code, field, "the balance would go below zero")
	case ledger.EForbidden:
		e = ledger.Errorf(code, field, "the database refuses this operation")
	case ledger.EIdempotencyConflict:
		e = ledger.Errorf(code, field, "the idempotency key was used for a different request")
	default:
		e = ledger.Errorf(code, field, "the request breaks a rule of the database schema")
	}
	return e.Because(err)
}

// MapError is mapError for callers that run SQL on DB.Pool themselves
// (tools and tests): the same SPEC §4 codes the use cases return.
func MapError(err error) error { return mapError(err) }

// mapError turns a database error into a *ledger.Error with a SPEC §4 code.
// It is the one place where PostgreSQL errors are interpreted.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var le *ledger.Error
	if errors.As(err, &le) {
		return err
	}
	var lw *ledgerErr
	if errors.As(err, &lw) {
		return &ledger.Error{Code: ledger.EInvalid, Field: "database_url", Msg: lw.Error()}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ledger.Errorf(ledger.ENotFound, "", "not found").Because(err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ledger.Errorf(ledger.EUnavailable, "", "the database did not answer in time").Because(err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		if code, ok := sqlstateCodes[pe.Code]; ok {
			return triggerError(code, pe.ColumnName, pe.Message, err)
		}
		if code, ok := constraintCodes[pe.ConstraintName]; ok {
			return schemaError(code, constraintFields[pe.ConstraintName], err)
		}
		switch pe.Code {
		case "23503": // foreign key
			return schemaError(ledger.ENotFound, fkField(pe.ConstraintName), err)
		case "23505", "23P01": // a unique key, or one held by an exclusion constraint
			return ledger.Errorf(ledger.EInvalid, "", "it exists already").Because(err)
		case "23514", "23502", "22P02", "22001", "22003", "22007", "22008":
			field := pe.ColumnName
			if f, ok := constraintFields[pe.ConstraintName]; ok {
				field = f
			}
			return schemaError(ledger.EInvalid, field, err)
		case "22021", "22P05":
			// A NUL byte or invalid UTF-8 that got past the domain's text
			// checks (a lookup by name, say): the request's fault.
			return ledger.Errorf(ledger.EInvalid, pe.ColumnName, "the text holds a character the database refuses (a NUL byte or invalid UTF-8)").Because(err)
		case "42501":
			return schemaError(ledger.EForbidden, "", err)
		case "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004":
			return ledger.Errorf(ledger.EUnavailable, "", "the database is unavailable").Because(err)
		case "57014":
			return ledger.Errorf(ledger.EUnavailable, "", "the statement timed out").Because(err)
		case "55P03": // lock_not_available: a lock_timeout ran out
			return ledger.Errorf(ledger.EUnavailable, "", "the data is busy with other writes; retry shortly").Because(err)
		case "53100", "53200", "53300": // disk_full, out_of_memory, too_many_connections
			return ledger.Errorf(ledger.EUnavailable, "", "the database is out of resources").Because(err)
		}
		return ledger.Errorf(ledger.EInternal, "", "database error").Because(err)
	}
	var ne net.Error
	if errors.As(err, &ne) || pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "failed to connect") {
		return ledger.Errorf(ledger.EUnavailable, "", "the database is unreachable").Because(err)
	}
	return err
}

// fkField names the referencing column of a foreign-key constraint by
// its name, the one PostgreSQL gives it (table_column_fkey).
func fkField(constraint string) string {
	for _, f := range []string{"account", "org", "fund", "scope", "parent", "voucher_id", "reversal_of", "book"} {
		if strings.Contains(constraint, "_"+f+"_") || strings.HasSuffix(constraint, "_"+f+"_fkey") {
			return f
		}
	}
	return ""
}
