-- bare: the bench's bare baseline (internal/bench/bench_online.go), its three
-- transactions for one two-line spend of a random branch (scripts/floor).
\set n random(1, 26)
\set amt random(100, 5000)
SELECT code AS org FROM fl.orgs WHERE i = :n \gset
BEGIN;
UPDATE bare.counters SET last = last + 1 WHERE k = 1 RETURNING last \gset
INSERT INTO bare.vouchers (number, status, org, amount, maker) VALUES (:last, 'draft', :org, :amt, 'wangfang') RETURNING id \gset
INSERT INTO bare.lines (voucher_id, line_no, account, org, debit, credit) VALUES (:id, 1, '500101', :org, :amt, 0), (:id, 2, '121801', :org, 0, :amt);
COMMIT;
UPDATE bare.vouchers SET status = 'checked', checker = 'liqiang' WHERE id = :id AND status = 'draft';
BEGIN;
SELECT status, org, amount FROM bare.vouchers WHERE id = :id FOR UPDATE;
SELECT account, balance FROM bare.balances WHERE org = :org AND account = ANY('{121801,500101}') ORDER BY account FOR UPDATE;
UPDATE bare.balances SET balance = balance + CASE WHEN account = '121801' THEN -:amt::bigint ELSE :amt::bigint END WHERE org = :org AND account IN ('121801', '500101');
UPDATE bare.vouchers SET status = 'posted', poster = 'liqiang' WHERE id = :id;
COMMIT;
