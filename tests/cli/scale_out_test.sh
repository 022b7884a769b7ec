#!/usr/bin/env bash
# Scale-out, end to end: a real PostgreSQL, the demo data in it, two vanthu-server instances on
# it and nginx in front with docs/nginx/vanthu.conf (ports replaced). Through nginx: concurrent
# logins, tokens honoured by either instance, a logout seen by both at once, concurrent writes
# with no update lost and one winner per race, and fail-over when an instance dies.
#   scale_out_test.sh BIN_DIR
# A new case is one more function named case_* (run in the order they are defined).
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
failures=0
server_pids=()
nginx_pid=""

cleanup() {
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${server_pids[@]}"; do wait "$pid" 2>/dev/null; done
  "$root/tests/support/postgres_server.sh" stop "$tmp/pg"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Waits for the jobs whose pids are in the array named $1 (a bare `wait` would wait for the
# servers and nginx too).
wait_for() {
  local -n jobs=$1
  local pid
  for pid in "${jobs[@]}"; do wait "$pid"; done
  jobs=()
}

ok() { echo "ok: $*"; }
pids=()
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
for tool in nginx curl; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (script/bootstrap installs it)"; exit 1; }
done

free_port() {
  local candidate
  for candidate in $(shuf -i 20000-29999 -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then echo "$candidate"; return 0; fi
  done
  return 1
}

# --- the cluster -------------------------------------------------------------------------------
url=$("$root/tests/support/postgres_server.sh" start "$tmp/pg") || { echo "FAIL: no PostgreSQL"; exit 1; }
export VANTHU_DEMO_PASSWORD=scale-out-demo-password
password=$VANTHU_DEMO_PASSWORD
"$bin/vanthu" demo init --dir "$tmp/var" --database "$url" --quiet >"$tmp/init.out" 2>&1 \
  || { echo "FAIL: demo init on PostgreSQL: $(cat "$tmp/init.out")"; exit 1; }
grep -c "database.url = postgresql://" "$tmp/var/vanthu.properties" >/dev/null \
  || fail "the demo's vanthu.properties does not name the PostgreSQL database"
[ -e "$tmp/var/vanthu.db" ] && fail "demo init with --database still wrote an SQLite file"
mapfile -t users < <(sed -n 's/^user \([^ ]*\) .*/\1/p' "$tmp/var/demo-credentials.txt")
[ "${#users[@]}" -ge 5 ] || { echo "FAIL: too few demo users: ${users[*]}"; exit 1; }

declare -A instance_port instance_pid
start_instance() {  # NAME
  local name=$1 port=""
  VANTHU_INSTANCE_NAME=$name VANTHU_STORAGE_BLOBS=database VANTHU_THREADS=8 \
    "$bin/vanthu-server" --data "$tmp/var" --port 0 >"$tmp/$name.out" 2>"$tmp/$name.log" &
  instance_pid[$name]=$!
  server_pids+=("$!")
  for _ in $(seq 1 200); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/$name.out")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "FAIL: instance $name did not start: $(cat "$tmp/$name.out" "$tmp/$name.log")"; exit 1; }
  instance_port[$name]=$port
}
start_instance a
start_instance b

# nginx with the shipped sample: the same file, only the addresses are this run's.
lb_port=$(free_port) || { echo "FAIL: no free port"; exit 1; }
mkdir -p "$tmp/nginx/logs"
sed -e "s|server 127.0.0.1:8081 |server 127.0.0.1:${instance_port[a]} |" \
    -e "s|server 127.0.0.1:8082 |server 127.0.0.1:${instance_port[b]} |" \
    -e "s|listen 127.0.0.1:8080;|listen 127.0.0.1:$lb_port;|" \
    "$root/docs/nginx/vanthu.conf" >"$tmp/nginx/vanthu.conf"
for expected in "127.0.0.1:${instance_port[a]} " "127.0.0.1:${instance_port[b]} " "127.0.0.1:$lb_port;"; do
  grep -cF "$expected" "$tmp/nginx/vanthu.conf" >/dev/null \
    || { echo "FAIL: docs/nginx/vanthu.conf no longer has the lines this test rewrites ($expected)"; exit 1; }
done
{
  [ "$(id -u)" -eq 0 ] && echo "user $(id -un);"
  cat <<EOF
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log $tmp/nginx/logs/access.log;
  client_body_temp_path $tmp/nginx/client_body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  include $tmp/nginx/vanthu.conf;
}
EOF
} >"$tmp/nginx/nginx.conf"
nginx -p "$tmp/nginx" -e "$tmp/nginx/logs/error.log" -c "$tmp/nginx/nginx.conf" -g 'daemon off;' \
  >"$tmp/nginx/stdout" 2>&1 &
nginx_pid=$!
lb=http://127.0.0.1:$lb_port
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$lb/healthz" && break
  sleep 0.1
done
curl -s -o /dev/null "$lb/healthz" \
  || { echo "FAIL: nginx did not start: $(cat "$tmp/nginx/stdout" "$tmp/nginx/logs/error.log")"; exit 1; }
ok "PostgreSQL, instances a (port ${instance_port[a]}) and b (port ${instance_port[b]}), nginx on $lb_port"

# --- helpers -------------------------------------------------------------------------------------
# call METHOD URL [TOKEN] [JSON] -> prints "STATUS SERVED_BY"; the response body goes to
# $CALL_BODY (default: a file of this process's own).
call() {
  local method=$1 target=$2 token=${3:-} body=${4:-} headers=$tmp/headers.$BASHPID
  # Logins hash with PBKDF2 (600,000 rounds): 50 at once on two busy cores take a while.
  local args=(-s -o "${CALL_BODY:-$tmp/body.$BASHPID}" -D "$headers" -w '%{http_code}'
              -X "$method" --max-time 240)
  [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
  [ -n "$body" ] && args+=(-H "Content-Type: application/json" --data "$body")
  local status
  status=$(curl "${args[@]}" "$target")
  local served
  served=$(sed -n 's/^[Xx]-[Ss]erved-[Bb]y: *\([A-Za-z0-9._-]*\).*/\1/p' "$headers" 2>/dev/null)
  rm -f "$headers"
  echo "$status ${served:--}"
}
json_field() {  # FIELD FILE: a top-level string field of a JSON object
  python3 -c 'import json,sys; print(json.load(open(sys.argv[2]))[sys.argv[1]])' "$1" "$2"
}
login() {  # USERNAME [PASSWORD] -> prints the access token, or nothing
  local result file=$tmp/login.$BASHPID
  result=$(CALL_BODY=$file call POST "$lb/api/v1/auth/login" "" \
    "{\"username\":\"$1\",\"password\":\"${2:-$password}\"}")
  [ "${result%% *}" = 200 ] && json_field token "$file"
}

# --- cases ---------------------------------------------------------------------------------------
case_concurrent_logins_and_tokens_on_both_instances() {
  mkdir -p "$tmp/logins"
  local i
  for i in $(seq 1 50); do
    (login "${users[$((i % ${#users[@]}))]}" >"$tmp/logins/$i") &
    pids+=($!)
  done
  wait_for pids
  local tokens=0
  for i in $(seq 1 50); do [ -s "$tmp/logins/$i" ] && tokens=$((tokens + 1)); done
  [ "$tokens" -eq 50 ] && ok "50 concurrent logins through nginx all succeeded" \
    || fail "only $tokens of 50 concurrent logins succeeded"

  # Each token on several requests: every one must be accepted, whichever instance serves it.
  : >"$tmp/me.results"
  for i in $(seq 1 50); do
    (
      token=$(cat "$tmp/logins/$i")
      for _ in 1 2 3 4; do echo "$i $(call GET "$lb/api/v1/me" "$token")"; done
    ) >>"$tmp/me.results.$i" &
    pids+=($!)
  done
  wait_for pids
  cat "$tmp"/me.results.* >"$tmp/me.results"
  local total good on_a on_b both=0
  total=$(wc -l <"$tmp/me.results")
  good=$(grep -c ' 200 ' "$tmp/me.results")
  on_a=$(grep -c ' 200 a$' "$tmp/me.results")
  on_b=$(grep -c ' 200 b$' "$tmp/me.results")
  for i in $(seq 1 50); do
    grep -c "^$i 200 a$" "$tmp/me.results" >/dev/null && grep -c "^$i 200 b$" "$tmp/me.results" >/dev/null \
      && both=$((both + 1))
  done
  [ "$total" -eq 200 ] && [ "$good" -eq 200 ] && ok "200 GET /api/v1/me with the 50 tokens all answered 200" \
    || fail "GET /api/v1/me: $good of $total answered 200"
  [ "$on_a" -gt 0 ] && [ "$on_b" -gt 0 ] && ok "both instances served them (a: $on_a, b: $on_b)" \
    || fail "the requests did not reach both instances (a: $on_a, b: $on_b)"
  [ "$both" -gt 0 ] && ok "$both tokens were accepted by both instances" \
    || fail "no token was used on both instances"
  # The instances' own logs agree with the header.
  local logged_a logged_b
  logged_a=$(grep -c '"path":"/api/v1/me"' "$tmp/a.log")
  logged_b=$(grep -c '"path":"/api/v1/me"' "$tmp/b.log")
  [ "$logged_a" -ge "$on_a" ] && [ "$logged_b" -ge "$on_b" ] && ok "the instances' logs show the requests too" \
    || fail "logs: a logged $logged_a (header said $on_a), b logged $logged_b (header said $on_b)"
}

case_logout_on_one_instance_is_honoured_by_the_other() {
  local token result served other
  token=$(login "${users[1]}")
  [ -n "$token" ] || { fail "login for the logout case"; return; }
  result=$(call POST "$lb/api/v1/auth/logout" "$token")
  served=${result#* }
  [ "${result%% *}" = 204 ] || { fail "logout answered $result"; return; }
  other=a
  [ "$served" = a ] && other=b
  # Straight to the other instance, right away: no cache may let the token through.
  result=$(call GET "http://127.0.0.1:${instance_port[$other]}/api/v1/me" "$token")
  [ "${result%% *}" = 401 ] && ok "logout on instance $served is honoured by instance $other at once" \
    || fail "after logout on $served, instance $other answered $result"
  result=$(call GET "http://127.0.0.1:${instance_port[$served]}/api/v1/me" "$token")
  [ "${result%% *}" = 401 ] || fail "after logout on $served, instance $served itself answered $result"
}

case_concurrent_api_tokens_are_all_kept() {
  local admin i
  admin=$(login admin)
  [ -n "$admin" ] || { fail "admin login"; return; }
  mkdir -p "$tmp/api-tokens"
  for i in $(seq 1 20); do
    (call POST "$lb/api/v1/auth/tokens" "$admin" \
      "{\"name\":\"parallel-$i\",\"scopes\":[\"documents:read\"]}" >"$tmp/api-tokens/$i") &
    pids+=($!)
  done
  wait_for pids
  local created served_a served_b
  created=$(cat "$tmp"/api-tokens/* | grep -c '^201 ')
  served_a=$(cat "$tmp"/api-tokens/* | grep -c '^201 a$')
  served_b=$(cat "$tmp"/api-tokens/* | grep -c '^201 b$')
  [ "$created" -eq 20 ] && ok "20 API tokens created in parallel through nginx (a: $served_a, b: $served_b)" \
    || fail "only $created of 20 parallel API token creations answered 201"
  local listed
  CALL_BODY=$tmp/list.json call GET "$lb/api/v1/auth/tokens" "$admin" >/dev/null
  listed=$(python3 -c 'import json,sys; print(sum(1 for t in json.load(open(sys.argv[1]))["items"] if t["name"].startswith("parallel-")))' \
    "$tmp/list.json")
  [ "$listed" -eq 20 ] && ok "the list shows all 20 of them" || fail "the list shows $listed of 20"
}

case_concurrent_password_changes_have_one_winner() {
  local user=${users[2]} i
  mkdir -p "$tmp/pw"
  for i in $(seq 1 4); do
    (login "$user" >"$tmp/pw/token.$i") &
    pids+=($!)
  done
  wait_for pids
  for i in $(seq 1 4); do [ -s "$tmp/pw/token.$i" ] || { fail "login $i for the password race"; return; }; done
  for i in $(seq 1 4); do
    (call POST "$lb/api/v1/auth/password" "$(cat "$tmp/pw/token.$i")" \
      "{\"current_password\":\"$password\",\"new_password\":\"new-password-number-$i\"}" >"$tmp/pw/result.$i") &
    pids+=($!)
  done
  wait_for pids
  local winners=0 winner=""
  for i in $(seq 1 4); do
    if grep -c '^204 ' "$tmp/pw/result.$i" >/dev/null; then winners=$((winners + 1)); winner=$i; fi
  done
  [ "$winners" -eq 1 ] && ok "of 4 concurrent password changes with one current password exactly one won" \
    || { fail "$winners of 4 concurrent password changes won: $(cat "$tmp"/pw/result.*)"; return; }
  [ -n "$(login "$user" "new-password-number-$winner")" ] && ok "the winner's new password logs in" \
    || fail "the winner's new password does not log in"
  [ -z "$(login "$user" "$password")" ] && ok "the old password no longer logs in" \
    || fail "the old password still logs in"
}

case_concurrent_document_updates_have_one_winner_per_revision() {
  local token id etag round i
  token=$(login chuyenvien)
  [ -n "$token" ] || { fail "specialist login for the document case"; return; }
  local created=$tmp/document.json headers=$tmp/document.headers
  curl -s -o "$created" -D "$headers" -X POST "$lb/api/v1/documents" -H "Authorization: Bearer $token" \
    -F 'metadata={"direction":"outgoing","document_type":"","subject":"Về việc thử nghiệm"};type=application/json' \
    -F "file=@$here/../data/corpus/unsigned/dss_EmptyPage.pdf;type=application/pdf" >/dev/null
  grep -c '^HTTP/1.1 201' "$headers" >/dev/null || { fail "upload through nginx: $(cat "$headers" "$created")"; return; }
  id=$(json_field id "$created")
  mkdir -p "$tmp/patch"
  local rounds=10 lost=0
  for round in $(seq 1 $rounds); do
    etag="\"$round\""
    for i in 1 2 3 4; do
      (curl -s -o /dev/null -w '%{http_code}\n' -X PATCH "$lb/api/v1/documents/$id" \
        -H "Authorization: Bearer $token" -H "If-Match: $etag" -H 'Content-Type: application/json' \
        --data "{\"subject\":\"Vòng $round, người $i\"}" >"$tmp/patch/$round.$i") &
      pids+=($!)
    done
    wait_for pids
    local won refused
    won=$(cat "$tmp"/patch/"$round".* | grep -c '^200$')
    refused=$(cat "$tmp"/patch/"$round".* | grep -c '^412$')
    if [ "$won" -ne 1 ] || [ "$refused" -ne 3 ]; then
      lost=$((lost + 1))
      echo "round $round: $won won, $refused refused: $(cat "$tmp"/patch/"$round".* | tr '\n' ' ')"
    fi
  done
  [ "$lost" -eq 0 ] && ok "$rounds rounds of 4 concurrent PATCHes with one If-Match: one 200 and three 412 each" \
    || fail "$lost of $rounds rounds did not have exactly one winner"
  local final=$tmp/document.final
  curl -s -o "$final" -D "$headers" "$lb/api/v1/documents/$id" -H "Authorization: Bearer $token"
  grep -ci "^etag: \"$((rounds + 1))[.\"]" "$headers" >/dev/null \
    && ok "the document is at revision $((rounds + 1)): no update was lost or applied twice" \
    || fail "after $rounds won updates: $(grep -i '^etag' "$headers")"
}

case_nginx_fails_over_when_an_instance_dies() {
  local token i
  token=$(login "${users[3]}")
  [ -n "$token" ] || { fail "login for the fail-over case"; return; }
  : >"$tmp/failover"
  for i in $(seq 1 120); do
    call GET "$lb/api/v1/me" "$token" >>"$tmp/failover"
    if [ "$i" -eq 40 ]; then
      kill -KILL "${instance_pid[b]}"
      wait "${instance_pid[b]}" 2>/dev/null
    fi
  done
  local good before_kill_b after_kill
  good=$(grep -c '^200 ' "$tmp/failover")
  before_kill_b=$(head -n 40 "$tmp/failover" | grep -c '^200 b$')
  after_kill=$(tail -n 80 "$tmp/failover" | grep -c '^200 a$')
  [ "$good" -eq 120 ] && ok "all 120 requests succeeded although instance b was killed after 40" \
    || fail "$good of 120 requests succeeded around the kill: $(sort "$tmp/failover" | uniq -c | tr '\n' ' ')"
  [ "$before_kill_b" -gt 0 ] && [ "$after_kill" -eq 80 ] \
    && ok "b served before the kill ($before_kill_b), a alone after it" \
    || fail "before the kill b served $before_kill_b, after it a served $after_kill of 80"
}

# The cases run in the order of this file (declare -F would sort them by name).
mapfile -t cases < <(grep -o '^case_[a-z_]*()' "$0" | tr -d '()')
for name in "${cases[@]}"; do
  echo "--- ${name#case_}"
  "$name"
done

if [ "$failures" -gt 0 ]; then
  echo "scale-out: $failures failure(s)"
  exit 1
fi
echo "scale-out: all cases passed"
