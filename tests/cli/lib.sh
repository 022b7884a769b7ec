# Shared by the CLI tests: source it after setting `tmp` (a scratch directory) and
# `failures=0`.

# expect CODE PATTERN -- COMMAND...: exit code CODE and a line of stdout or stderr matching the
# extended regex PATTERN. grep reads the files itself: a `cat | grep -q` pipeline under pipefail
# fails when grep stops reading early.
expect() {
  local code=$1 pattern=$2; shift 3
  timeout 60 "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" -ne "$code" ] || ! grep -qE -- "$pattern" "$tmp/out" "$tmp/err"; then
    echo "FAIL: $* -> exit $got (want $code), output:"; cat "$tmp/out" "$tmp/err"
    failures=$((failures + 1))
  else
    echo "ok: $* -> $got: $(cat "$tmp/out" "$tmp/err" | grep -E -- "$pattern" | head -n 1)"
  fi
}

# check DESCRIPTION CONDITION: CONDITION is evaluated as shell code.
check() {
  if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi
}
