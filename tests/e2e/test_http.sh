#!/usr/bin/env bash
# The HTTP surface over real sockets: gzip, keep-alive, HEAD, malformed requests.
source "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/empty_sys/class/drm"
printf '[gpu]\nsysfs_root = "%s"\n%s\n' "$WORK/empty_sys" "$NO_OLLAMA" > "$WORK/c.toml"
start_llmon --config "$WORK/c.toml"
wait_metrics '^llmon_collector_success\{collector="host"\} 1$' >/dev/null

curl -sS -D "$WORK/gz.h" -H 'Accept-Encoding: gzip' -o "$WORK/body.gz" "$(url /metrics)"
check "gzip is served when accepted" grep -qi '^content-encoding: gzip' "$WORK/gz.h"
check "the gzip body is valid exposition" bash -c "gunzip -c '$WORK/body.gz' | grep -q '^llmon_build_info'"
curl -sS -D "$WORK/plain.h" -o /dev/null "$(url /metrics)"
check "plain text when gzip is not accepted" bash -c "! grep -qi '^content-encoding' '$WORK/plain.h'"
check "content type is the text format 0.0.4" \
  grep -qi '^content-type: text/plain; version=0.0.4' "$WORK/plain.h"

curl -sS -v -o /dev/null -o /dev/null "$(url /metrics)" "$(url /metrics)" 2>"$WORK/ka.log"
check "two scrapes reuse one keep-alive connection" grep -qi 're-using existing connection' "$WORK/ka.log"
curl -sS -v -o /dev/null --http1.0 "$(url /metrics)" 2>"$WORK/h10.log"
check "HTTP/1.0 without keep-alive is answered" grep -q 'HTTP/1.[01] 200' "$WORK/h10.log"

curl -sS -I "$(url /metrics)" > "$WORK/head.h"
check "HEAD answers 200 with a Content-Length" grep -qi '^content-length: [1-9]' "$WORK/head.h"

raw() {  # raw REQUEST-BYTES: sends them, prints the status line of the answer
  exec 3<>"/dev/tcp/127.0.0.1/$LLMON_PORT"
  printf "$1" >&3
  timeout 5 head -n1 <&3 | tr -d '\r'
  exec 3>&-
}
check "a garbage request line gets 400" bash -c "[[ '$(raw 'HELLO WORLD\r\n\r\n')' == 'HTTP/1.1 400 Bad Request' ]]"
check "a bad HTTP version gets 400" bash -c "[[ '$(raw 'GET /metrics HTTP/9\r\n\r\n')' == HTTP/1.1\ 4* ]]"
big=$(head -c 20000 /dev/zero | tr '\0' 'a')
check "oversized headers are refused" bash -c "[[ '$(raw "GET /metrics HTTP/1.1\r\nX: $big\r\n\r\n")' == HTTP/1.1\ 4* ]]"
check "POST /metrics gets 405" \
  bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' -X POST '$(url /metrics)') == 405 ]]"
check "after all that, scrapes still work" \
  bash -c "curl -sS '$(url /metrics)' | grep -q '^llmon_build_info'"
scrape > "$WORK/m.prom"
check "promtool check metrics is clean" promtool_clean "$WORK/m.prom"
finish
