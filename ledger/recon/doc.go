// Package recon is the pure half of the monthly batch (SPEC §7): the
// catalogue of checks and their Chinese titles, a discrepancy and the
// result of a run with its JSON summary, the tally of checks, the trial
// balance arithmetic and the conversion of a result into the
// reconciliation workbook's read model. The database adapter runs the
// checks and fills these values; nothing here does I/O or reads the clock.
package recon
