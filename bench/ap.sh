#!/usr/bin/env bash
# Measures requests per second for ActivityPub documents served by blogbridge
# against nginx serving the very same bytes as static files, side by side on
# loopback, with wrk (64 keep-alive connections, 2 threads).
#
#   bench/ap.sh                         # 3 rounds, 10 s per server and case
#   ROUNDS=1 DURATION=3s bench/ap.sh    # a quick look
#
# Cases, on the example site: the actor (/ap/actor), a WebFinger answer
# (/.well-known/webfinger?resource=acct:blog@HOST) and one object, the
# example's longest post as an Article (/ap/posts/ID); the actor and the
# object also with "Accept-Encoding: gzip", as Mastodon asks. nginx serves
# the bytes blogbridge sent, with the same media types; for gzip,
# gzip_static serves a .gz file holding blogbridge's own compressed bytes.
# Rounds alternate nginx and blogbridge so both see the same machine; the
# summary gives the median ratio per case against the target of 1.0x nginx.
#
# With two or more CPUs the servers run on CPU 0 (nginx with one worker, Go
# with one CPU) and wrk on CPU 1, as if the load came from another machine;
# PIN=0 lets every process use every CPU (nginx then runs one worker per
# CPU). Installs nginx and wrk with apt-get when they are missing.
# Everything listens on 127.0.0.1 and is stopped on exit.
#
# Two settings help explain a result (README, "Serving documents"):
#   QUOTA=50  runs each server in a cgroup of its own capped at 50% of a CPU
#             (needs root), so that the servers set the rate, not wrk's core.
#   BARE=1    also measures bench/bare on the uncompressed object: no HTTP
#             server, only blogbridge's answer sent back for each request,
#             with writev as blogbridge sends it and with sendfile as nginx
#             does. Its rows bound what a connection loop of our own and a
#             body that is never copied could gain; they have no target.
set -euo pipefail

cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=64
THREADS=2
PORT=${PORT:-18490} # blogbridge: PORT; nginx: PORT+1
PIN=${PIN:-1}
if [ -n "${QUOTA:-}" ] && [ "$(id -u)" -ne 0 ]; then
	echo "ap.sh: QUOTA makes cgroups, which needs root" >&2
	exit 1
fi

if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi

missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "ap.sh: needs ${missing[*]} (apt-get install ${missing[*]})" >&2
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

tmp=$(mktemp -d /tmp/blogbridge-ap-bench.XXXXXX)
chmod 755 "$tmp"
pids=() cgroups=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	if [ -f "$tmp/nginx.pid" ]; then
		kill -QUIT "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
	fi
	wait 2>/dev/null || true
	for dir in "${cgroups[@]}"; do # empty once nginx's worker has exited
		for _ in $(seq 50); do
			rmdir "$dir" 2>/dev/null && break
			sleep 0.1
		done
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "building blogbridge in $tmp"
go build -o "$tmp/blogbridge" ./cmd/blogbridge

bb="http://127.0.0.1:$PORT"
ng="http://127.0.0.1:$((PORT + 1))"
"${server_cpu[@]}" "$tmp/blogbridge" serve --config /dev/null --site example \
	--addr "127.0.0.1:$PORT" --data "$tmp/data" --base-url "$bb/" --log-level warn 2>"$tmp/blogbridge.log" &
pids+=($!)

