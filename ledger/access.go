package ledger

// Authorization of the acts other than voucher steps (those are Authorize's):
// facts the audit rules read, audit findings, users and tokens, periods and
// organisations. Each CanX refuses with the SPEC §4 code (forbidden, or
// not_found for an organisation that does not exist) and is called by the
// adapter's use cases and, to refuse early, by the API and the web pages.

// Phrase is an English phrase of the message catalogue passed as an
// argument of a message ("run the audit rules"): the catalogue renders it
// in the reader's language, so that a Chinese message carries no English
// words but codes.
type Phrase string

// CanRecordFacts refuses a user who may not record facts the audit rules
// read (publications, roster, members, payee accounts, meetings, value
// dates): that is for an officer or an admin; auditors read them. what
// names the facts for the message.
func CanRecordFacts(u *User, what Phrase) error {
	if u.Has(RoleOfficer) || u.Has(RoleAdmin) {
		return nil
	}
	if u.Has(RoleAuditor) {
		return Errorf(EForbidden, "user", "%s is an auditor: auditors read everything and write nothing but audit-finding states", u.Name)
	}
	return Errorf(EForbidden, "user", "%s lacks the role to record %s (needs officer or admin)", u.Name, what)
}

// CanRecordFor refuses a fact about organisation org ("" for the whole
// book) outside u's scope; field names the organisation in the request.
func CanRecordFor(u *User, b *Books, field, org string) error {
	if org == "" {
		if u.Scope != "" {
			return Errorf(EForbidden, field, "%s may act only within %s; a record for the whole book is outside", u.Name, u.Scope)
		}
		return nil
	}
	if b.Orgs[org] == nil {
		return Errorf(ENotFound, field, "organisation %s does not exist", org)
	}
	if !b.InScope(u.Scope, org) {
		return Errorf(EForbidden, field, "%s may act only within %s; %s is outside", u.Name, u.Scope, org)
	}
	return nil
}

// CanAudit refuses a user who is neither an auditor nor an admin: they
// evaluate the rules and move findings through their states. what names
// the act for the message (e.g. "acknowledge a finding").
func CanAudit(u *User, what Phrase) error {
	if u.Has(RoleAuditor) || u.Has(RoleAdmin) {
		return nil
	}
	return Errorf(EForbidden, "user", "%s may not %s: that is for an auditor or an admin", u.Name, what)
}

// CanActBookWide refuses u unless u is an admin whose scope is the whole
// book: the acts that reach every branch at once (closing or re-opening a
// month, the monthly batch, setup, the import of approved vouchers) are
// not for an admin of one branch. what names the act for the message.
func CanActBookWide(u *User, what Phrase) error {
	if !u.Has(RoleAdmin) {
		return Errorf(EForbidden, "user", "%s may not %s: that is for an admin of the whole book", u.Name, what)
	}
	if u.Scope != "" {
		return Errorf(EForbidden, "user", "%s may act only within %s; to %s is an act on the whole book", u.Name, u.Scope, what)
	}
	return nil
}

// CanRunBatch refuses u unless u is the batch identity (nil or
// SystemUser: the scheduled run) or an admin of the whole book: the
// monthly batch reconciles, records and closes the whole book's month.
func CanRunBatch(u *User, what Phrase) error {
	if u == nil || u.Name == SystemUser || u.Has(RoleAdmin) && u.Scope == "" {
		return nil
	}
	return Errorf(EForbidden, "user", "%s may not run %s: the monthly batch is run by an admin of the whole book (an auditor reads its workbook, GET /api/v1/reports/reconcile)", u.Name, what)
}

// CanReopenPeriod refuses a user who is not an admin of the whole book:
// re-opening a closed month (反结账) drops the whole book's seal of it. The
// batch identity closes months but never re-opens one.
func CanReopenPeriod(u *User) error {
	if u == nil || u.Name == SystemUser {
		return Errorf(EForbidden, "user", "the batch identity %s closes months but never re-opens one", SystemUser)
	}
	return CanActBookWide(u, "re-open a closed month (反结账)")
}

// CanClosePeriod refuses a person who is not an admin of the whole book: a
// month is closed by the scheduled batch (system) or by such an admin.
func CanClosePeriod(u *User) error {
	return CanActBookWide(u, "close a month")
}

// CanDissolve refuses a user who is not an admin, or an admin whose scope
// does not hold org: an admin records the dissolution of an organisation
// within their scope.
func CanDissolve(u *User, b *Books, org string) error {
	if !u.Has(RoleAdmin) {
		return Errorf(EForbidden, "user", "only an admin records a dissolution")
	}
	return CanRecordFor(u, b, "org", org)
}

// CanImport refuses a user who is not an admin of the whole book: the
// approved vouchers imported may touch every branch.
func CanImport(u *User) error {
	return CanActBookWide(u, "import approved vouchers")
}

// CanManageUsers refuses u unless u is an admin whose scope holds scope
// (the scope of the user managed; "" is the whole book). b may be nil when
// u's roles alone decide. field names the scope in the request.
func CanManageUsers(u *User, b *Books, scope, field string) error {
	if !u.Has(RoleAdmin) {
		return Errorf(EForbidden, "user", "%s may not manage users: that is for an admin", u.Name)
	}
	if u.Scope == "" {
		return nil
	}
	if b == nil || scope == "" || b.Orgs[scope] == nil || !b.InScope(u.Scope, scope) {
		return Errorf(EForbidden, field, "%s manages only users scoped within %s", u.Name, u.Scope)
	}
	return nil
}

// CanManageTokens refuses u unless the tokens are u's own (owner is u's
// name) or u manages owner, whose scope is ownerScope ("" the whole book),
// as CanManageUsers has it. A token named by its id outside u's reach is
// not_found, not forbidden: an id tells nothing about other accounts. id
// is 0 when the act names the user (listing their tokens), refused as
// user management is.
func CanManageTokens(u *User, b *Books, owner, ownerScope string, id int64) error {
	if owner == u.Name {
		return nil
	}
	err := CanManageUsers(u, b, ownerScope, "name")
	if err == nil || id == 0 {
		return err
	}
	return Errorf(ENotFound, "id", "token %d does not exist", id)
}

// CanMakeVouchers refuses a user who may make no voucher at all: a file
// of vouchers is refused before it is read; each voucher is still
// authorized on its own (scope, organisations) when it is made.
func CanMakeVouchers(u *User) error {
	if u.Has(RoleOfficer) || u.Has(RoleAdmin) {
		return nil
	}
	if u.Has(RoleAuditor) {
		return Errorf(EForbidden, "user", "%s is an auditor: auditors read everything and write nothing but audit-finding states", u.Name)
	}
	return Errorf(EForbidden, "user", "%s lacks the role to %s a voucher (needs %s)", u.Name, ActMake, "officer or admin")
}

// CanEditDraft refuses u unless u may edit draft v: its maker, or an admin
// whose scope holds every organisation of its lines (the organisations of
// the new lines are authorized as a new voucher's). The state and version
// are CheckEdit's.
func CanEditDraft(u *User, v *Voucher, b *Books) error {
	if u == nil {
		return Errorf(EUnauthenticated, "user", "no acting user")
	}
	if !u.Has(RoleOfficer) && !u.Has(RoleAdmin) {
		return CanMakeVouchers(u)
	}
	if err := Authorize(u, ActRead, v, b, false); err != nil {
		return err
	}
	if u.Name != v.Maker && !u.Has(RoleAdmin) {
		return Errorf(ESamePerson, "user", "only the maker %s or an admin edits %s", v.Maker, v.Word())
	}
	return nil
}
