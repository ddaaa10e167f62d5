-- +goose Up
-- Identity documents that are real (issue #15, part 4). A beneficiary, a
-- roster entry and a member carry the kind of their document (id_kind,
-- default a resident identity card, 居民身份证) and a number that is one of
-- that kind: for a resident card or a residence permit 17 digits, a date of
-- birth that exists (from 1900) and the GB 11643 check character (an upper
-- case X; the adapter writes the canonical form). An empty number stays
-- allowed (a person may be known by a phone number). Go checks the same
-- (ledger.CheckIDNumber) before the write, and also that the date of birth is
-- not after the record's day, which a constraint cannot know.
--
-- The constraints are NOT VALID: rows written before this migration are kept
-- as they are (the action log and the seals cover them), every new row is
-- checked.

-- +goose StatementBegin
CREATE FUNCTION ledger_id_number_ok(kind text, n text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = public, pg_temp AS $$
DECLARE
    weights constant int[] := '{7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2}';
    y int;
    m int;
    d int;
    s int := 0;
BEGIN
    CASE kind
    WHEN 'resident', 'residence' THEN
        IF n !~ '^[0-9]{17}[0-9X]$' THEN
            RETURN false;
        END IF;
        IF kind = 'residence' AND left(n, 2) NOT IN ('81', '82', '83') THEN
            RETURN false;
        END IF;
        y := substr(n, 7, 4)::int;
        m := substr(n, 11, 2)::int;
        d := substr(n, 13, 2)::int;
        IF y < 1900 OR m < 1 OR m > 12 OR d < 1
            OR d > extract(day FROM make_date(y, m, 1) + interval '1 month - 1 day')::int THEN
            RETURN false;
        END IF;
        FOR i IN 1..17 LOOP
            s := s + substr(n, i, 1)::int * weights[i];
        END LOOP;
        RETURN substr('10X98765432', s % 11 + 1, 1) = right(n, 1);
    WHEN 'hk_macao' THEN
        RETURN n ~ '^[HM]([0-9]{8}|[0-9]{10})$';
    WHEN 'taiwan' THEN
        RETURN n ~ '^[0-9]{8}$';
    WHEN 'passport', 'foreign_perm' THEN
        RETURN n ~ '^[A-Z0-9]{5,17}$';
    ELSE
        RETURN false;
    END CASE;
END $$;
-- +goose StatementEnd

ALTER TABLE voucher_beneficiaries
    ADD COLUMN id_kind text NOT NULL DEFAULT 'resident'
        CHECK (id_kind IN ('resident', 'residence', 'hk_macao', 'taiwan', 'passport', 'foreign_perm')),
    ADD CONSTRAINT voucher_beneficiaries_id_number_valid
        CHECK (id_number = '' OR ledger_id_number_ok(id_kind, id_number)) NOT VALID;
ALTER TABLE beneficiary_roster
    ADD COLUMN id_kind text NOT NULL DEFAULT 'resident'
        CHECK (id_kind IN ('resident', 'residence', 'hk_macao', 'taiwan', 'passport', 'foreign_perm')),
    ADD CONSTRAINT beneficiary_roster_id_number_valid
        CHECK (id_number = '' OR ledger_id_number_ok(id_kind, id_number)) NOT VALID;
ALTER TABLE org_members
    ADD COLUMN id_kind text NOT NULL DEFAULT 'resident'
        CHECK (id_kind IN ('resident', 'residence', 'hk_macao', 'taiwan', 'passport', 'foreign_perm')),
    ADD CONSTRAINT org_members_id_number_valid
        CHECK (id_number = '' OR ledger_id_number_ok(id_kind, id_number)) NOT VALID;
