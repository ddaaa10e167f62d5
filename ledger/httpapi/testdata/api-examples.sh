#!/usr/bin/env bash
# The curl examples of the README ("HTTP API"): a finance officer and an
# auditor doing their job through `ledger serve`, on the demo setup
# (configs/demo/fenyang.yaml). TestCurlExamples runs this script against a
# test server and checks its output. BASE is the server's address; jq picks
# fields out of the answers.
set -euo pipefail
: "${BASE:?set BASE, e.g. BASE=http://127.0.0.1:8080}"

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
# An auditor writes nothing else: posting a voucher is refused.
curl -sS -X POST "$BASE/api/v1/vouchers/$SPEND/void" \
  -H "Authorization: Bearer $AUDITOR" -H 'Idempotency-Key: auditor-void' | jq -r '"auditor void: \(.code)"'

# Log out: revoke the officer's token; it stops working at once.
TOKEN_ID=$(curl -sS --fail-with-body "$BASE/api/v1/me" -H "Authorization: Bearer $TOKEN" | jq -r .token_id)
curl -sS --fail-with-body -o /dev/null -X POST "$BASE/api/v1/tokens/$TOKEN_ID/revoke" \
  -H "Authorization: Bearer $TOKEN" -H "Idempotency-Key: logout-$TOKEN_ID"
curl -sS -o /dev/null -w 'after logout: %{http_code}\n' "$BASE/api/v1/me" -H "Authorization: Bearer $TOKEN"
