#!/usr/bin/env bash
# The API as a script sees it, with nothing but curl and jq (and the shell's grep and sed):
#   1. look up 500 arXiv ids at once;
#   2. read a summary's Markdown;
#   3. log in, make a write token on the settings page, as a member would in a browser;
#   4. post a summary with that token, then edit it with If-Match.
#
#   scripts/api_walkthrough.sh http://127.0.0.1:8000 USERNAME PASSWORD
#
# Against the demo site: `.venv/bin/python manage.py load_demo --password pw` first, then
# `scripts/api_walkthrough.sh http://127.0.0.1:8000 ada pw`. CI runs it against a fresh
# demo site (.ci/run). Exits non-zero at the first step that does not hold.
set -euo pipefail

BASE=${1:?usage: $0 BASE_URL USERNAME PASSWORD}
USERNAME=${2:?usage: $0 BASE_URL USERNAME PASSWORD}
PASSWORD=${3:?usage: $0 BASE_URL USERNAME PASSWORD}
API="$BASE/api/v1"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
JAR="$WORK/cookies"

fail() { echo "FAILED: $*" >&2; exit 1; }

echo "== 1. 500 arXiv ids in one request"
jq -n '{ids: (["arXiv:1706.03762v5", "https://arxiv.org/abs/1512.03385"]
              + [range(498) | "2101.\(10000 + .)"]),
        fields: ["title", "url", "summary_count"]}' > "$WORK/ids.json"
curl -sS --fail-with-body -H 'Content-Type: application/json' \
    --data @"$WORK/ids.json" "$API/papers/batch" > "$WORK/batch.json"
answered=$(jq 'length' "$WORK/batch.json")
known=$(jq '[.[] | select(.paper != null)] | length' "$WORK/batch.json")
[ "$answered" = 500 ] || fail "asked 500 ids, got $answered answers"
jq -e '.[0].id == "arXiv:1706.03762v5"' "$WORK/batch.json" > /dev/null \
    || fail "the answers are not in the order asked"
echo "   500 answers in the order asked; $known papers known, the rest null"
jq -r '.[] | select(.paper != null) | "   \(.id): \(.paper.title) (\(.paper.summary_count) summaries)"' \
    "$WORK/batch.json"

echo "== 2. a summary's Markdown"
paper=$(jq -r '[.[] | select(.paper != null and .paper.summary_count > 0)][0].paper.id // empty' \
    "$WORK/batch.json")
[ -n "$paper" ] || fail "no known paper with a summary to read"
curl -sS --fail-with-body "$API/papers/$paper/summaries" > "$WORK/summaries.json"
summary=$(jq -r '.data[0].id' "$WORK/summaries.json")
curl -sS --fail-with-body "$API/summaries/$summary" > "$WORK/summary.json"
jq -r '"   summary \(.id) by \(.author.username // "anonymous"), \(.license):"' "$WORK/summary.json"
jq -r '.body_markdown' "$WORK/summary.json" | head -5 | sed 's/^/   | /'

echo "== 3. log in and make a write token on the settings page"
csrf() { grep -E '\bcsrftoken\b' "$JAR" | awk '{print $7}' | tail -1; }
curl -sS -c "$JAR" -b "$JAR" -o /dev/null "$BASE/accounts/login/"
curl -sS -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code}' \
    -H "Referer: $BASE/accounts/login/" \
    --data-urlencode "csrfmiddlewaretoken=$(csrf)" \
    --data-urlencode "login=$USERNAME" --data-urlencode "password=$PASSWORD" \
    "$BASE/accounts/login/" > "$WORK/status"
[ "$(cat "$WORK/status")" = 302 ] || fail "logging in as $USERNAME answered $(cat "$WORK/status")"
curl -sS -c "$JAR" -b "$JAR" -o /dev/null "$BASE/settings"
# The answer to making it is the one page that ever shows it.
token=$(curl -sS -c "$JAR" -b "$JAR" -H "Referer: $BASE/settings" \
    --data-urlencode "csrfmiddlewaretoken=$(csrf)" \
    --data-urlencode "name=walkthrough $(date +%s)" --data-urlencode "scope=write" \
    "$BASE/settings/tokens" | grep -o 'value="ss_[^"]*"' | sed 's/value="//; s/"$//')
[ -n "$token" ] || fail "the settings page showed no new token"
echo "   a token starting ${token:0:10}..."
curl -sS -b "$JAR" "$BASE/settings" | grep -q "$token" && fail "the token is shown twice"
AUTH="Authorization: Bearer $token"

echo "== 4. post a summary with the token, then edit it with If-Match"
posted=""
for candidate in $(jq -r '.[] | select(.paper != null) | .paper.id' "$WORK/batch.json") \
    $(curl -sS "$API/search?q=learning" | jq -r '.data[].id'); do
    status=$(curl -sS -o "$WORK/posted.json" -D "$WORK/posted.headers" -w '%{http_code}' \
        -H "$AUTH" -H 'Content-Type: application/json' \
        --data "$(jq -n --arg p "$candidate" \
            '{paper: $p, body_markdown: "Posted by a script: the loss is $\\mathcal{L} = -\\log p(x)$."}')" \
        "$API/summaries")
    if [ "$status" = 201 ]; then posted=$(jq -r '.id' "$WORK/posted.json"); break; fi
    [ "$status" = 409 ] || fail "posting a summary answered $status: $(cat "$WORK/posted.json")"
done
[ -n "$posted" ] || fail "$USERNAME has a summary of every paper tried"
jq -r '"   summary \(.id) on \(.paper.title): \(.permalink)"' "$WORK/posted.json"
jq -e '.body_html | contains("katex")' "$WORK/posted.json" > /dev/null \
    || fail "the summary's math was not typeset"
etag=$(grep -i '^etag:' "$WORK/posted.headers" | sed 's/^[Ee][Tt][Aa][Gg]: *//' | tr -d '\r')
status=$(curl -sS -o "$WORK/edited.json" -w '%{http_code}' -X PUT -H "$AUTH" \
    -H 'Content-Type: application/json' -H "If-Match: $etag" \
    --data '{"body_markdown": "Edited by a script."}' "$API/summaries/$posted")
[ "$status" = 200 ] || fail "the edit answered $status: $(cat "$WORK/edited.json")"
status=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H "$AUTH" \
    -H 'Content-Type: application/json' -H "If-Match: $etag" \
    --data '{"body_markdown": "A lost update?"}' "$API/summaries/$posted")
[ "$status" = 412 ] || fail "an edit with a spent ETag answered $status, not 412"
curl -sS "$API/summaries/$posted" | jq -e '.body_markdown == "Edited by a script."' > /dev/null \
    || fail "visitors do not see the edit"
echo "   edited with If-Match; a second edit with the old ETag was refused (412)"
echo "== all steps held"
