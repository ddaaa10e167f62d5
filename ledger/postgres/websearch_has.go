package postgres

// payingBeneficiariesSQL holds for a voucher v that pays beneficiaries, as T6
// 慰问救助花名册 lists them: v's own, or those of the voucher v reverses.
const payingBeneficiariesSQL = `EXISTS (SELECT 1 FROM voucher_beneficiaries b WHERE b.book = v.book AND b.voucher_id = coalesce(v.reversal_of, v.id))`
