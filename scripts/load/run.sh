#!/usr/bin/env bash
# Loads a running cinesense with wrk (2 threads): search-as-you-type while 50 members rate.
#   scripts/load/run.sh http://127.0.0.1:8080 200 10
# Prints one JSON line (see mix.lua). Needs wrk and curl (apt-get install wrk curl).
set -euo pipefail
base=${1:?usage: run.sh BASE_URL [CONNECTIONS] [SECONDS]}
connections=${2:-200}
seconds=${3:-10}
here=$(cd "$(dirname "$0")" && pwd)
data=$(mktemp --suffix=.lua)
trap 'rm -f "$data"' EXIT
{
  echo "return {"
  echo "titles = {"
  curl -sf "$base/api/popular?limit=100" | grep -o '"title":"[^"]*"' | sed 's/^"title":\(.*\)$/\1,/'
  echo "},"
  echo "ids = {"
  curl -sf "$base/api/popular?limit=100" | grep -o '"id":[0-9]*' | sed 's/"id":\(.*\)/\1,/'
  echo "},"
  echo "tokens = {"
  for u in $(seq 1 50); do
    curl -sf -X POST "$base/api/users" -H 'Content-Type: application/json' \
      -d "{\"username\":\"wrk-$$-$u\",\"password\":\"a good password\",\"genres\":[\"Drama\",\"Comedy\",\"Thriller\"]}" \
      | grep -o '"token":"[^"]*"' | sed 's/^"token":\(.*\)$/\1,/'
  done
  echo "}}"
} > "$data"
WRK_MIX_DATA="$data" wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s -s "$here/mix.lua" "$base" | tail -1
