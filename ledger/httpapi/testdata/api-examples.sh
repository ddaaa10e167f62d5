#!/usr/bin/env bash
# The curl examples of the README ("HTTP API"): a finance officer and an
# auditor doing their job through `ledger serve`, on the demo setup
# (configs/demo/fenyang.yaml). TestCurlExamples runs this script against a
# test server and checks its output. BASE is the server's address; jq picks
# fields out of the answers.
set -euo pipefail
: "${BASE:?set BASE, e.g. BASE=http://127.0.0.1:8080}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Log in: a user name and password give a bearer token, shown once.
login() {
  curl -sS --fail-with-body -X POST "$BASE/api/v1/tokens" \
    -H 'Content-Type: application/json' \
    -d "{\"user\": \"$1\", \"password\": \"$2\"}" | jq -r .token
}

# --- The finance officer (王芳, officer) ------------------------------------
TOKEN=$(login wangfang demo-officer-1)
curl -sS --fail-with-body "$BASE/api/v1/me" -H "Authorization: Bearer $TOKEN" | jq -c '{user, roles, scope}'

# Record the 90,000.00 allocated down by the province and city. Amounts are
# JSON strings; every write carries an Idempotency-Key.
RECEIPT=$(curl -sS --fail-with-body -X POST "$BASE/api/v1/flows/receive" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -H 'Idempotency-Key: fy-receive-2020-02-03' \
  -d '{"fund": "FY-UP", "amount": "90000.00", "date": "2020-02-03",
       "decision": "吕组通〔2020〕5号", "attachments": 1}' | jq -r .id)
echo "receipt: voucher $RECEIPT"

# The checker checks it, the cashier signs it (it touches the bank), the
# checker posts it.
CHECKER=$(login liqiang demo-checker-1)
CASHIER=$(login zhaomin demo-cashier-1)
step() { # step TOKEN VOUCHER STEP KEY
  curl -sS --fail-with-body -X POST "$BASE/api/v1/vouchers/$2/$3" \
    -H "Authorization: Bearer $1" -H "Idempotency-Key: $4" | jq -r '"\(.word) \(.status)"'
}
step "$CHECKER" "$RECEIPT" check "check-$RECEIPT"
step "$CASHIER" "$RECEIPT" sign "sign-$RECEIPT"
step "$CHECKER" "$RECEIPT" post "post-$RECEIPT"

# Allocate 12,000.00 to the FY-CP-01 checkpoint branch, by decision of the
# department meeting, and have it checked, signed and posted.
ALLOC=$(curl -sS --fail-with-body -X POST "$BASE/api/v1/flows/allocate" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -H 'Idempotency-Key: fy-allocate-cp01-2020-02-05' \
  -d '{"fund": "FY-UP", "to": "FY-CP-01", "amount": "12000.00", "date": "2020-02-05",
       "decision": "部务会2020-02-04纪要第3号", "attachments": 1}' | jq -r .id)
step "$CHECKER" "$ALLOC" check "check-$ALLOC"
step "$CASHIER" "$ALLOC" sign "sign-$ALLOC"
step "$CHECKER" "$ALLOC" post "post-$ALLOC"

# The branch spends 1,200.00 on supplies (报账); checked and posted.
SPEND_BODY='{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement", "amount": "1200.00",
  "date": "2020-02-08", "payee": "汾阳市医药公司", "payee_type": "supplier", "attachments": 2,
  "decision": "支委会2020-02-07"}'
SPEND=$(curl -sS --fail-with-body -X POST "$BASE/api/v1/flows/spend" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -H 'Idempotency-Key: fy-cp01-spend-0208' -d "$SPEND_BODY" | jq -r .id)
# Sending the same request again (a retry) makes nothing new: the first
# answer comes back with Idempotency-Replayed: true.
curl -sS --fail-with-body -o /dev/null -D - -X POST "$BASE/api/v1/flows/spend" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -H 'Idempotency-Key: fy-cp01-spend-0208' -d "$SPEND_BODY" | grep -i '^idempotency-replayed' | tr -d '\r'
step "$CHECKER" "$SPEND" check "check-$SPEND"
step "$CHECKER" "$SPEND" post "post-$SPEND"

# A mistake is answered with a JSON error naming the field: here an amount
# sent as a number.
curl -sS -X POST "$BASE/api/v1/flows/spend" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -H 'Idempotency-Key: fy-cp01-spend-bad' \
  -d '{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement", "amount": 80.5}' | jq -c '{code, field}'

# Balances of the branch, rolled up its subtree.
curl -sS --fail-with-body "$BASE/api/v1/balances?org=FY-CP-01&fund=FY-UP" -H "Authorization: Bearer $TOKEN" |
  jq -r '.balances[] | select(.org == "FY-CP-01") | "\(.account) \(.account_name) \(.total)"'

