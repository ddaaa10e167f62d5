package web

// auditRoutes registers the auditors' workbench (审计): the findings
// overview (audit_overview.go), the search for people (audit_search.go) and the findings pages (audit_findings.go).
func (s *Server) auditRoutes() {
	s.mux.Handle("GET /audit", s.auth(s.auditOverview))
	s.mux.Handle("GET /audit/saved-counts", s.auth(s.savedCounts))
	s.mux.Handle("POST /audit/run", s.auth(s.auditRun))
	s.mux.Handle("POST /audit/verify", s.auth(s.auditVerify))
	s.mux.Handle("GET /audit/search", s.auth(s.auditSearch))
	s.mux.Handle("GET /audit/rollup", s.auth(s.auditRollup))
	s.mux.Handle("GET /audit/rollup.xlsx", s.auth(s.auditRollupWorkbook))
	s.mux.Handle("GET /audit/tables", s.auth(s.auditTablesIndex))
	s.mux.Handle("GET /audit/tables/{name}", s.auth(s.auditTable))
	s.mux.Handle("GET /audit/workbook.xlsx", s.auth(s.auditWorkbookAll))
	s.mux.Handle("POST /audit/reveal", s.auth(s.revealID))
	s.mux.Handle("GET /audit/reveals", s.auth(s.reveals))
	s.mux.Handle("GET /audit/findings", s.auth(s.auditFindings))
	s.mux.Handle("GET /audit/findings/export", s.auth(s.exportFindings))
	s.mux.Handle("GET /audit/findings/{id}", s.auth(s.auditFinding))
	s.mux.Handle("POST /audit/findings/{id}/{act}", s.auth(s.moveFinding))
}
