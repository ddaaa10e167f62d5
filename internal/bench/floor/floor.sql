-- floor: the records the ledger keeps for one two-line spend (the voucher
-- and its number, its lines, the action log with each step's API key, the
-- balances, the day's turnover and the seal queue) in
-- copies of its tables without a trigger or a check (setup.sql), in the
-- round trips of the API's use cases: the draft in one batch, the check in
-- one statement, the posting in one batch (scripts/floor).
\set n random(1, 26)
\set amt random(100, 5000)
SELECT code AS org FROM fl.orgs WHERE i = :n \gset
\startpipeline
WITH c AS (UPDATE fl.voucher_counters SET last = last + 1 WHERE book = 'FY-DFZH' AND year = 2020 AND month = 3 AND type = '记' RETURNING last)
INSERT INTO fl.vouchers (book, type, year, month, number, date, summary, attachments, doc_types, decision, payee, payee_type, method, flow, memo, closing, correcting, maker, made_at, total_fen)
  SELECT 'FY-DFZH', '记', 2020, 3, c.last, '2020-03-05', '采购防疫物资（口罩、消毒液）', 1, '{发票}', '', '汾阳市某某药店', 'supplier', 'bank', 'spend', '', false, false, 'wangfang', now(), :amt FROM c RETURNING id, number;
INSERT INTO fl.voucher_lines (book, voucher_id, date, line_no, summary, account, org, fund, purpose, debit_fen, credit_fen)
  VALUES ('FY-DFZH', currval('fl.vouchers_id_seq'), '2020-03-05', 1, '采购防疫物资（口罩、消毒液）', '500101', :org, 'FY-UP', 'procurement', :amt, 0), ('FY-DFZH', currval('fl.vouchers_id_seq'), '2020-03-05', 2, '采购防疫物资（口罩、消毒液）', '121801', :org, 'FY-UP', NULL, 0, :amt);
INSERT INTO fl.actions (book, at, actor, action, voucher_id, source, detail, idem_key, request_hash)
  VALUES ('FY-DFZH', now(), 'wangfang', 'make', currval('fl.vouchers_id_seq'), 'http', '{"flow": "spend", "total": "12.00"}', 'bench-18eefec70b3e72b7-1-' || currval('fl.vouchers_id_seq'), sha256(convert_to(:amt::text, 'UTF8')));
\endpipeline
SELECT currval('fl.vouchers_id_seq') AS id \gset
WITH moved AS (UPDATE fl.vouchers SET status = 'checked', checker = 'liqiang', checked_at = now() WHERE book = 'FY-DFZH' AND id = :id AND status = 'draft' RETURNING id)
  INSERT INTO fl.actions (book, at, actor, action, voucher_id, source, detail, idem_key, request_hash) SELECT 'FY-DFZH', now(), 'liqiang', 'check', id, 'http', '{}', 'bench-18eefec70b3e72b7-2-' || id, sha256(convert_to(:amt::text, 'UTF8')) FROM moved;
\startpipeline
WITH moved AS (UPDATE fl.vouchers SET status = 'posted', poster = 'liqiang', posted_at = now() WHERE book = 'FY-DFZH' AND id = :id AND status = 'checked' RETURNING id)
  INSERT INTO fl.actions (book, at, actor, action, voucher_id, source, detail, idem_key, request_hash) SELECT 'FY-DFZH', now(), 'liqiang', 'post', id, 'http', '{}', 'bench-18eefec70b3e72b7-3-' || id, sha256(convert_to(:amt::text, 'UTF8')) FROM moved;
SELECT 1 FROM fl.balances WHERE book = 'FY-DFZH' AND org = :org AND fund = 'FY-UP' AND account IN ('121801', '500101') ORDER BY account FOR UPDATE;
UPDATE fl.balances SET balance_fen = balance_fen + CASE WHEN account = '121801' THEN -:amt::bigint ELSE :amt::bigint END, updated_at = now() WHERE book = 'FY-DFZH' AND org = :org AND fund = 'FY-UP' AND account IN ('121801', '500101');
UPDATE fl.turnover SET debit_fen = debit_fen + CASE WHEN account = '500101' THEN :amt::bigint ELSE 0 END, credit_fen = credit_fen + CASE WHEN account = '121801' THEN :amt::bigint ELSE 0 END
  WHERE book = 'FY-DFZH' AND org = :org AND fund = 'FY-UP' AND account IN ('121801', '500101') AND date = '2020-03-05' AND flow = 'spend';
INSERT INTO fl.seal_pending (book, voucher_id, posted_at) VALUES ('FY-DFZH', :id, now());
\endpipeline
