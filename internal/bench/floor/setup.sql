-- The records floor (scripts/floor): copies, in schema fl, of the tables a
-- voucher's make, check and post write, with their columns, defaults,
-- generated columns, identities and indexes, and without a trigger, a
-- check or a foreign key; filled with what the bench's seeding left in the
-- originals, so that their indexes are as deep.
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS fl CASCADE;
CREATE SCHEMA fl;
-- The branches, numbered, for the scripts to pick one at random.
CREATE TABLE fl.orgs AS
    SELECT row_number() OVER (ORDER BY org)::int AS i, org AS code FROM (SELECT DISTINCT org FROM bare.balances) s;
DO $$
DECLARE
    t text;
    cols text;
BEGIN
    FOREACH t IN ARRAY ARRAY['vouchers', 'voucher_lines', 'actions', 'turnover', 'balances',
                             'seal_pending', 'voucher_counters'] LOOP
        EXECUTE format('CREATE TABLE fl.%I (LIKE public.%I INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING IDENTITY INCLUDING INDEXES)', t, t);
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols FROM pg_attribute
            WHERE attrelid = format('public.%I', t)::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
        EXECUTE format('INSERT INTO fl.%I (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM public.%I', t, cols, cols, t);
    END LOOP;
END $$;
ALTER TABLE fl.vouchers SET (fillfactor = 70);
SELECT setval(pg_get_serial_sequence('fl.vouchers', 'id'), (SELECT max(id) FROM fl.vouchers));
SELECT setval(pg_get_serial_sequence('fl.actions', 'id'), (SELECT max(id) FROM fl.actions));
-- The day's turnover rows of the scripts' date, in both: the day's first
-- posting of a key makes its row, every later one adds to it.
INSERT INTO fl.turnover (book, account, org, fund, date, flow, debit_fen, credit_fen)
    SELECT 'FY-DFZH', a, o.code, 'FY-UP', DATE '2020-03-05', 'spend', 0, 0 FROM fl.orgs o, unnest(ARRAY['121801', '500101']) a
    ON CONFLICT DO NOTHING;
INSERT INTO public.turnover (book, account, org, fund, date, flow, debit_fen, credit_fen)
    SELECT 'FY-DFZH', a, o.code, 'FY-UP', DATE '2020-03-05', 'spend', 0, 0 FROM fl.orgs o, unnest(ARRAY['121801', '500101']) a
    ON CONFLICT DO NOTHING;
ANALYZE;
