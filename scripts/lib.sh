#!/usr/bin/env bash
# Shared helpers of the scripts/test_curl_*.sh smoke tests: submit a job to `healthopt serve`,
# follow it to the end, then fetch everything it produced over HTTP.
#
# Sourced, not run. Environment:
#   BASE_URL             API address (default http://127.0.0.1:8000)
#   HEALTHOPT_API_TOKEN  sent as `Authorization: Bearer ...` when set; never printed
#   EPOCHS               max_epochs_per_trial (default 6)
#   TIMEOUT              seconds to wait for the job (default 900); on timeout it is cancelled
#   OUT                  download folder (default ./curl_downloads/<job_id>)
#   DRY_RUN=1            print the request body and exit without contacting the server
# JSON is read with python3 (jq is often missing).

BASE_URL="${BASE_URL:-http://127.0.0.1:8000}"
BASE_URL="${BASE_URL%/}"
EPOCHS="${EPOCHS:-6}"
TIMEOUT="${TIMEOUT:-900}"
POLL_SECONDS=2
# Polls that may fail in a row (server busy or restarting) before the wait gives up.
MAX_POLL_ERRORS=5

ho_die() {
  echo "error: $*" >&2
  exit 1
}

ho_require_int() {
  [[ "$2" =~ ^[0-9]+$ ]] || ho_die "$1 must be a whole number (got '$2')"
}

# curl with the bearer header when a token is set. The header goes through a file descriptor so
# the token never appears on a command line (visible in `ps`) or in the output.
ho_curl() {
  if [[ -n "${HEALTHOPT_API_TOKEN:-}" ]]; then
    curl -fsS -H @<(printf 'Authorization: Bearer %s\n' "$HEALTHOPT_API_TOKEN") "$@"
  else
    curl -fsS "$@"
  fi
}

# python3 one-off: ho_py 'code' [args...]; the code sees the arguments as sys.argv[1:].
ho_py() {
  python3 -c "$1" "${@:2}"
}

# The request body: the JSON object given, with max_epochs_per_trial taken from EPOCHS.
ho_payload() {
  ho_require_int EPOCHS "$EPOCHS"
  ho_py '
import json, sys
body = json.loads(sys.argv[1])
body["max_epochs_per_trial"] = int(sys.argv[2])
print(json.dumps(body))
' "$1" "$EPOCHS"
}

# POST /optimize; prints the job id. On a rejected request (422 and the like) it shows the
# server's explanation instead of curl's bare status.
ho_submit() {
  local body=$1 response code
  response=$(mktemp)
  if [[ -n "${HEALTHOPT_API_TOKEN:-}" ]]; then
    code=$(curl -sS -o "$response" -w '%{http_code}' -X POST "$BASE_URL/optimize" \
      -H 'Content-Type: application/json' \
      -H @<(printf 'Authorization: Bearer %s\n' "$HEALTHOPT_API_TOKEN") \
      --data-binary "$body") || { rm -f "$response"; ho_die "cannot reach $BASE_URL"; }
  else
    code=$(curl -sS -o "$response" -w '%{http_code}' -X POST "$BASE_URL/optimize" \
      -H 'Content-Type: application/json' \
      --data-binary "$body") || { rm -f "$response"; ho_die "cannot reach $BASE_URL"; }
  fi
  if [[ "$code" != 2* ]]; then
    echo "POST /optimize answered HTTP $code:" >&2
    cat "$response" >&2
    echo >&2
    rm -f "$response"
    exit 1
  fi
  ho_py '
import json, re, sys
job = json.load(open(sys.argv[1])).get("job_id", "")
if not re.fullmatch(r"[0-9a-f]{32}", str(job)):
    sys.exit("POST /optimize returned no valid job_id")
print(job)
' "$response" || { rm -f "$response"; exit 1; }
  rm -f "$response"
}