# Look a voucher up by its 字号 in its month (the CLI's `voucher show 2020-02:记-2`).
curl -sS --fail-with-body "$BASE/api/v1/vouchers/by-number/$(jq -rn '"记-2" | @uri')?period=2020-02" \
  -H "Authorization: Bearer $TOKEN" | jq -r '"by number: \(.word) \(.flow) \(.total)"'

# The facts the audit rules read besides the journal: the meeting that
# decided the allocation (A-07), whether a payee is paid into a personal
# account (A-11), the approved relief roster from a CSV file (A-06), the
# publication of the spending (A-16, A-17) and the bank's value date of a
# voucher (A-14).
curl -sS --fail-with-body -X POST "$BASE/api/v1/meetings" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H 'Idempotency-Key: meeting-2020-02-04' \
  -d '{"decision": "部务会2020-02-04纪要第3号", "attendees": ["孙立新", "王芳", "李强"]}' |
  jq -r '"meeting \(.decision): \(.attendees | join("、"))"'
curl -sS --fail-with-body -X POST "$BASE/api/v1/payee-accounts" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H 'Idempotency-Key: payee-yiyao' \
  -d '{"payee": "汾阳市医药公司", "personal": false}' | jq -r '"payee \(.payee): personal \(.personal)"'
printf '姓名,身份证号,身份,电话\n张三,142301197001011236,群众,13800000000\n李四,,党员,13900000000\n' > "$TMP/roster.csv"
curl -sS --fail-with-body -X POST "$BASE/api/v1/roster/import?org=FY-CP-01" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' -H 'Idempotency-Key: roster-cp01-1' \
  --data-binary @"$TMP/roster.csv" | jq -r '"roster: \(.rows) rows, \(.new) new"'
curl -sS --fail-with-body -X POST "$BASE/api/v1/publicity" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H 'Idempotency-Key: publicity-2020-03-05' \
  -d '{"org": "FY", "date": "2020-03-05", "channel": "公示栏", "through": "2020-02-29",
       "procurement": "1200.00", "total": "1200.00"}' | jq -r '"publicity \(.date): \(.total)"'
curl -sS --fail-with-body -X POST "$BASE/api/v1/vouchers/$ALLOC/value-date" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H "Idempotency-Key: value-date-$ALLOC" \
  -d '{"date": "2020-02-05"}' | jq -r '"value date \(.word): \(.value_date)"'

# --- The discipline-inspection auditor (冯清, auditor) -----------------------
AUDITOR=$(login fengqing demo-auditor-1)
# Everything posted in February, a page at a time.
curl -sS --fail-with-body "$BASE/api/v1/vouchers?period=2020-02&status=posted&limit=100" \
  -H "Authorization: Bearer $AUDITOR" | jq -r '.vouchers[] | "\(.word) \(.flow) \(.total) \(.maker)/\(.checker)/\(.poster)"'
# Run the audit rules for February and list what they found.
curl -sS --fail-with-body -X POST "$BASE/api/v1/audit-runs" \
  -H "Authorization: Bearer $AUDITOR" -H 'Content-Type: application/json' \
  -H 'Idempotency-Key: audit-2020-02-run-1' -d '{"period": "2020-02"}' |
  jq -r '"audit \(.period): \(.status), \(.summary.total) findings"'
FINDING=$(curl -sS --fail-with-body "$BASE/api/v1/findings?period=2020-02&state=open" \
  -H "Authorization: Bearer $AUDITOR" | jq -r '.findings[0].id')
# Acknowledge a finding with a note and a deadline, later record it rectified.
curl -sS --fail-with-body -X POST "$BASE/api/v1/findings/$FINDING/ack" \
  -H "Authorization: Bearer $AUDITOR" -H 'Content-Type: application/json' \
  -H "Idempotency-Key: ack-$FINDING" \
  -d '{"note": "情况属实，限期整改", "deadline": "2020-03-31"}' | jq -r '"finding \(.rule): \(.state)"'
curl -sS --fail-with-body -X POST "$BASE/api/v1/findings/$FINDING/rectify" \
  -H "Authorization: Bearer $AUDITOR" -H 'Content-Type: application/json' \
  -H "Idempotency-Key: rectify-$FINDING" \
  -d '{"note": "已拨付或使用"}' | jq -r '"finding \(.rule): \(.state)"'
# The facts the rules read, as recorded (ID numbers masked).
curl -sS --fail-with-body "$BASE/api/v1/roster?org=FY-CP-01" -H "Authorization: Bearer $AUDITOR" |
  jq -r '.roster[] | "roster \(.org) \(.name) \(.id_number)"'
