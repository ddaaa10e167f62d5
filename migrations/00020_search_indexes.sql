-- +goose Up
-- Indexes for the web's searches by a part of a text (issues #16, #17):
-- 凭证查询 by a part of the 收款人 (vouchers.payee LIKE '%…%') and the
-- auditors' search by a part of a beneficiary's name. Without them each
-- search reads every voucher (0.9 s at 1,000,000 vouchers); a trigram
-- index finds the few rows holding the text's trigrams (Chinese included:
-- the cluster's C.UTF-8 classes CJK characters as letters).
--
-- Write cost: an insert adds the text's trigrams to the index (GIN's
-- pending list, merged in bulk). Neither column changes when a voucher is
-- checked, signed or posted (only an edit of a draft rewrites them), so
-- those steps stay heap-only updates (00012).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX vouchers_payee_trgm ON vouchers USING gin (payee gin_trgm_ops);
CREATE INDEX voucher_beneficiaries_name_trgm ON voucher_beneficiaries USING gin (name gin_trgm_ops);
