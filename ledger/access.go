package ledger

// Authorization of the acts other than voucher steps (those are Authorize's):
// facts the audit rules read, audit findings, users and tokens, periods and
// organisations. Each CanX refuses with the SPEC §4 code (forbidden, or
// not_found for an organisation that does not exist) and is called by the
// adapter's use cases and, to refuse early, by the API and the web pages.

// CanRecordFacts refuses a user who may not record facts the audit rules
// read (publications, roster, members, payee accounts, meetings, value
// dates): that is for an officer or an admin; auditors read them. what
// names the facts for the message.
func CanRecordFacts(u *User, what string) error {
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
func CanAudit(u *User, what string) error {
	if u.Has(RoleAuditor) || u.Has(RoleAdmin) {
		return nil
	}
	return Errorf(EForbidden, "user", "%s may not %s: that is for an auditor or an admin", u.Name, what)
}

// CanReopenPeriod refuses a user who is not an admin: only an admin
// re-opens a closed month (反结账).
func CanReopenPeriod(u *User) error {
	if u.Has(RoleAdmin) {
		return nil
	}
	return Errorf(EForbidden, "user", "only an admin re-opens a closed month (反结账); %s is not one", u.Name)
}

// CanClosePeriod refuses a person who is not an admin: a month is closed by
// the scheduled batch (system) or by an admin of the whole book.
func CanClosePeriod(u *User) error {
	if u.Has(RoleAdmin) && u.Scope == "" {
		return nil
	}
	return Errorf(EForbidden, "user", "only an admin of the whole book closes a month; %s is not one", u.Name)
}

// CanDissolve refuses a user who is not an admin: only an admin records
// the dissolution of an organisation.
func CanDissolve(u *User) error {
	if u.Has(RoleAdmin) {
		return nil
	}
	return Errorf(EForbidden, "user", "only an admin records a dissolution")
}

// CanImport refuses a user who is not an admin: an admin imports approved
// vouchers.
func CanImport(u *User) error {
	if u.Has(RoleAdmin) {
		return nil
	}
	return Errorf(EForbidden, "user", "%s is not an admin; an admin imports approved vouchers", u.Name)
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

// CanRevokeToken refuses u unless the token (id) is u's own, owned by
// owner, or u is an admin.
func CanRevokeToken(u *User, owner string, id int64) error {
	if owner == u.Name || u.Has(RoleAdmin) {
		return nil
	}
	return Errorf(EForbidden, "id", "token %d belongs to %s; only its user or an admin revokes it", id, owner)
}