# One status document -> "<status><TAB><progress line>".
ho_progress_line() {
  ho_py '
import json, sys
s = json.loads(sys.argv[1])
def show(key, fmt="{}"):
    value = s.get(key)
    return "-" if value is None else fmt.format(value)
status = str(s.get("status", "?"))
line = "[{}] {:<9} trials {}/{}  trial {} epoch {}  best {}".format(
    show("elapsed_seconds", "{:6.0f}s"), status, show("trials_completed"), show("trials_total"),
    show("current_trial"), show("current_epoch"), show("best_score", "{:.4f}"),
)
if s.get("error"):
    line += "  error: " + " ".join(str(s["error"]).split())
print(status + "\t" + line)
' "$1"
}

ho_cancel() {
  echo "cancelling job $1" >&2
  ho_curl -X POST -o /dev/null "$BASE_URL/jobs/$1/cancel" || echo "cancel request failed" >&2
}

# Polls GET /jobs/{id}/status every POLL_SECONDS, printing progress, until the job ends.
# Returns 0 only for `completed`; a timeout cancels the job so it stops holding a job slot.
ho_wait() {
  local job=$1 start=$SECONDS errors=0 doc parsed status line
  ho_require_int TIMEOUT "$TIMEOUT"
  while true; do
    if doc=$(ho_curl "$BASE_URL/jobs/$job/status") && parsed=$(ho_progress_line "$doc"); then
      errors=0
      status=${parsed%%$'\t'*}
      line=${parsed#*$'\t'}
      echo "$line"
      case "$status" in
        completed) return 0 ;;
        failed | cancelled)
          echo "job $job ended as $status" >&2
          return 1
          ;;
      esac
    else
      errors=$((errors + 1))
      if ((errors >= MAX_POLL_ERRORS)); then
        echo "status of job $job unreadable $errors times in a row; giving up" >&2
        return 1
      fi
    fi
    if ((SECONDS - start >= TIMEOUT)); then
      echo "job $job not finished after ${TIMEOUT}s" >&2
      ho_cancel "$job"
      return 1
    fi
    sleep "$POLL_SECONDS"
  done
}

# GET a path into a file; succeeds only if the response was 2xx and not empty.
ho_get() {
  local path=$1 dest=$2
  mkdir -p "$(dirname "$dest")"
  if ! ho_curl -o "$dest" "$BASE_URL$path"; then
    echo "  FAILED  GET $path" >&2
    return 1
  fi
  if [[ ! -s "$dest" ]]; then
    echo "  EMPTY   GET $path" >&2
    return 1
  fi
  echo "  ok      GET $path -> $dest"
}

ho_check_zip() {
  ho_py '
import sys, zipfile
path = sys.argv[1]
if not zipfile.is_zipfile(path):
    sys.exit(f"{path} is not a zip archive")
with zipfile.ZipFile(path) as archive:
    bad = archive.testzip()
    if bad is not None:
        sys.exit(f"{path}: corrupt member {bad}")
    if not archive.namelist():
        sys.exit(f"{path}: empty archive")
' "$1"
}

ho_check_json() {
  ho_py 'import json, sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null ||
    { echo "  $1 is not JSON" >&2 && return 1; }
}

