#!/usr/bin/env bash
# Measures requests per second for feeds served by blogbridge against nginx
# serving the very same bytes as static files, side by side on loopback, with
# wrk (64 keep-alive connections, 2 threads).
#
#   bench/feeds.sh                      # 3 rounds, 10 s per server and case
#   ROUNDS=1 DURATION=3s bench/feeds.sh # a quick look
#
# Cases: the example site's feed (/index.xml), a feed of about 40 KB from a
# generated site (cmd/sitegen, 4 items) and, to show the cost of a request
# itself, the example's small Spanish feed (/es/index.xml, one entry), each
# plain and with "Accept-Encoding: gzip". nginx serves the bytes blogbridge sent; for gzip,
# gzip_static serves a .gz file holding blogbridge's own compressed bytes.
# Rounds alternate nginx and blogbridge so both see the same machine; the
# summary gives the median ratio per case and the targets (0.8x nginx plain,
# 1.0x with gzip).
#
# With two or more CPUs the servers run on CPU 0 (nginx with one worker, Go
# with GOMAXPROCS=1) and wrk on CPU 1, as if the load came from another
# machine; PIN=0 lets every process use every CPU (nginx then runs one
# worker per CPU). Installs nginx and wrk with apt-get when they are missing.
# Everything listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail

cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=64
THREADS=2
PORT=${PORT:-18480} # blogbridge: PORT and PORT+1; nginx: PORT+2
PIN=${PIN:-1}

if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi

missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "feeds.sh: needs ${missing[*]} (apt-get install ${missing[*]})" >&2
		exit 1
	fi
	echo "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

server_cpu=() client_cpu=() workers=auto
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ]; then
	server_cpu=(taskset -c 0) client_cpu=(taskset -c 1) workers=1
fi