wait_for() {
	for _ in $(seq 100); do
		curl -fs -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "ap.sh: $1 did not answer; logs in $tmp" >&2
	cat "$tmp"/*.log >&2 || true
	exit 1
}
wait_for "$bb/ap/actor"

# The object: the post the example's page for it names as its alternate.
object=$(curl -fs -H 'Accept: application/activity+json' "$bb/posts/stream-days-lisbon-2025/" |
	grep -o '"id":"[^"]*/ap/posts/[a-z0-9-]*"' | head -1 | sed 's|.*/ap/posts/||; s|"$||')
if [ -z "$object" ]; then
	echo "ap.sh: no object for /posts/stream-days-lisbon-2025/" >&2
	exit 1
fi

# The cases: name, path (the same on both servers).
names=(actor webfinger object)
paths=("/ap/actor" "/.well-known/webfinger?resource=acct:blog@127.0.0.1:$PORT" "/ap/posts/$object")
files=("ap/actor" ".well-known/webfinger" "ap/posts/$object")

mkdir -p "$tmp/www/ap/posts" "$tmp/www/.well-known"
for i in "${!names[@]}"; do
	curl -fs -o "$tmp/www/${files[$i]}" "$bb${paths[$i]}"
	if curl -fsI -H 'Accept-Encoding: gzip' "$bb${paths[$i]}" | grep -qi '^content-encoding: gzip'; then
		curl -fs -H 'Accept-Encoding: gzip' -o "$tmp/www/${files[$i]}.gz" "$bb${paths[$i]}"
		gzip -t "$tmp/www/${files[$i]}.gz"
	fi
done
chmod -R a+rX "$tmp/www"

cat >"$tmp/nginx.conf" <<CONF
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
    gzip off;
    gzip_static on;
    gzip_vary on;
    client_body_temp_path $tmp/nginx-body;
    proxy_temp_path $tmp/nginx-proxy;
    fastcgi_temp_path $tmp/nginx-fastcgi;
    uwsgi_temp_path $tmp/nginx-uwsgi;
    scgi_temp_path $tmp/nginx-scgi;
    server {
        listen 127.0.0.1:$((PORT + 1));
        root $tmp/www;
        add_header Cache-Control "public, max-age=60";
        add_header Access-Control-Allow-Origin "*";
        location /ap/ { types { } default_type "application/activity+json; charset=utf-8"; }
        location /.well-known/ { types { } default_type "application/jrd+json; charset=utf-8"; }
    }
}
CONF
"${server_cpu[@]}" "$NGINX" -c "$tmp/nginx.conf" -p "$tmp" -e "$tmp/nginx-error.log"

# encodings I prints the encodings case I is measured with.
encodings() {
	if [ -f "$tmp/www/${files[$1]}.gz" ]; then echo identity gzip; else echo identity; fi
}