# The model's file name from the Content-Disposition header, reduced to a safe base name.
ho_model_name() {
  ho_py '
import re, sys
header = open(sys.argv[1], errors="replace").read()
match = re.search(r"filename\*?=(?:UTF-8\x27\x27)?[\"]?([^\";\r\n]+)", header, re.I)
name = match.group(1).strip().rsplit("/", 1)[-1] if match else ""
print(name if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*[.]keras", name) else "model.keras")
' "$1"
}

# Fetches every artefact of a finished job into a folder; returns 1 if any is missing, empty or
# malformed (it still tries the rest, so one report shows every gap).
ho_fetch() {
  local job=$1 out=$2 failures=0 headers tmp_model name listing trial plot url
  mkdir -p "$out"
  echo "downloading job $job into $out"

  ho_get "/jobs/$job/status" "$out/status.json" || failures=$((failures + 1))
  { ho_get "/jobs/$job/best-model" "$out/best_model.json" &&
    ho_check_json "$out/best_model.json"; } || failures=$((failures + 1))
  { ho_get "/jobs/$job/best-model/download" "$out/best_model_download.json" &&
    ho_check_json "$out/best_model_download.json"; } || failures=$((failures + 1))
  { ho_get "/jobs/$job/trials" "$out/trials.json" &&
    ho_py '
import json, sys
if not json.load(open(sys.argv[1])).get("trials"):
    sys.exit("trials.json lists no trials")
' "$out/trials.json"; } || failures=$((failures + 1))

  headers=$(mktemp)
  tmp_model="$out/.model.download"
  if ho_curl -D "$headers" -o "$tmp_model" "$BASE_URL/download/$job" && [[ -s "$tmp_model" ]]; then
    name=$(ho_model_name "$headers")
    mv "$tmp_model" "$out/$name"
    echo "  ok      GET /download/$job -> $out/$name"
    ho_check_zip "$out/$name" || failures=$((failures + 1))
  else
    echo "  FAILED  GET /download/$job" >&2
    rm -f "$tmp_model"
    failures=$((failures + 1))
  fi
  rm -f "$headers"

  if ho_get "/jobs/$job/plots" "$out/plots.json"; then
    # One "trial<TAB>name<TAB>url" line per plot; names that could escape the folder are refused.
    if listing=$(ho_py '
import json, re, sys
plots = json.load(open(sys.argv[1])).get("plots", [])
if not plots:
    sys.exit("plots.json lists no plots")
for p in plots:
    trial, name, url = p.get("trial"), str(p.get("name", "")), str(p.get("url", ""))
    if not isinstance(trial, int) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        sys.exit(f"unexpected plot entry {p!r}")
    if not url.startswith("/"):
        sys.exit(f"unexpected plot url {url!r}")
    print(f"{trial}\t{name}\t{url}")
' "$out/plots.json"); then
      while IFS=$'\t' read -r trial plot url; do
        ho_get "$url" "$out/plots/trial_$trial/$plot" || failures=$((failures + 1))
      done <<<"$listing"
    else
      failures=$((failures + 1))
    fi
  else
    failures=$((failures + 1))
  fi
  { ho_get "/jobs/$job/download/plots" "$out/plots.zip" && ho_check_zip "$out/plots.zip"; } ||
    failures=$((failures + 1))

  ((failures == 0)) || { echo "$failures download(s) failed" >&2 && return 1; }
}

ho_summary() {
  ho_py '
import os, sys
root = sys.argv[1]
total = 0
for folder, _, files in sorted(os.walk(root)):
    for name in sorted(files):
        path = os.path.join(folder, name)
        size = os.path.getsize(path)
        total += size
        print(f"{size:>12,}  {os.path.relpath(path, root)}")
print(f"{total:>12,}  total in {root}")
' "$1"
}

# The whole test: submit the body, follow the job, fetch everything, summarise.
ho_run_test() {
  local name=$1 body job out
  body=$(ho_payload "$2")
  if [[ "${DRY_RUN:-}" == 1 ]]; then
    echo "$body"
    return 0
  fi
  command -v python3 >/dev/null || ho_die "python3 is required"
  echo "== $name: POST $BASE_URL/optimize"
  echo "$body"
  job=$(ho_submit "$body")
  echo "job_id: $job"
  trap 'echo; ho_cancel "$job"; exit 130' INT TERM
  if ! ho_wait "$job"; then
    trap - INT TERM
    return 1
  fi
  trap - INT TERM
  out="${OUT:-./curl_downloads/$job}"
  local ok=0
  ho_fetch "$job" "$out" || ok=1
  echo "== files"
  ho_summary "$out"
  if ((ok == 0)); then
    echo "== $name: PASSED (job $job)"
  else
    echo "== $name: FAILED (job $job)" >&2
  fi
  return "$ok"
}