tmp=$(mktemp -d /tmp/blogbridge-bench.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	if [ -f "$tmp/nginx.pid" ]; then
		kill -QUIT "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
	fi
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "building blogbridge and a generated site in $tmp"
go build -o "$tmp/blogbridge" ./cmd/blogbridge
go run ./cmd/sitegen -posts 30 -images 10 -out "$tmp/gen" >/dev/null

# serve SITE PORT ITEMS starts blogbridge on 127.0.0.1:PORT.
serve() {
	local site=$1 port=$2 items=$3
	"${server_cpu[@]}" "$tmp/blogbridge" serve --config /dev/null --site "$site" \
		--addr "127.0.0.1:$port" --data "$tmp/data-$port" --feed-items "$items" \
		--base-url "http://127.0.0.1:$port/" --log-level warn 2>"$tmp/blogbridge-$port.log" &
	pids+=($!)
}
serve example "$PORT" 20
serve "$tmp/gen" "$((PORT + 1))" 4

# The cases: name, blogbridge URL, nginx path.
names=("site feed" "40 KB feed" "small feed")
bb_urls=("http://127.0.0.1:$PORT/index.xml" "http://127.0.0.1:$((PORT + 1))/index.xml" "http://127.0.0.1:$PORT/es/index.xml")
ng_paths=("/site/index.xml" "/gen/index.xml" "/small/index.xml")

wait_for() {
	for _ in $(seq 100); do
		curl -fs -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "feeds.sh: $1 did not answer; logs in $tmp" >&2
	cat "$tmp"/*.log >&2 || true
	exit 1
}

mkdir -p "$tmp/www/site" "$tmp/www/gen" "$tmp/www/small"
for i in "${!names[@]}"; do
	wait_for "${bb_urls[$i]}"
	file="$tmp/www${ng_paths[$i]}"
	curl -fs -o "$file" "${bb_urls[$i]}"
	curl -fs -H 'Accept-Encoding: gzip' -o "$file.gz" "${bb_urls[$i]}"
	gzip -t "$file.gz"
done
chmod -R a+rX "$tmp/www"

cat >"$tmp/nginx.conf" <<EOF
worker_processes $workers;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 120s;
    keepalive_requests 100000000;
    open_file_cache max=64 inactive=60s;
    open_file_cache_valid 60s;
    types { application/rss+xml xml; }
    default_type application/octet-stream;
    gzip off;
    gzip_static on;
    gzip_vary on;
    client_body_temp_path $tmp/nginx-body;
    proxy_temp_path $tmp/nginx-proxy;
    fastcgi_temp_path $tmp/nginx-fastcgi;
    uwsgi_temp_path $tmp/nginx-uwsgi;
    scgi_temp_path $tmp/nginx-scgi;
    server {
        listen 127.0.0.1:$((PORT + 2));
        root $tmp/www;
        add_header Cache-Control "public, no-cache";
    }
}
EOF
"${server_cpu[@]}" "$NGINX" -c "$tmp/nginx.conf" -p "$tmp" -e "$tmp/nginx-error.log"

# Both servers must send the same bytes, plain and gzipped.
for i in "${!names[@]}"; do
	ng="http://127.0.0.1:$((PORT + 2))${ng_paths[$i]}"
	wait_for "$ng"
	for enc in identity gzip; do
		a=$(curl -fs -H "Accept-Encoding: $enc" "${bb_urls[$i]}" | sha256sum)
		b=$(curl -fs -H "Accept-Encoding: $enc" "$ng" | sha256sum)
		if [ "$a" != "$b" ]; then
			echo "feeds.sh: nginx and blogbridge differ for ${names[$i]} ($enc)" >&2
			exit 1
		fi
	done
	if ! curl -fsI -H 'Accept-Encoding: gzip' "$ng" | grep -qi '^content-encoding: gzip'; then
		echo "feeds.sh: nginx does not serve the .gz file for ${names[$i]}" >&2
		exit 1
	fi
done

# rps URL [HEADER] prints the requests per second wrk measured.
rps() {
	local out
	out=$(timeout 120 "${client_cpu[@]}" wrk -c"$CONNECTIONS" -t"$THREADS" -d"$DURATION" ${2:+-H "$2"} "$1")
	if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
		echo "feeds.sh: errors while loading $1:" >&2
		echo "$out" >&2
		exit 1
	fi
	awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

printf '\nwrk -c%d -t%d -d%s, %d rounds%s\n\n' "$CONNECTIONS" "$THREADS" "$DURATION" "$ROUNDS" \
	"$([ "${#server_cpu[@]}" -gt 0 ] && echo ', servers on CPU 0, wrk on CPU 1')"
printf '%-12s %-8s %8s %5s %12s %12s %6s\n' case encoding bytes round nginx blogbridge ratio
results=()
for round in $(seq "$ROUNDS"); do
	for i in "${!names[@]}"; do
		for enc in identity gzip; do
			header=""
			file="$tmp/www${ng_paths[$i]}"
			if [ "$enc" = gzip ]; then
				header="Accept-Encoding: gzip"
				file="$file.gz"
			fi
			n=$(rps "http://127.0.0.1:$((PORT + 2))${ng_paths[$i]}" "$header")
			b=$(rps "${bb_urls[$i]}" "$header")
			ratio=$(awk -v a="$b" -v b="$n" 'BEGIN { printf "%.2f", a / b }')
			printf '%-12s %-8s %8d %5d %12.0f %12.0f %6s\n' "${names[$i]}" "$enc" "$(stat -c %s "$file")" "$round" "$n" "$b" "$ratio"
			results+=("$i $enc $ratio")
		done
	done
done

printf '\nmedian of %d rounds (blogbridge / nginx)\n' "$ROUNDS"
status=0
for i in "${!names[@]}"; do
	for enc in identity gzip; do
		median=$(printf '%s\n' "${results[@]}" | awk -v i="$i" -v e="$enc" '$1 == i && $2 == e { print $3 }' |
			sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
		target=0.8
		[ "$enc" = gzip ] && target=1.0
		verdict=$(awk -v m="$median" -v t="$target" 'BEGIN { print (m >= t) ? "meets" : "MISSES" }')
		printf '%-12s %-8s %6s  %s the target of %sx\n' "${names[$i]}" "$enc" "$median" "$verdict" "$target"
		[ "$verdict" = meets ] || status=1
	done
done
exit "$status"