# Both servers must send the same bytes with the same media type.
for i in "${!names[@]}"; do
	wait_for "$ng${paths[$i]}"
	for enc in $(encodings "$i"); do
		a=$(curl -fs -H "Accept-Encoding: $enc" "$bb${paths[$i]}" | sha256sum)
		b=$(curl -fs -H "Accept-Encoding: $enc" "$ng${paths[$i]}" | sha256sum)
		ta=$(curl -fsI "$bb${paths[$i]}" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-type" { print $2 }')
		tb=$(curl -fsI "$ng${paths[$i]}" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-type" { print $2 }')
		if [ "$a" != "$b" ] || [ "$ta" != "$tb" ]; then
			echo "ap.sh: nginx and blogbridge differ for ${names[$i]}, $enc ($ta / $tb)" >&2
			exit 1
		fi
	done
done

# With BARE=1, bench/bare serves blogbridge's whole answer for the object,
# once with each way of sending it.
bare=()
if [ "${BARE:-0}" = 1 ]; then
	go build -o "$tmp/bare" ./bench/bare
	object_path=/ap/posts/$object
	curl -fs -D "$tmp/bare.head" -o "$tmp/bare.body" "$bb$object_path"
	cat "$tmp/bare.head" "$tmp/bare.body" >"$tmp/bare.http"
	for send in writev sendfile; do
		url="http://127.0.0.1:$((PORT + 2 + ${#bare[@]}))"
		"${server_cpu[@]}" "$tmp/bare" -addr "${url#http://}" -response "$tmp/bare.http" -send "$send" 2>"$tmp/bare-$send.log" &
		pids+=($!)
		wait_for "$url$object_path"
		if ! curl -fs "$url$object_path" | cmp -s - "$tmp/bare.body"; then
			echo "ap.sh: bench/bare -send $send does not send blogbridge's object" >&2
			exit 1
		fi
		bare+=("$send $url")
	done
fi

# capcpu NAME PID... moves the processes into a new cgroup capped at QUOTA%
# of a CPU, with cgroup v2 or v1's cpu controller.
capcpu() {
	local name=$1 dir
	shift
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		echo +cpu >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
		dir=/sys/fs/cgroup/blogbridge-bench-$$-$name
		mkdir "$dir"
		cgroups+=("$dir")
		echo "$((QUOTA * 100)) 10000" >"$dir/cpu.max"
	else
		dir=/sys/fs/cgroup/cpu/blogbridge-bench-$$-$name
		mkdir "$dir"
		cgroups+=("$dir")
		echo 10000 >"$dir/cpu.cfs_period_us"
		echo $((QUOTA * 100)) >"$dir/cpu.cfs_quota_us"
	fi
	for pid; do
		echo "$pid" >"$dir/cgroup.procs"
	done
}
if [ -n "${QUOTA:-}" ]; then
	nginx_master=$(cat "$tmp/nginx.pid")
	capcpu nginx "$nginx_master" $(pgrep -P "$nginx_master")
	for i in "${!pids[@]}"; do
		capcpu "server$i" "${pids[$i]}"
	done
fi

# rps URL [HEADER] prints the requests per second wrk measured.
rps() {
	local out
	out=$(timeout 120 "${client_cpu[@]}" wrk -c"$CONNECTIONS" -t"$THREADS" -d"$DURATION" ${2:+-H "$2"} "$1")
	if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
		echo "ap.sh: errors while loading $1:" >&2
		echo "$out" >&2
		exit 1
	fi
	awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

printf '\nwrk -c%d -t%d -d%s, %d rounds%s%s\n\n' "$CONNECTIONS" "$THREADS" "$DURATION" "$ROUNDS" \
	"$([ "${#server_cpu[@]}" -gt 0 ] && echo ', servers on CPU 0, wrk on CPU 1')" \
	"${QUOTA:+, each server capped at $QUOTA% of a CPU}"
printf '%-13s %-8s %8s %5s %12s %12s %6s\n' case encoding bytes round nginx blogbridge ratio
results=()
for round in $(seq "$ROUNDS"); do
	for i in "${!names[@]}"; do
		for enc in $(encodings "$i"); do
			header="" file="$tmp/www/${files[$i]}"
			if [ "$enc" = gzip ]; then
				header="Accept-Encoding: gzip" file="$file.gz"
			fi
			n=$(rps "$ng${paths[$i]}" "$header")
			b=$(rps "$bb${paths[$i]}" "$header")
			ratio=$(awk -v a="$b" -v b="$n" 'BEGIN { printf "%.2f", a / b }')
			printf '%-13s %-8s %8d %5d %12.0f %12.0f %6s\n' "${names[$i]}" "$enc" "$(stat -c %s "$file")" "$round" "$n" "$b" "$ratio"
			results+=("${names[$i]} $enc $ratio")
			if [ "${names[$i]}" = object ] && [ "$enc" = identity ]; then
				for server in "${bare[@]}"; do
					b=$(rps "${server#* }${paths[$i]}")
					ratio=$(awk -v a="$b" -v b="$n" 'BEGIN { printf "%.2f", a / b }')
					printf '%-13s %-8s %8d %5d %12.0f %12.0f %6s\n' "bare-${server%% *}" "$enc" "$(stat -c %s "$file")" "$round" "$n" "$b" "$ratio"
					results+=("bare-${server%% *} $enc $ratio")
				done
			fi
		done
	done
done

# median CASE ENCODING prints the median ratio of that case's rounds.
median() {
	printf '%s\n' "${results[@]}" | awk -v c="$1" -v e="$2" '$1 == c && $2 == e { print $3 }' |
		sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

printf '\nmedian of %d rounds (blogbridge / nginx)\n' "$ROUNDS"
status=0
for i in "${!names[@]}"; do
	for enc in $(encodings "$i"); do
		m=$(median "${names[$i]}" "$enc")
		verdict=$(awk -v m="$m" 'BEGIN { print (m >= 1.0) ? "meets" : "MISSES" }')
		printf '%-13s %-8s %6s  %s the target of 1.0x\n' "${names[$i]}" "$enc" "$m" "$verdict"
		[ "$verdict" = meets ] || status=1
	done
done
for server in "${bare[@]}"; do
	printf '%-13s %-8s %6s  (a bound, no target)\n' "bare-${server%% *}" identity "$(median "bare-${server%% *}" identity)"
done
exit "$status"
