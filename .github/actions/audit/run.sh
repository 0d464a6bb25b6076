#!/usr/bin/env bash
# The audit step of the auditor GitHub Action, kept in a file so tests can run it.
#
# Reads INPUT_REQUIREMENTS, INPUT_FAIL_ON, INPUT_STRICT, INPUT_EXTRA_ARGS; runs one audit
# that writes JSON, Markdown and SARIF; appends the Markdown to $GITHUB_STEP_SUMMARY;
# writes outputs to $GITHUB_OUTPUT; exits with the audit's exit code so the step fails
# exactly when the gate does. AUDITOR_PYTHON picks the interpreter auditor is installed
# in (default: python3); AUDITOR_OUTPUT_DIR where the reports go.
set -uo pipefail

python="${AUDITOR_PYTHON:-python3}"
out_dir="${AUDITOR_OUTPUT_DIR:-${RUNNER_TEMP:-/tmp}/auditor}"
mkdir -p "$out_dir"
json="$out_dir/auditor.json"
sarif="$out_dir/auditor.sarif"
markdown="$out_dir/auditor.md"
rm -f "$json" "$sarif" "$markdown"

# Whitespace-separated lists; `set -f` keeps a `*` in an input from globbing.
set -f
read -r -a files <<< "${INPUT_REQUIREMENTS:-requirements.txt}"
read -r -a extra <<< "${INPUT_EXTRA_ARGS:-}"
set +f

args=(--fail-on "${INPUT_FAIL_ON:-high}")
case "${INPUT_STRICT:-false}" in
  true|True|TRUE|1|yes) args+=(--strict) ;;
esac

"$python" -m auditor audit "${files[@]}" "${args[@]}" "${extra[@]}" \
  --format json --output "$json" \
  --report "markdown=$markdown" --report "sarif=$sarif"
code=$?

summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
if [ -s "$markdown" ]; then
  cat "$markdown" >> "$summary"
else
  {
    echo "## auditor: the audit did not finish (exit $code)"
    echo
    echo "See the step's log for the error and what to do next."
  } >> "$summary"
fi

{
  echo "exit-code=$code"
  echo "json=$json"
  echo "sarif=$sarif"
  echo "markdown=$markdown"
  if [ -s "$json" ]; then
    "$python" - "$json" <<'PY'
import json
import sys

doc = json.load(open(sys.argv[1], encoding="utf-8"))
levels = doc["summary"]["levels"]
order = ["none", "unknown", "low", "medium", "high", "critical"]  # unknown: never read as none
present = [lv for lv in order if levels.get(lv, 0) > 0]
print(f"highest-risk={present[-1] if present else 'none'}")
for lv in order:
    print(f"{lv}={levels.get(lv, 0)}")
print(f"packages={doc['summary']['packages']}")
PY
  else
    echo "highest-risk=unknown"
  fi
} >> "${GITHUB_OUTPUT:-/dev/null}"

exit "$code"