# The monthly batch with the bank statement of the 党费专户 (the CLI's
# `reconcile --bank-statement FILE`) is the administrator's (孙立新): a run
# is recorded with the month. The file is a form part (or the whole body);
# the layout is detected from its header row.
ADMIN=$(login sunlixin demo-admin-1)
printf '%s\n' '交易日期,凭证号,摘要,借方发生额,贷方发生额,余额,对方账号,对方户名,用途' \
  '20200203,ICBC0203001,省市下拨专项党费,,90000.00,90000.00,,,' \
  '20200205,ICBC0205001,划拨FY-CP-01,12000.00,,78000.00,,,' > "$TMP/icbc-202002.csv"
curl -sS --fail-with-body -X POST "$BASE/api/v1/reconcile-runs/statement?period=2020-02" \
  -H "Authorization: Bearer $ADMIN" -H 'Idempotency-Key: reconcile-2020-02-icbc' \
  -F file=@"$TMP/icbc-202002.csv" |
  jq -r '"reconcile \(.period): \(.statement.layout) \(.statement.lines) lines, balanced \(.statement.balanced)"'
# The auditor downloads the reconciliation workbook of the month (checks,
# discrepancies, the 银行存款余额调节表, trial balance, findings).
curl -sS --fail-with-body -o "$TMP/reconcile-2020-02.xlsx" -w 'workbook: %{http_code} %{content_type}\n' \
  "$BASE/api/v1/reports/reconcile?period=2020-02" -H "Authorization: Bearer $AUDITOR"
# ... and recomputes the tamper-evidence chain (`ledger verify`).
curl -sS --fail-with-body "$BASE/api/v1/verify" -H "Authorization: Bearer $AUDITOR" |
  jq -r '"verify: clean \(.clean), \(.problem_count) problems"'
# An auditor writes nothing else: a roster entry is refused, and so are
# voiding a voucher and running the batch.
curl -sS -X POST "$BASE/api/v1/roster" -H "Authorization: Bearer $AUDITOR" -H 'Content-Type: application/json' \
  -H 'Idempotency-Key: auditor-roster' -d '{"name": "王五", "phone": "13700000000"}' | jq -r '"auditor roster: \(.code)"'

curl -sS -X POST "$BASE/api/v1/vouchers/$SPEND/void" \
  -H "Authorization: Bearer $AUDITOR" -H 'Idempotency-Key: auditor-void' | jq -r '"auditor void: \(.code)"'
curl -sS -X POST "$BASE/api/v1/reconcile-runs" \
  -H "Authorization: Bearer $AUDITOR" -H 'Content-Type: application/json' \
  -H 'Idempotency-Key: auditor-reconcile' -d '{"period": "2020-02"}' | jq -r '"auditor reconcile: \(.code) \(.field)"'

# --- The administrator (孙立新, admin) ---------------------------------------
# A new officer for the FY-CP-02 checkpoint branch, with a password.
curl -sS --fail-with-body -X POST "$BASE/api/v1/users" \
  -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -H 'Idempotency-Key: user-chenjing' \
  -d '{"name": "chenjing", "full_name": "陈静", "roles": ["officer"], "scope": "FY-CP-02",
       "password": "a long passphrase"}' | jq -r '"user \(.name): \(.roles | join(",")) in \(.scope)"'
# A token for a script of hers, shown once (a retry with the same key
# answers without it).
curl -sS --fail-with-body -X POST "$BASE/api/v1/users/chenjing/tokens" \
  -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -H 'Idempotency-Key: token-chenjing-1' \
  -d '{"ttl": "24h"}' | jq -r '"token for \(.user): \(.token | startswith("lgr_"))"'
# She leaves: the account is disabled and its tokens revoked.
curl -sS --fail-with-body -X POST "$BASE/api/v1/users/chenjing/disable" \
  -H "Authorization: Bearer $ADMIN" -H 'Idempotency-Key: disable-chenjing' |
  jq -r '"\(.name) disabled: \(.disabled), \(.active_tokens) active tokens"'

# Log out: revoke the officer's token; it stops working at once.
TOKEN_ID=$(curl -sS --fail-with-body "$BASE/api/v1/me" -H "Authorization: Bearer $TOKEN" | jq -r .token_id)
curl -sS --fail-with-body -o /dev/null -X POST "$BASE/api/v1/tokens/$TOKEN_ID/revoke" \
  -H "Authorization: Bearer $TOKEN" -H "Idempotency-Key: logout-$TOKEN_ID"
curl -sS -o /dev/null -w 'after logout: %{http_code}\n' "$BASE/api/v1/me" -H "Authorization: Bearer $TOKEN"
