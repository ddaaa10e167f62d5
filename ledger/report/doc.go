// Package report holds the read models of the workbooks: the audit
// workbook's header and tables (AuditData, T1Row … T9Table, BalanceRow,
// JournalRow, VoucherLineRow) and the reconciliation workbook's outcome of a
// run (ReconcileData). The database adapter fills them; package reports
// renders them. Pure: no I/O, no clock.
package report
