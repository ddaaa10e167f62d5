-- ours: the ledger's own statements for one two-line spend, as its use
-- cases send them (ledger/postgres/vouchers.go), on its own tables: the
-- triggers and checks do the rest (scripts/floor).
\set n random(1, 26)
\set amt random(100, 5000)
SELECT code AS org FROM fl.orgs WHERE i = :n \gset
\startpipeline
INSERT INTO vouchers (book, type, year, month, number, date, summary, attachments, doc_types, decision, payee, payee_type, method, flow, memo, closing, correcting, reversal_of, correction_of, idem_key, maker, made_at, total_fen)
  VALUES ('FY-DFZH', '记', 0, 0, 1, '2020-03-05', '采购防疫物资（口罩、消毒液）', 1, '{发票}', '', '汾阳市某某药店', 'supplier', 'bank', 'spend', '', false, false, NULL, NULL, NULL, 'wangfang', now(), :amt) RETURNING id, number, year, month;
INSERT INTO voucher_lines (book, voucher_id, date, line_no, summary, account, org, fund, purpose, debit_fen, credit_fen)
  VALUES ('FY-DFZH', currval(pg_get_serial_sequence('public.vouchers', 'id')), '2020-03-05', 1, '采购防疫物资（口罩、消毒液）', '500101', :org, 'FY-UP', 'procurement', :amt, 0), ('FY-DFZH', currval(pg_get_serial_sequence('public.vouchers', 'id')), '2020-03-05', 2, '采购防疫物资（口罩、消毒液）', '121801', :org, 'FY-UP', NULL, 0, :amt);
INSERT INTO actions (book, at, actor, action, voucher_id, source, detail, idem_key, request_hash)
  VALUES ('FY-DFZH', now(), 'wangfang', 'make', currval(pg_get_serial_sequence('public.vouchers', 'id')), 'http', '{"flow": "spend", "total": "12.00"}', 'pgb-1-' || currval(pg_get_serial_sequence('public.vouchers', 'id')), sha256(convert_to(:amt::text, 'UTF8')));
\endpipeline
SELECT currval(pg_get_serial_sequence('public.vouchers', 'id')) AS id \gset
WITH moved AS (UPDATE vouchers SET status = 'checked', checker = 'liqiang', checked_at = now() WHERE book = 'FY-DFZH' AND id = :id AND status = 'draft' RETURNING id)
  INSERT INTO actions (book, at, actor, action, voucher_id, source, detail, idem_key, request_hash) SELECT 'FY-DFZH', now(), 'liqiang', 'check', id, 'http', '{}', 'pgb-2-' || id, sha256(convert_to(:amt::text, 'UTF8')) FROM moved;
WITH moved AS (UPDATE vouchers SET status = 'posted', poster = 'liqiang', posted_at = now() WHERE book = 'FY-DFZH' AND id = :id AND status = 'checked' RETURNING id)
  INSERT INTO actions (book, at, actor, action, voucher_id, source, detail, idem_key, request_hash) SELECT 'FY-DFZH', now(), 'liqiang', 'post', id, 'http', '{}', 'pgb-3-' || id, sha256(convert_to(:amt::text, 'UTF8')) FROM moved;
