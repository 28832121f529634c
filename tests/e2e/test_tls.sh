#!/usr/bin/env bash
# HTTPS and basic auth against real peers: certificates made here with the openssl CLI, a user
# hashed by Apache's htpasswd, curl and openssl s_client as clients, certificate rotation and a
# bad certificate on SIGHUP, client certificates (mTLS), and a real Prometheus scraping with
# scheme: https, tls_config and basic_auth.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_prometheus.sh"

for tool in openssl htpasswd prometheus; do
  command -v "$tool" >/dev/null || { fail "$tool is not installed (make deps)"; finish; }
done

# --- certificates: a CA, a server certificate for 127.0.0.1, a rotated one, client ones ---
PKI="$WORK/pki"
mkdir -p "$PKI"
cd "$PKI"
ca() {  # ca NAME: a self-signed CA
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=$1" -keyout "$1.key" -out "$1.pem" 2>/dev/null
}
cert() {  # cert NAME CA CN EXTENSIONS: a certificate signed by CA
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$3" \
    -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
ca server-ca
ca client-ca
ca other-ca
cert first server-ca "llmon first" "subjectAltName=IP:127.0.0.1,DNS:localhost"
cert rotated server-ca "llmon rotated" "subjectAltName=IP:127.0.0.1,DNS:localhost"
cert client client-ca "prometheus client" "extendedKeyUsage=clientAuth"
cert stranger other-ca "stranger" "extendedKeyUsage=clientAuth"
cd - >/dev/null
cp "$PKI/first.pem" "$WORK/server.pem"
cp "$PKI/first.key" "$WORK/server.key"
HASH="$(htpasswd -nbB prometheus 's3cret:with colon' | cut -d: -f2-)"

config() {  # config [EXTRA-TLS-LINES] [EXTRA-WEB-LINES]
  cat > "$WORK/llmon.toml" <<TOML
[web]
max_connections = 8
max_connections_per_client = 8
${2:-}
[web.tls]
cert_file = "server.pem"
key_file = "server.key"
${1:-}
[web.basic_auth.users]
prometheus = "$HASH"
[gpu]
backend = "none"
$NO_OLLAMA
TOML
}
config
config_ok() { "$LLMON_BIN" check-config "$WORK/llmon.toml" >/dev/null; }
check "check-config accepts TLS and basic auth" config_ok
start_llmon --config "$WORK/llmon.toml"
BASE="https://127.0.0.1:$LLMON_PORT"
AUTH=(-u 'prometheus:s3cret:with colon')
tls_curl() { curl -sS --max-time 5 --cacert "$PKI/server-ca.pem" "$@"; }
status() { tls_curl -o /dev/null -w '%{http_code}' "$@" || true; }
served_subject() {  # the subject of the certificate llmon serves now
  openssl s_client -connect "127.0.0.1:$LLMON_PORT" -CAfile "$PKI/server-ca.pem" </dev/null \
    2>/dev/null | openssl x509 -noout -subject 2>/dev/null
}
reloads=0
reload() {  # SIGHUP, then wait for its outcome in the log
  reloads=$((reloads + 1))
  kill -HUP "$LLMON_PID"
  for _ in $(seq 1 100); do
    (($(grep -c -e 'configuration reloaded' -e 'configuration reload failed' "$LLMON_LOG") >= reloads)) &&
      return 0
    sleep 0.05
  done
  echo "no reload outcome logged" >&2
  return 1
}
metric() { tls_curl "${AUTH[@]}" "$BASE/metrics" | grep -E "^$1 " | awk '{print $2}'; }
# grep without -q reads to the end, so curl never fails writing (see wait_metrics in lib.sh).
serves_metrics() { tls_curl "${AUTH[@]}" "$@" "$BASE/metrics" | grep '^llmon_build_info' > /dev/null; }
subject_is() { served_subject | grep -- "$1" > /dev/null; }

check "the startup log names the certificate" grep -q 'TLS on: subject CN=llmon first' "$LLMON_LOG"
check "HTTPS with the right password serves the metrics" serves_metrics
check "no password: 401" test "$(status "$BASE/metrics")" = 401
check "wrong password: 401" test "$(status -u prometheus:wrong "$BASE/metrics")" = 401
check "unknown user: 401" test "$(status -u mallory:'s3cret:with colon' "$BASE/metrics")" = 401
tls_curl -D "$WORK/401.h" -o /dev/null "$BASE/metrics" || true
check "401 names the Basic realm" grep -qi '^www-authenticate: Basic realm="llmon"' "$WORK/401.h"
check "/healthz answers without a password" test "$(status "$BASE/healthz")" = 200
check "plain HTTP to the TLS port gets a 400 saying so" \
  bash -c "curl -sS --max-time 5 'http://127.0.0.1:$LLMON_PORT/metrics' | grep -q 'use https://'"
refused_by_server() {  # CLIENT-COMMAND...: the handshake fails with llmon's alert ALERT
  local alert="$1"
  shift
  ! "$@" </dev/null >"$WORK/handshake.out" 2>&1 && grep -q "$alert" "$WORK/handshake.out"
}
check "TLS 1.1 is refused (curl --tls-max 1.1)" refused_by_server 'alert protocol version' \
  tls_curl --tls-max 1.1 "$BASE/healthz"
check "TLS 1.1 is refused (openssl s_client -tls1_1, client side allowing it)" \
  refused_by_server 'alert protocol version' \
  openssl s_client -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' -connect "127.0.0.1:$LLMON_PORT"
check "TLS 1.2 works" test "$(status --tlsv1.2 --tls-max 1.2 "$BASE/healthz")" = 200

# Stalled handshakes (a partial ClientHello, then nothing) take slots, not the endpoint: with
# max_connections = 8, ten of them are open and a scrape still succeeds.
for i in $(seq 3 12); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$LLMON_PORT"
  printf '\x16\x03\x01' >&"$fd"
  eval "STALLED_$i=$fd"
done
sleep 1.2  # past reclaim_after: the stalled ones are now the oldest reclaimable
check "a scrape gets through ten stalled handshakes" \
  test "$(status "${AUTH[@]}" "$BASE/metrics")" = 200
check "the stalled connections were closed to make room" grep -q 'cap reached' "$LLMON_LOG"
for i in $(seq 3 12); do
  fd_var="STALLED_$i"
  eval "exec ${!fd_var}>&-"
done

# --- certificate rotation on SIGHUP, and a bad certificate that keeps the old one ---
check "serving the first certificate" subject_is 'llmon first'
cp "$PKI/rotated.pem" "$WORK/server.pem"
cp "$PKI/rotated.key" "$WORK/server.key"
reload
check "after SIGHUP the rotated certificate is served" subject_is 'llmon rotated'
check "and the reload counts as successful" test "$(metric llmon_config_last_reload_successful)" = 1
printf 'garbage\n' > "$WORK/server.pem"
reload
check "a bad certificate on reload sets llmon_config_last_reload_successful 0" \
  test "$(metric llmon_config_last_reload_successful)" = 0
check "the log says which file and why" \
  grep -q 'web.tls.cert_file: cert_file .*server.pem: no usable PEM certificate' "$LLMON_LOG"
check "the rotated certificate is still served" subject_is 'llmon rotated'
cp "$PKI/rotated.pem" "$WORK/server.pem"

# --- TLS 1.3 minimum, then client certificates ---
config 'min_version = "TLS1.3"'
reload
check "min_version TLS1.3: a TLS 1.2 client is refused" \
  refused_by_server 'alert protocol version' tls_curl --tls-max 1.2 "$BASE/healthz"
check "min_version TLS1.3: TLS 1.3 works" test "$(status --tlsv1.3 "$BASE/healthz")" = 200

config "client_ca_file = \"$PKI/client-ca.pem\""
reload
check "mTLS: no client certificate is refused" \
  refused_by_server 'alert certificate required' tls_curl "$BASE/healthz"
check "mTLS: a certificate from another CA is refused" refused_by_server 'alert unknown ca' \
  tls_curl --cert "$PKI/stranger.pem" --key "$PKI/stranger.key" "$BASE/healthz"
check "mTLS: the client certificate (and the password) are accepted" \
  test "$(status --cert "$PKI/client.pem" --key "$PKI/client.key" "${AUTH[@]}" "$BASE/metrics")" = 200

# --- a real Prometheus: scheme https, tls_config with our CA and client certificate, basic_auth ---
printf '%s' 's3cret:with colon' > "$WORK/password"
cat > "$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: llmon
    scheme: https
    tls_config:
      ca_file: $PKI/server-ca.pem
      cert_file: $PKI/client.pem
      key_file: $PKI/client.key
    basic_auth:
      username: prometheus
      password_file: $WORK/password
    static_configs:
      - targets: ["127.0.0.1:$LLMON_PORT"]
YAML
start_prometheus tls "$WORK/prometheus.yml"
wait_query() { prom_wait_query tls "$@"; }
check "Prometheus scrapes llmon over HTTPS with a password (up == 1)" \
  wait_query 'up{job="llmon"}' '"1"]'
check "its series arrive" wait_query 'llmon_build_info' '"version":"'
stop_prometheus_all
check "Prometheus logged no scrape errors" \
  bash -c "! grep -qi 'err=\\|level=error' '$WORK/prometheus_tls.log'"
stop_llmon TERM
check "llmon stops cleanly (exit 0)" test "$STOP_STATUS" -eq 0
finish
